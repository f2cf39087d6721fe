/* Shared main() for Check suites: each test file defines `suite()` and
 * includes this once. CK_FORK follows the environment (CK_FORK=no under a
 * debugger); the exit code is what meson reads. */
#ifndef CAPNET_TEST_CHECK_MAIN_H
#define CAPNET_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *suite(void);

/* A test case named `name`, already in suite s: with a checked fixture
 * when setup or teardown is given (either may be NULL), and a timeout in
 * seconds when `timeout` > 0 (0: Check's default). */
static inline TCase *check_add_case(Suite *s, const char *name, SFun setup, SFun teardown, double timeout)
{
	TCase *tc = tcase_create(name);
	if (setup != NULL || teardown != NULL)
		tcase_add_checked_fixture(tc, setup, teardown);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
