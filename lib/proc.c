/*
 * Owns every /proc parse of processes for lib/ (proc.h): parent, name,
 * the list of them. (The program's own argv and executable, for the
 * re-exec, are selfexe's.) No allocation: fixed buffers on the stack, the
 * directory read with getdents64() into one of them.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fmt.h"
#include "proc.h"
#include "scan.h"
#include "util.h"

/* linux/magic.h's value, a stable ABI; musl-gcc has no kernel headers. */
#define PROC_SUPER_MAGIC_ 0x9fa0

/* Parent pid from <dir>/stat, dir relative to dirfd: the field after the
 * last ')' (comm may hold spaces and parentheses). -1 if gone or
 * unreadable. */
static pid_t
ppid_at(int dirfd, const char *dir)
{
	char path[64], buf[512], *p;
	_cleanup_close_ int fd = -1;
	uint64_t ppid;
	ssize_t n;

	rp_fmt_print(path, sizeof(path), "%.40s/stat", dir);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = TEMP_FAILURE_RETRY_NEG(read(fd, buf, sizeof(buf) - 1));
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* ") S 123 ..." */
	if (!p || strlen(p) < 5 || rp_scan_u64(p + 4, INT32_MAX, &ppid) == 0)
		return -1;
	return (pid_t) ppid;
}

pid_t
rp_proc_parent_of(pid_t pid)
{
	char dir[32];

	if (pid == 0)
		return ppid_at(AT_FDCWD, "/proc/self");
	rp_fmt_print(dir, sizeof(dir), "/proc/%ld", (long) pid);
	return ppid_at(AT_FDCWD, dir);
}

int
rp_proc_comm(pid_t pid, char comm[17])
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	rp_fmt_print(path, sizeof(path), "/proc/%ld/comm", (long) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = TEMP_FAILURE_RETRY_NEG(read(fd, comm, 16));
	if (n < 0)
		return -errno;
	if (n <= 1)
		return -ENODATA;
	comm[n - 1] = '\0';	/* drop the newline */
	return 0;
}

int
rp_proc_open(void)
{
	struct statfs fs;
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &fs) < 0)
		r = -errno;
	else if (fs.f_type != PROC_SUPER_MAGIC_)
		r = -ENOENT;
	else
		return fd;
	(void) close(fd);
	return r;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int
rp_proc_each(int procfd, int (*fn)(pid_t pid, pid_t ppid, void *data),
	     void *data)
{
	char buf[8192];
	long len;

	if (lseek(procfd, 0, SEEK_SET) < 0)
		return -errno;
	while ((len = syscall(SYS_getdents64, procfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			uint64_t pid;
			pid_t ppid;
			int r;

			off += d->d_reclen;
			if (d->d_name[0] == '0' ||
			    !rp_scan_whole(d->d_name, INT32_MAX, &pid))
				continue;
			ppid = ppid_at(procfd, d->d_name);
			if (ppid < 0)
				continue;
			r = fn((pid_t) pid, ppid, data);
			if (r)
				return r;
		}
	}
	return len < 0 ? -errno : 0;
}
