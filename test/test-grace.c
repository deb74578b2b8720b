/*
 * The grace period (-G / --grace), through both front ends: the library
 * split (helper-app -G as PID 1) and the command (reaper --grace -- helper
 * -app). helper-app's "leftovers" scenario leaves three processes behind
 * when COMMAND exits: one that traps SIGTERM and exits 0, one in its own
 * session that does the same, one that ignores SIGTERM. After COMMAND the
 * reaper sends SIGTERM to each, waits out the grace period, SIGKILLs what
 * is left and reaps everything before it exits with COMMAND's status.
 *
 * Each test is a loop over enum rt_mode (_i); what each front end reports
 * differs (helper-app -n prints "reaped pid= status= app=" lines, the
 * command -w its "reaped zombie process" warnings), so the shared checks
 * come first and each front end's own follow.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "test-common.h"

/* Only bounds waits that would last for ever when the reaper is broken,
 * so that the test fails and cleans up instead of hanging; never a delay. */
#define GIVE_UP_MS 10000

/* Long enough for a SIGTERM handler to run and exit even on one loaded
 * CPU (taskset -c 0, sanitizers), short enough to keep the suite quick. */
#define GRACE_MS "300"

/* NOLINTBEGIN(bugprone-suspicious-missing-comma): one arg */
static const char *const lib_grace[] = { "-n", "-G", GRACE_MS, NULL };
/* -a: helper-app splits outside PID 1 too. */
static const char *const lib_grace_outside[] = {
	"-a", "-n", "-G", GRACE_MS, NULL,
};
static const char *const cmd_grace[] = { "-w", "--grace=" GRACE_MS, NULL };
/* NOLINTEND(bugprone-suspicious-missing-comma) */

/* The wait status -w logged for pid ("reaped zombie process P (status
 * 0xS)"), or -1; *times says how many such lines name it. */
static int
warned_status(struct rt_run *run, long pid, int *times)
{
	char needle[64];
	unsigned int st;
	int status = -1;

	snprintf(needle, sizeof(needle), "reaped zombie process %ld ", pid);
	*times = 0;
	for (const char *p = run->errbuf; (p = strstr(p, needle)); p++) {
		(*times)++;
		if (sscanf(p + strlen(needle), "(status 0x%x)", &st) == 1)
			status = (int) st;
	}
	return status;
}

/* The library: helper-app -n reports each reap, with whether it was the
 * application's; the split itself succeeded. */
static void
check_grace_lib(struct rt_run *run, long trap, long ign, long sess)
{
	struct rt_reaped r[64];
	const struct rt_reaped *e;
	int n;

	ck_assert_str_eq(rt_get(run, "split"), "0 errno=0");
	/* Each leftover reaped by the reaper itself, before it exited. */
	n = rt_parse_reaped(run, r, 64);
	e = rt_find_reaped(r, n, trap);
	ck_assert_msg(e, "trap leftover %ld not reaped", trap);
	ck_assert(WIFEXITED(e->status) && WEXITSTATUS(e->status) == 0);
	ck_assert_int_eq(e->app, 0);
	e = rt_find_reaped(r, n, sess);
	ck_assert_msg(e, "setsid leftover %ld not reaped", sess);
	ck_assert(WIFEXITED(e->status) && WEXITSTATUS(e->status) == 0);
	e = rt_find_reaped(r, n, ign);
	ck_assert_msg(e, "ignoring leftover %ld not reaped", ign);
	ck_assert_msg(WIFSIGNALED(e->status) && WTERMSIG(e->status) == SIGKILL,
		      "ignoring leftover: status 0x%x", e->status);
	ck_assert_int_eq(e->app, 0);
	ck_assert(rt_err_has(run, "app=1"));
}

/* The command: -w warned once about each leftover, with its status, and
 * about nothing else (COMMAND is its own child, not a zombie). */
static void
check_grace_cmd(struct rt_run *run, const long pid[3])
{
	static const char *const kind[] = { "trap", "setsid", "ignore" };
	static const int want[] = { 0, 0, SIGKILL };

	for (size_t i = 0; i < 3; i++) {
		int times, st = warned_status(run, pid[i], &times);

		ck_assert_msg(times == 1, "leftover %s (%ld) reaped %d times; "
			      "stderr: %s", kind[i], pid[i], times,
			      run->errbuf);
		ck_assert_msg(st == want[i], "leftover %s: status 0x%x",
			      kind[i], st);
	}
	ck_assert_int_eq(rt_count_str(run->errbuf, "reaped zombie process "),
			 3);
}

/*
 * After a grace period: the leftover that traps SIGTERM and the one in
 * its own session got SIGTERM and exited 0, the one that ignores it was
 * SIGKILLed, each was reaped by the reaper exactly once, and the reaper
 * exited with COMMAND's 7.
 */
static void
check_grace(struct rt_run *run, enum rt_mode m)
{
	long pid[3];

	if (rt_exit_code(run) != 7)
		rt_dump(run);
	pid[0] = rt_leftover_pid(run, "trap");
	pid[1] = rt_leftover_pid(run, "setsid");
	pid[2] = rt_leftover_pid(run, "ignore");
	ck_assert_msg(pid[0] > 0, "%s: no leftover=trap", rt_mode_name[m]);
	ck_assert_msg(pid[1] > 0, "%s: no leftover=setsid", rt_mode_name[m]);
	ck_assert_msg(pid[2] > 0, "%s: no leftover=ignore", rt_mode_name[m]);
	/* SIGTERM first, to everyone, also the one in its own session. */
	ck_assert_int_eq(rt_count(run, "leftover_got=trap sig=15"), 1);
	ck_assert_int_eq(rt_count(run, "leftover_got=setsid sig=15"), 1);
	ck_assert_int_eq(rt_count(run, "leftover_got=ignore"), 0);
	ck_assert_int_eq(rt_count(run, "leftover_got="), 2);
	if (m == RT_LIB)
		check_grace_lib(run, pid[0], pid[2], pid[1]);
	else
		check_grace_cmd(run, pid);
	ck_assert_int_eq(rt_exit_code(run), 7);
}

START_TEST(grace_as_pid1)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	rt_start_mode(&run, NULL, m, m == RT_LIB ? lib_grace : cmd_grace,
		      "leftovers", "7", NULL);
	rt_finish(&run);
	check_grace(&run, m);
}
END_TEST

/* Outside PID 1 there is no kill(-1): the reaper walks /proc for its
 * descendants, which it only finds if they come to it: the library is
 * their subreaper, and the command's --grace implies -s (not given). */
START_TEST(grace_outside_pid1)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_opts o;
	struct rt_run run;
	bool exited;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	rt_opts_init(&o);
	o.no_pidns = true;
	rt_start_mode(&run, &o, m, m == RT_LIB ? lib_grace_outside : cmd_grace,
		      "leftovers", "7", NULL);
	exited = rt_kill_stray_leftovers(&run, GIVE_UP_MS);
	rt_finish(&run);
	ck_assert_msg(exited, "%s: the reaper did not exit", rt_mode_name[m]);
	check_grace(&run, m);
	/* -s implied: no warning about orphans going elsewhere. */
	ck_assert(!rt_err_has(&run, "not a child subreaper"));
}
END_TEST

/* Without a grace period PID 1 leaves at once with COMMAND's status; the
 * kernel then kills the rest of the namespace, so no leftover ever sees a
 * SIGTERM, and nothing hangs. */
START_TEST(no_grace_as_pid1)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	rt_start_mode(&run, NULL, m, NULL, "leftovers", "7", NULL);
	rt_finish(&run);
	if (m == RT_LIB)
		ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_eq(rt_count(&run, "leftover="), 3);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 0);
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

RT_TEST_SUITE(grace, "grace",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc = rt_new_tcase(s, "grace");

	tcase_add_loop_test(tc, grace_as_pid1, 0, RT_MODES);
	tcase_add_loop_test(tc, grace_outside_pid1, 0, RT_MODES);
	tcase_add_loop_test(tc, no_grace_as_pid1, 0, RT_MODES);
}
