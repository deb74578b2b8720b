/*
 * The reaper command at run time, on real process trees: `reaper [FLAGS]
 * -- helper-app SCENARIO` runs as PID 1 of a fresh PID namespace (or, where
 * the behaviour only exists there, as a plain process), and the test
 * checks what COMMAND (helper-app, for which reaper_fork_self() is a
 * no-op since it is not PID 1) reports it got, how the command exits, and
 * what the kernel says about the reaper in /proc: what only the command
 * does. Signal forwarding, rewriting and targets, exit statuses and
 * orphans, for both front ends, are in test-signals.c and test-exit.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define REPORT_FD_ENV "HELPER_REPORT_FD=3"

/* Only bounds waits that would last for ever when the command is broken,
 * so that the test fails and cleans up instead of hanging; never a delay. */
#define GIVE_UP_MS 10000

/* Long enough for a SIGTERM handler to run and exit even on one loaded
 * CPU (taskset -c 0, sanitizers), short enough to keep the suite quick. */
#define GRACE_MS "300"

/* ------------------------------------------------------------------ */
/* Starting the command                                                 */

/* Run `reaper args...` (args NULL-terminated, argv[0] added here) with
 * opts (may be NULL: PID 1, default environment). */
static void
cmd_startv(struct rt_run *run, const struct rt_opts *opts,
	   const char *const *args)
{
	const char *argv[64];
	struct rt_opts o;
	size_t n = 0;

	if (opts)
		o = *opts;
	else
		rt_opts_init(&o);
	if (!o.exe)
		o.exe = rt_command_path();
	argv[n++] = rt_command_path();
	for (; *args; args++) {
		ck_assert_uint_lt(n, 63);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	rt_start(run, &o, argv);
}

#define cmd_start(run, opts, ...) \
	cmd_startv((run), (opts), (const char *const[]){ __VA_ARGS__, NULL })

/* ------------------------------------------------------------------ */
/* Processes                                                            */

static int
pidfd_open(pid_t pid)
{
	int fd = (int) syscall(SYS_pidfd_open, pid, 0);

	ck_assert_msg(fd >= 0, "pidfd_open(%ld): %s", (long) pid,
		      strerror(errno));
	return fd;
}

/* Wait until the process behind pidfd has exited, for at most ms (-1:
 * for ever); true when it has. A pidfd turns readable in exit_notify(),
 * after the kernel has re-parented the children and sent their
 * parent-death signals. */
static bool
wait_exit(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r == 1;
}

/* ------------------------------------------------------------------ */
/* 1. Reaping (orphans reaped, for both front ends: test-exit.c)        */

/*
 * Past 256 orphans the kernel reaps (SIGCHLD ignored), where it keeps
 * the application's status for its pidfd. Then a signal still goes
 * through (the reaper now reads a signalfd), and the status that comes
 * back is still the application's: killed by SIGTERM, 128 + 15 from PID
 * 1. Elsewhere (older kernels, valgrind) the reaper keeps reaping, and
 * the same must hold.
 */
START_TEST(kernel_reaps_after_storm)
{
	struct rt_run run;
	int all, zombies;

	cmd_start(&run, NULL, "-v", "--", rt_helper_path(), "orphans-hold",
		  rt_valgrind() ? "260" : "1000", "41");
	rt_wait_line(&run, "ready=1");
	ck_assert_int_eq(rt_sigchld_ignored(run.pid1), rt_kernel_reaps());
	rt_count_children(run.pid1, &all, &zombies);
	ck_assert_int_eq(zombies, 0);
	ck_assert_int_eq(all, 1);
	if (rt_kernel_reaps())
		/* 256 or a few more: one drain can reap several. */
		ck_assert_ptr_nonnull(strstr(run.errbuf, " orphans reaped; "
				      "the kernel reaps from now on"));
	ck_assert_int_eq(kill(run.pid1, SIGTERM), 0);
	/* Gone through the signal, not through stdin's EOF (rt_finish()). */
	ck_assert(rt_wait_started_exit(&run, -1));
	rt_finish(&run);
	if (rt_exit_code(&run) != 128 + SIGTERM)
		rt_dump(&run);
	ck_assert_int_eq(rt_exit_code(&run), 128 + SIGTERM);
	ck_assert_ptr_nonnull(strstr(run.errbuf, "application killed by "
				     "SIGTERM"));
}
END_TEST

/* -w reports every orphan, so the kernel may not take reaping over. */
START_TEST(warn_reaped_keeps_reaping)
{
	struct rt_run run;

	cmd_start(&run, NULL, "-w", "--", rt_helper_path(), "orphans-hold",
		  "300", "41");
	rt_wait_line(&run, "ready=1");
	ck_assert(!rt_sigchld_ignored(run.pid1));
	rt_finish(&run);
	if (rt_exit_code(&run) != 41)
		rt_dump(&run);
	ck_assert_int_eq(rt_exit_code(&run), 41);
	ck_assert_int_eq(rt_count_str(run.errbuf, "reaped zombie process"),
			 300);
}
END_TEST

/*
 * The grace period after the kernel has reaped: COMMAND (sh, then
 * helper-app's leftovers through exec) first has 300 orphans made, so
 * that the kernel reaps by the time the leftovers exist. Once COMMAND is
 * gone the reaper reaps again, and the leftovers go as ever: SIGTERM,
 * then SIGKILL for the one that ignores it; -v logs each reap.
 */
START_TEST(grace_after_kernel_reaping)
{
	struct rt_run run;
	char needle[64];
	long ignorer;

	/* NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one arg */
	cmd_start(&run, NULL, "-v", "--grace=" GRACE_MS, "--", "/bin/sh",
		  "-c", "\"$0\" orphans 300 && exec \"$0\" leftovers 7",
		  rt_helper_path());
	rt_finish(&run);
	if (rt_exit_code(&run) != 7)
		rt_dump(&run);
	ck_assert_int_eq(rt_exit_code(&run), 7);
	ck_assert_int_eq(strstr(run.errbuf, "the kernel reaps from now on") !=
			 NULL, rt_kernel_reaps());
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got=setsid sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 2);
	ignorer = rt_leftover_pid(&run, "ignore");
	ck_assert(ignorer > 0);
	snprintf(needle, sizeof(needle), "reaper[1]: reaped %ld (status 0x9)",
		 ignorer);
	ck_assert_int_eq(rt_count_str(run.errbuf, needle), 1);
}
END_TEST

/*
 * Outside PID 1, with -s and no --grace, the reaper exits as soon as
 * COMMAND does, with its status, even though leftovers (which never exit
 * on their own) remain: they were still alive after it had gone, and
 * none of them was sent anything.
 */
START_TEST(exits_with_leftovers_outside_pid1)
{
	static const char *const kinds[] = { "trap", "ignore", "setsid" };
	struct rt_opts o;
	struct rt_run run;
	bool exited, alive[3];

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	rt_opts_init(&o);
	o.no_pidns = true;
	cmd_start(&run, &o, "-s", "--", rt_helper_path(), "leftovers", "7");
	for (size_t k = 0; k < 3; k++) {
		char needle[32];

		snprintf(needle, sizeof(needle), "leftover=%s ", kinds[k]);
		rt_wait_line(&run, needle);
	}
	exited = rt_wait_started_exit(&run, GIVE_UP_MS);
	for (size_t k = 0; k < 3; k++) {
		pid_t pid = (pid_t) rt_leftover_pid(&run, kinds[k]);

		/* Re-parented to us once the reaper was gone. */
		alive[k] = rt_ppid_of(pid) == getpid() &&
			   rt_state_of(pid) != 'Z';
	}
	(void) rt_kill_stray_leftovers(&run, 0);
	rt_finish(&run);
	ck_assert_msg(exited, "the reaper waited for the leftovers");
	for (size_t k = 0; k < 3; k++)
		ck_assert_msg(alive[k], "leftover %s gone", kinds[k]);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 0);
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. Parent-death signals                                              */

/*
 * -p SIGNAL (tini's meaning): the reaper gets SIGNAL when its own parent
 * dies, and forwards it. Outside PID 1, the reaper's parent is a helper
 * (scenario spawn) the test kills; its death queues SIGNAL at the reaper
 * before its pidfd turns readable. TERM (above each SIGNAL used) then
 * goes to the reaper as the fence. The reaper, orphaned, comes to the test
 * (subreaper), which reaps it and sees COMMAND's 0 mirrored.
 */
START_TEST(reaper_parent_death_signal)
{
	static const struct {
		const char *flag, *value, *env;
		int sig;
	} t[] = {
		{ "-p", "USR1", NULL, SIGUSR1 },
		{ "--parent-death-signal=SIGUSR2", NULL, NULL, SIGUSR2 },
		{ NULL, NULL, "REAPER_PARENT_DEATH_SIGNAL=HUP", SIGHUP },
	};
	const char *envp[] = { DEFAULT_PATH, REPORT_FD_ENV, t[_i].env, NULL };
	const char *args[12];
	struct rt_opts o;
	struct rt_run run;
	struct rt_sigline s;
	pid_t reaper, got;
	size_t n = 0;
	int fd, st;

	RT_SKIP_UNDER_VALGRIND("waits on a pidfd: none in valgrind 3.19");
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	args[n++] = rt_helper_path();
	args[n++] = "spawn";
	args[n++] = rt_command_path();
	if (t[_i].flag)
		args[n++] = t[_i].flag;
	if (t[_i].value)
		args[n++] = t[_i].value;
	args[n++] = "--";
	args[n++] = rt_helper_path();
	args[n++] = "signals";
	args[n] = NULL;
	rt_opts_init(&o);
	o.no_pidns = true;
	if (t[_i].env)
		o.envp = envp;
	rt_start(&run, &o, args);
	rt_wait_line(&run, "ready=1");
	/* Written by the parent after fork(): it may come after "ready=1". */
	reaper = (pid_t) atol(rt_wait_line(&run, "spawned=") +
			      strlen("spawned="));
	ck_assert_int_gt(reaper, 0);
	ck_assert_int_eq(rt_ppid_of(reaper), run.pid1);

	fd = pidfd_open(run.pid1);
	rt_kill(run.pid1, SIGKILL);
	ck_assert(wait_exit(fd, -1));
	close(fd);
	rt_kill(reaper, SIGTERM);
	rt_wait_sig(&run, SIGTERM);
	/* Counted first: waiting for a signal that never came would hang. */
	ck_assert_int_eq(rt_count_sig(&run, NULL, t[_i].sig), 1);
	s = rt_wait_sig(&run, t[_i].sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, reaper);

	rt_finish(&run);
	ck_assert_int_eq(rt_term_sig(&run), SIGKILL);
	got = waitpid(reaper, &st, 0);
	ck_assert_int_eq(got, reaper);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reaper status "
		      "0x%x", st);
	ck_assert_int_eq(rt_count_sig(&run, NULL, t[_i].sig), 1);
}
END_TEST

/* ------------------------------------------------------------------ */

RT_TEST_SUITE(command_run, "command-run",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "reaping");
	tcase_add_test(tc, kernel_reaps_after_storm);
	tcase_add_test(tc, warn_reaped_keeps_reaping);
	tcase_add_test(tc, grace_after_kernel_reaping);
	tcase_add_test(tc, exits_with_leftovers_outside_pid1);

	tc = rt_new_tcase(s, "parent-death");
	tcase_add_loop_test(tc, reaper_parent_death_signal, 0, 3);
}
