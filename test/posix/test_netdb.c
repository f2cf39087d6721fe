/* The parts of getaddrinfo that need no network: numeric hosts (exact
 * bytes, every malformed shape refused), the services table, gai_strerror,
 * and the EAI_* of every resolver outcome. The resolver-backed paths are
 * the posix-getaddrinfo proof. */
#include <string.h>

#include "capnet/netdb.h"
#include "capnet/posix.h"
#include "check_main.h"

START_TEST(test_pton4)
{
	uint8_t b[4];
	ck_assert(capnet_inet_pton4("192.0.2.9", b));
	ck_assert_mem_eq(b, ((uint8_t[]){192, 0, 2, 9}), 4);
	ck_assert(capnet_inet_pton4("0.0.0.0", b));
	ck_assert(capnet_inet_pton4("255.255.255.255", b));
	const char *bad[] = {"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", "a.b.c.d",
			     "1.2.3.-4", "1.2.3.1000"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!capnet_inet_pton4(bad[i], b), "%s accepted", bad[i]);
}
END_TEST

START_TEST(test_pton6)
{
	uint8_t b[16];
	static const uint8_t db8_9[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 9};
	ck_assert(capnet_inet_pton6("2001:db8::9", b));
	ck_assert_mem_eq(b, db8_9, 16);
	ck_assert(capnet_inet_pton6("2001:DB8:0:0:0:0:0:9", b));
	ck_assert_mem_eq(b, db8_9, 16);
	ck_assert(capnet_inet_pton6("::", b));
	ck_assert_mem_eq(b, (uint8_t[16]){0}, 16);
	ck_assert(capnet_inet_pton6("::1", b));
	ck_assert_uint_eq(b[15], 1);
	ck_assert(capnet_inet_pton6("fe80::", b));
	ck_assert_uint_eq(b[0], 0xfe);
	ck_assert_uint_eq(b[1], 0x80);
	ck_assert(capnet_inet_pton6("::ffff:192.0.2.10", b));
	ck_assert_mem_eq(b, ((uint8_t[16]){[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 10}), 16);
	const char *bad[] = {"", ":", ":::", "1::2::3", "2001:db8::g", "12345::", "1:2:3:4:5:6:7:8:9",
			     "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", ":1:2:3:4:5:6:7", "::1.2.3", "1.2.3.4",
			     "2001:db8:::1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!capnet_inet_pton6(bad[i], b), "%s accepted", bad[i]);
}
END_TEST

START_TEST(test_services)
{
	uint16_t port;
	unsigned protos;
	ck_assert(capnet_getservbyname("http", &port, &protos));
	ck_assert_uint_eq(port, 80);
	ck_assert_uint_eq(protos, CAPNET_SERV_TCP);
	ck_assert(capnet_getservbyname("domain", &port, &protos));
	ck_assert_uint_eq(port, 53);
	ck_assert_uint_eq(protos, CAPNET_SERV_TCP | CAPNET_SERV_UDP);
	ck_assert(!capnet_getservbyname("gopher", &port, &protos));
	ck_assert(!capnet_getservbyname("HTTP", &port, &protos)); /* names are case-sensitive */
}
END_TEST

START_TEST(test_eai_of_status_and_text)
{
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_FOUND), 0);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_NXDOMAIN), CAPNET_EAI_NONAME);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_BADNAME), CAPNET_EAI_NONAME);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_NODATA), CAPNET_EAI_NODATA);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_TIMEOUT), CAPNET_EAI_AGAIN);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_SERVFAIL), CAPNET_EAI_AGAIN);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_UNAVAILABLE), CAPNET_EAI_AGAIN);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_REFUSED), CAPNET_EAI_FAIL);
	ck_assert_int_eq(capnet_gai_of_status(CAPNET_DNS_MALFORMED), CAPNET_EAI_FAIL);
	ck_assert_str_eq(capnet_gai_strerror(CAPNET_EAI_NONAME), "Name or service not known");
	ck_assert_str_eq(capnet_gai_strerror(CAPNET_EAI_AGAIN), "Temporary failure in name resolution");
	ck_assert_str_eq(capnet_gai_strerror(12345), "Unknown error");
}
END_TEST

/* Without a resolver call: flags, families, numeric hosts and the pool. */
START_TEST(test_numeric_and_pool)
{
	static struct capnet_gai_pool pool;
	memset(&pool, 0, sizeof pool);
	struct capnet_gai_ctx g = {.pool = &pool};
	struct capnet_addrinfo hints = {.ai_flags = CAPNET_AI_NUMERICHOST}, *ai;
	ck_assert_int_eq(capnet_getaddrinfo(&g, "192.0.2.9", "80", &hints, &ai), 0);
	ck_assert_uint_eq(capnet_gai_pool_in_use(&pool), 2); /* stream + dgram */
	ck_assert_int_eq(ai->ai_family, CAPNET_AF_INET_POSIX);
	ck_assert_int_eq(ai->ai_socktype, CAPNET_SOCK_STREAM);
	ck_assert_int_eq(ai->ai_protocol, CAPNET_IPPROTO_TCP_POSIX);
	ck_assert_uint_eq(ai->ai_addrlen, 16);
	const uint8_t *sa = (const uint8_t *)ai->ai_addr;
	ck_assert_mem_eq(sa, ((uint8_t[]){2, 0, 0, 80, 192, 0, 2, 9}), 8); /* family (host order), port, addr */
	ck_assert_int_eq(ai->ai_next->ai_socktype, CAPNET_SOCK_DGRAM);
	ck_assert_ptr_null(ai->ai_next->ai_next);
	/* freeing the second entry (not a head) is ignored; the head frees both */
	capnet_freeaddrinfo(&g, ai->ai_next);
	ck_assert_uint_eq(capnet_gai_pool_in_use(&pool), 2);
	capnet_freeaddrinfo(&g, ai);
	ck_assert_uint_eq(capnet_gai_pool_in_use(&pool), 0);
	ck_assert_int_eq(capnet_getaddrinfo(&g, "www.example.test", "80", &hints, &ai), CAPNET_EAI_NONAME);
	hints.ai_flags = 0x4000;
	ck_assert_int_eq(capnet_getaddrinfo(&g, "192.0.2.9", "80", &hints, &ai), CAPNET_EAI_BADFLAGS);
	hints.ai_flags = 0;
	hints.ai_family = 99;
	ck_assert_int_eq(capnet_getaddrinfo(&g, "192.0.2.9", "80", &hints, &ai), CAPNET_EAI_FAMILY);
	hints.ai_family = CAPNET_AF_INET6_POSIX;
	ck_assert_int_eq(capnet_getaddrinfo(&g, "192.0.2.9", "80", &hints, &ai), CAPNET_EAI_FAMILY);
	hints.ai_flags = CAPNET_AI_V4MAPPED;
	ck_assert_int_eq(capnet_getaddrinfo(&g, "192.0.2.9", "80", &hints, &ai), 0);
	ck_assert_int_eq(ai->ai_family, CAPNET_AF_INET6_POSIX);
	capnet_freeaddrinfo(&g, ai);
	/* a name without a resolver cap: no ambient fallback */
	ck_assert_int_eq(capnet_getaddrinfo(&g, "www.example.test", "80", NULL, &ai), CAPNET_EAI_FAIL);
	ck_assert_uint_eq(capnet_gai_pool_in_use(&pool), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("posix-netdb");
	TCase *tc = check_add_case(s, "netdb", NULL, NULL, 0);
	tcase_add_test(tc, test_pton4);
	tcase_add_test(tc, test_pton6);
	tcase_add_test(tc, test_services);
	tcase_add_test(tc, test_eai_of_status_and_text);
	tcase_add_test(tc, test_numeric_and_pool);
	return s;
}
