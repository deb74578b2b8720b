/*
 * Shutdown the way orchestrators need it (issue 15, notes design-15),
 * through both front ends (enum rt_mode): the library split (helper-app
 * as PID 1, or with -a outside it) and the command (reaper -- helper-app).
 *
 *  1. SIGCONT: a terminating signal (TERM, INT, HUP, QUIT, also as the
 *     result of a rewrite) forwarded to a stopped application is
 *     followed by SIGCONT, so it acts on it at once; with -g the group
 *     gets SIGCONT; the grace period continues stopped leftovers; the
 *     opt-out (REAPER_NO_CONTINUE, --no-continue, REAPER_NO_CONTINUE=1)
 *     leaves the application stopped with the signal pending.
 *  2. Delay: a delayed signal is held for its time while everything
 *     else is forwarded and orphans are reaped; a second copy releases
 *     both at once; the application's exit is never delayed by it; the
 *     reaper has no timeout while nothing is held. The library's
 *     REAPER_DELAY_SIGNAL when the option is NULL, and its bad values.
 *     Past 256 orphans, where the kernel reaps, the same holds.
 *  3. Wait for leftovers: the reaper stays while the application's
 *     daemons live, forwards to their process groups (each once; the
 *     application's group without /proc), continues stopped ones after a
 *     terminating signal, and exits with the application's status; with
 *     a grace period, that starts at the first terminating signal.
 *  4. Bad delay specifications in the library: -1 EINVAL, no split.
 *
 * Synchronisation: the application and its leftovers read their signals
 * from a signalfd, lowest number first, as the reaper does. "A was not
 * forwarded" is proven by sending A, then a higher-numbered B, and
 * waiting for B. That the reaper has handled a signal to a stopped
 * application (which cannot say so) is proven by its debug log line for
 * a signal sent after it ("forwarded SIGWINCH"). That the reaper has
 * reaped the application is /proc/PID gone (the reaper is its parent,
 * nobody else could have). Waits that hang only when the engine is wrong
 * give up after give_up_ms() so that the test fails with what it saw.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test-common.h"

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define REPORT_FD_ENV "HELPER_REPORT_FD=3"

/* A delay no test waits out: a signal held for it is still held when the
 * test looks, however slow the machine. */
#define LONG_DELAY "60000"

/* Long enough for a continued leftover to read its SIGTERM and exit on
 * one loaded CPU or under valgrind (test-grace's 300 ms has no SIGCONT
 * round trip in it); every case that waits it out pays it once. */
#define GRACE_MS "500"

/* Only bounds waits that last for ever when the engine is wrong, so that
 * the test fails and cleans up instead of hanging; never a delay. */
static int
give_up_ms(void)
{
	return rt_valgrind() ? 100000 : 10000;
}

/* "sig=N " and "member=WHO sig=N " report lines, as rt_count_sig(). */
static const char *
sig_needle(const char *who, int sig)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ % 4];

	if (who)
		snprintf(b, sizeof(buf[0]), "member=%s sig=%d ", who, sig);
	else
		snprintf(b, sizeof(buf[0]), "sig=%d ", sig);
	return b;
}

/* Wait until the report has needle want times; fail with what it saw
 * when it does not come within give_up_ms(). */
static void
want_count(struct rt_run *run, const char *needle, int want,
	   const char *what)
{
	if (rt_wait_count(run, false, needle, want, give_up_ms()))
		return;
	rt_dump(run);
	ck_abort_msg("%s: \"%s\" not %d times in the report", what, needle,
		     want);
}

/* The same for the reaper's stderr (its debug log). */
static void
want_err(struct rt_run *run, const char *needle, int want, const char *what)
{
	if (rt_wait_count(run, true, needle, want, give_up_ms()))
		return;
	rt_dump(run);
	ck_abort_msg("%s: \"%s\" not %d times on stderr", what, needle, want);
}

/*
 * No kernel event tells anyone but the parent or a tracer that a process
 * has stopped: look at its state, yielding between looks (test-faults'
 * way). True once it is 'T'.
 */
static bool
wait_stopped(pid_t pid)
{
	long long end = rt_now_ms() + give_up_ms();

	while (rt_state_of(pid) != 'T') {
		if (rt_now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* Wait until pid is gone from /proc (reaped, not just a zombie). Its
 * parent is the reaper: once it is gone, the reaper has reaped it, and
 * whatever is sent to the reaper next is handled after that. */
static bool
wait_gone(pid_t pid)
{
	long long end = rt_now_ms() + give_up_ms();
	pid_t ppid;
	char state;

	while (rt_proc_stat(pid, &ppid, &state)) {
		if (rt_now_ms() > end)
			return false;
		sched_yield();
	}
	return true;
}

/* Bit of sig in a /proc/PID/status signal mask. */
static bool
pending(pid_t pid, int sig)
{
	long long shd = rt_proc_status(pid, "ShdPnd");
	long long own = rt_proc_status(pid, "SigPnd");

	ck_assert_msg(shd != -1 && own != -1, "no /proc/%ld/status",
		      (long) pid);
	return ((unsigned long long) (shd | own) >> (sig - 1)) & 1;
}

/*
 * The host pid of what is nspid in run's PID namespace (the last field
 * of NSpid), among the processes under the reaper (children and
 * grandchildren: other tests' namespaces have the same small numbers).
 * Outside a namespace, nspid is the host pid.
 */
static pid_t
host_pid(const struct rt_run *run, bool outside, long nspid)
{
	DIR *d;
	struct dirent *de;
	pid_t found = -1;

	if (outside)
		return (pid_t) nspid;
	d = opendir("/proc");
	ck_assert_ptr_nonnull(d);
	while (found < 0 && (de = readdir(d))) {
		char path[300], line[256];
		pid_t pid, ppid;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t) atol(de->d_name);
		ppid = rt_ppid_of(pid);
		if (ppid != run->pid1 && rt_ppid_of(ppid) != run->pid1)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/status", (long) pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			const char *last;

			if (strncmp(line, "NSpid:", 6) != 0)
				continue;
			line[strcspn(line, "\n")] = '\0';
			last = strrchr(line, '\t');
			if (last && atol(last + 1) == nspid)
				found = pid;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/*
 * The timeout of the system call the reaper sleeps in, once it sleeps
 * in its loop: false for none (NULL for rt_sigtimedwait(), a negative one
 * for poll()), else true with it in *ms. The arguments are read from
 * /proc/PID/syscall before and after the timeout itself (from its
 * memory), and must agree, as rt_reaper_sigset() does.
 */
static bool
reaper_timeout(pid_t pid, long long *ms)
{
	rt_wait_reaper_asleep(pid);
	for (;;) {
		unsigned long long a[2][3];
		long nr[2];
		struct timespec ts = { 0, 0 };
		char path[64];

		for (int k = 0; k < 2; k++) {
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%ld/syscall",
				 (long) pid);
			f = fopen(path, "re");
			ck_assert_ptr_nonnull(f);
			if (fscanf(f, "%ld %llx %llx %llx", &nr[k], &a[k][0],
				   &a[k][1], &a[k][2]) != 4)
				nr[k] = -1;
			fclose(f);
			if (k == 1)
				break;
			if (nr[0] == SYS_rt_sigtimedwait && a[0][2]) {
				int fd;

				snprintf(path, sizeof(path), "/proc/%ld/mem",
					 (long) pid);
				fd = open(path, O_RDONLY | O_CLOEXEC);
				ck_assert_msg(fd >= 0, "%s: %s", path,
					      strerror(errno));
				ck_assert_int_eq(pread(fd, &ts, sizeof(ts),
						       (off_t) a[0][2]),
						 (ssize_t) sizeof(ts));
				close(fd);
			}
		}
		if (nr[0] != nr[1] || memcmp(a[0], a[1], sizeof(a[0])) != 0) {
			rt_wait_reaper_asleep(pid);
			continue;
		}
		ck_assert_msg(nr[0] == SYS_rt_sigtimedwait || nr[0] == SYS_poll,
			      "reaper in system call %ld", nr[0]);
		if (nr[0] == SYS_poll) {
			*ms = (int) a[0][2];
			return *ms >= 0;
		}
		*ms = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		return a[0][2] != 0;
	}
}

/* The reaper sleeps with no timeout: zero wake-ups while it is idle.
 * What valgrind passes to the kernel is its own business: not there. */
static void
assert_no_timeout(pid_t reaper, const char *when)
{
	long long ms;

	if (rt_valgrind())
		return;
	ck_assert_msg(!reaper_timeout(reaper, &ms), "%s: the reaper sleeps "
		      "with a %lld ms timeout", when, ms);
}

/*
 * The end of a run whose processes may outlive the reaper outside a
 * namespace (the test adopts them: PR_SET_CHILD_SUBREAPER): wait for the
 * reaper to exit (at most give_up_ms(), else kill it), then kill and reap
 * whatever came to the test (the application, daemons), each of which
 * would hold the report pipe open. A correct reaper leaves nothing there
 * but what the test expects it to leave. True when the reaper exited on
 * its own.
 */
static bool
end_run(struct rt_run *run, bool outside)
{
	bool exited = rt_wait_started_exit(run, give_up_ms());

	if (!exited) {
		(void) kill(run->pid1, SIGKILL);
		(void) rt_wait_started_exit(run, -1);
	}
	if (outside) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d))) {
			pid_t pid = (pid_t) atol(de->d_name);

			if (pid <= 0 || pid == run->relay ||
			    rt_ppid_of(pid) != getpid())
				continue;
			(void) kill(pid, SIGKILL);
			(void) waitpid(pid, NULL, 0);
		}
		closedir(d);
	}
	rt_finish(run);
	return exited;
}

/* Start with opts (NULL: PID 1), or outside a namespace when outside,
 * with the test as everyone's subreaper there. */
static void
start(struct rt_run *run, bool outside, const char *const *envp,
      enum rt_mode m, const char *const *mode_opts, const char *scenario,
      const char *a1, const char *a2)
{
	struct rt_opts o;

	rt_opts_init(&o);
	if (outside) {
		ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
		o.no_pidns = true;
	}
	o.envp = envp;
	rt_start_mode(run, &o, m, mode_opts, scenario, a1, a2, NULL);
}

/* The pid the reaper has in the namespace of its children: 1 as PID 1,
 * its host pid outside. */
static long
reaper_seen_as(const struct rt_run *run, bool outside)
{
	return outside ? (long) run->pid1 : 1;
}

/* ------------------------------------------------------------------ */
/* 1. SIGCONT after a terminating signal                                */

/* The library splits outside PID 1 only with -a; -s for both, so that
 * the command does not warn about orphans. */
static const char *const plain_opts[2][RT_MODES][4] = {
	{ [RT_LIB] = { NULL }, [RT_CMD] = { NULL } },
	{ [RT_LIB] = { "-a", "-s", NULL }, [RT_CMD] = { "-s", NULL } },
};

/*
 * docker stop on a stopped application: it raised SIGSTOP (scenario
 * "stop"), TERM goes to the reaper, and nobody else sends SIGCONT. The
 * reaper's SIGCONT lets it die of the TERM at once; its death is mirrored
 * (128 + 15 as PID 1, the signal itself outside). It never ran on past
 * the stop ("continued=1" would follow a SIGCONT alone).
 * _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(stopped_app_continued_after_term)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	struct rt_run run;
	bool stopped, exited;
	pid_t app;

	start(&run, outside, NULL, m, plain_opts[outside][m], "stop", "42",
	      NULL);
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	stopped = wait_stopped(app);
	if (stopped)
		rt_kill(run.pid1, SIGTERM);
	exited = end_run(&run, outside);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	ck_assert_msg(exited, "%s: still running after SIGTERM to a stopped "
		      "application (no SIGCONT?)", rt_mode_name[m]);
	ck_assert_int_eq(rt_count(&run, "continued=1"), 0);
	if (outside)
		ck_assert_msg(rt_term_sig(&run) == SIGTERM, "%s: wait status "
			      "0x%x", rt_mode_name[m], run.wstatus);
	else
		ck_assert_msg(rt_exit_code(&run) == 128 + SIGTERM, "%s: wait "
			      "status 0x%x", rt_mode_name[m], run.wstatus);
}
END_TEST

/*
 * The other terminating signals, and rewrites into one: what the reaper
 * forwards decides, not what it got. The stopped application dies of
 * the forwarded signal (no core: INT, HUP, TERM). _i: case _i / RT_MODES.
 */
static const struct {
	const char *rewrite;	/* NULL: none */
	int send, dies_of;
} term_cases[] = {
	{ NULL, SIGINT, SIGINT },
	{ NULL, SIGHUP, SIGHUP },
	{ "USR1:TERM", SIGUSR1, SIGTERM },
	{ "USR2:INT", SIGUSR2, SIGINT },
	{ "RTMIN+2:HUP", RT(2), SIGHUP },
	{ "TERM:HUP", SIGTERM, SIGHUP },
};

START_TEST(terminating_signals_continue)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	const char *rewrite = term_cases[_i / RT_MODES].rewrite;
	int send = rt_table_sig(term_cases[_i / RT_MODES].send);
	int want = term_cases[_i / RT_MODES].dies_of;
	const char *opts[] = { rewrite ? "-r" : NULL, rewrite, NULL };
	struct rt_run run;
	bool stopped, exited;
	pid_t app;

	rt_start_mode(&run, NULL, m, opts, "stop", "42", NULL);
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	stopped = wait_stopped(app);
	if (stopped)
		rt_kill(run.pid1, send);
	exited = end_run(&run, false);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	ck_assert_msg(exited, "%s: signal %d (rewrite %s) left the "
		      "application stopped", rt_mode_name[m], send,
		      rewrite ? rewrite : "none");
	ck_assert_msg(rt_exit_code(&run) == 128 + want, "%s: signal %d: "
		      "wait status 0x%x, want exit %d", rt_mode_name[m], send,
		      run.wstatus, 128 + want);
}
END_TEST

/*
 * SIGQUIT (whose default would dump core) and a rewrite into it, to an
 * application that reads its signals (scenario "watch") and has stopped
 * itself: it is continued, then reads what was forwarded.
 * _i: case _i / RT_MODES.
 */
static const struct {
	const char *rewrite;
	int send, arrives_as;
} quit_cases[] = {
	{ NULL, SIGQUIT, SIGQUIT },
	{ "USR1:QUIT", SIGUSR1, SIGQUIT },
};

START_TEST(quit_continues_watcher)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	const char *rewrite = quit_cases[_i / RT_MODES].rewrite;
	int want = quit_cases[_i / RT_MODES].arrives_as;
	const char *opts[] = { rewrite ? "-r" : NULL, rewrite, NULL };
	struct rt_run run;
	pid_t app;

	rt_start_mode(&run, NULL, m, opts, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	rt_send(&run, "stop\n");
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	ck_assert(wait_stopped(app));
	rt_kill(run.pid1, quit_cases[_i / RT_MODES].send);
	want_count(&run, "continued=1", 1, rt_mode_name[m]);
	want_count(&run, sig_needle(NULL, want), 1, rt_mode_name[m]);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, want), 1);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 0);
}
END_TEST

/*
 * The opt-out: the library's REAPER_NO_CONTINUE (-c), the command's
 * --no-continue and REAPER_NO_CONTINUE=1. SIGTERM is forwarded (logged),
 * and once the reaper has also handled a SIGWINCH sent after it, the
 * application is still stopped with SIGTERM pending. Then the test
 * continues it, and it dies of that SIGTERM.
 */
static const struct {
	enum rt_mode m;
	const char *flag;	/* NULL: the variable */
} no_cont_cases[] = {
	{ RT_LIB, "-c" }, { RT_CMD, "--no-continue" }, { RT_CMD, NULL },
};

START_TEST(no_continue_leaves_stopped)
{
	enum rt_mode m = no_cont_cases[_i].m;
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "REAPER_NO_CONTINUE=1", NULL,
	};
	const char *opts[5];
	struct rt_opts o;
	struct rt_run run;
	size_t n = 0;
	bool stopped;
	pid_t app;

	for (size_t i = 0; rt_debug_opts[m][i]; i++)
		opts[n++] = rt_debug_opts[m][i];
	opts[n++] = no_cont_cases[_i].flag;
	opts[n] = NULL;
	rt_opts_init(&o);
	if (!no_cont_cases[_i].flag)
		o.envp = envp;
	rt_start_mode(&run, &o, m, opts, "stop", "42", NULL);
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	stopped = wait_stopped(app);
	if (!stopped)
		rt_dump(&run);
	ck_assert_msg(stopped, "%s: the application never stopped",
		      rt_mode_name[m]);
	rt_kill(run.pid1, SIGTERM);
	want_err(&run, "forwarded SIGTERM", 1, rt_mode_name[m]);
	rt_kill(run.pid1, SIGWINCH);
	want_err(&run, "forwarded SIGWINCH", 1, rt_mode_name[m]);
	ck_assert_msg(rt_state_of(app) == 'T', "%s: state %c after TERM with "
		      "the opt-out", rt_mode_name[m], rt_state_of(app));
	ck_assert_msg(pending(app, SIGTERM), "%s: SIGTERM not pending",
		      rt_mode_name[m]);
	ck_assert(!rt_wait_started_exit(&run, 0));
	rt_kill(app, SIGCONT);
	rt_finish(&run);
	ck_assert_int_eq(rt_count(&run, "continued=1"), 0);
	ck_assert_msg(rt_exit_code(&run) == 128 + SIGTERM, "%s: wait status "
		      "0x%x", rt_mode_name[m], run.wstatus);
}
END_TEST

/*
 * What is not a terminating signal once forwarded gets no SIGCONT: the
 * application stays stopped with it pending. When the test continues it,
 * the lowest pending signal kills it, so its exit names what was kept.
 * _i: case _i / RT_MODES.
 */
static const struct {
	const char *rewrite;
	int send, pends;
} nonterm_cases[] = {
	{ NULL, SIGUSR1, SIGUSR1 },
	{ NULL, RT(2), RT(2) },
	{ "TERM:USR2", SIGTERM, SIGUSR2 },
	{ "INT:RTMIN+3", SIGINT, RT(3) },
};

START_TEST(nonterminating_no_continue)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	const char *rewrite = nonterm_cases[_i / RT_MODES].rewrite;
	int send = rt_table_sig(nonterm_cases[_i / RT_MODES].send);
	int pends = rt_table_sig(nonterm_cases[_i / RT_MODES].pends);
	const char *opts[6];
	struct rt_run run;
	size_t n = 0;
	bool stopped;
	pid_t app;

	for (size_t i = 0; rt_debug_opts[m][i]; i++)
		opts[n++] = rt_debug_opts[m][i];
	if (rewrite) {
		opts[n++] = "-r";
		opts[n++] = rewrite;
	}
	opts[n] = NULL;
	rt_start_mode(&run, NULL, m, opts, "stop", "42", NULL);
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	stopped = wait_stopped(app);
	if (!stopped)
		rt_dump(&run);
	ck_assert(stopped);
	rt_kill(run.pid1, send);
	want_err(&run, "forwarded SIG", 1, rt_mode_name[m]);
	rt_kill(run.pid1, SIGWINCH);
	want_err(&run, "forwarded SIGWINCH", 1, rt_mode_name[m]);
	ck_assert_msg(rt_state_of(app) == 'T', "%s: signal %d forwarded as "
		      "%d continued the application", rt_mode_name[m], send,
		      pends);
	ck_assert_msg(pending(app, pends), "%s: signal %d not pending",
		      rt_mode_name[m], pends);
	rt_kill(app, SIGCONT);
	rt_finish(&run);
	ck_assert_msg(rt_exit_code(&run) == 128 + pends, "%s: wait status "
		      "0x%x, want exit %d", rt_mode_name[m], run.wstatus,
		      128 + pends);
}
END_TEST

/*
 * A running application gets no SIGCONT after SIGTERM (only a stopped
 * one does, without -g): TERM, then RTMIN+4 (38 > 18), and when 38 has
 * arrived a SIGCONT sent by the reaper in between would have been read
 * before it.
 */
START_TEST(running_app_gets_no_sigcont)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	rt_start_mode(&run, NULL, m, NULL, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, SIGTERM);
	rt_wait_sig(&run, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGCONT), 0);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGCONT), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 1);
}
END_TEST

/*
 * -g: the application runs, a child in its process group has stopped
 * itself (scenario "groupstop"). SIGTERM to the group, then SIGCONT to
 * the group: the child wakes up and reads its TERM without the test's
 * help, and the application sees the SIGCONT too (the group gets it
 * whoever is stopped). With the opt-out the child stays stopped with
 * TERM pending (checked once the reaper has forwarded a later SIGWINCH).
 * With TERM delayed, all of that happens when the delay is over: the
 * rules apply when the held signal is forwarded.
 * _i: mode _i % RT_MODES, variant _i / RT_MODES (default, opt-out,
 * delayed).
 */
START_TEST(group_stopped_member_continued)
{
	static const char *const opts[3][RT_MODES][6] = {
		{ [RT_LIB] = { "-g", "-d", NULL },
		  [RT_CMD] = { "-g", "-v", "-v", NULL } },
		{ [RT_LIB] = { "-g", "-d", "-c", NULL },
		  [RT_CMD] = { "-g", "-v", "-v", "--no-continue", NULL } },
		{ [RT_LIB] = { "-g", "-d", "-D", "TERM:200", NULL },
		  [RT_CMD] = { "-g", "-v", "-v", "--delay-signal=TERM:200",
			       NULL } },
	};
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	int variant = _i / RT_MODES;
	struct rt_run run;
	pid_t app, child;
	long long t0;

	rt_start_mode(&run, NULL, m, opts[variant][m], "groupstop", NULL);
	rt_wait_line(&run, "ready=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	child = rt_host_child_of(app);
	ck_assert_int_gt(child, 0);
	ck_assert_int_eq(rt_state_of(child), 'T');
	t0 = rt_now_ms();
	rt_kill(run.pid1, SIGTERM);
	want_count(&run, sig_needle("app", SIGTERM), 1, rt_mode_name[m]);
	if (variant != 1) {
		want_count(&run, sig_needle("child", SIGTERM), 1,
			   rt_mode_name[m]);
		want_count(&run, sig_needle("app", SIGCONT), 1,
			   rt_mode_name[m]);
		ck_assert_int_eq(rt_count(&run, "member=child continued=1"),
				 1);
	} else {
		rt_kill(run.pid1, SIGWINCH);
		want_err(&run, "forwarded SIGWINCH", 1, rt_mode_name[m]);
		ck_assert_msg(rt_state_of(child) == 'T', "%s: the group member "
			      "was continued despite the opt-out",
			      rt_mode_name[m]);
		ck_assert(pending(child, SIGTERM));
		rt_read_ready(&run);
		ck_assert_int_eq(rt_count(&run, "member=child continued=1"),
				 0);
		ck_assert_int_eq(rt_count_sig(&run, "app", SIGCONT), 0);
	}
	if (variant == 2) {
		ck_assert_msg(rt_now_ms() - t0 >= 200, "%s: not held",
			      rt_mode_name[m]);
		ck_assert(rt_err_has(&run, "holding SIGTERM for 200 ms"));
	}
	rt_finish_ok(&run);
	/* Continued by the application at the end, if not before. */
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGTERM), 1);
}
END_TEST

/* What the reaper reported of pid's end: the library through helper-app
 * -n ("reaped pid=P status=S"), the command through -w ("reaped zombie
 * process P (status 0xS)"). -1 when it did not report it. */
static int
reaped_status(struct rt_run *run, enum rt_mode m, long pid)
{
	char needle[64];
	const char *p;
	unsigned int st;
	int status;

	if (m == RT_LIB)
		snprintf(needle, sizeof(needle), "reaped pid=%ld status=", pid);
	else
		snprintf(needle, sizeof(needle), "reaped zombie process %ld ",
			 pid);
	p = strstr(run->errbuf, needle);
	if (!p)
		return -1;
	p += strlen(needle);
	if (m == RT_LIB)
		return sscanf(p, "%d", &status) == 1 ? status : -1;
	return sscanf(p, "(status 0x%x)", &st) == 1 ? (int) st : -1;
}

/* How each front end reports its reaps, with a grace period. */
static const char *const grace_opts[2][RT_MODES][5] = {
	{ [RT_LIB] = { "-n", "-G", GRACE_MS, NULL },
	  [RT_CMD] = { "-w", "--grace=" GRACE_MS, NULL } },
	{ [RT_LIB] = { "-n", "-G", GRACE_MS, "-c", NULL },
	  [RT_CMD] = { "-w", "--grace=" GRACE_MS, "--no-continue", NULL } },
};

/*
 * Grace period: a leftover that stopped itself before the application
 * exited gets SIGTERM, then SIGCONT, and leaves through its own SIGTERM
 * handling (exit 0) well within the period. With the opt-out it stays
 * stopped and the period's SIGKILL ends it.
 * _i: mode _i % RT_MODES, the opt-out when _i / RT_MODES.
 */
START_TEST(grace_continues_stopped_leftover)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool no_cont = _i / RT_MODES;
	struct rt_run run;
	long stopped;
	int st;

	rt_start_mode(&run, NULL, m, grace_opts[no_cont][m], "daemons", "7",
		      "s", NULL);
	rt_wait_line(&run, "ready=1");
	rt_close_control(&run);
	ck_assert(end_run(&run, false));
	stopped = rt_leftover_pid(&run, "stopped");
	ck_assert_int_gt(stopped, 0);
	st = reaped_status(&run, m, stopped);
	if (rt_exit_code(&run) != 7 || st == -1)
		rt_dump(&run);
	ck_assert_int_eq(rt_exit_code(&run), 7);
	if (!no_cont) {
		ck_assert_int_eq(rt_count(&run, "leftover_got=stopped sig=15"),
				 1);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "%s: stopped leftover: status 0x%x",
			      rt_mode_name[m], st);
	} else {
		ck_assert_int_eq(rt_count(&run, "leftover_got="), 0);
		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
			      "%s: stopped leftover: status 0x%x",
			      rt_mode_name[m], st);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. Forwarding delay                                                   */

/* Front end m's options: debug logging, then the delay spec. */
static void
delay_opts(const char **out, enum rt_mode m, bool outside, const char *spec,
	   char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; rt_debug_opts[m][i]; i++)
		out[n++] = rt_debug_opts[m][i];
	if (outside) {
		if (m == RT_LIB)
			out[n++] = "-a";
		out[n++] = "-s";
	}
	if (m == RT_LIB) {
		out[n++] = "-D";
		out[n++] = spec;
	} else {
		snprintf(buf, len, "--delay-signal=%s", spec);
		out[n++] = buf;
	}
	out[n] = NULL;
}

/*
 * TERM held for a minute: meanwhile USR1 is forwarded, orphans are
 * reaped, and the reaper sleeps with a timeout (one wake-up, not a
 * tick); before it held anything and after it let go, with none.
 * RTMIN+4 (38 > 15) after TERM proves TERM was not forwarded. A second
 * TERM releases the held one and itself at once (at least one arrives:
 * standard signals coalesce). Then the application's exit code is
 * mirrored. _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(delay_holds_term_others_flow)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	const char *opts[10];
	char buf[64];
	struct rt_run run;
	long long ms;

	delay_opts(opts, m, outside, "TERM:" LONG_DELAY, buf, sizeof(buf));
	start(&run, outside, NULL, m, opts, "watch", NULL, NULL);
	rt_wait_line(&run, "ready=1");
	assert_no_timeout(run.pid1, "idle, nothing held");

	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGUSR1);
	ck_assert_int_eq(rt_wait_sig(&run, SIGUSR1).pid,
			 reaper_seen_as(&run, outside));
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	ck_assert_msg(rt_count_sig(&run, NULL, SIGTERM) == 0, "%s: SIGTERM "
		      "forwarded at once", rt_mode_name[m]);
	want_err(&run, "holding SIGTERM for " LONG_DELAY " ms", 1,
		 rt_mode_name[m]);
	if (!rt_valgrind()) {
		ck_assert_msg(reaper_timeout(run.pid1, &ms), "%s: holding, "
			      "but no timeout", rt_mode_name[m]);
		/* What is left of the minute, not a periodic tick. */
		ck_assert_msg(ms > 1000 && ms <= 60000, "%s: timeout %lld ms",
			      rt_mode_name[m], ms);
	}

	/* Orphans are reaped while TERM is held. */
	rt_send(&run, "orphans 20\n");
	rt_wait_line(&run, "zombies=");
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);

	/* The second copy releases both, now, not in a minute. */
	rt_kill(run.pid1, SIGTERM);
	want_count(&run, sig_needle(NULL, SIGTERM), 1, rt_mode_name[m]);
	ck_assert_int_eq(rt_wait_sig(&run, SIGTERM).pid,
			 reaper_seen_as(&run, outside));
	rt_kill(run.pid1, SIGRTMIN + 4);
	want_count(&run, sig_needle(NULL, SIGRTMIN + 4), 2, rt_mode_name[m]);
	assert_no_timeout(run.pid1, "after the release");
	rt_send(&run, "exit 3\n");
	ck_assert(end_run(&run, outside));
	ck_assert_int_ge(rt_count_sig(&run, NULL, SIGTERM), 1);
	ck_assert_int_le(rt_count_sig(&run, NULL, SIGTERM), 2);
	ck_assert_int_eq(rt_exit_code(&run), 3);
}
END_TEST

/*
 * A real-time signal keeps count: copy 1 held, copy 2 releases 1 and 2
 * in order, with their sigqueue() payloads; copy 3 is held again (a new
 * delay), and the application's exit drops it: the reaper exits at once
 * with the application's 4, which got exactly two.
 */
START_TEST(delay_rt_counts_and_exit)
{
	enum rt_mode m = (enum rt_mode) _i;
	const int sig = SIGRTMIN + 1, fence = SIGRTMIN + 4;
	const char *opts[10];
	char buf[64];
	struct rt_run run;
	size_t pos;
	int vals[2];

	delay_opts(opts, m, false, "RTMIN+1:" LONG_DELAY, buf, sizeof(buf));
	rt_start_mode(&run, NULL, m, opts, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	ck_assert_int_eq(sigqueue(run.pid1, sig, (union sigval){ .sival_int =
							       1 }), 0);
	rt_kill(run.pid1, fence);
	want_count(&run, sig_needle(NULL, fence), 1, rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 0);
	ck_assert_int_eq(sigqueue(run.pid1, sig, (union sigval){ .sival_int =
							       2 }), 0);
	want_count(&run, sig_needle(NULL, sig), 2, rt_mode_name[m]);
	/* In order, payloads and si_code kept, from the reaper. */
	pos = 0;
	for (int k = 0; k < 2; k++) {
		const char *l = strstr(run.out + pos, sig_needle(NULL, sig));
		int code, val;
		long pid;

		ck_assert_ptr_nonnull(l);
		ck_assert_int_eq(sscanf(l, "sig=%*d code=%d val=%d pid=%ld",
					&code, &val, &pid), 3);
		ck_assert_int_eq(code, SI_QUEUE);
		ck_assert_int_eq(pid, 1);
		vals[k] = val;
		pos = (size_t)(l - run.out) + 1;
	}
	ck_assert_int_eq(vals[0], 1);
	ck_assert_int_eq(vals[1], 2);
	ck_assert_int_eq(sigqueue(run.pid1, sig, (union sigval){ .sival_int =
							       3 }), 0);
	rt_kill(run.pid1, fence);
	want_count(&run, sig_needle(NULL, fence), 2, rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 2);
	rt_send(&run, "exit 4\n");
	ck_assert_msg(end_run(&run, false), "%s: a held signal delayed the "
		      "reaper's exit", rt_mode_name[m]);
	ck_assert_int_eq(rt_exit_code(&run), 4);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 2);
}
END_TEST

/*
 * TERM held, then the application exits: the reaper leaves at once with
 * its status, and the held TERM is dropped (never reached it).
 * _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(delay_app_exit_not_delayed)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	const char *opts[10];
	char buf[64];
	struct rt_run run;

	delay_opts(opts, m, outside, "TERM:" LONG_DELAY, buf, sizeof(buf));
	start(&run, outside, NULL, m, opts, "watch", NULL, NULL);
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	rt_send(&run, "exit 5\n");
	ck_assert_msg(end_run(&run, outside), "%s: a held SIGTERM delayed "
		      "the reaper's exit", rt_mode_name[m]);
	ck_assert_int_eq(rt_exit_code(&run), 5);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);
}
END_TEST

/*
 * A held SIGTERM and a grace period: the application exits while TERM is
 * held; the grace period runs as ever (its own SIGTERM ends the trap
 * daemon) and the reaper exits with the application's 7, long before
 * the held signal would have been due, which was dropped.
 */
START_TEST(delay_held_then_grace)
{
	/* NOLINTBEGIN(bugprone-suspicious-missing-comma): one arg each */
	static const char *const opts[RT_MODES][6] = {
		[RT_LIB] = { "-n", "-G", GRACE_MS, "-D", "TERM:" LONG_DELAY,
			     NULL },
		[RT_CMD] = { "-w", "--grace=" GRACE_MS,
			     "--delay-signal=TERM:" LONG_DELAY, NULL },
	};
	/* NOLINTEND(bugprone-suspicious-missing-comma) */
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	int st;

	rt_start_mode(&run, NULL, m, opts[m], "daemons", "7", "t", NULL);
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	want_count(&run, sig_needle("app", SIGRTMIN + 4), 1, rt_mode_name[m]);
	rt_close_control(&run);
	ck_assert_msg(end_run(&run, false), "%s: a held SIGTERM kept the "
		      "reaper past the grace period", rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, "app", SIGTERM), 0);
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	st = reaped_status(&run, m, rt_leftover_pid(&run, "trap"));
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: trap "
		      "daemon: 0x%x", rt_mode_name[m], st);
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

/*
 * A short delay ends by itself: the signal arrives no sooner than its
 * delay after it was sent (whatever the load, never before), after the
 * debug line saying so; the rewrite applies when it is forwarded, a
 * sigqueue() payload is kept. Then the reaper sleeps with no timeout
 * again. _i: case _i / RT_MODES.
 */
static const struct {
	const char *spec, *rewrite, *holding;
	int send, arrives_as;
	bool queue;
} short_cases[] = {
	{ "TERM:200", NULL, "holding SIGTERM for 200 ms", SIGTERM, SIGTERM,
	  false },
	{ "TERM:200", "TERM:USR2", "holding SIGTERM for 200 ms", SIGTERM,
	  SIGUSR2, false },
	{ "RTMIN+1:200", NULL, "holding SIGRTMIN+1 for 200 ms", RT(1), RT(1),
	  true },
};

START_TEST(delay_short_forwards_itself)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	const char *rewrite = short_cases[_i / RT_MODES].rewrite;
	int send = rt_table_sig(short_cases[_i / RT_MODES].send);
	int want = rt_table_sig(short_cases[_i / RT_MODES].arrives_as);
	bool queue = short_cases[_i / RT_MODES].queue;
	const char *opts[12];
	char buf[64];
	struct rt_run run;
	struct rt_sigline got;
	long long t0, t1;
	size_t n;

	delay_opts(opts, m, false, short_cases[_i / RT_MODES].spec, buf,
		   sizeof(buf));
	for (n = 0; opts[n]; n++)
		;
	if (rewrite) {
		opts[n++] = "-r";
		opts[n++] = rewrite;
		opts[n] = NULL;
	}
	rt_start_mode(&run, NULL, m, opts, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	t0 = rt_now_ms();
	if (queue)
		ck_assert_int_eq(sigqueue(run.pid1, send, (union sigval){
						.sival_int = 77 }), 0);
	else
		rt_kill(run.pid1, send);
	want_count(&run, sig_needle(NULL, want), 1, rt_mode_name[m]);
	t1 = rt_now_ms();
	ck_assert_msg(t1 - t0 >= 200, "%s: forwarded after %lld ms",
		      rt_mode_name[m], t1 - t0);
	got = rt_wait_sig(&run, want);
	ck_assert_int_eq(got.pid, 1);
	ck_assert_int_eq(got.code, queue ? SI_QUEUE : SI_USER);
	if (queue)
		ck_assert_int_eq(got.val, 77);
	ck_assert_msg(rt_err_has(&run, short_cases[_i / RT_MODES].holding),
		      "%s: no '%s' in: %s", rt_mode_name[m],
		      short_cases[_i / RT_MODES].holding, run.errbuf);
	assert_no_timeout(run.pid1, "after the delay");
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, want), 1);
	if (rewrite)
		ck_assert_int_eq(rt_count_sig(&run, NULL, send), 0);
}
END_TEST

/*
 * REAPER_DELAY_SIGNAL, read by the command and by the library when its
 * delay_signal is NULL: the plain reaper_fork_self() (no options), and
 * the _opts form with other options set. With the field set (-D), the
 * variable is not read: TERM goes through at once, and HUP is the one
 * held. The command's flag saying TERM:0 overrides the variable's TERM.
 */
static const struct {
	const char *opts[4];
	enum rt_mode m;
	bool term_held;
} env_cases[] = {
	{ { NULL }, RT_LIB, true },
	{ { "-g", NULL }, RT_LIB, true },
	{ { NULL }, RT_CMD, true },
	{ { "-D", "HUP:" LONG_DELAY, NULL }, RT_LIB, false },
	/* 0: no delay, and a field that is set, so no variable either. */
	{ { "-D", "TERM:0,HUP:" LONG_DELAY, NULL }, RT_LIB, false },
	{ { "--delay-signal=TERM:0,HUP:" LONG_DELAY, NULL }, RT_CMD, false },
};

START_TEST(delay_from_environment)
{
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV,
		"REAPER_DELAY_SIGNAL=TERM:" LONG_DELAY, NULL,
	};
	enum rt_mode m = env_cases[_i].m;
	bool held = env_cases[_i].term_held;
	struct rt_opts o;
	struct rt_run run;

	rt_opts_init(&o);
	o.envp = envp;
	rt_start_mode(&run, &o, m, env_cases[_i].opts, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	ck_assert_msg(rt_count_sig(&run, NULL, SIGTERM) == (held ? 0 : 1),
		      "case %d: SIGTERM %s", _i, held ? "not held" : "held");
	if (held) {
		rt_kill(run.pid1, SIGTERM);
		want_count(&run, sig_needle(NULL, SIGTERM), 1,
			   rt_mode_name[m]);
	} else {
		rt_kill(run.pid1, SIGHUP);
		rt_kill(run.pid1, SIGRTMIN + 4);
		want_count(&run, sig_needle(NULL, SIGRTMIN + 4), 2,
			   rt_mode_name[m]);
		ck_assert_int_eq(rt_count_sig(&run, NULL, SIGHUP), 0);
	}
	/* A held HUP must not keep the reaper once the application left. */
	rt_close_control(&run);
	ck_assert(end_run(&run, false));
	ck_assert_int_eq(rt_exit_code(&run), 0);
	ck_assert_int_eq(run.err_len, 0);
}
END_TEST

/*
 * An invalid REAPER_DELAY_SIGNAL in the library: one line saying it is
 * ignored, and the split goes on (running unsupervised would be worse),
 * with no delay. Exactly one line: the re-executed application, which
 * inherits the variable, must not say it again.
 */
static const char *const bad_env_values[] = {
	"TERM:abc", "KILL:10", "FOO:1", "TERM:86400001",
};

START_TEST(delay_env_invalid_library)
{
	char var[64], quoted[64];
	const char *envp[] = { DEFAULT_PATH, REPORT_FD_ENV, var, NULL };
	const char *needles[] = { quoted, NULL };
	struct rt_opts o;
	struct rt_run run;

	snprintf(var, sizeof(var), "REAPER_DELAY_SIGNAL=%s",
		 bad_env_values[_i]);
	snprintf(quoted, sizeof(quoted), "ignoring REAPER_DELAY_SIGNAL='%s'",
		 bad_env_values[_i]);
	rt_opts_init(&o);
	o.envp = envp;
	rt_start_mode(&run, &o, RT_LIB, NULL, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 1);
	rt_finish_ok(&run);
	rt_assert_one_err_line(&run, "", needles);
}
END_TEST

/*
 * When no split is due (not PID 1, no REAPER_SPLIT_ALWAYS) the library
 * does not read REAPER_DELAY_SIGNAL at all: a bad value says nothing, and
 * the call returns 0 in the very process.
 */
START_TEST(delay_env_unread_without_split)
{
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "REAPER_DELAY_SIGNAL=TERM:abc", NULL,
	};
	struct rt_run run;
	char pid[24];

	start(&run, true, envp, RT_LIB, NULL, "exit", "3", NULL);
	ck_assert(end_run(&run, true));
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	snprintf(pid, sizeof(pid), "%ld", (long) run.pid1);
	ck_assert_str_eq(rt_get(&run, "pid"), pid);
	ck_assert_msg(run.err_len == 0, "stderr: %s", run.errbuf);
	ck_assert_int_eq(rt_exit_code(&run), 3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. Waiting for leftovers                                              */

/* Options of each front end for these tests: the flag, how reaps are
 * reported, and outside PID 1 nothing else (the flag implies -s). */
static const char *const wait_opts[2][RT_MODES][4] = {
	{ [RT_LIB] = { "-n", "-W", NULL },
	  [RT_CMD] = { "-w", "--wait-leftovers", NULL } },
	{ [RT_LIB] = { "-a", "-n", "-W", NULL },
	  [RT_CMD] = { "-w", "--wait-leftovers", NULL } },
};

/* Start the daemons scenario, wait for "ready=1", close the application's
 * stdin so that it exits with code, and wait until the reaper has reaped
 * it. */
static void
start_and_leave(struct rt_run *run, bool outside,
		const char *const *mode_opts, enum rt_mode m, const char *code,
		const char *kinds)
{
	pid_t app;

	start(run, outside, NULL, m, mode_opts, "daemons", code, kinds);
	rt_wait_line(run, "ready=1");
	app = rt_app_host_pid(run);
	ck_assert_int_gt(app, 0);
	rt_close_control(run);
	ck_assert_msg(wait_gone(app), "%s: the application was not reaped",
		      rt_mode_name[m]);
}

/*
 * The application leaves daemons behind and exits 7: one in its own
 * session (trap) and two that stay in its process group (group). The
 * reaper stays. A real-time signal to it reaches each daemon exactly
 * once (each group signalled once, from the reaper); RTMIN+5 after it,
 * received by all, shows nothing more was coming. Then TERM to the
 * reaper reaches them all, they exit, and the reaper exits with the
 * application's 7 (not theirs). The command outside PID 1 does not warn
 * about orphans: the flag implies -s.
 * _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(wait_leftovers_stays_and_forwards)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	struct rt_run run;
	bool exited;

	start_and_leave(&run, outside, wait_opts[outside][m], m, "7", "tgg");
	ck_assert_msg(!rt_wait_started_exit(&run, 0), "%s: the reaper left "
		      "with daemons alive", rt_mode_name[m]);
	rt_kill(run.pid1, SIGRTMIN + 3);
	want_count(&run, sig_needle("trap", SIGRTMIN + 3), 1, rt_mode_name[m]);
	want_count(&run, sig_needle("group", SIGRTMIN + 3), 2,
		   rt_mode_name[m]);
	rt_kill(run.pid1, SIGRTMIN + 5);
	want_count(&run, sig_needle("trap", SIGRTMIN + 5), 1, rt_mode_name[m]);
	want_count(&run, sig_needle("group", SIGRTMIN + 5), 2,
		   rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, "trap", SIGRTMIN + 3), 1);
	ck_assert_int_eq(rt_count_sig(&run, "group", SIGRTMIN + 3), 2);
	ck_assert(!rt_wait_started_exit(&run, 0));
	rt_kill(run.pid1, SIGTERM);
	exited = end_run(&run, outside);
	ck_assert_msg(exited, "%s: the reaper did not exit once the daemons "
		      "had", rt_mode_name[m]);
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got=group sig=15"), 2);
	/* From the reaper. */
	{
		char needle[64];

		snprintf(needle, sizeof(needle), "member=trap sig=%d pid=%ld\n",
			 SIGRTMIN + 3, reaper_seen_as(&run, outside));
		ck_assert_int_eq(rt_count(&run, needle), 1);
	}
	ck_assert_int_eq(rt_count_sig(&run, "app", SIGRTMIN + 3), 0);
	if (m == RT_CMD)
		ck_assert(!rt_err_has(&run, "warning: not PID 1"));
	ck_assert_msg(rt_exit_code(&run) == 7, "%s: wait status 0x%x",
		      rt_mode_name[m], run.wstatus);
}
END_TEST

/*
 * The last daemon killed outright by the test: the reaper reaps it and
 * exits with the application's 7, not 128 + 9.
 */
START_TEST(wait_leftovers_exit_is_the_apps)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	pid_t d;

	start_and_leave(&run, false, wait_opts[0][m], m, "7", "t");
	d = host_pid(&run, false, rt_leftover_pid(&run, "trap"));
	ck_assert_int_gt(d, 0);
	ck_assert_int_eq(rt_ppid_of(d), run.pid1);
	ck_assert(!rt_wait_started_exit(&run, 0));
	rt_kill(d, SIGKILL);
	ck_assert(end_run(&run, false));
	ck_assert_msg(rt_exit_code(&run) == 7, "%s: wait status 0x%x",
		      rt_mode_name[m], run.wstatus);
	ck_assert_int_eq(reaped_status(&run, m, rt_leftover_pid(&run, "trap")),
			 SIGKILL);
}
END_TEST

/*
 * Without the flag the reaper leaves as before, as soon as the
 * application has: as PID 1 the kernel then ends the daemon (it never
 * hears a signal); outside, it outlives the reaper (the test ends it).
 * _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(no_wait_leftovers_leaves_at_once)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	struct rt_run run;
	pid_t app;

	start(&run, outside, NULL, m, plain_opts[outside][m], "daemons", "7",
	      "t");
	rt_wait_line(&run, "ready=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	rt_close_control(&run);
	ck_assert_msg(rt_wait_started_exit(&run, give_up_ms()), "%s: the "
		      "reaper stayed", rt_mode_name[m]);
	ck_assert(end_run(&run, outside));
	ck_assert_int_eq(rt_exit_code(&run), 7);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 0);
}
END_TEST

/*
 * With a grace period too: none at the application's exit (the daemons
 * are alive and have had no SIGTERM: RTMIN+3 reaches both, and the trap
 * one would have read a SIGTERM first, and left). A SIGTERM later starts
 * it: the trap daemon leaves through its handler, the one that ignores
 * SIGTERM is SIGKILLed when the period is over, and the reaper exits
 * with the application's 7.
 * _i: mode _i % RT_MODES, outside PID 1 when _i / RT_MODES.
 */
START_TEST(wait_leftovers_grace_starts_at_term)
{
	static const char *const opts[2][RT_MODES][6] = {
		{ [RT_LIB] = { "-n", "-W", "-G", GRACE_MS, NULL },
		  [RT_CMD] = { "-w", "--wait-leftovers", "--grace=" GRACE_MS,
			       NULL } },
		{ [RT_LIB] = { "-a", "-n", "-W", "-G", GRACE_MS, NULL },
		  [RT_CMD] = { "-w", "--wait-leftovers", "--grace=" GRACE_MS,
			       NULL } },
	};
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool outside = _i / RT_MODES;
	struct rt_run run;
	long trap, ign;

	start_and_leave(&run, outside, opts[outside][m], m, "7", "ti");
	rt_kill(run.pid1, SIGRTMIN + 3);
	want_count(&run, sig_needle("trap", SIGRTMIN + 3), 1, rt_mode_name[m]);
	want_count(&run, sig_needle("ignore", SIGRTMIN + 3), 1,
		   rt_mode_name[m]);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 0);
	ck_assert(!rt_wait_started_exit(&run, 0));
	rt_kill(run.pid1, SIGTERM);
	ck_assert_msg(end_run(&run, outside), "%s: the reaper did not exit "
		      "after the grace period", rt_mode_name[m]);
	trap = rt_leftover_pid(&run, "trap");
	ign = rt_leftover_pid(&run, "ignore");
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got="), 1);
	{
		int st = reaped_status(&run, m, trap);

		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			      "%s: trap daemon: 0x%x", rt_mode_name[m], st);
		st = reaped_status(&run, m, ign);
		ck_assert_msg(st == SIGKILL, "%s: ignoring daemon: 0x%x",
			      rt_mode_name[m], st);
	}
	ck_assert_msg(rt_exit_code(&run) == 7, "%s: wait status 0x%x",
		      rt_mode_name[m], run.wstatus);
}
END_TEST

/*
 * A SIGTERM that reached the application (which exits 7 on it) is sent
 * again to the daemons' groups when it has exited: the stop was meant
 * for the whole job. Nobody sends anything more, and the reaper ends.
 * With a grace period, that period starts at the application's exit:
 * the daemon that ignores SIGTERM is SIGKILLed.
 * _i: mode _i % RT_MODES, the grace case when _i / RT_MODES.
 */
START_TEST(wait_leftovers_term_before_exit)
{
	static const char *const opts[2][RT_MODES][6] = {
		{ [RT_LIB] = { "-n", "-W", NULL },
		  [RT_CMD] = { "-w", "--wait-leftovers", NULL } },
		{ [RT_LIB] = { "-n", "-W", "-G", GRACE_MS, NULL },
		  [RT_CMD] = { "-w", "--wait-leftovers", "--grace=" GRACE_MS,
			       NULL } },
	};
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	bool grace = _i / RT_MODES;
	struct rt_run run;
	char needle[64];

	rt_start_mode(&run, NULL, m, opts[grace][m], "daemons", "7",
		      grace ? "ti" : "t", NULL);
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, SIGTERM);
	ck_assert_msg(end_run(&run, false), "%s: the reaper stayed",
		      rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, "app", SIGTERM), 1);
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	snprintf(needle, sizeof(needle), "member=trap sig=15 pid=1\n");
	ck_assert_int_ge(rt_count(&run, needle), 1);
	if (grace)
		ck_assert_int_eq(reaped_status(&run, m, rt_leftover_pid(&run,
							"ignore")), SIGKILL);
	ck_assert_msg(rt_exit_code(&run) == 7, "%s: wait status 0x%x",
		      rt_mode_name[m], run.wstatus);
}
END_TEST

/*
 * A terminating signal to the leftover groups is followed by SIGCONT: a
 * daemon that stopped itself wakes up, reads its SIGTERM and leaves.
 */
START_TEST(wait_leftovers_continues_stopped)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	start_and_leave(&run, false, wait_opts[0][m], m, "7", "s");
	ck_assert(!rt_wait_started_exit(&run, 0));
	rt_kill(run.pid1, SIGTERM);
	ck_assert_msg(end_run(&run, false), "%s: the stopped daemon was not "
		      "continued", rt_mode_name[m]);
	ck_assert_int_eq(rt_count(&run, "leftover_got=stopped sig=15"), 1);
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

/*
 * A delayed signal with --wait-leftovers is forwarded to the leftovers
 * when it is due, though the application exited meanwhile. TERM is held
 * for DELAY ms (RTMIN+4 after it proves it), the application exits (its
 * stdin closed), and the daemon gets TERM no sooner than DELAY ms after
 * it was sent and leaves; the reaper exits with the application's 7.
 * The application must not have got that TERM, unless the machine was so
 * slow that the delay had run out before it exited (then said, not
 * asserted).
 */
#define DELAY_MS 1500
#define DELAY_MS_S "1500"

START_TEST(wait_leftovers_delayed_term)
{
	/* NOLINTBEGIN(bugprone-suspicious-missing-comma): one arg each */
	static const char *const opts[RT_MODES][6] = {
		[RT_LIB] = { "-n", "-W", "-D", "TERM:" DELAY_MS_S, NULL },
		[RT_CMD] = { "-w", "--wait-leftovers",
			     "--delay-signal=TERM:" DELAY_MS_S, NULL },
	};
	/* NOLINTEND(bugprone-suspicious-missing-comma) */
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	long long t0, t_gone, t_end;
	pid_t app;

	rt_start_mode(&run, NULL, m, opts[m], "daemons", "7", "t", NULL);
	rt_wait_line(&run, "ready=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	t0 = rt_now_ms();
	rt_kill(run.pid1, SIGTERM);
	rt_kill(run.pid1, SIGRTMIN + 4);
	want_count(&run, sig_needle("app", SIGRTMIN + 4), 1, rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, "app", SIGTERM), 0);
	rt_close_control(&run);
	ck_assert(wait_gone(app));
	t_gone = rt_now_ms();
	ck_assert_msg(end_run(&run, false), "%s: the held SIGTERM never "
		      "reached the daemon", rt_mode_name[m]);
	t_end = rt_now_ms();
	ck_assert_int_eq(rt_count(&run, "leftover_got=trap sig=15"), 1);
	ck_assert_msg(t_end - t0 >= DELAY_MS, "%s: over after %lld ms",
		      rt_mode_name[m], t_end - t0);
	if (t_gone - t0 < DELAY_MS)
		ck_assert_int_eq(rt_count_sig(&run, "app", SIGTERM), 0);
	else
		fprintf(stderr, "%s: the application took %lld ms to exit: "
			"not checked that it got no SIGTERM\n",
			rt_mode_name[m], t_gone - t0);
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

/*
 * Without /proc the leftover groups cannot be listed: the application's
 * process group is signalled instead (where its two daemons here are),
 * once per signal, with one warning for the whole run.
 */
START_TEST(wait_leftovers_without_proc)
{
	static const char *const opts[RT_MODES][2] = {
		[RT_LIB] = { "-W", NULL },
		[RT_CMD] = { "--wait-leftovers", NULL },
	};
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_opts o;
	struct rt_run run;
	pid_t app;

	if (!rt_opts_without_proc(&o, __func__))
		return;
	rt_start_mode(&run, &o, m, opts[m], "daemons", "7", "gg", NULL);
	rt_wait_line(&run, "ready=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	rt_close_control(&run);
	ck_assert(wait_gone(app));
	rt_kill(run.pid1, SIGRTMIN + 3);
	want_count(&run, sig_needle("group", SIGRTMIN + 3), 2,
		   rt_mode_name[m]);
	rt_kill(run.pid1, SIGRTMIN + 5);
	want_count(&run, sig_needle("group", SIGRTMIN + 5), 2,
		   rt_mode_name[m]);
	ck_assert_int_eq(rt_count_sig(&run, "group", SIGRTMIN + 3), 2);
	rt_kill(run.pid1, SIGTERM);
	ck_assert(end_run(&run, false));
	ck_assert_int_eq(rt_count(&run, "leftover_got=group sig=15"), 2);
	ck_assert_msg(rt_count_str(run.errbuf, "\n") == 1, "%s: stderr: %s",
		      rt_mode_name[m], run.errbuf);
	ck_assert(rt_err_has(&run, "process group"));
	ck_assert_int_eq(rt_exit_code(&run), 7);
}
END_TEST

/*
 * Past 256 orphans the kernel reaps (Linux 6.16+) and the reaper sleeps
 * in poll(), signalling the application through its pidfd: the delay's
 * deadline is that poll()'s timeout, and SIGCONT still follows a
 * terminating signal to the stopped application. Held TERM: still
 * stopped, a timeout; second TERM: both go, the application is
 * continued and reads its TERM; then no timeout.
 */
START_TEST(kernel_reaping_delay_and_continue)
{
	enum rt_mode m = (enum rt_mode) _i;
	const char *opts[10];
	char buf[64];
	struct rt_run run;
	long long ms;
	pid_t app;

	RT_SKIP_UNDER_VALGRIND("300 orphans take minutes under memcheck");
	delay_opts(opts, m, false, "TERM:" LONG_DELAY, buf, sizeof(buf));
	rt_start_mode(&run, NULL, m, opts, "watch", NULL);
	rt_wait_line(&run, "ready=1");
	rt_send(&run, "orphans 300\n");
	rt_wait_line(&run, "zombies=");
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	rt_kill(run.pid1, SIGRTMIN + 4);
	rt_wait_sig(&run, SIGRTMIN + 4);
	ck_assert_int_eq(rt_sigchld_ignored(run.pid1), rt_kernel_reaps());
	assert_no_timeout(run.pid1, "idle after the orphans");

	rt_send(&run, "stop\n");
	rt_wait_line(&run, "stopping=1");
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	ck_assert(wait_stopped(app));
	rt_kill(run.pid1, SIGTERM);
	want_err(&run, "holding SIGTERM for " LONG_DELAY " ms", 1,
		 rt_mode_name[m]);
	ck_assert_msg(reaper_timeout(run.pid1, &ms) && ms > 1000 &&
		      ms <= 60000, "%s: holding, timeout %lld ms",
		      rt_mode_name[m], ms);
	ck_assert_int_eq(rt_state_of(app), 'T');
	rt_kill(run.pid1, SIGTERM);
	want_count(&run, "continued=1", 1, rt_mode_name[m]);
	want_count(&run, sig_needle(NULL, SIGTERM), 1, rt_mode_name[m]);
	assert_no_timeout(run.pid1, "after the release");
	rt_send(&run, "exit 9\n");
	ck_assert(end_run(&run, false));
	ck_assert_int_eq(rt_exit_code(&run), 9);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. Bad delay specifications in the library                          */

static const char *const bad_specs[] = {
	"KILL:10", "STOP:1", "CHLD:5", "SEGV:5", "TERM:x", "TERM:",
	"TERM:-1", "TERM:86400001", "FOO:10", ":5", "TERM:5,", "TERM",
};

/*
 * An invalid delay_signal: reaper_fork_self_opts() returns -1 with
 * EINVAL and does not split, whatever the flags (all new ones set): the
 * scenario runs in the very process the test started (its pid, outside
 * a namespace with -a; PID 1 inside). _i: spec _i / 2, inside when odd.
 */
START_TEST(library_refuses_bad_delay)
{
	const char *spec = bad_specs[_i / 2];
	bool inside = _i % 2;
	const char *opts[] = { "-a", "-c", "-W", "-D", spec, NULL };
	struct rt_run run;
	char pid[24];

	start(&run, !inside, NULL, RT_LIB, opts, "exit", "6", NULL);
	rt_finish(&run);
	ck_assert_msg(rt_get(&run, "split"), "'%s': no report", spec);
	ck_assert_msg(strcmp(rt_get(&run, "split"), "-1 errno=22") == 0,
		      "'%s': split=%s", spec, rt_get(&run, "split"));
	snprintf(pid, sizeof(pid), "%ld", inside ? 1L : (long) run.pid1);
	ck_assert_str_eq(rt_get(&run, "pid"), pid);
	ck_assert_int_eq(rt_exit_code(&run), 6);
}
END_TEST

/* Well-formed specifications split as PID 1. */
static const char *const good_specs[] = {
	"TERM:0", "TERM:86400000", "SIGTERM:5,USR1:10", "RTMIN+1:5",
	"INT:1,HUP:2,QUIT:3,RTMAX:4",
};

START_TEST(library_accepts_good_delay)
{
	const char *opts[] = { "-c", "-W", "-D", good_specs[_i], NULL };
	struct rt_run run;

	rt_start_mode(&run, NULL, RT_LIB, opts, "exit", "6", NULL);
	rt_finish(&run);
	ck_assert_msg(strcmp(rt_get(&run, "split"), "0 errno=0") == 0,
		      "'%s': split=%s", good_specs[_i], rt_get(&run, "split"));
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_int_eq(rt_exit_code(&run), 6);
	ck_assert_int_eq(run.err_len, 0);
}
END_TEST

#define N(a) ((int) (sizeof(a) / sizeof(*(a))))

RT_TEST_SUITE(shutdown, "shutdown",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "continue");
	tcase_add_loop_test(tc, stopped_app_continued_after_term, 0,
			    2 * RT_MODES);
	tcase_add_loop_test(tc, terminating_signals_continue, 0,
			    N(term_cases) * RT_MODES);
	tcase_add_loop_test(tc, quit_continues_watcher, 0,
			    N(quit_cases) * RT_MODES);
	tcase_add_loop_test(tc, no_continue_leaves_stopped, 0,
			    N(no_cont_cases));
	tcase_add_loop_test(tc, nonterminating_no_continue, 0,
			    N(nonterm_cases) * RT_MODES);
	tcase_add_loop_test(tc, running_app_gets_no_sigcont, 0, RT_MODES);
	tcase_add_loop_test(tc, group_stopped_member_continued, 0,
			    3 * RT_MODES);
	tcase_add_loop_test(tc, grace_continues_stopped_leftover, 0,
			    2 * RT_MODES);

	tc = rt_new_tcase(s, "delay");
	tcase_add_loop_test(tc, delay_holds_term_others_flow, 0, 2 * RT_MODES);
	tcase_add_loop_test(tc, delay_rt_counts_and_exit, 0, RT_MODES);
	tcase_add_loop_test(tc, delay_app_exit_not_delayed, 0, 2 * RT_MODES);
	tcase_add_loop_test(tc, delay_held_then_grace, 0, RT_MODES);
	tcase_add_loop_test(tc, delay_short_forwards_itself, 0,
			    N(short_cases) * RT_MODES);
	tcase_add_loop_test(tc, delay_from_environment, 0, N(env_cases));
	tcase_add_loop_test(tc, delay_env_invalid_library, 0,
			    N(bad_env_values));
	tcase_add_test(tc, delay_env_unread_without_split);
	tcase_add_loop_test(tc, kernel_reaping_delay_and_continue, 0,
			    RT_MODES);

	tc = rt_new_tcase(s, "wait-leftovers");
	tcase_add_loop_test(tc, wait_leftovers_stays_and_forwards, 0,
			    2 * RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_exit_is_the_apps, 0, RT_MODES);
	tcase_add_loop_test(tc, no_wait_leftovers_leaves_at_once, 0,
			    2 * RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_grace_starts_at_term, 0,
			    2 * RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_term_before_exit, 0,
			    2 * RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_continues_stopped, 0, RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_delayed_term, 0, RT_MODES);
	tcase_add_loop_test(tc, wait_leftovers_without_proc, 0, RT_MODES);

	tc = rt_new_tcase(s, "bad-delay");
	tcase_add_loop_test(tc, library_refuses_bad_delay, 0,
			    2 * N(bad_specs));
	tcase_add_loop_test(tc, library_accepts_good_delay, 0, N(good_specs));
}
