/*
 * Owns the child between fork() and execve(). Only async-signal-safe calls
 * run there: no allocation, no stdio, no locks (the parent may have held
 * any of them at fork time). Everything the child needs (argv, envp, paths,
 * the saved signal state) is prepared by the parent before fork().
 *
 * Order in the child matters:
 *   1. setsid(): the application leads a session and process group of
 *      its own, so group signals meant for the reaper's group (a
 *      terminal's ^C) reach it once, forwarded, never twice. Or, for job
 *      control on a terminal, a process group of its own made the
 *      foreground, so ^C and ^Z go straight to it: done while our mask
 *      still blocks SIGTTOU, which tcsetpgrp() from a background group
 *      would otherwise stop us with;
 *   2. PR_SET_PDEATHSIG, then re-check getppid(): the reaper may already
 *      have died between fork() and prctl();
 *   3. dispositions, then the mask: musl posix_spawn's rule, "all signal
 *      dispositions must be either SIG_DFL or SIG_IGN before signals are
 *      unblocked", or a parent handler would run in the child;
 *   4. execve(); on failure, the stage and errno to the pipe and
 *      _exit(127).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "marker.h"
#include "signals.h"
#include "spawn.h"
#include "util.h"

/* execvp()'s lookup, on the stack. EACCES from any candidate wins over
 * ENOENT, as in execvp(), so "found but not executable" is reported. */
static int
exec_search(const struct rp_spawn *req)
{
	const char *p = req->search_path;
	size_t flen = strlen(req->file);
	bool eacces = false;
	char buf[4096];

	if (!p)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		if (dlen + 1 + flen + 1 <= sizeof(buf)) {
			/* An empty PATH element means the current directory. */
			if (dlen) {
				memcpy(buf, p, dlen);
				buf[dlen++] = '/';
			}
			memcpy(buf + dlen, req->file, flen + 1);
			execve(buf, req->argv, req->envp);
			switch (errno) {
			case EACCES:
				eacces = true;
				break;
			case ENOENT:
			case ENOTDIR:
			case ENAMETOOLONG:
			case ELOOP:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT:
				break;
			default:
				return errno;
			}
		}
		if (!*end)
			break;
		p = end + 1;
	}
	return eacces ? EACCES : ENOENT;
}

static int
exec_child(const struct rp_spawn *req)
{
	if (req->file) {
		if (!*req->file)	/* as execvp(): nothing is called "" */
			return ENOENT;
		if (strchr(req->file, '/')) {
			execve(req->file, req->argv, req->envp);
			return errno;
		}
		return exec_search(req);
	}
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

enum stage { STAGE_SETUP, STAGE_EXEC };

static __attribute__((noreturn)) void
child(const struct rp_spawn *req, pid_t reaper, int errfd)
{
	int msg[2] = { STAGE_SETUP, 0 };

	if (req->tty_fd >= 0) {
		if (setpgid(0, 0) < 0 ||
		    tcsetpgrp(req->tty_fd, getpid()) < 0)
			goto fail;
	} else if (setsid() < 0) {
		goto fail;
	}
	if (req->pdeathsig) {
		if (prctl(PR_SET_PDEATHSIG, req->pdeathsig) < 0)
			goto fail;
		if (getppid() != reaper)
			(void) kill(getpid(), req->pdeathsig);
	}
	rp_marker_fill_listen_pid(req->listen_slot);
	rp_signals_child_reset(req->sig);
	msg[0] = STAGE_EXEC;
	errno = exec_child(req);
fail:
	msg[1] = errno;
	(void) TEMP_FAILURE_RETRY_NEG(write(errfd, msg, sizeof(msg)));
	_exit(127);
}

int
rp_spawn(struct rp_spawn *req, pid_t *pid)
{
	_cleanup_close_ int rd = -1;
	int fds[2], msg[2] = { 0, 0 }, err, status;
	pid_t reaper = getpid(), c;
	ssize_t n;

	if (!req->envp)
		req->envp = environ;
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
	req->exec_failed = false;
	/* EOF: the write end closed on a successful exec. */
	n = TEMP_FAILURE_RETRY_NEG(read(rd, msg, sizeof(msg)));
	if (n == (ssize_t) sizeof(msg) && msg[1] > 0) {
		(void) TEMP_FAILURE_RETRY_NEG(waitpid(c, &status, 0));
		req->exec_failed = msg[0] == STAGE_EXEC;
		return -msg[1];
	}
	*pid = c;
	return 0;
}
