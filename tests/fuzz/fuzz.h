/* fuzz.h - what the libFuzzer harnesses share: the input as a C string, and
 * a check that aborts (a crash libFuzzer reports) when a property fails. */
#ifndef CFS_FUZZ_H
#define CFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* data as a NUL-terminated string (an embedded NUL ends it early); free it. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

/* Every error message is a NUL-terminated, non-empty string. */
#define FUZZ_CHECK_ERR(err) \
	FUZZ_CHECK((err).msg[0] && memchr((err).msg, '\0', sizeof((err).msg)))

#endif
