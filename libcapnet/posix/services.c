/* The built-in services table: the well-known ports (IANA's registry, as
 * /etc/services lists them) a program names most often. A program needing
 * another passes the number. */
#include <string.h>

#include "capnet/netdb.h"

static const struct {
	const char *name;
	uint16_t port;
	uint8_t protos;
} services[] = {
	{"echo", 7, CAPNET_SERV_TCP | CAPNET_SERV_UDP},
	{"discard", 9, CAPNET_SERV_TCP | CAPNET_SERV_UDP},
	{"daytime", 13, CAPNET_SERV_TCP | CAPNET_SERV_UDP},
	{"ftp", 21, CAPNET_SERV_TCP},
	{"ssh", 22, CAPNET_SERV_TCP},
	{"telnet", 23, CAPNET_SERV_TCP},
	{"smtp", 25, CAPNET_SERV_TCP},
	{"domain", 53, CAPNET_SERV_TCP | CAPNET_SERV_UDP},
	{"bootps", 67, CAPNET_SERV_UDP},
	{"bootpc", 68, CAPNET_SERV_UDP},
	{"tftp", 69, CAPNET_SERV_UDP},
	{"http", 80, CAPNET_SERV_TCP},
	{"pop3", 110, CAPNET_SERV_TCP},
	{"ntp", 123, CAPNET_SERV_UDP},
	{"imap", 143, CAPNET_SERV_TCP},
	{"snmp", 161, CAPNET_SERV_UDP},
	{"ldap", 389, CAPNET_SERV_TCP},
	{"https", 443, CAPNET_SERV_TCP},
	{"syslog", 514, CAPNET_SERV_UDP},
	{"submission", 587, CAPNET_SERV_TCP},
	{"imaps", 993, CAPNET_SERV_TCP},
	{"pop3s", 995, CAPNET_SERV_TCP},
	{"mqtt", 1883, CAPNET_SERV_TCP},
	{"http-alt", 8080, CAPNET_SERV_TCP},
};

bool capnet_getservbyname(const char *name, uint16_t *port, unsigned *protos)
{
	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
		if (strcmp(services[i].name, name) == 0) {
			*port = services[i].port;
			*protos = services[i].protos;
			return true;
		}
	}
	return false;
}
