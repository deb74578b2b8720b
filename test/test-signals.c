/*
 * Signals through the reaper, on real processes: helper-app is PID 1 of a
 * fresh PID namespace and splits; the test signals that PID 1 from the
 * host and checks what the application reports it got (signal, si_code,
 * sigqueue() value, sender as the application sees it) and what the kernel
 * says about both processes in /proc.
 *
 * Ordering instead of sleeping: both the reaper and the application read
 * their signals from a signalfd, and the kernel dequeues the lowest pending
 * number first (standard before real-time, real-time of one number in
 * order). So "B arrived and A did not" is proven by sending A, then B with
 * B > A, and waiting for B: had A been forwarded, it would have been
 * reported first.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-common.h"

/* Start helper-app [opts...] SCENARIO as PID 1 and wait for "ready=1". */
static void
start_ready(struct rt_run *run, const char *const *argv)
{
	rt_start(run, NULL, argv);
	rt_wait_line(run, "ready=1");
}

static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, RT(3),
};

/* 1. Each signal sent to PID 1 reaches the application as itself, from
 *    kill() (SI_USER), sent by the reaper (pid 1 in the namespace); the
 *    application, which handles it, then exits 0 and so does PID 1. */
START_TEST(forwards_each_signal)
{
	const char *argv[] = { rt_helper_path(), "signals", NULL };
	int sig = rt_table_sig(forwarded[_i]);
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, argv);
	rt_kill(run.pid1, sig);
	s = rt_wait_sig(&run, sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 1);
}
END_TEST

/* 2. sigqueue() to PID 1 keeps its si_code and payload on the way. */
START_TEST(sigqueue_payload_kept)
{
	const char *argv[] = { rt_helper_path(), "signals", NULL };
	union sigval v = { .sival_int = 42 };
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, argv);
	ck_assert_int_eq(sigqueue(run.pid1, SIGRTMIN + 2, v), 0);
	s = rt_wait_sig(&run, SIGRTMIN + 2);
	ck_assert_int_eq(s.code, SI_QUEUE);
	ck_assert_int_eq(s.val, 42);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
}
END_TEST

/* USR1 is dropped: USR1 (10) then USR2 (12) to PID 1; the reaper dequeues
 * 10 first and forwards in order, the application dequeues 10 first, so a
 * forwarded USR1 would be reported before USR2. */
static void
assert_usr1_dropped(struct rt_run *run)
{
	rt_kill(run->pid1, SIGUSR1);
	rt_kill(run->pid1, SIGUSR2);
	rt_wait_sig(run, SIGUSR2);
	ck_assert_int_eq(rt_count_sig(run, NULL, SIGUSR1), 0);
}

/* 3. Rewrite rules by name: TERM arrives as QUIT, USR1 is dropped,
 *    RTMIN+1 (a real-time signal) arrives as HUP. */
START_TEST(rewrite_by_name)
{
	const char *argv[] = { rt_helper_path(), "-r",
			       "TERM:QUIT,USR1:0,RTMIN+1:HUP", "signals",
			       NULL };
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, argv);
	rt_kill(run.pid1, SIGTERM);
	s = rt_wait_sig(&run, SIGQUIT);
	ck_assert_int_eq(s.pid, 1);
	assert_usr1_dropped(&run);
	rt_kill(run.pid1, SIGRTMIN + 1);
	s = rt_wait_sig(&run, SIGHUP);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	/* The application drains what is pending before it exits: none of
	 * the originals ever reached it. */
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMIN + 1), 0);
}
END_TEST

/* 3b. The same rules written as numbers: 15:3 and 10:0. */
START_TEST(rewrite_by_number)
{
	const char *argv[] = { rt_helper_path(), "-r", "15:3,10:0", "signals",
			       NULL };
	struct rt_run run;

	start_ready(&run, argv);
	rt_kill(run.pid1, SIGTERM);
	rt_wait_sig(&run, SIGQUIT);
	assert_usr1_dropped(&run);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 0);
}
END_TEST

/* 4. With -g, a signal to PID 1 reaches every member of the application's
 *    process group, here the application and a child it forked. */
START_TEST(group_target_reaches_group)
{
	const char *argv[] = { rt_helper_path(), "-g", "groupsig", NULL };
	struct rt_run run;
	const char *l;
	long cpid, cpgid, spid;

	start_ready(&run, argv);
	l = rt_wait_line(&run, "member=child pid=");
	ck_assert_int_eq(sscanf(l, "member=child pid=%ld pgid=%ld", &cpid,
				&cpgid), 2);
	/* The child really is a second member of the application's group. */
	ck_assert_int_eq(cpgid, atol(rt_get(&run, "pgid")));
	ck_assert_int_ne(cpid, atol(rt_get(&run, "pid")));
	rt_kill(run.pid1, SIGUSR1);
	l = rt_wait_line(&run, "member=app sig=10 ");
	ck_assert_int_eq(sscanf(l, "member=app sig=10 pid=%ld", &spid), 1);
	ck_assert_int_eq(spid, 1);
	l = rt_wait_line(&run, "member=child sig=10 ");
	ck_assert_int_eq(sscanf(l, "member=child sig=10 pid=%ld", &spid), 1);
	ck_assert_int_eq(spid, 1);
	rt_finish_ok(&run);
}
END_TEST

/* 4b. By default only the application gets it. USR1 then USR2 go to PID 1
 *     and USR2 is seen by the application: the reaper, which handles its
 *     signals one after the other, has finished sending USR1 to whatever it
 *     sends it to. Then TERM (15 > 12 > 10) goes straight to the child: had
 *     the child got USR1 or USR2 from the reaper, those were pending before
 *     TERM and would have been reported first. */
START_TEST(default_target_is_application_only)
{
	const char *argv[] = { rt_helper_path(), "groupsig", NULL };
	struct rt_run run;
	pid_t app, child;

	start_ready(&run, argv);
	rt_wait_line(&run, "member=child pid=");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	child = rt_host_child_of(app);
	ck_assert_int_gt(child, 0);
	rt_kill(run.pid1, SIGUSR1);
	rt_kill(run.pid1, SIGUSR2);
	rt_wait_line(&run, "member=app sig=10 ");
	rt_wait_line(&run, "member=app sig=12 ");
	rt_kill(child, SIGTERM);
	rt_wait_line(&run, "member=child sig=15 ");
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR2), 0);
	rt_finish_ok(&run);
	/* Everything pending at the child was reported before it left. */
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR2), 0);
}
END_TEST

/* 5. The application starts with exactly the mask and dispositions the
 *    program had before the call: HUP and PIPE ignored, USR2 blocked,
 *    no handler; none of the reaper's blocking leaks into it. */
START_TEST(application_gets_mask_and_dispositions)
{
	const char *argv[] = { rt_helper_path(), "exit", "0", NULL };
	struct rt_opts o;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's masks");
	rt_opts_init(&o);
	sigaddset(&o.ignore, SIGHUP);
	sigaddset(&o.ignore, SIGPIPE);
	sigaddset(&o.block, SIGUSR2);
	rt_start(&run, &o, argv);
	rt_finish_ok(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	/* Bit N-1 stands for signal N: HUP 1, PIPE 13, USR2 12. */
	ck_assert_str_eq(rt_get(&run, "SigIgn"), "0000000000001001");
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000800");
	ck_assert_int_eq(rt_caught_forwardable(rt_get(&run, "SigCgt")), 0);
}
END_TEST

/* 5b. While the application runs, the reaper blocks everything it
 *     forwards (so nothing sent to it can act on it or be lost), and the
 *     application, seen from the host, does not. */
START_TEST(reaper_blocks_what_it_forwards)
{
	static const int must[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
		SIGTERM, SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH,
	};
	const char *argv[] = { rt_helper_path(), "wait", NULL };
	struct rt_run run;
	unsigned long long blk;
	pid_t app;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's masks");
	start_ready(&run, argv);
	blk = rt_reaper_sigset(run.pid1);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		ck_assert_msg(blk & (1ULL << (must[i] - 1)),
			      "reaper SigBlk %llx lacks signal %d", blk,
			      must[i]);
	/* Up to SIGRTMAX = 64, bit 63. */
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		ck_assert_msg(blk & (1ULL << (s - 1)),
			      "reaper SigBlk %llx lacks signal %d", blk, s);
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	ck_assert_int_eq(rt_proc_status(app, "SigBlk"), 0);
	ck_assert_int_eq(rt_proc_status(app, "SigIgn"), 0);
	rt_finish_ok(&run);
}
END_TEST

/* 6. A signal pending in the original process when it calls (here USR1,
 *    blocked and sent to itself) reaches the application, from the reaper;
 *    the application still starts with the caller's mask (USR1 blocked). */
START_TEST(pending_signal_survives_split)
{
	const char *argv[] = { rt_helper_path(), "-k", "10", "signals", NULL };
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, argv);
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000200");
	s = rt_wait_sig(&run, SIGUSR1);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 1);
}
END_TEST

/* 7. docker stop: SIGTERM to PID 1 reaches an application that handles it,
 *    which then exits 0, and PID 1 exits 0. */
START_TEST(sigterm_to_handling_app)
{
	const char *argv[] = { rt_helper_path(), "signals", NULL };
	struct rt_run run;

	start_ready(&run, argv);
	rt_kill(run.pid1, SIGTERM);
	ck_assert_int_eq(rt_wait_sig(&run, SIGTERM).pid, 1);
	rt_finish_ok(&run);
}
END_TEST

/* 7b. docker stop on an application that does not handle SIGTERM: it dies
 *     of it, and PID 1 (which the kernel will not let die of it) exits
 *     128 + 15. We wait for the application's death on a pidfd before
 *     closing its stdin, or it could leave on EOF first. */
START_TEST(sigterm_kills_default_app)
{
	const char *argv[] = { rt_helper_path(), "wait", NULL };
	struct rt_run run;
	struct pollfd p;
	pid_t app;
	int pfd;

	RT_SKIP_UNDER_VALGRIND("waits on a pidfd: none in valgrind 3.19");
	start_ready(&run, argv);
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	pfd = (int) syscall(SYS_pidfd_open, app, 0);
	ck_assert_msg(pfd >= 0, "pidfd_open: %s", strerror(errno));
	rt_kill(run.pid1, SIGTERM);
	p = (struct pollfd){ .fd = pfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, -1), 1);
	close(pfd);
	rt_finish(&run);
	ck_assert_int_eq(rt_exit_code(&run), 128 + SIGTERM);
}
END_TEST

/* 8. Idle, the reaper sleeps in sigtimedwait() and nothing wakes
 *    it: its context switch counts do not move over one second. */
START_TEST(zero_idle_wakeups)
{
	const char *argv[] = { rt_helper_path(), "wait", NULL };
	struct rt_run run;
	long long before, after, deadline, t;

	start_ready(&run, argv);
	/* "ready=1" may come before the reaper reaches its loop. */
	rt_wait_reaper_asleep(run.pid1);
	before = rt_ctxt_switches(run.pid1);
	fprintf(stderr, "idle: voluntary=%lld nonvoluntary=%lld\n",
		rt_proc_status(run.pid1, "voluntary_ctxt_switches"),
		rt_proc_status(run.pid1, "nonvoluntary_ctxt_switches"));
	/* The measurement window; the application says nothing more. */
	deadline = rt_now_ms() + 1000;
	while ((t = rt_now_ms()) < deadline) {
		struct pollfd p = { .fd = run.report, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, (int)(deadline - t)), 0);
	}
	after = rt_ctxt_switches(run.pid1);
	fprintf(stderr, "idle: voluntary=%lld nonvoluntary=%lld after 1 s\n",
		rt_proc_status(run.pid1, "voluntary_ctxt_switches"),
		rt_proc_status(run.pid1, "nonvoluntary_ctxt_switches"));
	ck_assert_int_eq(after, before);
	ck_assert_int_eq(rt_blocked_syscall(run.pid1), SYS_rt_sigtimedwait);
	rt_finish_ok(&run);
}
END_TEST

/* 9. A storm of 2000 mixed signals: every kind gets through, every
 *    real-time one exactly once (they queue; the reaper must not coalesce
 *    them), nothing hangs and PID 1 exits 0. SIGRTMAX, sent last, is the
 *    highest number: when the application reports it, the reaper has
 *    forwarded (and the application reported) everything sent before. */
START_TEST(signal_storm)
{
	static const int kinds[] = {
		SIGTERM, SIGUSR1, SIGUSR2, SIGHUP, SIGWINCH,
		RT(0), RT(1), RT(2), RT(3), RT(4),
	};
	const size_t nk = sizeof(kinds) / sizeof(kinds[0]);
	const char *argv[] = { rt_helper_path(), "signals", NULL };
	const int total = 2000;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("valgrind keeps SIGRTMAX for itself");
	start_ready(&run, argv);
	for (int i = 0; i < total; i++)
		rt_kill(run.pid1, rt_table_sig(kinds[(size_t) i % nk]));
	rt_kill(run.pid1, SIGRTMAX);
	rt_wait_sig(&run, SIGRTMAX);
	for (size_t i = 0; i < nk; i++) {
		int sig = rt_table_sig(kinds[i]);

		if (sig >= SIGRTMIN)
			ck_assert_msg(rt_count_sig(&run, NULL, sig) ==
				      total / (int) nk,
				      "signal %d seen %d times", sig,
				      rt_count_sig(&run, NULL, sig));
		else
			ck_assert_msg(rt_count_sig(&run, NULL, sig) >= 1,
				      "signal %d never seen", sig);
	}
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMAX), 1);
}
END_TEST

RT_TEST_SUITE(signals, "signals",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER)
{
	TCase *tc = tcase_create("pid1");

	tcase_add_checked_fixture(tc, rt_reset_signals, NULL);
	/* The idle test alone takes a second; a hang is a failure. */
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, forwards_each_signal, 0,
			    sizeof(forwarded) / sizeof(forwarded[0]));
	tcase_add_test(tc, sigqueue_payload_kept);
	tcase_add_test(tc, rewrite_by_name);
	tcase_add_test(tc, rewrite_by_number);
	tcase_add_test(tc, group_target_reaches_group);
	tcase_add_test(tc, default_target_is_application_only);
	tcase_add_test(tc, application_gets_mask_and_dispositions);
	tcase_add_test(tc, reaper_blocks_what_it_forwards);
	tcase_add_test(tc, pending_signal_survives_split);
	tcase_add_test(tc, sigterm_to_handling_app);
	tcase_add_test(tc, sigterm_kills_default_app);
	tcase_add_test(tc, zero_idle_wakeups);
	tcase_add_test(tc, signal_storm);
	suite_add_tcase(s, tc);
}
