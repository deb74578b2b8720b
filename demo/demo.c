/*
 * The libreaper demo: an ordinary program made a correct PID 1 by the one
 * line at the top of main(). Run it as PID 1 of a fresh PID namespace
 * (demo/run-demo.sh does: unshare -pf --mount-proc build-demo/demo/demo)
 * and it shows, in order:
 *
 *   1. who it is: pid 2, parent 1 (the reaper), in a session of its own;
 *   2. that its own waits work: system() and posix_spawn() + waitpid() get
 *      their children's exit statuses (an in-process reaper would have
 *      stolen them);
 *   3. that orphans are reaped: it double-forks children whose parent dies
 *      first, so only PID 1 can reap them, then counts zombies in /proc;
 *   4. that signals reach it: it waits for SIGTERM, which the reaper
 *      forwards, and exits with 42, which the reaper mirrors.
 *
 * Every line it prints starts with "app:". Outside PID 1 the call does
 * nothing and the demo says so.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <reaper.h>

#define ORPHANS 3
#define EXIT_CODE 42

extern char **environ;

static volatile sig_atomic_t got_term;
static volatile sig_atomic_t term_from;

static void
on_term(int sig, siginfo_t *si, void *ctx)
{
	(void) sig;
	(void) ctx;
	term_from = si->si_pid;
	got_term = 1;
}

/* "exited with 3", "killed by SIGKILL": what a wait status means. */
static const char *
describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}

static void
run_system(void)
{
	char buf[64];
	int st = system("exit 3");

	if (st < 0)
		printf("app: system(\"exit 3\") failed: %s\n", strerror(errno));
	else
		printf("app: system(\"exit 3\") -> %s\n",
		       describe(st, buf, sizeof(buf)));
}

static void
run_spawn(void)
{
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	char buf[64];
	pid_t pid, w;
	int r, st;

	r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (r != 0) {
		printf("app: posix_spawn(sh -c \"exit 7\") failed: %s\n",
		       strerror(r));
		return;
	}
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		printf("app: waitpid(%d) failed: %s (someone stole my child)\n",
		       (int) pid, strerror(errno));
	else
		printf("app: posix_spawn(sh -c \"exit 7\") + waitpid -> %s\n",
		       describe(st, buf, sizeof(buf)));
}

/* One orphan: a middle child forks a grandchild and exits; the grandchild
 * waits until its parent is gone (EOF on a pipe only the middle child
 * could write to), reports its pid on `report` and exits. Its zombie then
 * belongs to PID 1 (or the nearest subreaper): nobody else can reap it.
 * Returns 0, or -1 when a fork failed. */
static int
make_orphan(int report[2])
{
	pid_t mid, w;
	int st;

	mid = fork();
	if (mid < 0)
		return -1;
	if (mid == 0) {
		int gate[2];
		pid_t g;

		if (pipe(gate) < 0)
			_exit(1);
		g = fork();
		if (g == 0) {
			char c;
			pid_t self = getpid();

			(void) close(gate[1]);
			(void) close(report[0]);
			/* Only returns once the middle child has exited. */
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			(void) !write(report[1], &self, sizeof(self));
			_exit(0);
		}
		_exit(g < 0 ? 1 : 0);
	}
	do
		w = waitpid(mid, &st, 0);
	while (w < 0 && errno == EINTR);
	return w == mid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Number of processes in state Z in this /proc (with --mount-proc: this
 * PID namespace). */
static int
count_zombies(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char path[300], buf[512], *p;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			/* "pid (comm) S ...": comm may hold ')' */
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'Z')
				n++;
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

/* Is our parent PID 1, and is PID 1 this very program (the reaper that
 * re-executed us)? Comparing executables, not command lines: the reaper
 * renames itself a moment after we start. */
static int
under_reaper(void)
{
	struct stat us, pid1;

	if (getppid() != 1 || getsid(0) != getpid())
		return 0;
	if (stat("/proc/self/exe", &us) < 0 || stat("/proc/1/exe", &pid1) < 0)
		return 0;
	return us.st_dev == pid1.st_dev && us.st_ino == pid1.st_ino;
}

static int
gone(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int) pid);
	return access(path, F_OK) < 0 && errno == ENOENT;
}

static void
leave_orphans(int supervised)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	pid_t pids[ORPHANS];
	int report[2], made = 0, got = 0, waited;
	ssize_t n;

	if (pipe(report) < 0) {
		printf("app: pipe: %s\n", strerror(errno));
		return;
	}
	for (int i = 0; i < ORPHANS; i++)
		if (make_orphan(report) == 0)
			made++;
	(void) close(report[1]);
	/* EOF once every orphan has exited (or failed to start). */
	while (got < ORPHANS &&
	       ((n = read(report[0], &pids[got], sizeof(pid_t))) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			got++;
	(void) close(report[0]);
	printf("app: left %d orphans behind (pids", got);
	for (int i = 0; i < got; i++)
		printf(" %d", (int) pids[i]);
	printf("); their parents exited first, so the kernel gave them to "
	       "%s\n", supervised ? "PID 1, the reaper"
				  : "the nearest subreaper or init");
	if (made != ORPHANS)
		printf("app: (only %d of %d orphans could be made)\n", made,
		       ORPHANS);

	/* The reaper reaps them asynchronously; give it a moment. The demo
	 * may poll (lib/ and tests never do): at most 2 s, in 5 ms steps. */
	for (waited = 0; waited < 400; waited++) {
		int all = 1;

		for (int i = 0; i < got; i++)
			all &= gone(pids[i]);
		if (all)
			break;
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < got; i++)
		if (!gone(pids[i]))
			printf("app: orphan %d is still a zombie\n",
			       (int) pids[i]);
	printf("app: zombies %s: %d\n", supervised ? "in this PID namespace"
						 : "visible in /proc",
	       count_zombies());
}

int
main(void)
{
	reaper_fork_self();	/* the one line; below is the application */

	int split_errno = errno;	/* meaningful only if still PID 1 */
	int supervised = under_reaper();
	struct sigaction sa;
	sigset_t term, old;

	/* Line-buffered even into a pipe or file, so a watcher sees each
	 * line as it happens. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("app: I am pid %d, my parent is pid %d, my session is %d\n",
	       (int) getpid(), (int) getppid(), (int) getsid(0));
	if (getpid() == 1)
		printf("app: still PID 1: reaper_fork_self() could not split "
		       "(%s)\n", strerror(split_errno));
	else if (supervised)
		printf("app: PID 1 is my reaper; I run in a session of my "
		       "own\n");
	else
		printf("app: not started as PID 1, so there is no reaper "
		       "(try demo/run-demo.sh)\n");

	run_system();
	run_spawn();
	leave_orphans(supervised);

	/* Block SIGTERM while installing the handler, then sleep in
	 * sigsuspend() with it unblocked: no window where it can be missed. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_term;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigdelset(&old, SIGTERM);

	printf("app: ready, waiting for SIGTERM\n");
	while (!got_term)
		sigsuspend(&old);
	printf("app: got SIGTERM (sent by pid %d), exiting with %d\n",
	       (int) term_from, EXIT_CODE);
	return EXIT_CODE;
}
