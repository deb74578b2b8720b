/*
 * What only reaper_fork_self() does: the names ps shows for the reaper
 * and the application it split into, and no split at all outside PID 1.
 * Tree shape, exit statuses, orphans and the application's own waits,
 * for both front ends, are in test-exit.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "test-common.h"

static void
read_file(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long) pid, what);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* ps, top and pkill see the application under its own name (not "exe",
 * the file the kernel executed), and the reaper as "reaper PROGRAM";
 * also (_i == 1) under a /proc of the host's PID namespace, where the
 * reaper is not /proc/1 (unshare -pf without --mount-proc). */
START_TEST(names_in_ps)
{
	const char *argv[] = { rt_helper_path(), "signals", NULL };
	struct rt_opts o;
	struct rt_run run;
	char comm[32], cmd[256];
	const char *base;
	pid_t app;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's comm and cmdline");
	rt_opts_init(&o);
	o.host_proc = _i == 1;
	rt_start(&run, &o, argv);
	ck_assert_ptr_nonnull(rt_wait_for(&run, "ready=1"));
	/* A signal forwarded back means the reaper runs its loop, so it has
	 * set its title: the application may start before it does. */
	ck_assert_int_eq(kill(run.pid1, SIGUSR1), 0);
	ck_assert_ptr_nonnull(rt_wait_for(&run, "sig=10 "));
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	base = strrchr(rt_helper_path(), '/') + 1;
	read_file(app, "comm", comm, sizeof(comm));
	ck_assert_str_eq(comm, base);
	read_file(run.pid1, "comm", comm, sizeof(comm));
	ck_assert_str_eq(comm, base);
	read_file(run.pid1, "cmdline", cmd, sizeof(cmd));
	ck_assert_msg(strncmp(cmd, "reaper ", 7) == 0, "reaper title: %s", cmd);
	ck_assert_ptr_nonnull(strstr(cmd, base));
	rt_finish(&run);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* Outside PID 1 the call returns 0 at once: no second process. */
START_TEST(no_split_outside_pid1)
{
	struct rt_opts o;
	struct rt_run run;
	const char *argv[] = { rt_helper_path(), "exit", "4", NULL };

	rt_opts_init(&o);
	o.no_pidns = true;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	/* The helper itself ran the application. */
	ck_assert_int_eq(atoi(rt_get(&run, "pid")), run.pid1);
	ck_assert_int_eq(rt_exit_code(&run), 4);
}
END_TEST

RT_TEST_SUITE(fork_self, "fork-self",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER)
{
	TCase *tc = tcase_create("pid1");

	tcase_add_checked_fixture(tc, rt_reset_signals, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, names_in_ps, 0, 2);
	tcase_add_test(tc, no_split_outside_pid1);
	suite_add_tcase(s, tc);
}
