/* Shared by the libFuzzer targets: a failed consistency check aborts with
 * the line, so libFuzzer saves the input as a crash. Never compiled into
 * the library. */
#ifndef CAPNET_FUZZ_ASSERT_H
#define CAPNET_FUZZ_ASSERT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: consistency check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

/* A parse's reason agrees with its result: `none` exactly on success, and
 * a reason with a name otherwise. */
#define FUZZ_CHECK_REASON(err, why, none, name_fn)                                         \
	do {                                                                               \
		FUZZ_CHECK(((err) == CAPNET_OK) == ((why) == (none)));                     \
		FUZZ_CHECK(strcmp(name_fn(why), "?") != 0);                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
