/*
 * Signals through the reaper, on real processes, through both front ends
 * (enum rt_mode): the library split (helper-app calls reaper_fork_self()
 * as PID 1) and the command (reaper as PID 1, helper-app as its COMMAND,
 * for which reaper_fork_self() is a no-op). The test signals PID 1 from
 * the host and checks what the application reports it got (signal,
 * si_code, sigqueue() value, sender as the application sees it) and what
 * the kernel says about both processes in /proc.
 *
 * A behaviour both front ends have is one loop test: _i picks the mode
 * (and, in a table of cases, the case: _i / RT_MODES). What only one
 * front end has (a flag's other spellings, an environment variable, the
 * command's start-up warning, the library caller's pending signal) is a
 * test of its own, which says why.
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
#define REPORT_FD_ENV "HELPER_REPORT_FD=3"

/* Only bounds waits that would last for ever when the reaper is broken,
 * so that the test fails and cleans up instead of hanging; never a delay. */
#define GIVE_UP_MS 10000

/* Start the front end with mode_opts and SCENARIO [args] as PID 1 and
 * wait for the application's "ready=1". */
#define start_ready(run, m, mode_opts, ...) do {			\
	rt_start_mode((run), NULL, (m), (mode_opts), __VA_ARGS__,	\
		      NULL);						\
	rt_wait_line((run), "ready=1");					\
} while (0)

/*
 * The first "sig=" line the application reported after *pos; *pos moves
 * past it. Asserting which signal comes next, rather than waiting for the
 * wanted one, fails at once when another arrives instead of waiting for
 * ever.
 */
static struct rt_sigline
next_sig(struct rt_run *run, size_t *pos)
{
	struct rt_sigline s;

	for (;;) {
		const char *l = run->out + *pos, *end;

		while ((end = strchr(l, '\n')) && strncmp(l, "sig=", 4) != 0)
			l = end + 1;
		if (end) {
			*pos = (size_t)(end + 1 - run->out);
			ck_assert_int_eq(sscanf(l, "sig=%d code=%d val=%d "
						"pid=%ld", &s.sig, &s.code,
						&s.val, &s.pid), 4);
			return s;
		}
		if (rt_pump(run, -1) <= 0) {
			rt_dump(run);
			ck_abort_msg("the application exited without another "
				     "signal");
		}
	}
}

/* Send sig to PID 1; the application's next signal must be want, from
 * pid 1 (the reaper). */
static void
assert_next(struct rt_run *run, size_t *pos, int sig, int want)
{
	struct rt_sigline s;

	rt_kill(run->pid1, sig);
	s = next_sig(run, pos);
	ck_assert_msg(s.sig == want, "sent %d, application got %d, want %d",
		      sig, s.sig, want);
	ck_assert_int_eq(s.pid, 1);
}

/* ------------------------------------------------------------------ */
/* 1. Forwarding                                                        */

static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT, RT(3),
};

/* Each signal sent to PID 1 reaches the application as itself, from
 * kill() (SI_USER), sent by the reaper (pid 1 in the namespace); the
 * application, which handles it, then exits 0 and so does PID 1.
 * _i: forwarded[_i / RT_MODES] through mode _i % RT_MODES. */
START_TEST(forwards_each_signal)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	int sig = rt_table_sig(forwarded[_i / RT_MODES]);
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, m, NULL, "signals");
	rt_kill(run.pid1, sig);
	s = rt_wait_sig(&run, sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 1);
}
END_TEST

/* sigqueue() to PID 1 keeps its si_code and payload on the way. */
START_TEST(sigqueue_payload_kept)
{
	enum rt_mode m = (enum rt_mode) _i;
	union sigval v = { .sival_int = 42 };
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, m, NULL, "signals");
	ck_assert_int_eq(sigqueue(run.pid1, SIGRTMIN + 2, v), 0);
	s = rt_wait_sig(&run, SIGRTMIN + 2);
	ck_assert_int_eq(s.code, SI_QUEUE);
	ck_assert_int_eq(s.val, 42);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
}
END_TEST

/*
 * 3000 mixed signals to PID 1: every kind gets through, every real-time
 * one exactly once (they queue, the reaper must not coalesce them).
 * SIGRTMAX, sent last, is the highest number: once the application
 * reports it, everything sent before has been forwarded and reported.
 * Then the reaper must still be healthy: nothing left pending at it, no fd
 * gained, a fresh sigqueue() still forwarded with its payload, exit 0.
 */
START_TEST(signal_storm)
{
	static const int kinds[] = {
		SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT,
		RT(0), RT(1), RT(2), RT(3), RT(4),
	};
	enum rt_mode m = (enum rt_mode) _i;
	const size_t nk = sizeof(kinds) / sizeof(kinds[0]);
	const int total = 3000;
	union sigval v = { .sival_int = 7 };
	struct rt_run run;
	struct rt_sigline s;
	int fds_before;

	RT_SKIP_UNDER_VALGRIND("valgrind keeps SIGRTMAX for itself");
	start_ready(&run, m, NULL, "signals");
	/* "ready=1" may come before the reaper closed what it inherited. */
	rt_wait_reaper_asleep(run.pid1);
	fds_before = rt_fd_count(run.pid1);
	ck_assert_int_gt(fds_before, 0);
	for (int i = 0; i < total; i++)
		rt_kill(run.pid1, rt_table_sig(kinds[(size_t) i % nk]));
	rt_kill(run.pid1, SIGRTMAX);
	rt_wait_sig(&run, SIGRTMAX);
	for (size_t i = 0; i < nk; i++) {
		int sig = rt_table_sig(kinds[i]);
		int n = rt_count_sig(&run, NULL, sig);

		if (sig >= SIGRTMIN)
			ck_assert_msg(n == total / (int) nk,
				      "%s: signal %d seen %d times, want %d",
				      rt_mode_name[m], sig, n,
				      total / (int) nk);
		else
			ck_assert_msg(n >= 1, "%s: signal %d never seen",
				      rt_mode_name[m], sig);
	}
	ck_assert_int_eq(rt_proc_status(run.pid1, "ShdPnd"), 0);
	ck_assert_int_eq(rt_proc_status(run.pid1, "SigPnd"), 0);
	ck_assert_int_eq(rt_fd_count(run.pid1), fds_before);
	ck_assert_int_eq(sigqueue(run.pid1, SIGRTMIN + 5, v), 0);
	s = rt_wait_sig(&run, SIGRTMIN + 5);
	ck_assert_int_eq(s.code, SI_QUEUE);
	ck_assert_int_eq(s.val, 7);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMAX), 1);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMIN + 5), 1);
}
END_TEST

/*
 * The SIGPIPE the reaper's own log write raises (stderr a pipe nobody
 * reads) is not the application's business. With debug logging every
 * forward is logged. First, with stderr still read, a SIGPIPE sent from
 * outside is forwarded like any other: so its absence later is the
 * filter's doing. Then stderr loses its reader, USR1's log line raises
 * SIGPIPE at the reaper (the kernel sends it to the writer as SI_USER
 * from itself), and TERM (15 > 13), sent after USR1 arrived, is the fence.
 */
START_TEST(own_sigpipe_not_forwarded)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	start_ready(&run, m, rt_debug_opts[m], "signals");
	rt_kill(run.pid1, SIGPIPE);
	ck_assert_int_eq(rt_wait_sig(&run, SIGPIPE).pid, 1);
	ck_assert_ptr_nonnull(rt_wait_err_for(&run, "forwarded SIGPIPE"));
	close(run.err);
	run.err = -1;
	rt_kill(run.pid1, SIGUSR1);
	rt_wait_sig(&run, SIGUSR1);
	rt_kill(run.pid1, SIGTERM);
	rt_wait_sig(&run, SIGTERM);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGPIPE), 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGPIPE), 1);
}
END_TEST

/*
 * The same for SIGXFSZ: the reaper's stderr is a file and RLIMIT_FSIZE is
 * 0, so every log line raises SIGXFSZ at the reaper. A shell sets that up
 * and execs the front end, which stays PID 1. USR1 is logged, then
 * SIGRTMIN (above 25) is the fence. No control from outside here: the
 * reaper keeps one SIGXFSZ of its own pending at unknown times, and a
 * second standard signal of the same number would merge with it.
 */
START_TEST(own_sigxfsz_not_forwarded)
{
	enum rt_mode m = (enum rt_mode) _i;
	char file[] = "/tmp/reaper-xfsz.XXXXXX";
	const char *argv[16];
	struct rt_opts o;
	struct rt_run run;
	struct stat st;
	size_t n = 0;
	int fd;

	fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = "ulimit -f 0 && exec \"$@\" 2>>\"$0\"";
	argv[n++] = file;
	argv[n++] = m == RT_CMD ? rt_command_path() : rt_helper_path();
	for (size_t i = 0; rt_debug_opts[m][i]; i++)
		argv[n++] = rt_debug_opts[m][i];
	if (m == RT_CMD) {
		argv[n++] = "--";
		argv[n++] = rt_helper_path();
	}
	argv[n++] = "signals";
	argv[n] = NULL;
	rt_opts_init(&o);
	o.exe = "/bin/sh";
	rt_start(&run, &o, argv);
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, SIGUSR1);
	ck_assert_int_eq(rt_wait_sig(&run, SIGUSR1).pid, 1);
	rt_kill(run.pid1, SIGRTMIN);
	ck_assert_int_eq(rt_wait_sig(&run, SIGRTMIN).pid, 1);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGXFSZ), 0);
	rt_finish_ok(&run);
	ck_assert_int_eq(stat(file, &st), 0);
	(void) unlink(file);
	/* Every log write failed: the limit was in force. */
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGXFSZ), 0);
}
END_TEST

/*
 * 32-34 are the C libraries' own (glibc keeps 32-33, musl 32-34, and 34 is
 * glibc's SIGRTMIN): libc's sigprocmask() will not block them, yet anyone
 * may send them. The reaper must block them too, or one kills it and
 * orphans the application. It forwards them; the application (glibc
 * helper-app waiting on stdin) dies of 32 and 34, which the reaper
 * mirrors. What 33 does to it depends on whether glibc has installed its
 * SIGSETXID handler yet, so there only the forwarding and the reaper's
 * normal exit count. _i: signal 32 + _i / RT_MODES, mode _i % RT_MODES.
 */
START_TEST(reserved_signals_forwarded)
{
	enum rt_mode m = (enum rt_mode)(_i % RT_MODES);
	int sig = 32 + _i / RT_MODES, want = 128 + sig;
	unsigned long long blk;
	char needle[48];
	struct rt_run run;

	start_ready(&run, m, rt_debug_opts[m], "wait");
	/* A hex mask: 64 bits, read back as a long long bit pattern. */
	blk = rt_reaper_sigset(run.pid1);
	ck_assert_msg((blk & (7ULL << 31)) == (7ULL << 31),
		      "%s: reaper's SigBlk %llx lacks 32-34", rt_mode_name[m],
		      blk);
	rt_kill(run.pid1, sig);
	snprintf(needle, sizeof(needle), "forwarded SIG%d as SIG%d",
		 sig, sig);
	if (sig == 34)
		snprintf(needle, sizeof(needle), "forwarded SIGRTMIN+0 as");
	ck_assert_msg(rt_wait_err_for(&run, needle), "no '%s' in: %s",
		      needle, run.errbuf);
	rt_finish(&run);
	ck_assert_msg(rt_exit_code(&run) == want ||
		      (sig == 33 && rt_exit_code(&run) == 0),
		      "%s, signal %d: wait status 0x%x, want exit %d",
		      rt_mode_name[m], sig, run.wstatus, want);
}
END_TEST

/*
 * Command only: the same signals from the reaper's first log line. Outside
 * PID 1 and without -s the command warns that orphans will not come to it,
 * before it has blocked anything (tools/reaper.c; the library has no such
 * warning). A closed or full stderr must not stop it (lib/log.c), so
 * COMMAND still runs (it reports "split=") and its 3 is mirrored. A shell
 * makes stderr a pipe nobody can read (a FIFO opened read-write, then for
 * writing, then its reader closed: no race with a reader that exits) or a
 * file under RLIMIT_FSIZE = 0, then execs the command.
 */
START_TEST(own_sigpipe_sigxfsz_at_startup)
{
	static const char *const scripts[] = {
		"exec 8<>\"$0\" 9>\"$0\" 8<&- && exec \"$@\" 2>&9 9>&-",
		"ulimit -f 0 && exec \"$@\" 2>>\"$0\"",
	};
	char dir[] = "/tmp/reaper-startup.XXXXXX", file[64];
	struct rt_opts o;
	struct rt_run run;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/stderr", dir);
	if (_i == 0)
		ck_assert_int_eq(mkfifo(file, 0600), 0);
	rt_opts_init(&o);
	o.no_pidns = true;
	o.exe = "/bin/sh";
	rt_start(&run, &o, (const char *const[]){
		"sh", "-c", scripts[_i], file, rt_command_path(), "--",
		rt_helper_path(), "exit", "3", NULL });
	rt_finish(&run);
	(void) unlink(file);
	(void) rmdir(dir);
	ck_assert_msg(!WIFSIGNALED(run.wstatus), "reaper killed by signal %d "
		      "before COMMAND ran", rt_term_sig(&run));
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_int_eq(rt_exit_code(&run), 3);
}
END_TEST

/* docker stop: SIGTERM to PID 1 reaches an application that handles it,
 * which then exits 0, and PID 1 exits 0. */
START_TEST(sigterm_to_handling_app)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	start_ready(&run, m, NULL, "signals");
	rt_kill(run.pid1, SIGTERM);
	ck_assert_int_eq(rt_wait_sig(&run, SIGTERM).pid, 1);
	rt_finish_ok(&run);
}
END_TEST

/* docker stop on an application that does not handle SIGTERM: it dies of
 * it, and PID 1 (which the kernel will not let die of it) exits 128 + 15.
 * PID 1 must be gone through the signal before its stdin is closed, or
 * the application could have left on EOF instead. */
START_TEST(sigterm_kills_default_app)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	start_ready(&run, m, NULL, "wait");
	rt_kill(run.pid1, SIGTERM);
	ck_assert_msg(rt_wait_started_exit(&run, GIVE_UP_MS),
		      "%s: PID 1 still there after SIGTERM", rt_mode_name[m]);
	rt_finish(&run);
	ck_assert_int_eq(rt_exit_code(&run), 128 + SIGTERM);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. Rewriting                                                         */

/* TERM arrives as QUIT, USR1 is dropped (R = 0) and RTMIN+1, a real-time
 * signal, arrives as HUP. Written by name and by number through both
 * front ends; as repeated flags and in REAPER_REWRITE only through the
 * command (reaper_options.rewrite is one string, and the library reads no
 * environment variable for it). */
static const struct {
	enum rt_mode m;
	int how;	/* 0 name, 1 number, 2 repeated flags, 3 variable */
} rewrite_cases[] = {
	{ RT_LIB, 0 }, { RT_CMD, 0 }, { RT_LIB, 1 }, { RT_CMD, 1 },
	{ RT_CMD, 2 }, { RT_CMD, 3 },
};

START_TEST(rewrite_rules)
{
	enum rt_mode m = rewrite_cases[_i].m;
	char numbers[64];
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV,
		"REAPER_REWRITE=TERM:QUIT,USR1:0,RTMIN+1:HUP", NULL,
	};
	const char *args[8];
	struct rt_opts o;
	struct rt_run run;
	size_t n = 0, pos = 0;

	snprintf(numbers, sizeof(numbers), "%d:%d,%d:0,%d:%d",
		 SIGTERM, SIGQUIT, SIGUSR1, SIGRTMIN + 1, SIGHUP);
	rt_opts_init(&o);
	switch (rewrite_cases[_i].how) {
	case 0:
		args[n++] = "-r";
		args[n++] = "TERM:QUIT,USR1:0,RTMIN+1:HUP";
		break;
	case 1:
		args[n++] = "-r";
		args[n++] = numbers;
		break;
	case 2:
		args[n++] = "-r";
		args[n++] = "SIGTERM:SIGQUIT";
		args[n++] = "--rewrite";
		args[n++] = "USR1:0";
		args[n++] = "-rRTMIN+1:HUP";
		break;
	default:
		o.envp = envp;
		break;
	}
	args[n] = NULL;
	rt_start_mode(&run, &o, m, args, "signals", NULL);
	rt_wait_line(&run, "ready=1");
	assert_next(&run, &pos, SIGTERM, SIGQUIT);
	/* Dropped: the reaper handles its signals in order, so USR2, sent
	 * after USR1, is the next thing the application sees. */
	rt_kill(run.pid1, SIGUSR1);
	assert_next(&run, &pos, SIGUSR2, SIGUSR2);
	assert_next(&run, &pos, SIGRTMIN + 1, SIGHUP);
	rt_finish_ok(&run);
	/* The application drains what is pending before it exits: none of
	 * the originals ever reached it. */
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMIN + 1), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGQUIT), 1);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGHUP), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. Signal target                                                     */

/* -g through both front ends; --signal-group and REAPER_SIGNAL_GROUP=1
 * only through the command (the library takes REAPER_SIGNAL_GROUP as a
 * flag, helper-app -g). */
static const struct {
	enum rt_mode m;
	const char *flag;	/* NULL: the variable */
} group_cases[] = {
	{ RT_LIB, "-g" }, { RT_CMD, "-g" }, { RT_CMD, "--signal-group" },
	{ RT_CMD, NULL },
};

/* A signal to PID 1 reaches every member of the application's process
 * group, here the application and a child it forked (a grandchild of the
 * reaper). */
START_TEST(group_signal_reaches_grandchild)
{
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "REAPER_SIGNAL_GROUP=1", NULL,
	};
	const char *args[] = { group_cases[_i].flag, NULL };
	enum rt_mode m = group_cases[_i].m;
	struct rt_opts o;
	struct rt_run run;
	const char *l;
	long cpid, cpgid, spid;
	pid_t app, child;

	rt_opts_init(&o);
	if (!group_cases[_i].flag)
		o.envp = envp;
	rt_start_mode(&run, &o, m, args, "groupsig", NULL);
	rt_wait_line(&run, "ready=1");
	l = rt_wait_line(&run, "member=child pid=");
	ck_assert_int_eq(sscanf(l, "member=child pid=%ld pgid=%ld", &cpid,
				&cpgid), 2);
	/* The application leads its own group, and the child really is a
	 * second member of it. */
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "pgid"), "2");
	ck_assert_int_eq(cpgid, 2);
	ck_assert_int_ne(cpid, 2);
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	child = rt_host_child_of(app);
	ck_assert_int_gt(child, 0);
	rt_kill(run.pid1, SIGUSR1);
	l = rt_wait_line(&run, "member=app sig=10 ");
	ck_assert_int_eq(sscanf(l, "member=app sig=10 pid=%ld", &spid), 1);
	ck_assert_int_eq(spid, 1);
	/* The reaper has sent USR1 to the whole group by now; TERM (15 > 10)
	 * straight to the grandchild is the fence. */
	rt_kill(child, SIGTERM);
	rt_wait_line(&run, "member=child sig=15 ");
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR1), 1);
	l = rt_wait_line(&run, "member=child sig=10 ");
	ck_assert_int_eq(sscanf(l, "member=child sig=10 pid=%ld", &spid), 1);
	ck_assert_int_eq(spid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR1), 1);
}
END_TEST

/* By default only the application gets it. USR1 then USR2 go to PID 1
 * and USR2 is seen by the application: the reaper, which handles its
 * signals one after the other, has finished sending USR1 to whatever it
 * sends it to. Then TERM (15 > 12 > 10) goes straight to the child: had
 * the child got USR1 or USR2 from the reaper, those were pending before
 * TERM and would have been reported first. */
START_TEST(default_target_is_application_only)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	pid_t app, child;

	start_ready(&run, m, NULL, "groupsig");
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

/*
 * The application's parent-death signal: when the reaper is SIGKILLed
 * outside PID 1 (where nothing else would end the application), the
 * application gets SIGNAL from the kernel, sent as the dying reaper. The
 * library's reaper_options.pdeathsig (helper-app -a -P), the command's
 * --command-parent-death-signal in two spellings and
 * REAPER_COMMAND_PARENT_DEATH_SIGNAL (the library reads no variable).
 * The application comes to the test (subreaper) once the reaper is gone
 * (the relay's status pipe says so); TERM sent to it directly is the
 * fence.
 */
static const struct {
	const char *flag, *value, *env;
	enum rt_mode m;
	int sig;
} app_pdeath_cases[] = {
	{ "-P", "10", NULL, RT_LIB, SIGUSR1 },
	{ "--command-parent-death-signal=USR1", NULL, NULL, RT_CMD, SIGUSR1 },
	{ "--command-parent-death-signal", "12", NULL, RT_CMD, SIGUSR2 },
	{ NULL, NULL, "REAPER_COMMAND_PARENT_DEATH_SIGNAL=SIGHUP", RT_CMD,
	  SIGHUP },
};

START_TEST(application_parent_death_signal)
{
	enum rt_mode m = app_pdeath_cases[_i].m;
	int sig = app_pdeath_cases[_i].sig;
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, app_pdeath_cases[_i].env, NULL,
	};
	const char *args[8];
	struct rt_opts o;
	struct rt_run run;
	struct rt_sigline s;
	size_t n = 0;
	pid_t app;
	int st;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	/* The library splits outside PID 1 only when asked. */
	if (m == RT_LIB)
		args[n++] = "-a";
	if (app_pdeath_cases[_i].flag)
		args[n++] = app_pdeath_cases[_i].flag;
	if (app_pdeath_cases[_i].value)
		args[n++] = app_pdeath_cases[_i].value;
	args[n] = NULL;
	rt_opts_init(&o);
	o.no_pidns = true;
	if (app_pdeath_cases[_i].env)
		o.envp = envp;
	rt_start_mode(&run, &o, m, args, "signals", NULL);
	rt_wait_line(&run, "ready=1");
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	app = (pid_t) atol(rt_get(&run, "pid"));
	ck_assert_int_ne(app, run.pid1);
	ck_assert_int_eq(rt_ppid_of(app), run.pid1);

	rt_kill(run.pid1, SIGKILL);
	ck_assert(rt_wait_started_exit(&run, GIVE_UP_MS));
	ck_assert_int_eq(rt_ppid_of(app), getpid());
	rt_kill(app, SIGTERM);
	rt_wait_sig(&run, SIGTERM);
	/* Counted first: waiting for a signal that never came would hang. */
	ck_assert_msg(rt_count_sig(&run, NULL, sig) == 1, "%s: signal %d "
		      "came %d times", rt_mode_name[m], sig,
		      rt_count_sig(&run, NULL, sig));
	s = rt_wait_sig(&run, sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, run.pid1);

	rt_finish(&run);
	ck_assert_int_eq(rt_term_sig(&run), SIGKILL);
	ck_assert_int_eq(waitpid(app, &st, 0), app);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "application "
		      "status 0x%x", st);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. Masks and dispositions                                            */

/* The application starts with exactly the mask and dispositions PID 1
 * was started with: HUP and PIPE ignored, USR2 blocked, no handler; none
 * of the reaper's blocking leaks into it. */
START_TEST(application_gets_mask_and_dispositions)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_opts o;
	struct rt_run run;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's masks");
	rt_opts_init(&o);
	sigaddset(&o.ignore, SIGHUP);
	sigaddset(&o.ignore, SIGPIPE);
	sigaddset(&o.block, SIGUSR2);
	rt_start_mode(&run, &o, m, NULL, "exit", "0", NULL);
	rt_finish_ok(&run);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	/* Bit N-1 stands for signal N: HUP 1, PIPE 13, USR2 12. */
	ck_assert_str_eq(rt_get(&run, "SigIgn"), "0000000000001001");
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000800");
	ck_assert_int_eq(rt_caught_forwardable(rt_get(&run, "SigCgt")), 0);
}
END_TEST

/* While the application runs, the reaper blocks everything it forwards
 * (so nothing sent to it can act on it or be lost), and the application,
 * seen from the host, does not. */
START_TEST(reaper_blocks_what_it_forwards)
{
	static const int must[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
		SIGTERM, SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH,
	};
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	unsigned long long blk;
	pid_t app;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's masks");
	start_ready(&run, m, NULL, "wait");
	blk = rt_reaper_sigset(run.pid1);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		ck_assert_msg(blk & (1ULL << (must[i] - 1)),
			      "%s: reaper SigBlk %llx lacks signal %d",
			      rt_mode_name[m], blk, must[i]);
	/* Up to SIGRTMAX = 64, bit 63. */
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		ck_assert_msg(blk & (1ULL << (s - 1)),
			      "%s: reaper SigBlk %llx lacks signal %d",
			      rt_mode_name[m], blk, s);
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	ck_assert_int_eq(rt_proc_status(app, "SigBlk"), 0);
	ck_assert_int_eq(rt_proc_status(app, "SigIgn"), 0);
	rt_finish_ok(&run);
}
END_TEST

/* Library only: a signal pending in the process that calls
 * reaper_fork_self() (here USR1, blocked and sent to itself: helper-app
 * -k) reaches the application, from the reaper; the application still
 * starts with the caller's mask (USR1 blocked). The command has no caller
 * of its own: it starts COMMAND fresh. */
START_TEST(pending_signal_survives_split)
{
	const char *const opts[] = { "-k", "10", NULL };
	struct rt_run run;
	struct rt_sigline s;

	start_ready(&run, RT_LIB, opts, "signals");
	ck_assert_str_eq(rt_get(&run, "SigBlk"), "0000000000000200");
	s = rt_wait_sig(&run, SIGUSR1);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. Idle                                                              */

/* Idle, the reaper sleeps in sigtimedwait() and nothing wakes it: its
 * context switch counts do not move over one second. */
START_TEST(zero_idle_wakeups)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	long long before, after, deadline, t;

	start_ready(&run, m, NULL, "wait");
	/* "ready=1" may come before the reaper reaches its loop. */
	rt_wait_reaper_asleep(run.pid1);
	before = rt_ctxt_switches(run.pid1);
	fprintf(stderr, "%s idle: voluntary=%lld nonvoluntary=%lld\n",
		rt_mode_name[m],
		rt_proc_status(run.pid1, "voluntary_ctxt_switches"),
		rt_proc_status(run.pid1, "nonvoluntary_ctxt_switches"));
	/* The measurement window; the application says nothing more, so
	 * poll() just times out. */
	deadline = rt_now_ms() + 1000;
	while ((t = rt_now_ms()) < deadline) {
		struct pollfd p = { .fd = run.report, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, (int)(deadline - t)), 0);
	}
	after = rt_ctxt_switches(run.pid1);
	fprintf(stderr, "%s idle: voluntary=%lld nonvoluntary=%lld after "
		"1 s\n", rt_mode_name[m],
		rt_proc_status(run.pid1, "voluntary_ctxt_switches"),
		rt_proc_status(run.pid1, "nonvoluntary_ctxt_switches"));
	ck_assert_int_eq(after, before);
	ck_assert_int_eq(rt_blocked_syscall(run.pid1), SYS_rt_sigtimedwait);
	rt_finish_ok(&run);
}
END_TEST

RT_TEST_SUITE(signals, "signals",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "forwarding");
	tcase_add_loop_test(tc, forwards_each_signal, 0,
			    RT_MODES * (int)(sizeof(forwarded) /
					     sizeof(forwarded[0])));
	tcase_add_loop_test(tc, sigqueue_payload_kept, 0, RT_MODES);
	tcase_add_loop_test(tc, signal_storm, 0, RT_MODES);
	tcase_add_loop_test(tc, own_sigpipe_not_forwarded, 0, RT_MODES);
	tcase_add_loop_test(tc, own_sigxfsz_not_forwarded, 0, RT_MODES);
	tcase_add_loop_test(tc, reserved_signals_forwarded, 0, 3 * RT_MODES);
	tcase_add_loop_test(tc, own_sigpipe_sigxfsz_at_startup, 0, 2);
	tcase_add_loop_test(tc, sigterm_to_handling_app, 0, RT_MODES);
	tcase_add_loop_test(tc, sigterm_kills_default_app, 0, RT_MODES);

	tc = rt_new_tcase(s, "rewrite");
	tcase_add_loop_test(tc, rewrite_rules, 0,
			    (int)(sizeof(rewrite_cases) /
				  sizeof(rewrite_cases[0])));

	tc = rt_new_tcase(s, "target");
	tcase_add_loop_test(tc, group_signal_reaches_grandchild, 0,
			    (int)(sizeof(group_cases) /
				  sizeof(group_cases[0])));
	tcase_add_loop_test(tc, default_target_is_application_only, 0,
			    RT_MODES);
	tcase_add_loop_test(tc, application_parent_death_signal, 0,
			    (int)(sizeof(app_pdeath_cases) /
				  sizeof(app_pdeath_cases[0])));

	tc = rt_new_tcase(s, "masks");
	tcase_add_loop_test(tc, application_gets_mask_and_dispositions, 0,
			    RT_MODES);
	tcase_add_loop_test(tc, reaper_blocks_what_it_forwards, 0, RT_MODES);
	tcase_add_test(tc, pending_signal_survives_split);

	tc = rt_new_tcase(s, "idle");
	tcase_add_loop_test(tc, zero_idle_wakeups, 0, RT_MODES);
}
