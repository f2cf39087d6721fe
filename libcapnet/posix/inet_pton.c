/* Numeric host text to addresses (inet_pton(3) for AF_INET and AF_INET6):
 * what AI_NUMERICHOST accepts, and what getaddrinfo answers without a
 * query. Strict: no leading '+', no octal, no shorthand IPv4 forms. */
#include "capnet/netdb.h"

bool capnet_inet_pton4(const char *s, uint8_t out[4])
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits == 1 && v == 0)
				return false; /* a leading zero */
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return false;
		}
		if (digits == 0)
			return false;
		out[part] = (uint8_t)v;
		if (part < 3 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool capnet_inet_pton6(const char *s, uint8_t out[16])
{
	uint8_t b[16] = {0};
	int n = 0, gap = -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		s += 2;
		gap = 0;
		if (*s == '\0')
			goto done;
	}
	for (;;) {
		/* a trailing dotted quad takes the last 32 bits */
		const char *p = s;
		bool dotted = false;
		while (*p && *p != ':') {
			if (*p == '.')
				dotted = true;
			p++;
		}
		if (dotted) {
			if (n > 12 || *p != '\0' || !capnet_inet_pton4(s, b + n))
				return false;
			n += 4;
			break;
		}
		unsigned v = 0;
		int digits = 0, h;
		while ((h = hexval(*s)) >= 0) {
			v = v << 4 | (unsigned)h;
			s++;
			if (++digits > 4)
				return false;
		}
		if (digits == 0 || n > 14)
			return false;
		b[n++] = (uint8_t)(v >> 8);
		b[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return false;
		if (*s == ':') {
			if (gap >= 0)
				return false; /* "::" twice */
			gap = n;
			s++;
			if (*s == '\0')
				break;
		}
	}
done:
	if (gap < 0 && n != 16)
		return false;
	if (gap >= 0) {
		if (n == 16)
			return false; /* "::" must stand for at least one group */
		int tail = n - gap;
		for (int i = 0; i < tail; i++)
			b[15 - i] = b[n - 1 - i];
		for (int i = gap; i < 16 - tail; i++)
			b[i] = 0;
	}
	for (int i = 0; i < 16; i++)
		out[i] = b[i];
	return true;
}
