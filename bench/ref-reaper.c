/*
 * The benchmark's limit: the least a correct PID 1 must do, and nothing
 * else. Every signal is blocked before the child exists, so none is lost;
 * it is taken synchronously, so no handler runs; every SIGCHLD drains
 * waitpid() because the kernel coalesces them; the exit status is the
 * child's, or 128 + N for a signal, as a shell reports it.
 *
 * Usage: ref-reaper [--] COMMAND [ARG...]
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int first = argc > 1 && argv[1][0] == '-' && argv[1][1] == '-' ? 2 : 1;
	sigset_t all, old;
	siginfo_t si;
	pid_t child, p;
	int status;

	if (first >= argc)
		return 125;
	(void) sigfillset(&all);
	(void) sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		(void) setsid();	/* a terminal's ^C reaches it once */
		(void) sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[first], &argv[first]);
		_exit(127);
	}
	for (;;) {
		if (sigwaitinfo(&all, &si) < 0)
			continue;
		if (si.si_signo != SIGCHLD) {
			(void) kill(child, si.si_signo);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			if (p == child)
				_exit(WIFEXITED(status) ? WEXITSTATUS(status)
				      : 128 + WTERMSIG(status));
	}
}
