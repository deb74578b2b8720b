/*
 * Owns the raw pidfd syscalls (musl and older glibc have no wrappers).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pidfd.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static bool unsupported;

int
rp_pidfd_open(pid_t pid)
{
	long fd;

	if (unsupported)
		return -ENOSYS;
	/* pidfds are always O_CLOEXEC. */
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		if (errno == ENOSYS)
			unsupported = true;
		return -errno;
	}
	return (int) fd;
}

int
rp_pidfd_send(int pidfd, int sig, siginfo_t *info)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, info, 0) < 0 ? -errno
								       : 0;
}
