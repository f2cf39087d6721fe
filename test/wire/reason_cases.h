/* Shared by the codec suites: each reason a parse gives, from a packet
 * built to trigger it; the reason for every cut of a packet; the reasons'
 * names. A suite wraps its codec's parse with REASON_ADAPTERS so that one
 * loop serves every codec (the reason travels as an int). */
#ifndef CAPNET_TEST_WIRE_REASON_CASES_H
#define CAPNET_TEST_WIRE_REASON_CASES_H

#include <check.h>
#include <string.h>

#include "capnet/err.h"

typedef capnet_err (*reason_parse_fn)(const uint8_t *buf, size_t len, int *why);
typedef const char *(*reason_name_fn)(int why);

/* Defines parse_why() and reason_name() for a codec: `call` parses `buf`,
 * `len` into `r` (a repr_type) with the reason in `e` (an enum_type). */
#define REASON_ADAPTERS(repr_type, enum_type, name_fn, call)                  \
	static capnet_err parse_why(const uint8_t *buf, size_t len, int *why) \
	{                                                                     \
		repr_type r;                                                  \
		enum_type e;                                                  \
		capnet_err err = (call);                                      \
		*why = (int)e;                                                \
		return err;                                                   \
	}                                                                     \
	static const char *reason_name(int why)                               \
	{                                                                     \
		return name_fn((enum_type)why);                               \
	}

/* The template with byte `off` set to `val`, parsed `len` long, gives
 * reason `why` and the capnet_err `err`. */
struct reason_case {
	const char *what;
	size_t off;
	uint8_t val;
	size_t len;
	int why;
	capnet_err err;
};

/* Each case, then the template itself: success, reason 0 (none). */
static inline void check_reason_cases(const uint8_t *tmpl, size_t tlen, const struct reason_case *c, size_t n,
				      reason_parse_fn parse, reason_name_fn name)
{
	uint8_t p[128];
	ck_assert_uint_le(tlen, sizeof p);
	for (size_t i = 0; i < n; i++) {
		memcpy(p, tmpl, tlen);
		p[c[i].off] = c[i].val;
		int why = -1;
		ck_assert_msg(parse(p, c[i].len, &why) == c[i].err, "%s", c[i].what);
		ck_assert_msg(why == c[i].why, "%s: %s", c[i].what, name(why));
	}
	int why = -1;
	ck_assert_int_eq(parse(tmpl, tlen, &why), CAPNET_OK);
	ck_assert_int_eq(why, 0);
}

/* Lengths below `below` give reason `why` (after the shorter steps). */
struct cut_step {
	size_t below;
	int why;
};

/* Every cut of `tmpl` shorter than the last step's `below` is refused as
 * E_TRUNCATED, with the reason of its step. */
static inline void check_every_cut(const uint8_t *tmpl, const struct cut_step *steps, size_t nsteps,
				   reason_parse_fn parse, reason_name_fn name)
{
	size_t k = 0;
	for (size_t len = 0; len < steps[nsteps - 1].below; len++) {
		while (len >= steps[k].below)
			k++;
		int why = -1;
		ck_assert_msg(parse(tmpl, len, &why) == CAPNET_E_TRUNCATED, "length %zu", len);
		ck_assert_msg(why == steps[k].why, "length %zu: %s", len, name(why));
	}
}

/* names[i] is reason i's name; the one past the last is "?". */
static inline void check_reason_names(const char *const *names, size_t n, reason_name_fn name)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(name((int)i), names[i]);
	ck_assert_str_eq(name((int)n), "?");
}

/* The suite's test_reason_names: the names listed are reasons 0, 1, ... in
 * enum order (uses the reason_name of REASON_ADAPTERS). */
#define REASON_NAMES_TEST(...)                                                         \
	START_TEST(test_reason_names)                                                  \
	{                                                                              \
		static const char *const names[] = {__VA_ARGS__};                      \
		check_reason_names(names, sizeof names / sizeof names[0], reason_name); \
	}                                                                              \
	END_TEST

/* The suite's test_every_truncation_has_a_truncated_reason: every cut of
 * tmpl, step by step (the cut_steps follow tmpl), through REASON_ADAPTERS. */
#define EVERY_CUT_TEST(tmpl, ...)                                                                        \
	START_TEST(test_every_truncation_has_a_truncated_reason)                                         \
	{                                                                                                \
		static const struct cut_step steps[] = {__VA_ARGS__};                                    \
		check_every_cut(tmpl, steps, sizeof steps / sizeof steps[0], parse_why, reason_name);     \
	}                                                                                                \
	END_TEST

/* The suite's test_each_reason: the reason_cases that follow tmpl, then tmpl
 * itself, through REASON_ADAPTERS. */
#define EACH_REASON_TEST(tmpl, ...)                                                                                 \
	START_TEST(test_each_reason)                                                                                 \
	{                                                                                                            \
		static const struct reason_case cases[] = {__VA_ARGS__};                                             \
		check_reason_cases(tmpl, sizeof tmpl, cases, sizeof cases / sizeof cases[0], parse_why, reason_name); \
	}                                                                                                            \
	END_TEST

#endif
