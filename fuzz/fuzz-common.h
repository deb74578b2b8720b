/*
 * What every target shares: the libFuzzer entry point's prototype
 * (-Wmissing-prototypes), splitting an input into strings, and a check
 * that stops the run with a crash libFuzzer records (assert() would vanish
 * under -DNDEBUG).
 *
 * Each string is its own heap block of exactly its length plus the NUL, so
 * AddressSanitizer catches a parser that reads one byte past a string's
 * end, as it would past the end of a real argv or environ entry.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_FUZZ_COMMON_H
#define RP_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static inline char *
fuzz_strndup(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	FUZZ_CHECK(s);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

/*
 * Split data at every sep into at most max strings, in a NULL-terminated
 * array. An embedded NUL just ends that string early, as it would in the
 * kernel's argv and environ. *n gets the count; free with fuzz_free().
 */
static inline char **
fuzz_split(const uint8_t *data, size_t size, char sep, size_t max, size_t *n)
{
	char **out = calloc(max + 1, sizeof(char *));
	size_t i = 0, start = 0;

	FUZZ_CHECK(out);
	*n = 0;
	if (size == 0)
		return out;
	for (i = 0; i <= size && *n < max; i++) {
		if (i == size || data[i] == (uint8_t) sep) {
			out[(*n)++] = fuzz_strndup(data + start, i - start);
			start = i + 1;
		}
	}
	return out;
}

static inline void
fuzz_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

#endif
