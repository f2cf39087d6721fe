/* Shared by the libFuzzer targets: a failed consistency check aborts with
 * the line, so libFuzzer saves the input as a crash. Never compiled into
 * the library. */
#ifndef CAPNET_FUZZ_ASSERT_H
#define CAPNET_FUZZ_ASSERT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: consistency check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                          \
			abort();                                                           \
		}                                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
