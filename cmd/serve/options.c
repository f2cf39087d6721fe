/* Option helpers shared by `capnet serve` and `capnet replay --serve`. */
#include <stdlib.h>
#include <string.h>

#include "../cmd.h"
#include "services.h"

bool svc_parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long p = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || p > 65535)
		return false;
	*out = (uint16_t)p;
	return true;
}

bool svc_parse_endpoint(const char *s, capnet_ip4addr *ip, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char host[32];
	if (colon == NULL || (size_t)(colon - s) >= sizeof host)
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	return cmd_parse_ip4(host, ip) && *ip != 0 && svc_parse_port(colon + 1, port) && *port != 0;
}

bool svc_parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || end == s)
		return false;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (UINT64_MAX >> shift) - 1)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}
