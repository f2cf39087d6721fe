/* Shared main() for Check suites: each test file defines `suite()` and
 * includes this once. CK_FORK follows the environment (CK_FORK=no under a
 * debugger); the exit code is what meson reads. */
#ifndef CAPNET_TEST_CHECK_MAIN_H
#define CAPNET_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static Suite *suite(void);

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
