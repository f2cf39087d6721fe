/* Argument parsers and formatters shared by the capnet subcommands. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

bool cmd_parse_mac(const char *s, struct capnet_mac *out)
{
	unsigned b[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out->b[i] = (uint8_t)b[i];
	return true;
}

bool cmd_parse_ip4(const char *s, capnet_ip4addr *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

/* Splits "ADDR[/LEN]" into ADDR (copied to buf) and LEN, which defaults to
 * def_len and must lie in 1..max_len. */
static bool split_cidr(const char *s, char *buf, size_t bufsz, uint8_t def_len, unsigned long max_len,
		       uint8_t *prefix_len)
{
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (n >= bufsz)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (slash == NULL) {
		*prefix_len = def_len;
		return true;
	}
	char *end;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || p < 1 || p > max_len)
		return false;
	*prefix_len = (uint8_t)p;
	return true;
}

bool cmd_parse_cidr4(const char *s, capnet_ip4addr *addr, uint8_t *prefix_len)
{
	char buf[32];
	return split_cidr(s, buf, sizeof buf, 24, 32, prefix_len) && cmd_parse_ip4(buf, addr);
}

bool cmd_parse_cidr6(const char *s, struct capnet_ip6addr *addr, uint8_t *prefix_len)
{
	char buf[INET6_ADDRSTRLEN];
	return split_cidr(s, buf, sizeof buf, 64, 128, prefix_len) && inet_pton(AF_INET6, buf, addr->b) == 1;
}

const char *cmd_fmt_ip4(capnet_ip4addr a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *cmd_fmt_ipaddr(const struct capnet_ipaddr *a, char buf[CMD_IPADDR_BUFLEN])
{
	if (a->af != CAPNET_AF_INET6)
		return cmd_fmt_ip4(capnet_ipaddr_ip4(a), buf);
	buf[0] = '[';
	inet_ntop(AF_INET6, a->u.v6.b, buf + 1, CMD_IPADDR_BUFLEN - 2);
	strcat(buf, "]");
	return buf;
}

const char *cmd_fmt_mac(struct capnet_mac m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
	return buf;
}

bool cmd_parse_seed(const char *cmd, const char *arg, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(arg, &end, 0);
	if (*arg == '\0' || *end != '\0') {
		fprintf(stderr, "capnet %s: --seed wants a number, not '%s'\n", cmd, arg);
		return false;
	}
	*out = v;
	return true;
}

int cmd_common_opt(const struct cmd_common *cc, int c, const char *arg)
{
	switch (c) {
	case 's':
		if (cc->seed == NULL)
			break;
		return cmd_parse_seed(cc->cmd, arg, cc->seed) ? CMD_OPT_NEXT : EXIT_USAGE;
	case 'p':
		if (cc->pcap == NULL)
			break;
		*cc->pcap = arg;
		return CMD_OPT_NEXT;
	case 'j':
		if (cc->json == NULL)
			break;
		*cc->json = true;
		return CMD_OPT_NEXT;
	case 'l':
		if (cc->list == NULL)
			break;
		*cc->list = true;
		return CMD_OPT_NEXT;
	case 'h':
		cc->usage(stdout);
		return EXIT_OK;
	default:
		break;
	}
	cc->usage(stderr);
	return EXIT_USAGE;
}

void cmd_json_print(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
}
