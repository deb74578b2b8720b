/*
 * Owns the child between clone() and execve(). The child is vfork-like
 * (CLONE_VM | CLONE_VFORK, as musl's and glibc's posix_spawn): it shares
 * our memory and our TLS, and we are suspended until it has exec'd or
 * exited. Copying the page tables and taking copy-on-write faults in both
 * processes, as fork() does, is most of what starting a process costs
 * (bench/ measures it against a minimal init). So the child writes only
 * its own stack, the
 * report in struct child_args, and the LISTEN_PID slot (which is ours to
 * fill for it and which we never read), makes system calls through
 * wrappers that take no lock and allocate nothing, and may clobber our
 * errno, which rp_spawn() puts back. Everything the child needs (argv,
 * envp, paths, the saved signal state) is prepared before clone().
 *
 * It runs on a stack of its own, mapped for it and unmapped once it has
 * exec'd: on our stack or in a static array, the page it touches would
 * stay in the reaper's RSS for good. A static array spares three system
 * calls at start, but the idle reaper's memory matters more than that.
 *
 * Signals: a handler of ours run in the child would run on our memory, so
 * every signal is blocked across clone() (the caller leaves the
 * synchronous ones open), and the child resets each handled disposition
 * to SIG_DFL before it restores the application's mask.
 *
 * The child reports a failure in our shared memory: with vfork semantics
 * clone() returns after the exec or the exit, so no pipe is needed (and
 * no pipe2() and two close()s on every start). Valgrind runs
 * the clone as a plain fork(), neither shared nor suspended, and gives
 * the program no vDSO, so where there is none the report goes through an
 * O_CLOEXEC pipe as well, which tells us either way. Should some other
 * emulator fork without telling, the child's first write shows it did
 * not land here; the child then exits 125, 126 or 127 as the command
 * would, and we carry on as if it had started.
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
 *      have died between clone() and prctl();
 *   3. dispositions, then the mask: musl posix_spawn's rule, "all signal
 *      dispositions must be either SIG_DFL or SIG_IGN before signals are
 *      unblocked", or a parent handler would run in the child;
 *   4. execve(); on failure, the stage and errno to the pipe and exit
 *      127.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "childenv.h"
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

	if (!p)
		p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		if (dlen + 1 + flen + 1 <= PATH_MAX) {
			/* Sized to the candidate: a 4 kB array would put its
			 * start a page below our frame, and every page the
			 * child touches stays in the reaper's RSS. */
			char buf[dlen + 1 + flen + 1];

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

/* exec_search()'s path buffer and the frames of a sanitizer build, with
 * room to spare, above one PROT_NONE guard page. Pages the child does not
 * touch cost nothing. */
#define CHILD_STACK ((size_t) 32 * 1024)
#define GUARD_PAGE ((size_t) 4096)

struct child_args {
	const struct rp_spawn *req;
	pid_t reaper;
	int errfd;		/* -1: the report in msg alone */
	/* Written by the child: visible here only if it shared our memory. */
	volatile int shared;
	volatile int msg[2];	/* stage, errno */
};

static int
kmask(int how, const sigset_t *set, sigset_t *old)
{
	return (int) syscall(SYS_rt_sigprocmask, how, set, old, RP_KSIGSET_BYTES);
}

/* SIG_DFL through the system call: musl's sigaction() takes a lock for
 * SIGABRT. All zeros is SIG_DFL, no flags, an empty mask in every
 * architecture's struct layout. */
static void
child_default(int sig)
{
	unsigned long ksa[8] = { 0 };

	(void) syscall(SYS_rt_sigaction, sig, ksa, NULL, RP_KSIGSET_BYTES);
}

static void
child_signals(const struct rp_spawn *req)
{
	const struct rp_sigstate *s = req->sig;
	/* Not forwarded, so rp_signals_block() leaves them out of caught. */
	static const int faults[] = {
		SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
	};

	/* After an execve() (fresh_exec) nothing is caught but, in a
	 * sanitizer build, its fault handlers. */
	if (!req->fresh_exec) {
		for (int sig = 1; sig < NSIG; sig++)
			if (sigismember(&s->caught, sig))
				child_default(sig);
		for (size_t i = 0; i < ARRAY_LENGTH(faults); i++) {
			struct sigaction sa;

			if (sigaction(faults[i], NULL, &sa) == 0 &&
			    sa.sa_handler != SIG_DFL &&
			    sa.sa_handler != SIG_IGN)
				child_default(faults[i]);
		}
	}
	/* rp_signals_block() made SIGCHLD SIG_DFL, and execve() clears its
	 * flags: only an ignored SIGCHLD is worth a call. musl's and glibc's
	 * sigaction() take no lock for it. */
	if (s->chld.sa_handler == SIG_IGN && !sigismember(&s->caught, SIGCHLD))
		(void) sigaction(SIGCHLD, &s->chld, NULL);
	(void) kmask(SIG_SETMASK, &s->mask, NULL);
}

enum stage { STAGE_SETUP, STAGE_EXEC };

static int
child(void *arg)
{
	struct child_args *a = arg;
	const struct rp_spawn *req = a->req;
	int msg[2] = { STAGE_SETUP, 0 };

	a->shared = 1;
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
		if (getppid() != a->reaper)
			(void) kill(getpid(), req->pdeathsig);
	}
	rp_childenv_fill_listen_pid(req->listen_slot);
	child_signals(req);
	msg[0] = STAGE_EXEC;
	errno = exec_child(req);
fail:
	msg[1] = errno;
	a->msg[0] = msg[0];
	a->msg[1] = msg[1];
	if (a->errfd >= 0)
		(void) TEMP_FAILURE_RETRY_NEG(write(a->errfd, msg,
						    sizeof(msg)));
	/* Returning ends the child (clone() calls exit with this status),
	 * which is the application's status only where the report could
	 * not reach us. Not _exit(): AddressSanitizer hooks every noreturn
	 * call and does not know this stack. */
	return msg[0] == STAGE_SETUP ? 125 : msg[1] == ENOENT ? 127 : 126;
}

int
rp_spawn(struct rp_spawn *req, pid_t *pid)
{
	char *stack;
	struct child_args a = {
		.req = req, .reaper = getpid(), .errfd = -1,
	};
	_cleanup_close_ int rd = -1;
	int fds[2], msg[2] = { 0, 0 }, err, status;
	sigset_t all, old;
	pid_t c;
	/* No vDSO: valgrind, which forks (see above). */
	bool report_pipe = !getauxval(AT_SYSINFO_EHDR);

	if (!req->envp)
		req->envp = environ;
	stack = mmap(NULL, GUARD_PAGE + CHILD_STACK, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
		     -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	if (mprotect(stack + GUARD_PAGE, CHILD_STACK,
		     PROT_READ | PROT_WRITE) < 0 ||
	    (report_pipe && pipe2(fds, O_CLOEXEC) < 0)) {
		err = errno;
		(void) munmap(stack, GUARD_PAGE + CHILD_STACK);
		return -err;
	}
	if (report_pipe) {
		rd = fds[0];
		a.errfd = fds[1];
	}
	stack += GUARD_PAGE;
	memset(&all, 0xff, sizeof(all));
	memset(&old, 0, sizeof(old));
	if (kmask(SIG_SETMASK, &all, &old) < 0) {
		err = errno;
		rp_close(&a.errfd);
		(void) munmap(stack - GUARD_PAGE, GUARD_PAGE + CHILD_STACK);
		return -err;
	}
	err = errno;
#ifdef __hppa__
	c = clone(child, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#else
	c = clone(child, stack + CHILD_STACK,
		  CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
#endif
	/* The child has exec'd or exited (or, as a plain fork under
	 * valgrind, has a copy of its own). */
	(void) munmap(stack - GUARD_PAGE, GUARD_PAGE + CHILD_STACK);
	/* The child's errno was ours: keep clone()'s, or put ours back. */
	if (c < 0)
		err = errno;
	(void) kmask(SIG_SETMASK, &old, NULL);
	rp_close(&a.errfd);
	errno = err;
	if (c < 0)
		return -err;
	req->exec_failed = false;
	if (rd >= 0) {
		/* EOF: the write end closed on a successful exec. */
		if (TEMP_FAILURE_RETRY_NEG(read(rd, msg, sizeof(msg))) !=
		    (ssize_t) sizeof(msg))
			msg[1] = 0;
	} else if (a.shared) {
		msg[0] = a.msg[0];
		msg[1] = a.msg[1];
	}
	if (msg[1] > 0) {
		(void) TEMP_FAILURE_RETRY_NEG(waitpid(c, &status, 0));
		req->exec_failed = msg[0] == STAGE_EXEC;
		return -msg[1];
	}
	*pid = c;
	return 0;
}
