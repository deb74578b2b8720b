/*
 * Owns waitpid() and the reaper's exit. No allocation: the descendant walk
 * uses fixed stack buffers, and a tree wider than its table is still
 * covered because the callers sweep again as leftovers are reparented.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fmt.h"
#include "options.h"
#include "pidfd.h"
#include "reap.h"
#include "signals.h"
#include "util.h"

int
rp_reap_one(pid_t *pid, int *status)
{
	pid_t p = TEMP_FAILURE_RETRY_NEG(waitpid(-1, status, WNOHANG));

	if (p < 0)
		return -errno;
	if (p == 0)
		return 0;
	*pid = p;
	return 1;
}

/* Parent pid from /proc/<pid>/stat: the field after the last ')' (comm
 * may hold spaces and parentheses). -1 if gone or unreadable. */
static pid_t
read_ppid(int procfd, const char *name)
{
	char path[64], buf[512], *p;
	const char *digits;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	rp_fmt_print(path, sizeof(path), "%.40s/stat", name);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = TEMP_FAILURE_RETRY_NEG(read(fd, buf, sizeof(buf) - 1));
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* ") S 123 ..." */
	if (!p || strlen(p) < 5)
		return -1;
	digits = p + 4;
	return (pid_t) rp_parse_digits(&digits);
}

pid_t
rp_reap_parent_of(pid_t pid)
{
	char name[32];

	if (pid == 0)
		return read_ppid(AT_FDCWD, "/proc/self");
	rp_fmt_print(name, sizeof(name), "/proc/%ld", (long) pid);
	return read_ppid(AT_FDCWD, name);
}

/* linux/magic.h's value, a stable ABI; musl-gcc has no kernel headers. */
#define PROC_SUPER_MAGIC_ 0x9fa0

static bool
contains(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* One pass over /proc: signal every process whose parent is in known[]
 * and add it there. Returns how many were added, or -errno. */
static int
sweep_once(int procfd, int sig, pid_t *known, size_t *n, size_t cap)
{
	char buf[8192];
	int added = 0;
	long len;

	if (lseek(procfd, 0, SEEK_SET) < 0)
		return -errno;
	while ((len = syscall(SYS_getdents64, procfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < len;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			const char *name = d->d_name, *digits;
			pid_t pid, ppid;
			int pfd;

			off += d->d_reclen;
			if (name[0] < '1' || name[0] > '9')
				continue;
			digits = name;
			pid = (pid_t) rp_parse_digits(&digits);
			if (contains(known, *n, pid))
				continue;
			ppid = read_ppid(procfd, name);
			if (ppid <= 0 || !contains(known, *n, ppid))
				continue;
			/* Pin the process, then make sure the pid still
			 * names a descendant: it may have been reaped and
			 * reused between the read and the open. */
			pfd = rp_pidfd_open(pid);
			if (pfd >= 0) {
				if (contains(known, *n, read_ppid(procfd, name)))
					(void) rp_pidfd_send(pfd, sig, NULL);
				(void) close(pfd);
			} else if (pfd == -ENOSYS) {
				(void) kill(pid, sig);
			} else {
				continue;	/* already gone */
			}
			if (*n < cap) {
				known[(*n)++] = pid;
				added++;
			}
		}
	}
	return len < 0 ? -errno : added;
}

int
rp_reap_signal_descendants(int sig)
{
	_cleanup_close_ int procfd = -1;
	pid_t known[1024];
	struct statfs fs;
	size_t n = 0;
	int r, total = 0;

	if (getpid() == 1) {
		/* As init the kernel sends to everyone in the namespace but
		 * us; ESRCH just means nobody is left. */
		if (kill(-1, sig) < 0 && errno != ESRCH)
			return -errno;
		return 1;
	}
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	/* An empty /proc directory (not mounted) would look like "no
	 * leftovers" and the caller would wait for them forever. */
	if (fstatfs(procfd, &fs) < 0)
		return -errno;
	if (fs.f_type != PROC_SUPER_MAGIC_)
		return -ENOENT;
	known[n++] = getpid();
	/* Children may be listed after their parents or before: repeat
	 * until a pass finds nobody new. */
	do {
		r = sweep_once(procfd, sig, known, &n, ARRAY_LENGTH(known));
		if (r < 0)
			return r;
		total += r;
	} while (r > 0);
	return total;
}

void
rp_reap_exit(const struct rp_config *cfg, int status)
{
	int code, sig = 0;

	if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		code = 128 + sig;
	} else {
		code = 255;	/* not reachable: stops go to app_stopped() */
	}
	if (rp_config_exit_zero(cfg, code))
		_exit(0);
	if (sig && getpid() != 1) {
		struct rlimit nocore = { 0, 0 };
		struct sigaction dfl;

		/* The application may have dumped core; we must not add one.
		 * PR_SET_DUMPABLE also covers a piped core_pattern, which
		 * ignores RLIMIT_CORE. */
		(void) prctl(PR_SET_DUMPABLE, 0);
		/* prlimit(), not setrlimit(): musl's setrlimit() stops
		 * every thread (__synccall) for kernels without prlimit64,
		 * code the static command would carry for nothing. */
		(void) prlimit(0, RLIMIT_CORE, &nocore, NULL);
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		(void) sigaction(sig, &dfl, NULL);
		(void) kill(getpid(), sig);
		rp_signals_unblock(sig);
	}
	/* As PID 1 the kernel drops a self-sent fatal signal; and a signal
	 * whose default is not fatal cannot have killed the application. */
	_exit(code);
}
