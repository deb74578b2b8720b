/*
 * The workloads bench-driver runs under each init, as that init's child.
 * Built twice from this file: bench-work, a plain program, and bench-lib,
 * the same program with reaper_fork_self() as its first line, so that the
 * call is the only difference between the two.
 *
 *   true            exit 0 at once (startup cost)
 *   sleep FD        write a ready word to FD, then sleep until a signal
 *                   (idle wake-ups and memory of the init)
 *   latency FD      on each SIGUSR1, write CLOCK_MONOTONIC ns to FD
 *   storm N FD      double-fork N orphans; write a struct storm_report to
 *                   FD once every orphan has been reaped, then exit
 *
 * Results go through FD (inherited across the init's exec) so that the
 * workload needs no /proc of its namespace.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef BENCH_LIBRARY_MODE
#include <reaper.h>
#endif

#include "bench-work.h"

static int out_fd = -1;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static void
put(const void *buf, size_t len)
{
	if (write(out_fd, buf, len) != (ssize_t) len)
		_exit(3);
}

/* clock_gettime() and write() are async-signal-safe (POSIX.1-2008). */
static void
on_usr1(int sig)
{
	uint64_t t = now_ns();

	(void) sig;
	put(&t, sizeof(t));
}

static __attribute__((noreturn)) void
sleep_until_signal(void)
{
	uint64_t ready = 0;

	put(&ready, sizeof(ready));
	for (;;)
		pause();	/* SIGTERM's default action ends us */
}

/* 1 once pid is gone for good: reaped, not merely a zombie. */
static int
reaped(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/*
 * The intermediate of a double fork. It shares our memory (CLONE_VM, and
 * we are suspended until it exits: CLONE_VFORK), so it uses raw system
 * calls only, stores the orphan's pid straight into our array and saves
 * the storm one copy of the page tables per orphan: the forking side is
 * the bottleneck, and this keeps the full form under ten minutes.
 */
static int
intermediate(void *slot)
{
	long g = syscall(SYS_fork);

	if (g == 0)
		syscall(SYS_exit_group, 0);	/* the orphan */
	*(pid_t *) slot = (pid_t) g;
	return g < 0;
}

/*
 * Each orphan is made the classic way: an intermediate child forks it and
 * exits, so the orphan is re-parented to PID 1. The reaper's share of the
 * work is to collect the orphans' zombies. The oldest orphans are checked
 * as we go: PID 1 collects in about the order they were re-parented, so
 * created - oldest unreaped is how far behind the reaper is.
 */
static int
storm(long n)
{
	static char stack[16384] __attribute__((aligned(16)));
	struct storm_report rep = { 0 };
	pid_t *orphan = calloc((size_t) n, sizeof(*orphan));
	long lo = 0;

	if (!orphan)
		return 2;
	rep.start_ns = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t mid = clone(intermediate, stack + sizeof(stack),
				  CLONE_VM | CLONE_VFORK | SIGCHLD, &orphan[i]);
		int st;

		if (mid < 0 || waitpid(mid, &st, 0) != mid || st != 0 ||
		    orphan[i] <= 0)
			return 2;
		while (lo <= i && reaped(orphan[lo]))
			lo++;
		if ((unsigned long)(i + 1 - lo) > rep.peak_unreaped)
			rep.peak_unreaped = (uint32_t)(i + 1 - lo);
	}
	rep.forked_ns = now_ns();
	/* The end is only observable by asking; 20 us naps keep this side
	 * off the CPU the reaper needs. */
	while (lo < n) {
		if (reaped(orphan[lo])) {
			lo++;
			continue;
		}
		nanosleep(&(struct timespec){ 0, 20000 }, NULL);
	}
	rep.done_ns = now_ns();
	rep.orphans = (uint32_t) n;
	put(&rep, sizeof(rep));
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

#ifdef BENCH_LIBRARY_MODE
	reaper_fork_self();
#endif
	if (argc >= 2 && strcmp(argv[1], "true") == 0)
		return 0;
	if (argc < 3)
		goto usage;
	out_fd = atoi(argv[argc - 1]);
	if (strcmp(argv[1], "sleep") == 0)
		sleep_until_signal();
	if (strcmp(argv[1], "latency") == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			return 2;
		sleep_until_signal();
	}
	if (strcmp(argv[1], "storm") == 0 && argc == 4)
		return storm(atol(argv[2]));
usage:
	fprintf(stderr, "usage: %s true | sleep FD | latency FD | storm N FD\n",
		argv[0]);
	return 2;
}
