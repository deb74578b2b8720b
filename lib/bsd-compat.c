/*
 * rp_closefrom() (bsd-compat.h): close_range(), the C library's where it
 * has one (glibc 2.34), else the system call (musl 1.2.3 has no wrapper);
 * before Linux 5.9, a loop over every fd the limit allows.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bsd-compat.h"

static int
close_from(unsigned int lowfd)
{
#if HAVE_CLOSE_RANGE
	return close_range(lowfd, ~0U, 0);
#elif defined(SYS_close_range)
	return (int) syscall(SYS_close_range, lowfd, ~0U, 0);
#else
	(void) lowfd;
	return -1;
#endif
}

void
rp_closefrom(int lowfd)
{
	struct rlimit rl;

	if (close_from((unsigned int) lowfd) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	for (rlim_t fd = (rlim_t) lowfd; fd < rl.rlim_cur; fd++)
		(void) close((int) fd);
}
