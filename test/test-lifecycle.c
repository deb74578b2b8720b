/*
 * reaper_fork_self() over a whole process lifetime, on real processes:
 * what the application inherits (argv, environment, cwd, fds, LISTEN_PID),
 * the marker's life and its garbage forms, at most one split, exit-code
 * remapping, parent-death signal, status notification, and the failure
 * paths (fork, exec, deleted binary, no /proc, bad options), where the
 * program must go on unsupervised. The grace period, the same through
 * both front ends, is in test-grace.c.
 *
 * Every check runs in the test process on what the helper reported over
 * its pipes or on /proc; nothing asserts in a forked child.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-common.h"



#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

/* ------------------------------------------------------------------ */
/* Report parsing                                                       */

static void
to_hex(char *out, const char *s)
{
	static const char d[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = d[(unsigned char) *s >> 4];
		*out++ = d[(unsigned char) *s & 15];
	}
	*out = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The report's arg= lines are exactly argv, in order, byte for byte. */
static void
assert_argv(struct rt_run *run, const char *const *argv)
{
	char *got[64], want[1024];
	int n = rt_lines_after(run->out, "arg=", got, 64), argc = 0;

	while (argv[argc])
		argc++;
	ck_assert_int_eq(n, argc);
	for (int i = 0; i < argc; i++) {
		to_hex(want, argv[i]);
		ck_assert_msg(strcmp(got[i], want) == 0,
			      "arg %d: got %s, want %s", i, got[i], want);
	}
	rt_free_lines(got, n);
}

/* The report's env= lines are envp as a multiset (duplicates count). */
static void
assert_env(struct rt_run *run, const char *const *envp)
{
	RT_SKIP_UNDER_VALGRIND("valgrind adds LD_PRELOAD and more");
	char *got[64], *want[64] = { NULL };
	int n = rt_lines_after(run->out, "env=", got, 64), m = 0;

	while (envp[m])
		m++;
	ck_assert_int_le(m, 64);
	ck_assert_int_eq(n, m);
	for (int i = 0; i < m; i++) {
		want[i] = malloc(strlen(envp[i]) * 2 + 1);
		ck_assert_ptr_nonnull(want[i]);
		to_hex(want[i], envp[i]);
	}
	qsort(got, (size_t) n, sizeof(char *), cmp_str);
	qsort(want, (size_t) m, sizeof(char *), cmp_str);
	for (int i = 0; i < m; i++)
		ck_assert_msg(strcmp(got[i], want[i]) == 0,
			      "env entry %d: got %s, want %s", i, got[i],
			      want[i]);
	rt_free_lines(got, n);
	rt_free_lines(want, m);
}

/* Some env= line of the report starts with name=. */
static bool
env_has_name(struct rt_run *run, const char *name)
{
	char *got[64], prefix[128];
	int n = rt_lines_after(run->out, "env=", got, 64);
	bool found = false;

	to_hex(prefix, name);
	strcat(prefix, "3d");		/* '=' */
	for (int i = 0; i < n && i < 64; i++)
		found |= strncmp(got[i], prefix, strlen(prefix)) == 0;
	rt_free_lines(got, n < 64 ? n : 64);
	return found;
}

/* Every stderr line starts with prefix, and there is at least one. */
static bool
err_lines_all_start(struct rt_run *run, const char *prefix)
{
	char *l[256];
	int n = rt_lines_after(run->errbuf, "", l, 256);
	bool ok = n > 0 && n <= 256;

	for (int i = 0; i < n && i < 256; i++)
		ok &= strncmp(l[i], prefix, strlen(prefix)) == 0;
	rt_free_lines(l, n < 256 ? n : 256);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Process inspection                                                   */

/* ------------------------------------------------------------------ */
/* Files                                                                */

/* ------------------------------------------------------------------ */
/* 1. argv, environment, cwd                                            */

START_TEST(argv_env_cwd_exact)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3",
		DEFAULT_PATH,
		"EMPTY=",
		"SPACES=a  b ",
		"NEWLINE=one\ntwo",
		"EQUALS==x=y=",
		"DUP=first",
		"DUP=second",
		"HIGH=\xff\xfe\x80",
		"NOEQUALSIGN",
		"=noname",
		"REAPERX=not ours",
		"XREAPER=not ours either",
		NULL,
	};
	char tmpl[] = "/tmp/life cwd.XXXXXX", real[PATH_MAX];
	const char *argv[] = {
		rt_helper_path(), "info", "", "\xff\xfe", "two words",
		"  lead and trail  ", "line\nbreak", "", NULL,
	};
	struct rt_opts o;
	struct rt_run run;
	const char *v;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, real));
	rt_opts_init(&o);
	o.envp = envp;
	o.cwd = tmpl;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_int_eq(rmdir(tmpl), 0);

	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_int_eq(rt_exit_code(&run), 0);
	/* Quiet with "=noname" too, which libbsd's retitling cannot copy. */
	ck_assert_msg(run.err_len == 0, "stderr: %s", run.errbuf);
	assert_argv(&run, argv);
	/* Same entries, same multiplicity; in particular no REAPER=. */
	assert_env(&run, envp);
	ck_assert(!env_has_name(&run, "REAPER"));
	v = rt_get(&run, "cwd");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, real);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. The marker                                                        */

START_TEST(marker_gone_in_app_and_children)
{
	struct rt_run run;

	rt_helper_as_pid1(&run, "waitpid", NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	/* printenv exits 1 when the variable is unset in the grandchild. */
	ck_assert_str_eq(rt_get(&run, "system_marker"), "1");
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* With -m MYMARK the library owns MYMARK only: a REAPER= the user set
 * means nothing to it and reaches the application untouched. */
START_TEST(custom_marker_name)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, "REAPER=12345", NULL,
	};
	const char *argv[] = { rt_helper_path(), "-m", "MYMARK", "info", NULL };
	struct rt_opts o;
	struct rt_run run;

	rt_opts_init(&o);
	o.envp = envp;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "marker"), "12345");
	ck_assert(!env_has_name(&run, "MYMARK"));
	assert_env(&run, envp);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. Garbage markers                                                   */

/* "1" is the reaper's pid as seen by the application, but PID 1's own
 * parent is 0: taking it would make init believe it is the application. */
static const char *const garbage[] = {
	"REAPER=", "REAPER=abc", "REAPER=1", "REAPER=99999999999999999999",
	"REAPER=-5", "REAPER= 2",
};

START_TEST(garbage_marker_as_pid1)
{
	const char *envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, garbage[_i], NULL,
	};
	char code[16];
	const char *argv[] = { rt_helper_path(), "exit", code, NULL };
	struct rt_opts o;
	struct rt_run run;

	snprintf(code, sizeof(code), "%d", 40 + _i);
	rt_opts_init(&o);
	o.envp = envp;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	/* One split: the application is pid 2, the reaper's child. */
	ck_assert_int_eq(rt_count(&run, "split="), 1);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "ppid"), "1");
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	ck_assert_int_eq(rt_exit_code(&run), 40 + _i);
}
END_TEST

START_TEST(garbage_marker_outside_pid1)
{
	const char *envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, garbage[_i], NULL,
	};
	char code[16];
	const char *argv[] = { rt_helper_path(), "exit", code, NULL };
	struct rt_opts o;
	struct rt_run run;

	snprintf(code, sizeof(code), "%d", 50 + _i);
	rt_opts_init(&o);
	o.envp = envp;
	o.no_pidns = true;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	/* Not PID 1, no -a: no split, whatever the marker says; and the
	 * marker is removed so no descendant inherits it. */
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_eq(atoi(rt_get(&run, "pid")), run.pid1);
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	ck_assert_int_eq(rt_exit_code(&run), 50 + _i);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. At most one split                                                 */

/* -a asks the re-executed copy to split too, if it were not for the
 * marker: one reaper with one child, and that child has none. */
START_TEST(split_always_splits_once)
{
	const char *argv[] = { rt_helper_path(), "-a", "wait", NULL };
	struct rt_opts o;
	struct rt_run run;
	pid_t app;
	int reaper_kids, app_kids, zombies;

	rt_opts_init(&o);
	o.no_pidns = true;
	rt_start(&run, &o, argv);
	ck_assert_ptr_nonnull(rt_wait_for(&run, "ready=1"));
	app = (pid_t) atol(rt_get(&run, "pid"));
	rt_count_children(run.pid1, &reaper_kids, &zombies);
	rt_count_children(app, &app_kids, &zombies);
	rt_finish(&run);

	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_ne(app, run.pid1);
	ck_assert_int_eq(atoi(rt_get(&run, "ppid")), run.pid1);
	ck_assert_int_eq(reaper_kids, 1);
	ck_assert_int_eq(app_kids, 0);
	ck_assert_int_eq(rt_count(&run, "split="), 1);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

START_TEST(pid1_splits_once)
{
	struct rt_run run;

	rt_helper_as_pid1(&run, "-a", "exit", "0", NULL);
	rt_finish(&run);
	/* Even with -a the application does not split again: pid 2, not a
	 * grandchild at pid 3 under a second reaper. */
	ck_assert_int_eq(rt_count(&run, "split="), 1);
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "ppid"), "1");
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. Exit-code remap                                                   */

START_TEST(exit_code_remap)
{
	static const struct {
		const char *zero, *scenario, *arg;
		int want;
	} t[] = {
		{ "3", "exit", "3", 0 },
		/* Death by SIGTERM is 143 to a shell, so tini's -e 143
		 * covers it. */
		{ "143", "raise", "15", 0 },
		{ "3", "exit", "4", 4 },
	};
	struct rt_run run;

	rt_helper_as_pid1(&run, "-e", t[_i].zero, t[_i].scenario, t[_i].arg,
			  NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_eq(rt_exit_code(&run), t[_i].want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 8, 9. Status notification, subreaper                                 */

/* One app=1 line for the application (pid app), and one app=0 line for
 * each of the want orphans, each a distinct process that exited 0. */
static void
check_orphans_reaped(struct rt_run *run, const struct rt_reaped *r, int n,
		     long app, int want)
{
	int apps = 0, orphans = 0;

	for (int i = 0; i < n; i++) {
		ck_assert(WIFEXITED(r[i].status) &&
			  WEXITSTATUS(r[i].status) == 0);
		if (r[i].app) {
			apps++;
			ck_assert_int_eq(r[i].pid, app);
			continue;
		}
		orphans++;
		ck_assert_int_ne(r[i].pid, app);
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(r[i].pid, r[j].pid);
	}
	ck_assert_msg(orphans == want, "%d orphans reaped, want %d; stderr: %s",
		      orphans, want, run->errbuf);
	ck_assert_int_eq(apps, 1);
}

START_TEST(status_notification_orphans)
{
	struct rt_reaped r[64];
	struct rt_run run;

	rt_helper_as_pid1(&run, "-n", "orphans", "20", NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	ck_assert_int_eq(rt_exit_code(&run), 0);
	check_orphans_reaped(&run, r, rt_parse_reaped(&run, r, 64), 2, 20);
}
END_TEST

/* Outside PID 1 orphans go to the nearest subreaper: the reaper must be
 * one, or they would go to the host's init. -n shows who reaped them. */
START_TEST(subreaper_outside_pid1)
{
	const char *argv[] = {
		rt_helper_path(), "-a", "-s", "-n", "orphans", "50", NULL,
	};
	struct rt_reaped r[64];
	struct rt_opts o;
	struct rt_run run;

	rt_opts_init(&o);
	o.no_pidns = true;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_eq(atoi(rt_get(&run, "ppid")), run.pid1);
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	ck_assert_int_eq(rt_exit_code(&run), 0);
	check_orphans_reaped(&run, r, rt_parse_reaped(&run, r, 64),
			     atol(rt_get(&run, "pid")), 50);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 10-13. Failures and odd binaries                                     */

START_TEST(exec_fails_eperm)
{
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("a failed execve() kills a traced process");
	rt_helper_as_pid1(&run, "-X", "exit", "6", NULL);
	rt_finish(&run);
	ck_assert_ptr_null(rt_get(&run, "error"));
	ck_assert_str_eq(rt_get(&run, "split"), "-1 errno=1");
	ck_assert_str_eq(rt_get(&run, "pid"), "1");
	/* Everything blocked for the split is unblocked again. */
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000000");
	ck_assert_str_eq(rt_get(&run, "SigIgn"), "0000000000000000");
	ck_assert_int_eq(rt_caught_forwardable(rt_get(&run, "SigCgt")), 0);
	ck_assert_int_eq(rt_exit_code(&run), 6);
}
END_TEST

/*
 * The helper unlinks itself before the call: the re-exec must go through
 * /proc/self/exe, which still names the open file.
 */
START_TEST(binary_deleted_after_start)
{
	struct rt_bin_copy c;
	const char *argv[] = { c.exe, "-U", "info", NULL };
	struct rt_opts o;
	struct rt_run run;
	bool gone;

	RT_SKIP_UNDER_VALGRIND("no execveat() in valgrind 3.19");
	rt_bin_copy_make(&c, RT_LIB);
	rt_opts_init(&o);
	o.exe = c.exe;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	gone = access(c.exe, F_OK) < 0 && errno == ENOENT;
	rt_bin_copy_remove(&c);

	ck_assert_msg(gone, "the helper did not unlink itself");
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	assert_argv(&run, argv);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* argv[0] does not name the binary from the cwd: the re-exec must not
 * rely on it, and the application still gets it byte for byte. */
START_TEST(relative_argv0_elsewhere)
{
	const char *argv[] = { "../x/helper-app", "info", NULL };
	struct rt_opts o;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("valgrind makes argv[0] the full path");
	rt_opts_init(&o);
	o.exe = rt_helper_path();
	o.cwd = "/tmp";
	ck_assert_int_eq(o.exe[0], '/');
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	assert_argv(&run, argv);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 14. Socket activation                                                */

/* The application's own view: the fd is listed by scenario info, and
 * LISTEN_FDS is passed on untouched. */
START_TEST(listen_fd_listed_by_app)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, "LISTEN_PID=1",
		"LISTEN_FDS=1", NULL,
	};
	static const char *const want_env[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, "LISTEN_PID=2",
		"LISTEN_FDS=1", NULL,
	};
	const char *argv[] = { rt_helper_path(), "info", NULL };
	struct rt_opts o;
	struct rt_run run;
	char line[16];

	rt_opts_init(&o);
	o.envp = envp;
	o.extra_fd = rt_extra_fd_make(RT_EXTRA_FD);
	rt_start(&run, &o, argv);
	close(o.extra_fd);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	snprintf(line, sizeof(line), "fd=%d\n", RT_EXTRA_FD);
	ck_assert_int_eq(rt_count(&run, line), 1);
	assert_env(&run, want_env);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

START_TEST(listen_pid_not_ours)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, "LISTEN_PID=999",
		"LISTEN_FDS=1", NULL,
	};
	const char *argv[] = { rt_helper_path(), "exit", "0", NULL };
	struct rt_opts o;
	struct rt_run run;

	rt_opts_init(&o);
	o.envp = envp;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "listen_pid"), "999");
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 15. Logging and invalid options                                      */

START_TEST(debug_log_from_env)
{
	static const char *const envp[] = {
		"HELPER_REPORT_FD=3", DEFAULT_PATH, "REAPER_DEBUG=1", NULL,
	};
	const char *argv[] = { rt_helper_path(), "exit", "3", NULL };
	struct rt_opts o;
	struct rt_run run;

	rt_opts_init(&o);
	o.envp = envp;
	rt_start(&run, &o, argv);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_msg(err_lines_all_start(&run, "reaper[1]: "),
		      "stderr: %s", run.errbuf);
	ck_assert_int_eq(rt_exit_code(&run), 3);
}
END_TEST

START_TEST(quiet_by_default)
{
	struct rt_run run;

	rt_helper_as_pid1(&run, "exit", "0", NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_msg(run.err_len == 0, "stderr: %s", run.errbuf);
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

START_TEST(invalid_options_no_split)
{
	struct rt_run run;

	rt_helper_as_pid1(&run, "-r", "BOGUS:1", "exit", "8", NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "-1 errno=22");
	ck_assert_int_eq(rt_count(&run, "split="), 1);
	ck_assert_str_eq(rt_get(&run, "pid"), "1");
	ck_assert_int_eq(rt_exit_code(&run), 8);
}
END_TEST

/* ------------------------------------------------------------------ */

RT_TEST_SUITE(lifecycle, "lifecycle",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER)
{
	TCase *tc;

	tc = rt_new_tcase(s, "inherit");
	tcase_add_test(tc, argv_env_cwd_exact);
	tcase_add_test(tc, relative_argv0_elsewhere);
	tcase_add_test(tc, listen_fd_listed_by_app);
	tcase_add_test(tc, listen_pid_not_ours);

	tc = rt_new_tcase(s, "marker");
	tcase_add_test(tc, marker_gone_in_app_and_children);
	tcase_add_test(tc, custom_marker_name);
	tcase_add_loop_test(tc, garbage_marker_as_pid1, 0,
			    (int)(sizeof(garbage) / sizeof(garbage[0])));
	tcase_add_loop_test(tc, garbage_marker_outside_pid1, 0,
			    (int)(sizeof(garbage) / sizeof(garbage[0])));
	tcase_add_test(tc, split_always_splits_once);
	tcase_add_test(tc, pid1_splits_once);

	tc = rt_new_tcase(s, "exit");
	tcase_add_loop_test(tc, exit_code_remap, 0, 3);
	tcase_add_test(tc, status_notification_orphans);
	tcase_add_test(tc, subreaper_outside_pid1);

	tc = rt_new_tcase(s, "failure");
	tcase_add_test(tc, exec_fails_eperm);
	tcase_add_test(tc, binary_deleted_after_start);
	tcase_add_test(tc, debug_log_from_env);
	tcase_add_test(tc, quiet_by_default);
	tcase_add_test(tc, invalid_options_no_split);
}
