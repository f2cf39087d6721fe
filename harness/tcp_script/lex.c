/* The script's tokens: words, numbers, durations; and the one error
 * message a failed script gets. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_script_internal.h"

int ts_fail_at(struct ts_err *e, unsigned lineno, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int ts_fail_at(struct ts_err *e, unsigned lineno, const char *fmt, ...)
{
	if (e->buf[0] != '\0')
		return -1; /* the first failure is the one that matters */
	int n = lineno ? snprintf(e->buf, e->size, "%s:%u: ", e->path, lineno) : snprintf(e->buf, e->size, "%s: ", e->path);
	if (n < 0 || (size_t)n >= e->size)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf + n, e->size - (size_t)n, fmt, ap);
	va_end(ap);
	*e->line = lineno;
	return -1;
}


/* ---- lexing ---- */

void ts_skip_ws(struct cur *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

bool ts_at_end(struct cur *c)
{
	ts_skip_ws(c);
	return *c->p == '\0';
}

bool ts_eat(struct cur *c, char ch)
{
	ts_skip_ws(c);
	if (*c->p != ch)
		return false;
	c->p++;
	return true;
}

bool ts_eat_word(struct cur *c, const char *w)
{
	ts_skip_ws(c);
	size_t n = strlen(w);
	if (strncmp(c->p, w, n) != 0 || isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		return false;
	c->p += n;
	return true;
}

static bool parse_u64(struct cur *c, uint64_t *out)
{
	ts_skip_ws(c);
	if (!isdigit((unsigned char)*c->p))
		return false;
	char *end;
	errno = 0;
	int base = c->p[0] == '0' && (c->p[1] == 'x' || c->p[1] == 'X') ? 16 : 10;
	unsigned long long v = strtoull(c->p, &end, base);
	if (errno != 0)
		return false;
	c->p = end;
	*out = v;
	return true;
}

bool ts_parse_u32(struct cur *c, uint32_t *out)
{
	uint64_t v;
	if (!parse_u64(c, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "N" or "*". */
bool ts_parse_u32_wild(struct cur *c, uint32_t *out, bool *wild)
{
	*wild = ts_eat(c, '*');
	if (*wild) {
		*out = 0;
		return true;
	}
	return ts_parse_u32(c, out);
}

/* Decimal seconds with up to 6 fraction digits, exactly, into microseconds. */
bool ts_parse_seconds(const char **pp, capnet_duration *out)
{
	const char *p = *pp;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	int64_t whole = 0, frac = 0;
	while (isdigit((unsigned char)*p)) {
		whole = whole * 10 + (*p++ - '0');
		if (whole > 100000000)
			return false;
	}
	if (*p == '.') {
		p++;
		int digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits == 6)
				return false;
			frac = frac * 10 + (*p++ - '0');
			digits++;
		}
		for (; digits < 6; digits++)
			frac *= 10;
	}
	*out = whole * 1000000 + frac;
	*pp = p;
	return true;
}

/* "1.5", "1.5s", "200ms", "500us": a duration. Bare numbers are seconds. */
bool ts_parse_duration_str(const char *s, capnet_duration *out)
{
	const char *p = s;
	capnet_duration v;
	if (!ts_parse_seconds(&p, &v))
		return false;
	if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
		*out = v;
	else if (strcmp(p, "ms") == 0 && v % 1000 == 0)
		*out = v / 1000;
	else if (strcmp(p, "us") == 0 && v % 1000000 == 0)
		*out = v / 1000000;
	else
		return false;
	return true;
}

bool ts_parse_uint_str(const char *s, uint64_t max, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	unsigned long long v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

bool ts_parse_bool_str(const char *s, bool *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "on") == 0 || strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "off") == 0 || strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
		*out = false;
	else
		return false;
	return true;
}

