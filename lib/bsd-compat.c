/*
 * Built only without libbsd (musl). See bsd-compat.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bsd-compat.h"

/*
 * By hand, not with strtoll(): that drags the C library's whole number
 * scanner (__intscan, shgetc) into the static command. Same accepted
 * syntax as strtoll() base 10 (leading blanks, one sign), same verdicts
 * as libbsd's strtonum().
 */
long long
rp_strtonum(const char *s, long long lo, long long hi, const char **errstr)
{
	/* Magnitude limit: LLONG_MAX, or one more for a negative number. */
	unsigned long long mag = 0, lim = LLONG_MAX;
	bool neg = false, big = false;
	const char *p = s;
	long long v;

	*errstr = NULL;
	if (lo > hi) {
		*errstr = "invalid";
		return 0;
	}
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-') {
		neg = *p++ == '-';
		if (neg)
			lim++;
	}
	if (*p < '0' || *p > '9') {
		*errstr = "invalid";
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int) (*p - '0');

		if (big || mag > (lim - d) / 10)
			big = true;
		else
			mag = mag * 10 + d;
	}
	if (*p != '\0') {
		*errstr = "invalid";
		return 0;
	}
	if (big) {
		*errstr = neg ? "too small" : "too large";
		return 0;
	}
	/* -(mag - 1) - 1: LLONG_MIN's magnitude is no long long. */
	v = neg ? (mag ? -(long long) (mag - 1) - 1 : 0) : (long long) mag;
	if (v < lo) {
		*errstr = "too small";
		return 0;
	}
	if (v > hi) {
		*errstr = "too large";
		return 0;
	}
	return v;
}

void
rp_closefrom(int lowfd)
{
	struct rlimit rl;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int) lowfd, ~0U, 0) == 0)
		return;
#endif
	/* Before Linux 5.9: every fd the limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	for (rlim_t fd = (rlim_t) lowfd; fd < rl.rlim_cur; fd++)
		(void) close((int) fd);
}
