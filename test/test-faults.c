/*
 * Fault injection (issue #6): each case puts the library split (helper-app
 * as PID 1) or the reaper command (REAPER_TEST_COMMAND) into a fault a
 * user can meet, and asserts what the user sees: the exit status, the one
 * line on stderr, what the application inherits, and that nothing hangs,
 * crashes or loops. The faults already covered elsewhere are listed in
 * test/RELIABILITY.md; this file has the rest:
 *   fork failing (RLIMIT_NPROC) and /proc missing;
 *   stdin, stdout, stderr closed at start;
 *   the fd table full (RLIMIT_NOFILE);
 *   argv + environment at the kernel's limit (E2BIG);
 *   an application that stops itself (SIGSTOP) and is continued;
 *   the application exiting while a signal storm is in flight;
 *   the application's pid reused once it was reaped.
 *
 * Every check runs in the test process on what the processes reported
 * over pipes, their exit statuses, or /proc; nothing asserts in a child.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec-limit.h"
#include "test-common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define REPORT_FD_ENV "HELPER_REPORT_FD=3"

/* helper-app's -F limit. */
#define FAULT_NOFILE 64

/* Only for waits that hang for ever when the code under test is wrong,
 * so that the test fails with what it saw; never to let time pass. */
#define GIVE_UP_MS 10000

/* Each case runs the library split (the helper as PID 1) or the
 * command (reaper as PID 1, the helper as its COMMAND): rt_start_mode(). */

/* ------------------------------------------------------------------ */
/* Starting things                                                      */

/*
 * Start with stdout_fd as the started process's fd 1: the harness hands
 * down the test's own. Returns the read end of a fresh pipe when
 * stdout_fd is -1.
 */
static int
start_with_stdout(struct rt_run *run, struct rt_opts *o,
		  const char *const *argv)
{
	int p[2], saved;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	o->exe = argv[0];
	rt_start(run, o, argv);
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(p[1]);
	return p[0];
}

/* Everything on fd to EOF; how many bytes. */
static size_t
read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t) n;
	ck_assert_int_eq(n, 0);
	buf[len] = '\0';
	close(fd);
	return len;
}

/* "fd0=closed"-style checks: fd is closed, or the pipe whose other end
 * (or this end) we hold as mine. */
static void
assert_fd_is(struct rt_run *run, int fd, bool closed, int mine)
{
	char key[8], want[64];
	const char *v;
	struct stat st;

	snprintf(key, sizeof(key), "fd%d", fd);
	v = rt_get(run, key);
	ck_assert_msg(v, "no %s in the report", key);
	if (closed) {
		ck_assert_msg(strcmp(v, "closed") == 0, "%s=%s, want closed",
			      key, v);
		return;
	}
	ck_assert_int_eq(fstat(mine, &st), 0);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long) st.st_ino);
	ck_assert_msg(strcmp(v, want) == 0, "%s=%s, want %s", key, v, want);
}

/* ------------------------------------------------------------------ */
/* 1. fork() fails                                                      */

/*
 * RLIMIT_NPROC = 1 for an unprivileged uid: PID 1 is that uid's only
 * process, so its fork() fails with EAGAIN (root would be exempt). Both
 * front ends say so in one line (the library when it logs: helper-app
 * -d, REAPER_DEBUG). What follows differs by design: the
 * library's call returns -1 with EAGAIN and the program goes on as PID 1
 * with its mask as it was, to exit with its own 5; the command has no
 * program to go on with: 125, and its line names COMMAND.
 */
START_TEST(fork_fails)
{
	/* LeakSanitizer needs a process of its own at exit, which the
	 * limit does not leave it. */
	static const char *const envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "ASAN_OPTIONS=detect_leaks=0",
		NULL,
	};
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_bin_copy c;
	const char *lib_argv[] = { c.exe, "-d", "exit", "5", NULL };
	const char *cmd_argv[] = { c.exe, "--", "/bin/true", NULL };
	struct rt_opts o;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("uid 54321 cannot write valgrind's log");
	rt_bin_copy_make(&c, m);
	rt_opts_init(&o);
	o.envp = envp;
	o.exe = c.exe;
	o.uid = 54321;
	o.nproc = 1;
	rt_start(&run, &o, m == RT_LIB ? lib_argv : cmd_argv);
	rt_finish(&run);
	rt_bin_copy_remove(&c);
	if (m == RT_LIB) {
		ck_assert_str_eq(rt_get(&run, "split"), "-1 errno=11");
		ck_assert_str_eq(rt_get(&run, "pid"), "1");
		ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000000");
		ck_assert_int_eq(rt_exit_code(&run), 5);
	} else {
		ck_assert_msg(rt_exit_code(&run) == 125, "wait status 0x%x; "
			      "stderr: %s", run.wstatus, run.errbuf);
		ck_assert_int_eq(run.out_len, 0);
	}
	rt_assert_one_err_line(&run, "reaper[1]: ", (const char *const[]){
		m == RT_LIB ? "cannot split" : "cannot start '/bin/true'",
		strerror(EAGAIN), NULL });
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. No /proc                                                          */

/*
 * PID 1 of a namespace with no /proc mounted (a minimal container),
 * through both front ends (_i % RT_MODES):
 * _i / RT_MODES == 0: the application runs and its status is mirrored,
 *    silently. For the library split: "exit 9" reached the application,
 *    so its argv made it through the startup-argv fallback, its binary
 *    through AT_EXECFN.
 * _i / RT_MODES == 1: the grace period: as PID 1 it reaches leftovers with
 *    kill(-1), no /proc needed; the one that ignores SIGTERM is killed.
 */
START_TEST(without_proc)
{
	static const char *const grace[RT_MODES][3] = {
		[RT_LIB] = { "-G", "300", NULL },
		[RT_CMD] = { "--grace=300", NULL, NULL },
	};
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool leftovers = _i / RT_MODES == 1;
	struct rt_opts o;
	struct rt_run run;

	if (!rt_opts_without_proc(&o, __func__))
		return;
	if (leftovers)
		rt_start_mode(&run, &o, m, grace[m], "leftovers", "7", NULL);
	else
		rt_start_mode(&run, &o, m, NULL, "exit", "9", NULL);
	rt_finish(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "ppid"), "1");
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	ck_assert_msg(run.err_len == 0, "%s: stderr: %s", rt_mode_name[m],
		      run.errbuf);
	if (!leftovers) {
		ck_assert_int_eq(rt_exit_code(&run), 9);
		return;
	}
	ck_assert_msg(rt_exit_code(&run) == 7, "%s: wait status 0x%x",
		      rt_mode_name[m], run.wstatus);
	ck_assert_int_eq(rt_count(&run, "leftover="), 3);
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got=setsid sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got=ignore"), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. stdin, stdout, stderr closed at start                             */

static const char *const closed_sets[] = { "0", "1", "2", "012" };

/*
 * The user starts us with some of 0-2 closed (helper -C, before the call
 * or before exec'ing the command). The application must find exactly
 * those closed and the others the same pipes: the reaper's own fds
 * (pidfd, exe fd, error pipe) land in the free low slots, and
 * none may reach the application there. Logging is on: with stderr open
 * its lines arrive there; with it closed, they must not land anywhere
 * (stdout, the report). The status is mirrored either way.
 */
START_TEST(std_fds_closed)
{
	enum rt_mode m = (enum rt_mode)(_i / 4);
	const char *set = closed_sets[_i % 4];
	const char *argv[16];
	char out[4096];
	struct rt_opts o;
	struct rt_run run;
	size_t n = 0, out_len;
	bool closed[3];
	int out_fd, nclosed = 0;

	RT_SKIP_UNDER_VALGRIND("valgrind's log takes the lowest free fd");
	for (int fd = 0; fd < 3; fd++) {
		closed[fd] = strchr(set, '0' + fd) != NULL;
		nclosed += closed[fd];
	}
	argv[n++] = rt_helper_path();
	if (m == RT_LIB) {
		argv[n++] = "-d";
		argv[n++] = "-C";
		argv[n++] = set;
	} else {
		argv[n++] = "-N";
		argv[n++] = "-C";
		argv[n++] = set;
		argv[n++] = rt_command_path();
		argv[n++] = "-v";
		argv[n++] = "-v";
		argv[n++] = "--";
		argv[n++] = rt_helper_path();
	}
	argv[n++] = "stdfds";
	argv[n++] = "3";
	argv[n] = NULL;
	rt_opts_init(&o);
	out_fd = start_with_stdout(&run, &o, argv);
	if (!closed[2])
		ck_assert_msg(rt_wait_err_for(&run, "reaper of "),
			      "no log line on an open stderr: %s", run.errbuf);
	rt_wait_line(&run, "nfds=");
	/* Each open one is still the pipe we hold the other end of. */
	assert_fd_is(&run, 0, closed[0], run.control);
	assert_fd_is(&run, 1, closed[1], out_fd);
	assert_fd_is(&run, 2, closed[2], run.err);
	rt_finish(&run);
	out_len = read_all(out_fd, out, sizeof(out));

	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	/* 0-2 as left, plus the report pipe: nothing of the reaper's. */
	ck_assert_msg(atoi(rt_get(&run, "nfds")) == 4 - nclosed,
		      "%s, closed %s: %s fds open in the application",
		      rt_mode_name[m], set, rt_get(&run, "nfds"));
	ck_assert_msg(out_len == 0, "stdout: '%s'", out);
	ck_assert_msg(!strstr(run.out, "reaper["), "log in the report: %s",
		      run.out);
	if (closed[2])
		ck_assert_msg(run.err_len == 0, "stderr: %s", run.errbuf);
	ck_assert_int_eq(rt_exit_code(&run), 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. The fd table full                                                 */

/*
 * RLIMIT_NOFILE = 64 and every slot taken by the user's own fds but
 * _i free ones. Two outcomes are correct, and one of them must be what
 * happens, without a crash, hang or loop:
 *  - it works: the application runs under the reaper, with exactly the
 *    user's fds (none of ours), and its status is mirrored;
 *  - it cannot: the library returns -1/EMFILE with one line and runs the
 *    application unsupervised, with no fd leaked and no signal left
 *    blocked; the command exits 125 with one line, COMMAND not run.
 * With no slot free it cannot; with 8 it must work. The command always
 * needs one: ld.so opens its libraries.
 */
/* _i: the library with 0-8 free (FD_LIB_CASES), then the command with
 * 1-8. */
#define FD_LIB_CASES 9
#define FD_CMD_CASES 8

START_TEST(fd_table_full)
{
	/* LeakSanitizer reads /proc at exit, which takes an fd: with none
	 * free it fails the exit status of a correct program. */
	static const char *const no_lsan[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "ASAN_OPTIONS=detect_leaks=0",
		NULL,
	};
	enum rt_mode m = _i < FD_LIB_CASES ? RT_LIB : RT_CMD;
	int free_slots = m == RT_LIB ? _i : _i - FD_LIB_CASES + 1;
	char free_s[16];
	const char *lib_opts[] = { "-d", "-F", free_s, NULL };
	/* The command inherits the full table: helper-app -N fills it,
	 * then execs the command. */
	const char *cmd_argv[] = {
		rt_helper_path(), "-N", "-F", free_s, rt_command_path(), "--",
		rt_helper_path(), "stdfds", "4", NULL,
	};
	struct rt_opts o;
	struct rt_run run;
	bool worked;

	RT_SKIP_UNDER_VALGRIND("valgrind keeps fds of its own");
	snprintf(free_s, sizeof(free_s), "%d", free_slots);
	rt_opts_init(&o);
	if (m == RT_LIB) {
		if (free_slots == 0)
			o.envp = no_lsan;
		rt_start_mode(&run, &o, RT_LIB, lib_opts, "stdfds", "4",
			      NULL);
	} else {
		o.exe = cmd_argv[0];
		rt_start(&run, &o, cmd_argv);
	}
	rt_finish(&run);
	if (m == RT_LIB) {
		ck_assert_int_eq(rt_count(&run, "split="), 1);
		worked = strcmp(rt_get(&run, "split"), "0 errno=0") == 0;
	} else {
		worked = rt_exit_code(&run) != 125;
	}
	if (worked) {
		ck_assert_msg(free_slots > 0, "split with no fd free");
		ck_assert_msg(rt_exit_code(&run) == 4, "%s, %d fds free: wait "
			      "status 0x%x; stderr: %s", rt_mode_name[m],
			      free_slots, run.wstatus, run.errbuf);
		ck_assert_str_eq(rt_get(&run, "pid"), "2");
		ck_assert_int_eq(atoi(rt_get(&run, "nfds")),
				 FAULT_NOFILE - free_slots);
		/* Only the library was asked to log (-d). */
		if (m == RT_CMD)
			ck_assert_msg(run.err_len == 0, "stderr: %s",
				      run.errbuf);
		return;
	}
	ck_assert_msg(free_slots < 8, "%s, %d fds free: it failed; "
		      "stderr: %s", rt_mode_name[m], free_slots, run.errbuf);
	if (m == RT_CMD) {
		rt_assert_one_err_line(&run, "reaper[1]: ",
				       (const char *const[]){
			"cannot start", NULL });
		/* The command may be built on musl (reaper-static), which
		 * words EMFILE its own way. */
		ck_assert_msg(strstr(run.errbuf, strerror(EMFILE)) ||
			      strstr(run.errbuf, "No file descriptors available"),
			      "not EMFILE: %s", run.errbuf);
		ck_assert_msg(run.out_len == 0, "COMMAND ran: %s", run.out);
		return;
	}
	/* The library runs the application unsupervised, as itself. */
	ck_assert_int_eq(atoi(rt_get(&run, "nfds")), FAULT_NOFILE - free_slots);
	ck_assert_msg(rt_exit_code(&run) == 4, "wait status 0x%x; stderr: %s",
		      run.wstatus, run.errbuf);
	ck_assert_str_eq(rt_get(&run, "split"), "-1 errno=24");
	ck_assert_str_eq(rt_get(&run, "pid"), "1");
	/* Read from /proc, which takes an fd: none with none free. */
	if (free_slots > 0)
		ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000000");
	rt_assert_one_err_line(&run, "reaper[1]: ", (const char *const[]){
		"cannot split", strerror(EMFILE), NULL });
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. argv + environment at the kernel's limit                          */

/*
 * The program grows its environment before the call (helper -A) until
 * the split's re-exec, with the marker added, is exactly at the kernel's
 * limit (slack 0) or one byte (slack -1) or a few over. At the limit the
 * application gets argv and environment byte for byte; over it the
 * split fails with E2BIG: -1, one line, the program goes on as PID 1
 * with its environment untouched (no marker left in it).
 */
static const long arg_max_slack[] = { 0, 256, -1, -256 };

START_TEST(lib_env_at_arg_max)
{
	long slack = arg_max_slack[_i];
	char slack_s[24];
	const char *opts[] = { "-d", "-A", slack_s, NULL };
	struct rt_opts o;
	struct rt_run run;
	char orig_env[64], orig_arg[64];

	RT_SKIP_UNDER_VALGRIND("valgrind adds to every exec");
	snprintf(slack_s, sizeof(slack_s), "%ld", slack);
	rt_opts_init(&o);
	rt_start_mode(&run, &o, RT_LIB, opts, "envsum", "6", NULL);
	rt_finish(&run);
	ck_assert_msg(rt_get(&run, "padded"), "no padding: %s", run.out);
	snprintf(orig_env, sizeof(orig_env), "%s", rt_get(&run, "orig_envsum"));
	snprintf(orig_arg, sizeof(orig_arg), "%s", rt_get(&run, "orig_argsum"));
	ck_assert_ptr_nonnull(rt_get(&run, "envsum"));
	ck_assert_str_eq(rt_get(&run, "envsum"), orig_env);
	ck_assert_str_eq(rt_get(&run, "argsum"), orig_arg);
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	ck_assert_int_eq(rt_count(&run, "split="), 1);
	ck_assert_int_eq(rt_exit_code(&run), 6);
	if (slack >= 0) {
		ck_assert_msg(strcmp(rt_get(&run, "split"), "0 errno=0") == 0,
			      "slack %ld: split %s; %s", slack,
			      rt_get(&run, "split"), run.errbuf);
		ck_assert_str_eq(rt_get(&run, "pid"), "2");
		return;
	}
	ck_assert_msg(strcmp(rt_get(&run, "split"), "-1 errno=7") == 0,
		      "slack %ld: split %s", slack, rt_get(&run, "split"));
	ck_assert_str_eq(rt_get(&run, "pid"), "1");
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000000");
	rt_assert_one_err_line(&run, "reaper[1]: ", (const char *const[]){
		"cannot split", strerror(E2BIG), NULL });
}
END_TEST

/* envp[2...] padded with PADk=... so that rt_exec_cost() of the command's
 * own exec is the limit less slack. The strings are heap-owned. */
static void
pad_envp(const char **envp, size_t cap, const char *filename,
	 const char *const *argv, long slack)
{
	long need;
	size_t n = 2;

	envp[n] = NULL;
	need = rt_exec_limit() - slack - rt_exec_cost(filename, argv, envp, 0);
	while (need > 0) {
		char name[16];
		long fixed = snprintf(name, sizeof(name), "PAD%zu", n) + 2 +
			     (long) sizeof(char *);
		long v = need - fixed;
		char *s;

		if (v > 100000 && v - 100000 < 64)
			v = 100000 - 64;
		if (v > 100000)
			v = 100000;
		ck_assert_int_ge(v, 0);
		ck_assert_uint_lt(n, cap - 1);
		s = malloc(strlen(name) + 2 + (size_t) v);
		ck_assert_ptr_nonnull(s);
		strcpy(s, name);
		strcat(s, "=");
		memset(s + strlen(s), 'a' + (int)(n % 26), (size_t) v);
		s[strlen(name) + 1 + (size_t) v] = '\0';
		envp[n++] = s;
		envp[n] = NULL;
		need -= fixed + v;
	}
	ck_assert_int_eq(rt_exec_cost(filename, argv, envp, 0),
			 rt_exec_limit() - slack);
}

static void
free_envp(const char **envp)
{
	for (size_t i = 2; envp[i]; i++)
		free((char *) envp[i]);
}

/*
 * The command started at its own exec's limit (less 16 bytes): COMMAND,
 * named by its path, needs no more than the reaper did (its name once
 * less, no options), and must get argv and environment byte for byte.
 */
START_TEST(cmd_env_at_arg_max)
{
	const char *argv[] = {
		rt_command_path(), "--", rt_helper_path(), "envsum", "8", NULL,
	};
	const char *envp[64] = { DEFAULT_PATH, REPORT_FD_ENV, NULL };
	char want_env[64], want_arg[64];
	struct rt_opts o;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("valgrind adds to every exec");
	pad_envp(envp, 64, argv[0], argv, 16);
	rt_sums(want_env, sizeof(want_env), envp);
	rt_sums(want_arg, sizeof(want_arg), argv + 2);
	rt_opts_init(&o);
	o.envp = envp;
	o.exe = argv[0];
	rt_start(&run, &o, argv);
	rt_finish(&run);
	free_envp(envp);
	ck_assert_msg(rt_exit_code(&run) == 8, "wait status 0x%x; stderr: %s",
		      run.wstatus, run.errbuf);
	ck_assert_str_eq(rt_get(&run, "envsum"), want_env);
	ck_assert_str_eq(rt_get(&run, "argsum"), want_arg);
	ck_assert_msg(run.err_len == 0, "stderr: %s", run.errbuf);
}
END_TEST

/*
 * Where COMMAND's exec needs more than the reaper's did: found through a
 * long PATH directory, its path is longer than the two copies of the
 * reaper's name it replaces. The reaper starts at its limit less 16
 * bytes; COMMAND's execve() fails with E2BIG: 126 (found, cannot run,
 * as env(1) says), one line naming it and why.
 */
START_TEST(cmd_env_beyond_arg_max)
{
	char top[] = "/tmp/faults-path.XXXXXX";
	char dir[PATH_MAX], link[PATH_MAX + 16], path_var[PATH_MAX + 8];
	char comp[201];
	const char *argv[] = { rt_command_path(), "--", "helper-app", "envsum",
			       "8", NULL };
	const char *envp[64] = { path_var, REPORT_FD_ENV, NULL };
	struct rt_opts o;
	struct rt_run run;
	long child;

	RT_SKIP_UNDER_VALGRIND("valgrind adds to every exec");
	ck_assert_ptr_nonnull(mkdtemp(top));
	memset(comp, 'd', 200);
	comp[200] = '\0';
	snprintf(dir, sizeof(dir), "%s", top);
	for (int i = 0; i < 5; i++) {
		size_t l = strlen(dir);

		snprintf(dir + l, sizeof(dir) - l, "/%s", comp);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
	}
	snprintf(link, sizeof(link), "%s/helper-app", dir);
	ck_assert_int_eq(symlink(rt_helper_path(), link), 0);
	snprintf(path_var, sizeof(path_var), "PATH=%s", dir);
	pad_envp(envp, 64, argv[0], argv, 16);
	child = rt_exec_cost(link, argv + 2, envp, 0);
	ck_assert_int_gt(child, rt_exec_limit());
	rt_opts_init(&o);
	o.envp = envp;
	o.exe = argv[0];
	rt_start(&run, &o, argv);
	rt_finish(&run);
	free_envp(envp);
	ck_assert_int_eq(unlink(link), 0);
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(rmdir(dir), 0);
		*strrchr(dir, '/') = '\0';
	}
	ck_assert_msg(rt_exit_code(&run) == 126, "wait status 0x%x; stderr: %s",
		      run.wstatus, run.errbuf);
	rt_assert_one_err_line(&run, "reaper[1]: ", (const char *const[]){
		"cannot run 'helper-app'", strerror(E2BIG), NULL });
	ck_assert_msg(run.out_len == 0, "COMMAND ran: %s", run.out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 6. The application stops itself and is continued                    */

/* The state letter of /proc/<pid>/stat, or 0 when it is gone. */
static char
proc_state(pid_t pid)
{
	pid_t ppid;
	char state;

	return rt_proc_stat(pid, &ppid, &state) ? state : 0;
}

/*
 * No kernel event tells anyone but the parent (here, the reaper) or a
 * tracer that a process has stopped: look at its state, yielding between
 * looks, for at most GIVE_UP_MS.
 */
static bool
wait_stopped(pid_t pid)
{
	long long end = rt_now_ms() + GIVE_UP_MS;

	while (proc_state(pid) != 'T') {
		if (rt_now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* Start front end m, logging (rt_debug_opts), with the application in
 * scenario "stop": it raises SIGSTOP, then exits 42 once continued.
 * Returns the application's host pid; *stopped says whether it stopped
 * within GIVE_UP_MS. */
static pid_t
start_stopped_app(struct rt_run *run, enum rt_mode m, bool *stopped,
		  bool no_continue)
{
	static const char *const lib_nocont[] = { "-d", "-c", NULL };
	static const char *const cmd_nocont[] = {
		"-v", "-v", "--no-continue", NULL,
	};
	pid_t app;

	rt_start_mode(run, NULL, m, !no_continue ? rt_debug_opts[m] :
		      m == RT_LIB ? lib_nocont : cmd_nocont, "stop", "42", NULL);
	rt_wait_line(run, "stopping=1");
	app = rt_app_host_pid(run);
	ck_assert_int_gt(app, 0);
	*stopped = wait_stopped(app);
	return app;
}

/*
 * The application raises SIGSTOP (no terminal: no job control), and is
 * continued by a SIGCONT sent straight to it (_i even) or to the reaper,
 * which forwards it (_i odd). A stopped child is not an exited one: the
 * reaper stays, keeps forwarding (SIGWINCH round trip, logged), and once
 * continued the application's own status is mirrored.
 */
START_TEST(app_stops_and_continues)
{
	enum rt_mode m = (enum rt_mode)(_i / 2);
	bool via_reaper = _i % 2;
	struct rt_run run;
	pid_t app;
	bool stopped, alive = false;

	app = start_stopped_app(&run, m, &stopped, false);
	if (stopped) {
		/* Something the reaper forwards, harmless to a stopped
		 * process (ignored by default): once its forward is logged
		 * the reaper has read the stop's SIGCHLD too. */
		rt_kill(run.pid1, SIGWINCH);
		ck_assert(rt_wait_count(&run, true, "forwarded SIGWINCH", 1,
					 GIVE_UP_MS));
		alive = rt_proc_status(run.pid1, "Pid") > 0;
		ck_assert_int_eq(proc_state(app), 'T');
		ck_assert_ptr_null(strstr(run.out, "continued=1"));
	}
	rt_kill(via_reaper ? run.pid1 : app, SIGCONT);
	rt_finish(&run);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	ck_assert(alive);
	ck_assert_int_eq(rt_count(&run, "continued=1"), 1);
	ck_assert_msg(rt_exit_code(&run) == 42, "%s: wait status 0x%x; "
		      "stderr: %s", rt_mode_name[m], run.wstatus, run.errbuf);
	if (via_reaper)
		ck_assert(strstr(run.errbuf, "forwarded SIGCONT"));
}
END_TEST

/*
 * docker stop on a stopped application: the reaper forwards SIGTERM,
 * which a stopped process would hold until someone continues it, so the
 * reaper sends SIGCONT after it. Nobody else continues it here: it dies
 * of the SIGTERM (before its own code runs again, so no "continued=1"),
 * and the reaper mirrors that as 128 + 15 (PID 1 cannot die of its own
 * signal).
 */
START_TEST(stopped_app_continued_after_sigterm)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	bool stopped;

	(void) start_stopped_app(&run, m, &stopped, false);
	if (stopped)
		rt_kill(run.pid1, SIGTERM);
	rt_finish(&run);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	ck_assert_msg(strstr(run.errbuf, "SIGCONT after it"), "%s: %s",
		      rt_mode_name[m], run.errbuf);
	ck_assert_int_eq(rt_count(&run, "continued=1"), 0);
	ck_assert_msg(rt_exit_code(&run) == 128 + SIGTERM, "%s: wait status "
		      "0x%x; stderr: %s", rt_mode_name[m], run.wstatus,
		      run.errbuf);
}
END_TEST

/*
 * The same with the SIGCONT turned off (REAPER_NO_CONTINUE,
 * --no-continue): the kernel keeps SIGTERM pending (a stopped process
 * acts on SIGKILL and SIGCONT only). It must not be lost: once the
 * application is continued it dies of it.
 */
START_TEST(stopped_app_gets_sigterm_when_continued)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	bool stopped, still = false;
	pid_t app;

	app = start_stopped_app(&run, m, &stopped, true);
	if (stopped) {
		rt_kill(run.pid1, SIGTERM);
		ck_assert(rt_wait_count(&run, true, "forwarded SIGTERM", 1,
					 GIVE_UP_MS));
		still = proc_state(app) == 'T' &&
			(rt_proc_status(app, "ShdPnd") & (1LL << (SIGTERM - 1)));
	}
	rt_kill(app, SIGCONT);
	rt_finish(&run);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	ck_assert_msg(still, "%s: not stopped with SIGTERM pending",
		      rt_mode_name[m]);
	ck_assert_int_eq(rt_count(&run, "continued=1"), 0);
	ck_assert_msg(rt_exit_code(&run) == 128 + SIGTERM, "%s: wait status "
		      "0x%x; stderr: %s", rt_mode_name[m], run.wstatus,
		      run.errbuf);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 7. The application exits while a signal storm is in flight          */

/* Values reported "q=V" so far, all of them in order from 1: the highest;
 * -1 on a gap or a repeat. */
static int
q_progress(struct rt_run *run, size_t *off, int *last)
{
	const char *p = run->out + *off;
	const char *nl;

	while ((nl = strchr(p, '\n'))) {
		if (strncmp(p, "q=", 2) == 0) {
			int v = atoi(p + 2);

			if (v != *last + 1)
				return -1;
			*last = v;
		}
		p = nl + 1;
	}
	*off = (size_t)(p - run->out);
	return *last;
}

static int
pidfd_sigqueue(int pidfd, int sig, int value)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value.sival_int = value;
	return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, &info, 0);
}

/*
 * The test sends the reaper real-time signals carrying 1, 2, 3... (they
 * queue and keep their order, so a loss shows as a gap), SIGUSR1 right
 * before LAST; the application exits with 33 on reading LAST while the
 * test goes on sending (how many reach the reaper before it exits is up
 * to the scheduler; the test reports it). At most WINDOW are unread by the application at
 * any time: RLIMIT_SIGPENDING is per user, shared with every other test
 * that runs as root. The reaper must exit with 33 while the storm still
 * goes on, and the application must have seen 1..LAST, each once, in
 * order, and SIGUSR1.
 */
#define STORM_LAST 1000
#define STORM_WINDOW 32
#define STORM_BURST 64
#define STORM_MAX (STORM_LAST + 1000000)

START_TEST(app_exits_in_storm)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_opts o;
	struct rt_run run;
	struct pollfd exited = { .events = POLLIN };
	int sent = 0, seen = 0, sig = SIGRTMIN + 1;
	long long t_exit = -1, t_gone = -1;
	size_t off = 0;
	bool usr1_sent = false;
	char last_s[16];

	RT_SKIP_UNDER_VALGRIND("waits on a pidfd: none in valgrind 3.19");
	snprintf(last_s, sizeof(last_s), "%d", STORM_LAST);
	rt_opts_init(&o);
	rt_start_mode(&run, &o, m, NULL, "storm", last_s, "33", NULL);
	rt_wait_line(&run, "ready=1");
	exited.fd = (int) syscall(SYS_pidfd_open, run.pid1, 0);
	ck_assert_int_ge(exited.fd, 0);
	while (sent < STORM_MAX) {
		/* The first STORM_BURST after LAST go out without a look, so
		 * that some are on their way while the application exits. */
		if ((sent < STORM_LAST || sent >= STORM_LAST + STORM_BURST) &&
		    poll(&exited, 1, 0) == 1)
			break;
		if (sent < STORM_LAST) {
			rt_read_ready(&run);
			seen = q_progress(&run, &off, &seen);
			ck_assert_msg(seen >= 0, "a value lost or repeated: %s",
				      run.out);
			if (sent - seen >= STORM_WINDOW) {
				struct pollfd p = { .fd = run.report,
						    .events = POLLIN };

				(void) poll(&p, 1, GIVE_UP_MS);
				continue;
			}
			if (sent + 1 == STORM_LAST && !usr1_sent) {
				ck_assert_int_eq(syscall(SYS_pidfd_send_signal,
							 exited.fd, SIGUSR1,
							 NULL, 0), 0);
				usr1_sent = true;
			}
		} else if (t_exit < 0) {
			rt_read_ready(&run);
			if (strstr(run.out, "exiting=1"))
				t_exit = rt_now_ms();
		}
		if (pidfd_sigqueue(exited.fd, sig, sent + 1) == 0) {
			sent++;
			continue;
		}
		/* EAGAIN: the queue is full, the reaper drains it; ESRCH:
		 * gone (reaped by the relay). */
		if (errno == ESRCH)
			break;
		ck_assert_msg(errno == EAGAIN, "pidfd_send_signal: %s",
			      strerror(errno));
	}
	(void) poll(&exited, 1, GIVE_UP_MS);
	t_gone = rt_now_ms();
	close(exited.fd);
	rt_finish(&run);
	if (t_exit < 0)
		t_exit = t_gone;

	ck_assert_msg(sent < STORM_MAX, "%s: the reaper outlived the storm",
		      rt_mode_name[m]);
	seen = 0;
	off = 0;
	ck_assert_int_eq(q_progress(&run, &off, &seen), STORM_LAST);
	ck_assert_int_eq(rt_count(&run, "exiting=1"), 1);
	ck_assert_msg(rt_count(&run, "sig=10\n") == 1, "no SIGUSR1: %s",
		      run.out);
	ck_assert_msg(rt_exit_code(&run) == 33, "%s: wait status 0x%x; "
		      "stderr: %s", rt_mode_name[m], run.wstatus, run.errbuf);
	fprintf(stderr, "app_exits_in_storm %s: %d sent, %d after the "
		"application's last; reaper gone %lld ms after it\n",
		rt_mode_name[m], sent, sent - STORM_LAST, t_gone - t_exit);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 8. The application's pid reused after it was reaped                  */

/*
 * helper-app's reuse scenario: the application leaves a leftover L (in a
 * session of its own, or the kernel would keep the pid as a group ID) and
 * exits 5; the grace period (long: the test ends it) keeps the reaper
 * alive; its SIGTERM tells L the application was reaped, and L's child C
 * takes the application's pid and makes it its process group ID. Then
 * every kind of signal goes to the reaper, which must forward none of
 * them (it logs each, the test's fence): not to C's pid, nor, with -g
 * (_i odd), to C's group, both what the application's were. L saw the
 * grace period's SIGTERM and the SIGCONT after it only (and SIGCHLD from
 * C).
 */
START_TEST(reused_pid_not_signalled)
{
	enum rt_mode m = (enum rt_mode)(_i / 2);
	bool group = _i % 2;
	const char *lib_opts[] = { "-d", "-G", "30000", group ? "-g" : NULL,
				   NULL };
	const char *cmd_opts[] = { "-v", "-v", "--grace=30000",
				   group ? "-g" : NULL, NULL };
	static const int sigs[] = {
		SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
		SIGCONT, SIGALRM,
	};
	const int nsig = (int)(sizeof(sigs) / sizeof(sigs[0]));
	union sigval v = { .sival_int = 99 };
	struct rt_opts o;
	struct rt_run run;
	const char *l;
	long reused, app, pgid;

	rt_opts_init(&o);
	rt_start_mode(&run, &o, m, m == RT_LIB ? lib_opts : cmd_opts,
		   "reuse", "5", NULL);
	l = rt_wait_line(&run, "reused pid=");
	ck_assert_int_eq(sscanf(l, "reused pid=%ld app=%ld pgid=%ld", &reused,
				&app, &pgid), 3);
	ck_assert_msg(reused == app, "%s: pid %ld not reused (got %ld): %s",
		      rt_mode_name[m], app, reused, run.out);
	ck_assert_int_eq(pgid, app);
	for (int i = 0; i < nsig; i++)
		rt_kill(run.pid1, sigs[i]);
	rt_kill(run.pid1, SIGRTMIN);
	ck_assert_int_eq(sigqueue(run.pid1, SIGRTMIN + 3, v), 0);
	ck_assert_msg(rt_wait_count(&run, true, "not forwarding", nsig + 2,
				     GIVE_UP_MS),
		      "%s: not every signal read: %s", rt_mode_name[m],
		      run.errbuf);
	rt_finish(&run);

	/* Nothing forwarded reached C. The grace period's SIGCONT may: as
	 * PID 1 it goes to the namespace right after the SIGTERM (kill(-1)
	 * twice), and C, born of that SIGTERM, may already be there. It is
	 * a leftover as much as L, and SIGCONT wakes a running process to
	 * no effect. */
	ck_assert_msg(rt_count(&run, "member=reused sig=") -
		      rt_count(&run, "member=reused sig=18 ") == 0,
		      "%s: the reused pid was signalled: %s", rt_mode_name[m],
		      run.out);
	/* And SIGCHLD from C, its own child. */
	ck_assert_msg(rt_count(&run, "member=leftover sig=") -
		      rt_count(&run, "member=leftover sig=17 ") -
		      rt_count(&run, "member=leftover sig=18 ") == 1 &&
		      rt_count(&run, "member=leftover sig=15 ") == 1 &&
		      rt_count(&run, "member=leftover sig=18 ") == 1,
		      "%s: the leftover got: %s", rt_mode_name[m], run.out);
	ck_assert_ptr_null(rt_get(&run, "error"));
	ck_assert_msg(rt_exit_code(&run) == 5, "%s: wait status 0x%x; "
		      "stderr: %s", rt_mode_name[m], run.wstatus, run.errbuf);
}
END_TEST

/* ------------------------------------------------------------------ */

RT_TEST_SUITE(faults, "faults",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "start");
	tcase_add_loop_test(tc, fork_fails, 0, RT_MODES);
	tcase_add_loop_test(tc, without_proc, 0, 2 * RT_MODES);
	tcase_add_loop_test(tc, std_fds_closed, 0, 8);
	tcase_add_loop_test(tc, fd_table_full, 0, FD_LIB_CASES + FD_CMD_CASES);
	tcase_add_loop_test(tc, lib_env_at_arg_max, 0,
			    (int)(sizeof(arg_max_slack) /
				  sizeof(arg_max_slack[0])));
	tcase_add_test(tc, cmd_env_at_arg_max);
	tcase_add_test(tc, cmd_env_beyond_arg_max);

	tc = rt_new_tcase(s, "run");
	tcase_add_loop_test(tc, app_stops_and_continues, 0, 4);
	tcase_add_loop_test(tc, stopped_app_continued_after_sigterm, 0, 2);
	tcase_add_loop_test(tc, stopped_app_gets_sigterm_when_continued, 0, 2);
	tcase_add_loop_test(tc, app_exits_in_storm, 0, 2);
	tcase_add_loop_test(tc, reused_pid_not_signalled, 0, 4);
}
