/*
 * Owns the raw pidfd syscalls (musl and older glibc have no wrappers).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pidfd.h"
#include "scan.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* <linux/pidfd.h>'s struct pidfd_info (64 bytes), of which only the mask
 * and the exit status are read; Debian 12's headers predate it. */
struct rp_pidfd_info {
	uint64_t mask;
	/* cppcheck-suppress unusedStructMember ; cgroupid, pid, ids */
	uint32_t skipped[13];
	int32_t exit_code;
};
_Static_assert(sizeof(struct rp_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");
#define RP_PIDFD_INFO_EXIT (1u << 3)
#define RP_PIDFD_GET_INFO _IOWR(0xFF, 11, struct rp_pidfd_info)

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

static int
get_info(int pidfd, struct rp_pidfd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->mask = RP_PIDFD_INFO_EXIT;
	return ioctl(pidfd, RP_PIDFD_GET_INFO, info) < 0 ? -errno : 0;
}

bool
rp_pidfd_keeps_exit_status(int pidfd)
{
	struct rp_pidfd_info info;
	struct utsname u;
	uint64_t major, minor = 0;
	size_t n;

	if (uname(&u) < 0)
		return false;
	n = rp_scan_u64(u.release, UINT32_MAX, &major);
	if (u.release[n] == '.')
		(void) rp_scan_u64(u.release + n + 1, UINT32_MAX, &minor);
	if (major < 6 || (major == 6 && minor < 16))
		return false;
	return get_info(pidfd, &info) == 0;
}

int
rp_pidfd_exit_status(int pidfd, int *status)
{
	struct rp_pidfd_info info;
	int r = get_info(pidfd, &info);

	if (r < 0)
		return r;
	if (!(info.mask & RP_PIDFD_INFO_EXIT))
		return -ESRCH;
	*status = info.exit_code;
	return 0;
}
