/*
 * Built only without libbsd (musl). See bsd-compat.h.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bsd-compat.h"

long long
rp_strtonum(const char *s, long long lo, long long hi, const char **errstr)
{
	long long v = 0;
	char *end;

	*errstr = NULL;
	if (lo > hi) {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0') {
		*errstr = "invalid";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < lo) {
		*errstr = "too small";
		return 0;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > hi) {
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
