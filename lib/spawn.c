/*
 * Owns the child between fork() and execve(). Only async-signal-safe calls
 * run there: no allocation, no stdio, no locks (the parent may have held
 * any of them at fork time). Everything the child needs (argv, envp, paths,
 * the saved signal state) is prepared by the parent before fork().
 *
 * Order in the child matters:
 *   1. setsid(): the application leads a session and process group of
 *      its own, so group signals meant for the reaper's group (a
 *      terminal's ^C) reach it once, forwarded, never twice;
 *   2. PR_SET_PDEATHSIG, then re-check getppid(): the reaper may already
 *      have died between fork() and prctl();
 *   3. dispositions, then the mask: musl posix_spawn's rule, "all signal
 *      dispositions must be either SIG_DFL or SIG_IGN before signals are
 *      unblocked", or a parent handler would run in the child;
 *   4. execve(); on failure, errno to the pipe and _exit(127).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "marker.h"
#include "signals.h"
#include "spawn.h"
#include "util.h"

static int
exec_child(const struct rp_spawn *req)
{
	if (req->exe_fd >= 0) {
		syscall(SYS_execveat, req->exe_fd, "", req->argv, req->envp,
			AT_EMPTY_PATH);
		if (errno != ENOSYS)	/* execveat() is Linux 3.19+ */
			return errno;
	}
	for (const char *const *p = req->paths; *p; p++) {
		execve(*p, req->argv, req->envp);
		if (errno != ENOENT)
			break;
	}
	return errno;
}

static __attribute__((noreturn)) void
child(const struct rp_spawn *req, pid_t reaper, int errfd)
{
	int err;

	if (setsid() < 0)
		goto fail;
	if (req->pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, req->pdeathsig) < 0)
			goto fail;
		if (getppid() != reaper)
			(void) kill(getpid(), req->pdeathsig);
	}
	rp_marker_fill_listen_pid(req->listen_slot);
	rp_signals_child_reset(req->sig);
	errno = exec_child(req);
fail:
	err = errno;
	(void) TEMP_FAILURE_RETRY_NEG(write(errfd, &err, sizeof(err)));
	_exit(127);
}

int
rp_spawn(const struct rp_spawn *req, pid_t *pid)
{
	_cleanup_close_ int rd = -1;
	int fds[2], err = 0, status;
	pid_t reaper = getpid(), c;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	c = fork();
	if (c < 0) {
		err = errno;
		(void) close(fds[0]);
		(void) close(fds[1]);
		return -err;
	}
	if (c == 0) {
		(void) close(fds[0]);
		child(req, reaper, fds[1]);
	}
	rd = fds[0];
	(void) close(fds[1]);
	/* EOF: the write end closed on a successful exec. */
	n = TEMP_FAILURE_RETRY_NEG(read(rd, &err, sizeof(err)));
	if (n == (ssize_t) sizeof(err) && err > 0) {
		(void) TEMP_FAILURE_RETRY_NEG(waitpid(c, &status, 0));
		return -err;
	}
	*pid = c;
	return 0;
}
