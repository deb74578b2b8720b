/*
 * In-process reaping (lib/inproc.c, spec section 2).
 *
 * "api": the configuration ABI and the documented errors, in this test
 * process itself (Check forks one per test, so each starts clean): no
 * namespace needed, no split anywhere.
 * "pid1": test/inproc-app, a user of the public API, as PID 1 of a fresh
 * PID namespace (or as a plain child, where the PID-1 check is the
 * point), reporting "key=value" lines that this process judges; and
 * demo/demo-start the same way.
 *
 * Everything synchronises through pipes, status records, waitid(WNOWAIT)
 * and the debug log, never through time; the two places that wait for a
 * kernel state (a full pipe, a sleeping thread) poll for the condition
 * with a bound, as test-signals' zero_idle_wakeups does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reaper.h"
#include "inproc.h"
#include "test-common.h"

/* ------------------------------------------------------------------ */
/* In this process                                                     */
/* ------------------------------------------------------------------ */

/* Our "Threads:" in /proc: 1 unless a reaper thread runs. */
static int
threads(void)
{
	return (int) rt_proc_status(getpid(), "Threads");
}

static bool
sigchld_is_default(void)
{
	struct sigaction sa;

	return sigaction(SIGCHLD, NULL, &sa) == 0 &&
	       !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL;
}

static void
clean_env(void)
{
	rt_reset_signals();
	ck_assert_int_eq(unsetenv("REAPER_DEBUG"), 0);
}

START_TEST(config_null_means_defaults)
{
	struct rp_inproc_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	ck_assert_int_eq(rp_inproc_load(NULL, &cfg), 0);
	ck_assert(!cfg.start_always);
	ck_assert(!cfg.subreaper);
	ck_assert(!cfg.log.debug);
	ck_assert_int_eq(cfg.pid, -1);
	ck_assert_int_eq(cfg.options, 0);
	ck_assert_int_eq(cfg.status_fd, -1);
	ck_assert_ptr_null(cfg.on_reap);
	ck_assert_ptr_null(cfg.on_reap_data);
}
END_TEST

static void
nop_reap(pid_t pid, int status, unsigned int flags, void *data)
{
	(void) pid;
	(void) status;
	(void) flags;
	(void) data;
}

START_TEST(config_fields)
{
	struct rp_inproc_config cfg;
	int data;
	REAPER_CONFIG(zero);
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS | REAPER_SUBREAPER |
			  REAPER_DEBUG, .pid = -42, .options = __WALL | WNOHANG,
		      .status_fd = 7, .on_reap = nop_reap, .on_reap_data = &data);

	/* All zero is the defaults: pid 0 is -1, not wait4's own group. */
	ck_assert_int_eq(rp_inproc_load(&zero, &cfg), 0);
	ck_assert_int_eq(cfg.pid, -1);
	ck_assert_int_eq(cfg.status_fd, -1);

	ck_assert_int_eq(rp_inproc_load(&c, &cfg), 0);
	ck_assert(cfg.start_always);
	ck_assert(cfg.subreaper);
	ck_assert(cfg.log.debug);
	ck_assert_int_eq(cfg.pid, -42);
	ck_assert_int_eq(cfg.options, __WALL);	/* WNOHANG is implied */
	ck_assert_int_eq(cfg.status_fd, 7);
	ck_assert_ptr_eq(cfg.on_reap, nop_reap);
	ck_assert_ptr_eq(cfg.on_reap_data, &data);

	/* REAPER_DEBUG=1 without the flag. */
	ck_assert_int_eq(setenv("REAPER_DEBUG", "1", 1), 0);
	ck_assert_int_eq(rp_inproc_load(&zero, &cfg), 0);
	ck_assert(cfg.log.debug);
	ck_assert_int_eq(rp_inproc_load(NULL, &cfg), 0);
	ck_assert(cfg.log.debug);
}
END_TEST

/* A caller built against a newer header: our struct plus 32 bytes. */
union newer_config {
	struct reaper_config c;
	unsigned char bytes[sizeof(struct reaper_config) + 32];
};

START_TEST(config_size_rules)
{
	struct rp_inproc_config cfg;
	union newer_config n;
	REAPER_CONFIG(c);

	/* Below the first release (which is the whole struct): EINVAL. */
	for (size_t sz = 0; sz < sizeof(struct reaper_config); sz++) {
		c.size = sz;
		ck_assert_int_eq(rp_inproc_load(&c, &cfg), -EINVAL);
	}
	/* Longer with a zero tail: accepted; any non-zero byte: E2BIG. */
	memset(&n, 0, sizeof(n));
	n.c.size = sizeof(n);
	n.c.pid = 5;
	ck_assert_int_eq(rp_inproc_load(&n.c, &cfg), 0);
	ck_assert_int_eq(cfg.pid, 5);
	for (size_t i = sizeof(struct reaper_config); i < sizeof(n); i++) {
		n.bytes[i] = 1;
		ck_assert_int_eq(rp_inproc_load(&n.c, &cfg), -E2BIG);
		n.bytes[i] = 0;
	}
}
END_TEST

START_TEST(config_rejects)
{
	static const int bad_options[] = {
		WUNTRACED, WCONTINUED, WNOWAIT, WEXITED, __WNOTHREAD, 0x40,
		0x100000,
	};
	struct rp_inproc_config cfg;
	REAPER_CONFIG(c);

	c.flags = REAPER_SIGNAL_GROUP;	/* a reaper_options flag only */
	ck_assert_int_eq(rp_inproc_load(&c, &cfg), -EINVAL);
	c.flags = 1u << 31;
	ck_assert_int_eq(rp_inproc_load(&c, &cfg), -EINVAL);
	c.flags = 0;
	c.pid = INT_MIN;
	ck_assert_int_eq(rp_inproc_load(&c, &cfg), -EINVAL);
	c.pid = 0;
	for (size_t i = 0; i < sizeof(bad_options) / sizeof(int); i++) {
		c.options = bad_options[i];
		ck_assert_msg(rp_inproc_load(&c, &cfg) == -EINVAL,
			      "options 0x%x accepted", bad_options[i]);
	}
	c.options = 0;
	c.status_fd = -1;
	ck_assert_int_eq(rp_inproc_load(&c, &cfg), -EINVAL);
}
END_TEST

/* Invalid configurations through the public call: -1, errno, and nothing
 * started or changed. */
START_TEST(start_refuses_bad_config)
{
	int p[2];
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS | REAPER_SIGNAL_GROUP);

	errno = 0;
	ck_assert_int_eq(reaper_start(&c), -1);
	ck_assert_int_eq(errno, EINVAL);
	c.flags = REAPER_START_ALWAYS;
	c.size = 8;
	ck_assert_int_eq(reaper_start(&c), -1);
	ck_assert_int_eq(errno, EINVAL);
	c.size = sizeof(c);
	/* status_fd must be open for writing: a read end, a closed fd. */
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	c.status_fd = p[0];
	ck_assert_int_eq(reaper_start(&c), -1);
	ck_assert_int_eq(errno, EBADF);
	close(p[0]);
	close(p[1]);
	c.status_fd = p[1];
	ck_assert_int_eq(reaper_start(&c), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(threads(), 1);
	ck_assert(sigchld_is_default());
	errno = 0;
	ck_assert_int_eq(reaper_stop(), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Not PID 1, check on: 0, nothing started, and the debug log says why. */
START_TEST(reap_outside_pid1_starts_nothing)
{
	char buf[512];
	int p[2], saved;
	ssize_t n;

	ck_assert_int_ne(getpid(), 1);
	ck_assert_int_eq(setenv("REAPER_DEBUG", "1", 1), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	ck_assert_int_eq(reaper_reap(), 0);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "not PID 1") &&
		      strstr(buf, "REAPER_START_ALWAYS"), "log: %s", buf);
	ck_assert_int_eq(threads(), 1);
	ck_assert(sigchld_is_default());
	errno = 0;
	ck_assert_int_eq(reaper_stop(), -1);
	ck_assert_int_eq(errno, EINVAL);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* Start twice: EBUSY; stop twice (or before start): EINVAL. Start again
 * after a stop works. */
START_TEST(start_stop_errors)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS);

	errno = 0;
	ck_assert_int_eq(reaper_stop(), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(reaper_start(&c), 0);
	ck_assert_int_eq(threads(), 2);
	ck_assert(!sigchld_is_default());
	errno = 0;
	ck_assert_int_eq(reaper_start(&c), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(reaper_reap(), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(reaper_stop(), 0);
	ck_assert_int_eq(threads(), 1);
	ck_assert(sigchld_is_default());
	errno = 0;
	ck_assert_int_eq(reaper_stop(), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(reaper_start(&c), 0);
	ck_assert_int_eq(reaper_stop(), 0);
}
END_TEST

static int cb_pipe[2];
static int cb_stop_r, cb_stop_errno, cb_start_r, cb_start_errno;

static void
stop_from_callback(pid_t pid, int status, unsigned int flags, void *data)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS);

	(void) pid;
	(void) status;
	(void) flags;
	(void) data;
	cb_stop_r = reaper_stop();
	cb_stop_errno = errno;
	cb_start_r = reaper_start(&c);
	cb_start_errno = errno;
	(void) !write(cb_pipe[1], "x", 1);
}

/* From on_reap, in the reaper thread: stop would join itself (EDEADLK),
 * start finds it running (EBUSY). */
START_TEST(stop_from_reaper_thread)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS,
		      .on_reap = stop_from_callback);
	char x;
	pid_t child;

	ck_assert_int_eq(pipe2(cb_pipe, O_CLOEXEC), 0);
	ck_assert_int_eq(reaper_start(&c), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(0);
	ck_assert_int_eq(read(cb_pipe[0], &x, 1), 1);
	ck_assert_int_eq(cb_stop_r, -1);
	ck_assert_int_eq(cb_stop_errno, EDEADLK);
	ck_assert_int_eq(cb_start_r, -1);
	ck_assert_int_eq(cb_start_errno, EBUSY);
	ck_assert_int_eq(reaper_stop(), 0);
}
END_TEST

static void *
release_elsewhere(void *arg)
{
	int *r = arg;

	errno = 0;
	r[0] = reaper_release();
	r[1] = errno;
	return NULL;
}

/* Holds nest, belong to the thread that took them, and work while no
 * reaper runs; one release too many is EINVAL. */
START_TEST(hold_release_balance)
{
	pthread_t t;
	int r[2];

	errno = 0;
	ck_assert_int_eq(reaper_release(), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(reaper_hold(), 0);
	ck_assert_int_eq(reaper_hold(), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, release_elsewhere, r), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(r[0], -1);
	ck_assert_int_eq(r[1], EINVAL);
	ck_assert_int_eq(reaper_release(), 0);
	ck_assert_int_eq(reaper_release(), 0);
	ck_assert_int_eq(reaper_release(), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Runs in the forked child: returns the number of the step that failed.
 * No Check call here (its failures would be lost in a child). */
static int
forked_child(void)
{
	struct reaper_status rec;
	struct sigaction sa;
	int p[2];
	pid_t g;

	/* The parent's thread was not copied: nothing runs here to stop. */
	errno = 0;
	if (reaper_stop() != -1 || errno != EINVAL)
		return 1;
	/* That call dropped the parent's SIGCHLD handler, too. */
	if (sigaction(SIGCHLD, NULL, &sa) < 0 || (sa.sa_flags & SA_SIGINFO) ||
	    sa.sa_handler != SIG_DFL)
		return 2;
	/* The hold this thread took before fork() came along, and only it. */
	if (reaper_release() != 0)
		return 3;
	if (reaper_release() != -1 || errno != EINVAL)
		return 4;
	/* A reaper of the child's own. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return 5;
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS, .status_fd = p[1]);
	if (reaper_start(&c) != 0)
		return 6;
	close(p[1]);
	if (threads() != 2)
		return 7;
	g = fork();
	if (g < 0)
		return 8;
	if (g == 0)
		_exit(7);
	if (read(p[0], &rec, sizeof(rec)) != sizeof(rec) || rec.pid != g ||
	    rec.status != 7 << 8)
		return 9;
	if (reaper_stop() != 0)
		return 10;
	if (read(p[0], &rec, sizeof(rec)) != 0)	/* EOF: fd closed */
		return 11;
	return 0;
}

/* A forked child of a process running the reaper has no reaper thread
 * and knows it. The parent waits for that child inside a hold: the hatch,
 * in this very process. */
START_TEST(forked_child_starts_afresh)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS);
	pid_t child;
	int st;

	ck_assert_int_eq(reaper_start(&c), 0);
	ck_assert_int_eq(reaper_hold(), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		_exit(forked_child());
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert_int_eq(reaper_release(), 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "forked child failed at step %d (status 0x%x)",
		      WEXITSTATUS(st), st);
	ck_assert_int_eq(reaper_stop(), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* inproc-app as PID 1, or as a plain child                           */
/* ------------------------------------------------------------------ */

enum {
	APP_HOST = 1 << 0,	/* not in a PID namespace: not PID 1 */
	APP_DEBUG = 1 << 1,	/* REAPER_DEBUG=1 in its environment */
};

static const char *
env_path(const char *var)
{
	const char *p = getenv(var);

	ck_assert_msg(p, "%s is not set: run through meson test", var);
	return p;
}

/* Start exe ARGS... (NULL-terminated). */
static void
start_exe(struct rt_run *run, const char *exe, int how, ...)
{
	static const char *const debug_env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HELPER_REPORT_FD=3",
		"REAPER_DEBUG=1", NULL,
	};
	const char *argv[32];
	struct rt_opts o;
	size_t n = 0;
	va_list ap;
	const char *a;

	rt_opts_init(&o);
	o.exe = exe;
	o.no_pidns = how & APP_HOST;
	if (how & APP_DEBUG)
		o.envp = debug_env;
	argv[n++] = exe;
	va_start(ap, how);
	while ((a = va_arg(ap, const char *)) && n < 31)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	rt_start(run, &o, argv);
}

#define start_app(run, how, ...) \
	start_exe(run, env_path("REAPER_TEST_INPROC"), how, __VA_ARGS__)

static void
finish_ok(struct rt_run *run)
{
	rt_finish(run);
	if (run->wstatus != 0 || !strstr(run->out, "done=1\n"))
		rt_dump(run);
	ck_assert_msg(run->wstatus == 0, "app: wait status 0x%x",
		      run->wstatus);
	ck_assert_msg(strstr(run->out, "done=1\n"), "app did not finish");
	ck_assert_msg(!strstr(run->out, "error="), "app reported an error");
}

/* The n-th (from 0) report line that starts with "key=". */
static const char *
line_n(const struct rt_run *run, const char *key, int nth)
{
	size_t klen = strlen(key);
	int left = nth;

	for (const char *p = run->out; p && *p;) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=' && left-- == 0)
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	rt_dump(run);
	ck_abort_msg("no report line %d with %s=", nth, key);
	return NULL;
}

/* "name=VALUE" in a report line, as a number (0x... allowed). */
static long
num(const char *line, const char *name)
{
	size_t len = strlen(name);
	const char *end = strchr(line, '\n');

	for (const char *p = line; *p && (!end || p < end); p++) {
		if ((p == line || p[-1] == ' ') && strncmp(p, name, len) == 0 &&
		    p[len] == '=')
			return strtol(p + len + 1, NULL, 0);
	}
	ck_abort_msg("no %s= in line: %.80s", name, line);
	return -1;
}

/* num() in the first line with key=. */
static long
get(const struct rt_run *run, const char *key, const char *name)
{
	return num(line_n(run, key, 0), name);
}

/* How many "record pid=PID " lines: reports of that pid. */
static int
records_of(struct rt_run *run, long pid)
{
	char needle[48];

	snprintf(needle, sizeof(needle), "record pid=%ld ", pid);
	return rt_count(run, needle);
}

static long
record_status(const struct rt_run *run, long pid)
{
	char needle[48];
	const char *l;

	snprintf(needle, sizeof(needle), "record pid=%ld ", pid);
	l = strstr(run->out, needle);
	ck_assert_msg(l, "no record of %ld", pid);
	return num(l, "status");
}

static void
assert_exactly_once(struct rt_run *run)
{
	const char *l = line_n(run, "expected", 0);

	if (num(l, "reported") != num(l, "expected") || num(l, "dups") ||
	    num(l, "missing") || num(l, "unexpected") || num(l, "bad_status"))
		rt_dump(run);
	ck_assert_int_gt(num(l, "expected"), 0);
	ck_assert_int_eq(num(l, "reported"), num(l, "expected"));
	ck_assert_int_eq(num(l, "dups"), 0);
	ck_assert_int_eq(num(l, "missing"), 0);
	ck_assert_int_eq(num(l, "unexpected"), 0);
	ck_assert_int_eq(num(l, "bad_status"), 0);
	ck_assert_int_eq(get(run, "extra_records", "extra_records"), 0);
	ck_assert_int_eq(get(run, "zombies", "zombies"), 0);
}

/* 10000 orphans (and their 100 parents), each reported exactly once with
 * its own status, through status_fd (_i = 0) or on_reap (_i = 1); the
 * records outrun the reader while it forks, so the reaper waits for it.
 * Under valgrind 200 (and 2 parents): there each forked child costs some
 * 20 ms of CPU, and 10100 of them took over ten minutes. Their 1616 bytes
 * of records no longer fill the pipe; that wait is the subject of
 * slow_consumer_makes_zombies_wait, which keeps it. */
START_TEST(orphans_each_reported_once)
{
	static const char *const modes[] = { "fd", "cb" };
	long n = rt_valgrind() ? 200 : 10000;
	struct rt_run run;
	char arg[16];

	snprintf(arg, sizeof(arg), "%ld", n);
	start_app(&run, 0, "orphans", arg, modes[_i], NULL);
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "start", "threads"), 2);
	ck_assert_int_eq(get(&run, "created", "created"), n + n / 100);
	assert_exactly_once(&run);
	ck_assert_int_eq(get(&run, "expected", "expected"), n + n / 100);
	ck_assert_int_eq(get(&run, "stop", "stop"), 0);
}
END_TEST

/* A consumer that does not read: reaping stops when the pipe is full,
 * the rest stay zombies, and nothing is lost once it reads. Under
 * valgrind, where each child costs tens of ms, 8 of them wait, and the
 * app fills the one-page pipe but for 24 records (512 otherwise). */
START_TEST(slow_consumer_makes_zombies_wait)
{
	long extra = rt_valgrind() ? 8 : 88;
	struct rt_run run;
	const char *l;

	if (rt_valgrind())
		start_app(&run, 0, "slow", "8", "24", NULL);
	else
		start_app(&run, 0, "slow", "88", NULL);
	finish_ok(&run);
	l = line_n(&run, "capacity", 0);
	ck_assert_int_eq(num(l, "queued"), num(l, "capacity"));
	ck_assert_int_eq(num(l, "children"), num(l, "capacity") + extra);
	l = line_n(&run, "zombies_while_full", 0);
	ck_assert_msg(num(l, "zombies_while_full") == extra ||
		      num(l, "zombies_while_full") == extra + 1,
		      "reaping went on with a full pipe: %.40s", l);
	assert_exactly_once(&run);
}
END_TEST

/* wait4 pid -G: the group's processes are reaped and reported; another
 * child of the program is left to the program's own waitpid(). */
START_TEST(wait4_pid_process_group)
{
	struct rt_run run;
	long lead, member, other;

	start_app(&run, 0, "pgroup", NULL);
	finish_ok(&run);
	lead = get(&run, "lead", "lead");
	member = get(&run, "lead", "member");
	other = get(&run, "lead", "other");
	ck_assert_int_eq(records_of(&run, lead), 1);
	ck_assert_int_eq(records_of(&run, member), 1);
	ck_assert_int_eq(record_status(&run, lead), 3 << 8);
	ck_assert_int_eq(record_status(&run, member), 4 << 8);
	ck_assert_int_eq(records_of(&run, other), 0);
	ck_assert_int_eq(get(&run, "own_wait", "own_wait"), 1);
	ck_assert_int_eq(get(&run, "own_wait", "own_status"), 5 << 8);
	ck_assert_int_eq(get(&run, "extra_records", "extra_records"), 0);
}
END_TEST

/* wait4 options: a clone child (no exit signal) is reaped with __WALL
 * (_i = 1) and left alone without it (_i = 0). */
START_TEST(wait4_options_honoured)
{
	struct rt_run run;
	long cl, plain;

	start_app(&run, 0, "options", _i ? "wall" : "0", NULL);
	finish_ok(&run);
	cl = get(&run, "clone", "clone");
	plain = get(&run, "clone", "plain");
	ck_assert_int_eq(records_of(&run, plain), 1);
	ck_assert_int_eq(record_status(&run, plain), 8 << 8);
	if (_i) {
		ck_assert_int_eq(records_of(&run, cl), 1);
		ck_assert_int_eq(record_status(&run, cl), 9 << 8);
		ck_assert_int_eq(get(&run, "own_wait_clone", "own_wait_clone"),
				 0);
		ck_assert_int_eq(get(&run, "own_wait_clone", "errno"), ECHILD);
	} else {
		ck_assert_int_eq(records_of(&run, cl), 0);
		ck_assert_int_eq(get(&run, "own_wait_clone", "own_wait_clone"),
				 1);
		ck_assert_int_eq(get(&run, "own_wait_clone", "own_status"),
				 9 << 8);
	}
}
END_TEST

/* Wait for "reaped PID (status S)" in the debug log. */
static void
wait_reaped_log(struct rt_run *run, long pid, int status)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "reaped %ld (status 0x%x)", pid,
		 status);
	if (!rt_wait_err_for(run, needle))
		rt_dump(run);
	ck_assert_msg(strstr(run->errbuf, needle), "no \"%s\" in the log",
		      needle);
}

/* go-reaper's Reap(): reaper_reap() as PID 1 starts the thread, which
 * reaps the orphans (here seen in the REAPER_DEBUG=1 log). */
START_TEST(pid1_check_on_as_pid1)
{
	struct rt_run run;

	start_app(&run, APP_DEBUG, "-0", "pid1", NULL);
	rt_wait_for(&run, "ready=1");
	ck_assert_int_eq(get(&run, "pid", "pid"), 1);
	ck_assert_int_eq(get(&run, "start", "start"), 0);
	ck_assert_int_eq(get(&run, "start", "threads"), 2);
	wait_reaped_log(&run, get(&run, "mid", "mid"), 0);
	wait_reaped_log(&run, get(&run, "mid", "orphan"), 3 << 8);
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "zombies", "zombies"), 0);
	ck_assert_int_eq(get(&run, "stop", "stop"), 0);
	ck_assert(rt_err_has(&run, "reaper[1]: reaper thread started"));
}
END_TEST

/* Outside PID 1, reaper_reap() returns 0 and starts nothing: the child
 * stays a zombie, stop has nothing to stop, the log says why. */
START_TEST(pid1_check_on_outside_pid1)
{
	struct rt_run run;

	start_app(&run, APP_HOST | APP_DEBUG, "-0", "pid1", NULL);
	rt_wait_for(&run, "ready=1");
	ck_assert_int_eq(get(&run, "start", "start"), 0);
	ck_assert_int_eq(get(&run, "start", "threads"), 1);
	ck_assert_ptr_nonnull(rt_wait_err_for(&run, "not PID 1"));
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "zombies", "zombies"), 1);	/* mid */
	ck_assert_int_eq(get(&run, "stop", "stop"), -1);
	ck_assert_int_eq(get(&run, "stop", "errno"), EINVAL);
}
END_TEST

/* REAPER_START_ALWAYS (go-reaper DisablePid1Check): starts anywhere. */
START_TEST(pid1_check_off_outside_pid1)
{
	struct rt_run run;

	start_app(&run, APP_HOST | APP_DEBUG, "-a", "pid1", NULL);
	rt_wait_for(&run, "ready=1");
	ck_assert_int_ne(get(&run, "pid", "pid"), 1);
	ck_assert_int_eq(get(&run, "start", "start"), 0);
	ck_assert_int_eq(get(&run, "start", "threads"), 2);
	wait_reaped_log(&run, get(&run, "mid", "mid"), 0);
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "zombies", "zombies"), 0);
	ck_assert_int_eq(get(&run, "stop", "stop"), 0);
}
END_TEST

/* Child subreaper outside PID 1: the orphan comes to us and is reported
 * (its record proves it: outside PID 1 nobody else's orphan is ours);
 * the attribute is off again after stop, unless the program had it on
 * before (_i = 1). */
START_TEST(subreaper_outside_pid1)
{
	struct rt_run run;
	long orphan;

	start_app(&run, APP_HOST, "-a", "-s", "subreaper",
		  _i ? "preset" : "plain", NULL);
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "subreaper_running", "subreaper_running"),
			 1);
	orphan = get(&run, "orphan", "orphan");
	ck_assert_int_eq(records_of(&run, orphan), 1);
	ck_assert_int_eq(record_status(&run, orphan), 3 << 8);
	ck_assert_int_eq(get(&run, "subreaper_after", "subreaper_after"), _i);
}
END_TEST

/* Stop, start again: the program's SIGCHLD handler runs chained while the
 * reaper runs and is back after; threads and fds are as before; a child
 * that exits in between waits as a zombie and is reported once, by the
 * next reaper. */
START_TEST(stop_and_restart)
{
	struct rt_run run;
	long first, second;
	const char *l;

	start_app(&run, 0, "restart", NULL);
	finish_ok(&run);
	first = get(&run, "first", "first");
	second = get(&run, "second", "second");
	ck_assert_int_eq(num(line_n(&run, "start", 0), "start"), 0);
	ck_assert_int_eq(num(line_n(&run, "start", 1), "start"), 0);
	ck_assert_int_eq(num(line_n(&run, "stop", 0), "stop"), 0);
	ck_assert_int_eq(num(line_n(&run, "stop", 1), "stop"), 0);
	ck_assert_int_eq(get(&run, "handler_restored", "handler_restored"), 1);
	l = line_n(&run, "fds_before", 0);
	ck_assert_int_eq(num(l, "fds_after"), num(l, "fds_before"));
	ck_assert_int_eq(num(l, "threads_after"), num(l, "threads_before"));
	ck_assert_int_eq(get(&run, "zombies_while_stopped",
			     "zombies_while_stopped"), 1);
	ck_assert_int_eq(records_of(&run, first), 1);
	ck_assert_int_eq(records_of(&run, second), 1);
	ck_assert_int_eq(record_status(&run, second), 2 << 8);
	ck_assert_int_eq(get(&run, "extra_records", "extra_records"), 0);
	ck_assert_int_eq(get(&run, "zombies", "zombies"), 0);
}
END_TEST

/* SIGCHLD ignored by the program (the kernel would reap): the reaper
 * reaps and reports instead, and SIG_IGN is back after stop. */
START_TEST(ignored_sigchld_restored)
{
	struct rt_run run;
	long child;

	start_app(&run, 0, "ignored", NULL);
	finish_ok(&run);
	child = get(&run, "child", "child");
	ck_assert_int_eq(records_of(&run, child), 1);
	ck_assert_int_eq(record_status(&run, child), (child & 0xff) << 8);
	ck_assert_int_eq(get(&run, "ignored_after", "ignored_after"), 1);
}
END_TEST

/* The reaper thread of host process pid: its only other task. */
static pid_t
reaper_tid(pid_t pid)
{
	char path[64];
	struct dirent *de;
	pid_t found = -1;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long) pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atol(de->d_name) != pid)
			found = (pid_t) atol(de->d_name);
	closedir(d);
	return found;
}

/* Idle, the reaper thread sleeps in one read() of its eventfd and nothing
 * wakes it: its context switch counts stay put over one second. */
START_TEST(zero_idle_wakeups)
{
	struct rt_run run;
	long long before, after, deadline, t;
	pid_t tid;

	start_app(&run, 0, "idle", NULL);
	ck_assert_ptr_nonnull(rt_wait_for(&run, "ready=1"));
	tid = reaper_tid(run.pid1);
	ck_assert_int_gt(tid, 0);
	/* A condition, not a delay: until the thread is asleep in read(). */
	deadline = rt_now_ms() + 10000;
	while (rt_blocked_syscall(tid) != SYS_read || rt_state_of(tid) != 'S') {
		ck_assert_msg(rt_now_ms() < deadline, "reaper thread never "
			      "blocked in read(): syscall %ld state %c",
			      rt_blocked_syscall(tid), rt_state_of(tid));
		sched_yield();
	}
	before = rt_ctxt_switches(tid);
	deadline = rt_now_ms() + 1000;
	while ((t = rt_now_ms()) < deadline) {
		struct pollfd p = { .fd = run.report, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, (int)(deadline - t)), 0);
	}
	after = rt_ctxt_switches(tid);
	fprintf(stderr, "idle reaper thread: %lld switches before, %lld "
		"after 1 s\n", before, after);
	ck_assert_int_eq(after, before);
	ck_assert_int_eq(rt_blocked_syscall(tid), SYS_read);
	finish_ok(&run);
	ck_assert_int_eq(get(&run, "stop", "stop"), 0);
}
END_TEST

/* Worker threads created before and after reaper_start(), every thread of
 * the program blocking SIGCHLD, fork 1000 children: each is reported once
 * with its status; the program's masks are untouched; the reaper thread
 * blocks everything but SIGCHLD. Under valgrind 100 (25 a worker), for
 * the cost of each child there (see orphans_each_reported_once). */
START_TEST(worker_threads_fork)
{
	unsigned long long reaper, chld = 1ULL << (SIGCHLD - 1);
	const char *per = rt_valgrind() ? "25" : "250";
	struct rt_run run;
	const char *before;
	char mask[32];

	start_app(&run, 0, "threads", per, NULL);
	finish_ok(&run);
	assert_exactly_once(&run);
	ck_assert_int_eq(get(&run, "expected", "expected"), 4 * atoi(per));
	before = strchr(line_n(&run, "mask_before", 0), '=') + 1;
	snprintf(mask, sizeof(mask), "%.*s", (int) strcspn(before, "\n"),
		 before);
	ck_assert(strtoull(mask, NULL, 16) & chld);
	ck_assert_str_eq(rt_get(&run, "mask_after_start"), mask);
	ck_assert_str_eq(rt_get(&run, "mask_after_stop"), mask);
	ck_assert_int_eq(rt_count(&run, "worker_mask="), 4);
	for (int i = 0; i < 4; i++) {
		const char *w = strchr(line_n(&run, "worker_mask", i), '=') + 1;

		ck_assert_int_eq(strncmp(w, mask, strlen(mask)), 0);
	}
	reaper = strtoull(rt_get(&run, "reaper_mask"), NULL, 16);
	ck_assert(!(reaper & chld));
	ck_assert(reaper & (1ULL << (SIGTERM - 1)));
	ck_assert(reaper & (1ULL << (SIGUSR1 - 1)));
	/* Valgrind keeps SIGRTMAX, its thread-kill signal, unblocked in
	 * every thread; /proc shows the rest of the mask as the program set
	 * it, for a thread asleep in a system call (as this one is). */
	if (!rt_valgrind())
		ck_assert(reaper & (1ULL << (SIGRTMAX - 1)));
}
END_TEST

/* The documented caveat, shown without a race: system() runs while the
 * reaper runs, its shell exits 7, the reaper reports and reaps it before
 * system() gets to waitpid(), which then fails: -1, ECHILD. */
START_TEST(caveat_system_loses_status)
{
	struct rt_run run;
	long shell;

	start_app(&run, 0, "caveat", NULL);
	finish_ok(&run);
	shell = get(&run, "shell", "shell");
	ck_assert_int_eq(get(&run, "reaper_got_shell", "reaper_got_shell"),
			 7 << 8);
	ck_assert_int_eq(records_of(&run, shell), 1);
	ck_assert_int_eq(get(&run, "system", "system"), -1);
	ck_assert_int_eq(get(&run, "system", "errno"), ECHILD);
}
END_TEST

/* The escape hatch: the same system() inside reaper_hold() and
 * reaper_release() gets its 7, although the shell sat as a zombie with
 * the reaper awake; another child that exited during the hold is reaped
 * and reported after the release. */
START_TEST(hatch_system_keeps_status)
{
	struct rt_run run;
	long shell, other;

	start_app(&run, 0, "hatch", NULL);
	finish_ok(&run);
	shell = get(&run, "shell", "shell");
	other = get(&run, "other", "other");
	ck_assert_int_eq(get(&run, "both_zombies", "both_zombies"), 1);
	ck_assert_int_eq(get(&run, "system", "exit"), 7);
	ck_assert_int_eq(get(&run, "hold", "hold"), 0);
	ck_assert_int_eq(get(&run, "hold", "release"), 0);
	ck_assert_int_eq(records_of(&run, shell), 0);
	ck_assert_int_eq(records_of(&run, other), 1);
	ck_assert_int_eq(record_status(&run, other), (other & 0xff) << 8);
	ck_assert_int_eq(get(&run, "zombies", "zombies"), 0);
}
END_TEST

/* demo/demo-start checks itself: as PID 1, and outside PID 1 with
 * --anywhere (_i = 1). A shell in front sends its stdout to our stderr
 * pipe, then execs it, so that the demo itself is PID 1. */
START_TEST(demo_start_runs)
{
	static const char *const redirect = "exec \"$0\" \"$@\" >&2";
	const char *demo = env_path("REAPER_TEST_DEMO_START");
	struct rt_run run;

	if (_i)
		start_exe(&run, "/bin/sh", APP_HOST, "-c", redirect, demo,
			  "--anywhere", NULL);
	else
		start_exe(&run, "/bin/sh", 0, "-c", redirect, demo, NULL);
	rt_finish(&run);
	if (run.wstatus != 0 || !strstr(run.errbuf, "\nOK: "))
		rt_dump(&run);
	ck_assert_int_eq(run.wstatus, 0);
	ck_assert_ptr_nonnull(strstr(run.errbuf, "\nOK: 7 processes reaped"));
	ck_assert_ptr_nonnull(strstr(run.errbuf, "-> exited with 3\n"));
}
END_TEST

/* The api tests need no namespace and always run; without a PID
 * namespace the rest cannot, and test-main.c says so with 77 (SKIP)
 * rather than pass on half the tests. */
RT_TEST_SUITE(api, "inproc", 0)
{
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, clean_env, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, config_null_means_defaults);
	tcase_add_test(tc, config_fields);
	tcase_add_test(tc, config_size_rules);
	tcase_add_test(tc, config_rejects);
	tcase_add_test(tc, start_refuses_bad_config);
	tcase_add_test(tc, reap_outside_pid1_starts_nothing);
	tcase_add_test(tc, start_stop_errors);
	tcase_add_test(tc, stop_from_reaper_thread);
	tcase_add_test(tc, hold_release_balance);
	tcase_add_test(tc, forked_child_starts_afresh);
	suite_add_tcase(s, tc);
}

RT_TEST_SUITE(pid1, "inproc-pid1", RT_NEEDS_PIDNS | RT_NEEDS_INPROC)
{
	TCase *tc = tcase_create("pid1");

	tcase_add_checked_fixture(tc, clean_env, NULL);
	/* 10100 forks under ASan take a few seconds; a hang is a failure. */
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, orphans_each_reported_once, 0, 2);
	tcase_add_test(tc, slow_consumer_makes_zombies_wait);
	tcase_add_test(tc, wait4_pid_process_group);
	tcase_add_loop_test(tc, wait4_options_honoured, 0, 2);
	tcase_add_test(tc, pid1_check_on_as_pid1);
	tcase_add_test(tc, pid1_check_on_outside_pid1);
	tcase_add_test(tc, pid1_check_off_outside_pid1);
	tcase_add_loop_test(tc, subreaper_outside_pid1, 0, 2);
	tcase_add_test(tc, stop_and_restart);
	tcase_add_test(tc, ignored_sigchld_restored);
	tcase_add_test(tc, zero_idle_wakeups);
	tcase_add_test(tc, worker_threads_fork);
	tcase_add_test(tc, caveat_system_loses_status);
	tcase_add_test(tc, hatch_system_keeps_status);
	tcase_add_loop_test(tc, demo_start_runs, 0, 2);
	suite_add_tcase(s, tc);
}
