/*
 * Owns the marker: what a name may be, and in the application, the parse,
 * the check against the parent's pid, and the removal from environ.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marker.h"
#include "scan.h"

bool
rp_marker_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* Only what a shell can export: [A-Za-z_][A-Za-z0-9_]*. */
	if (n == 0 || n >= RP_MARKER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     c == '_';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

enum rp_marker_state
rp_marker_take(const char *name)
{
	const char *val;
	uint64_t pid;
	enum rp_marker_state st;

	val = getenv(name);
	if (!val)
		return RP_MARKER_ABSENT;
	/* Exactly what rp_childenv_make() writes: digits, no leading zero. */
	st = val[0] != '0' && rp_scan_whole(val, INT32_MAX, &pid) &&
	     (pid_t) pid == getppid() ? RP_MARKER_VALID : RP_MARKER_INVALID;
	/* Every copy goes, also a duplicate planted further down environ. */
	while (getenv(name))
		(void) unsetenv(name);
	return st;
}
