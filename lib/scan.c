/*
 * Owns number scanning (scan.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include "scan.h"

size_t
rp_scan_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t val = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned int d = (unsigned int) (s[n] - '0');

		if (d > max || val > (max - d) / 10)
			break;
		val = val * 10 + d;
	}
	*v = val;
	return n;
}
