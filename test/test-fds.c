/*
 * What the reaper does with the fds it is given, through both front ends
 * (enum rt_mode): the library split (helper-app calls reaper_fork_self()
 * as PID 1) and the command (reaper as PID 1, helper-app as its
 * COMMAND). An inherited fd is the application's, not the reaper's.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test-common.h"

/* The reaper holds 0-2 (those it was given) and nothing else: the
 * application's pidfd is opened only if the kernel comes to reap. */
static void
assert_reaper_fds(pid_t reaper, enum rt_mode m)
{
	char path[64], target[256];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long) reaper);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		ssize_t n;

		if (de->d_name[0] == '.' || fd <= 2)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long) reaper,
			 fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		ck_assert_msg(0, "%s: the reaper holds fd %d: %s",
			      rt_mode_name[m], fd, target);
	}
	closedir(d);
}

/*
 * An fd inherited at RT_EXTRA_FD, announced by socket activation
 * (LISTEN_PID=1, LISTEN_FDS=1), reaches the application, with LISTEN_PID
 * now naming it (pid 2); the reaper keeps only 0-2. Debug logging says
 * "reaper of" once the reaper has closed what it inherited. Under
 * valgrind /proc lists valgrind's own fds in the reaper: only what the
 * application got is checked there.
 */
START_TEST(inherited_fd_reaches_app_only)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3", "PATH=/usr/local/bin:/usr/bin:/bin",
		"LISTEN_PID=1", "LISTEN_FDS=1", NULL,
	};
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_opts o;
	struct rt_run run;
	pid_t app;
	int reaper_fds, std_fds;
	bool reaper_has, app_has;

	/* 0 and 2 are the harness's pipes; 1 is whatever we have. */
	std_fds = 2 + (fcntl(1, F_GETFD) >= 0);
	rt_opts_init(&o);
	o.envp = envp;
	o.extra_fd = rt_extra_fd_make(RT_EXTRA_FD);
	rt_start_mode(&run, &o, m, rt_debug_opts[m], "wait", NULL);
	close(o.extra_fd);
	rt_wait_line(&run, "ready=1");
	/* Logged after the reaper closed what it inherited. */
	ck_assert_ptr_nonnull(rt_wait_err_for(&run, "reaper of "));
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	reaper_fds = rt_fd_count(run.pid1);
	reaper_has = rt_fd_open_in(run.pid1, RT_EXTRA_FD);
	app_has = rt_fd_open_in(app, RT_EXTRA_FD);
	if (!rt_valgrind())
		assert_reaper_fds(run.pid1, m);
	rt_finish_ok(&run);

	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "listen_pid"), "2");
	ck_assert_msg(app_has, "%s: the application lacks fd %d",
		      rt_mode_name[m], RT_EXTRA_FD);
	ck_assert_msg(!reaper_has, "%s: the reaper kept fd %d",
		      rt_mode_name[m], RT_EXTRA_FD);
	if (!rt_valgrind())
		ck_assert_int_eq(reaper_fds, std_fds);
}
END_TEST

RT_TEST_SUITE(fds, "fds",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc = rt_new_tcase(s, "inherited");

	tcase_add_loop_test(tc, inherited_fd_reaches_app_only, 0, RT_MODES);
}
