/*
 * The reaper command at run time, on real process trees: `reaper [FLAGS]
 * -- helper-app SCENARIO` runs as PID 1 of a fresh PID namespace (or, where
 * the behaviour only exists there, as a plain process), and the test
 * checks what COMMAND (helper-app, for which reaper_fork_self() is a
 * no-op since it is not PID 1) reports it got, how the command exits, and
 * what the kernel says about the reaper in /proc. The same behaviours of
 * reaper_fork_self() are in test-signals.c and test-lifecycle.c.
 *
 * Ordering instead of sleeping: the reaper and the application both read
 * their signals from a signalfd, and the kernel dequeues the lowest
 * pending number first (standard before real-time). So "B arrived and A
 * did not" is proven by sending A, then B with B > A, and waiting for B:
 * had A been forwarded, it would have been reported first.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
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

/* Far from 0-3 and from whatever the reaper opens for itself, so its
 * presence or absence in a process is unambiguous. */
#define EXTRA_FD 50

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

/*
 * The first "sig=" line COMMAND reported after *pos; *pos moves past it.
 * Asserting which signal comes next, rather than waiting for the wanted
 * one, fails at once when another arrives instead of waiting for ever.
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
			ck_abort_msg("COMMAND exited without another signal");
		}
	}
}

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
/* 1. Forwarding                                                        */

static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT, RT(3),
};

/* Each signal sent to the reaper reaches COMMAND as itself, as kill()
 * (SI_USER) from pid 1, the reaper; COMMAND handles it and exits 0. */
START_TEST(forwards_each_signal)
{
	int sig = rt_table_sig(forwarded[_i]);
	struct rt_run run;
	struct rt_sigline s;

	cmd_start(&run, NULL, "--", rt_helper_path(), "signals");
	rt_wait_line(&run, "ready=1");
	rt_kill(run.pid1, sig);
	s = rt_wait_sig(&run, sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
	ck_assert_int_eq(rt_count_sig(&run, NULL, sig), 1);
}
END_TEST

/* sigqueue() keeps its si_code and payload through the reaper. */
START_TEST(sigqueue_payload_kept)
{
	union sigval v = { .sival_int = 42 };
	struct rt_run run;
	struct rt_sigline s;

	cmd_start(&run, NULL, "--", rt_helper_path(), "signals");
	rt_wait_line(&run, "ready=1");
	ck_assert_int_eq(sigqueue(run.pid1, SIGRTMIN + 2, v), 0);
	s = rt_wait_sig(&run, SIGRTMIN + 2);
	ck_assert_int_eq(s.code, SI_QUEUE);
	ck_assert_int_eq(s.val, 42);
	ck_assert_int_eq(s.pid, 1);
	rt_finish_ok(&run);
}
END_TEST

/*
 * 3000 mixed signals to the reaper: every kind gets through, every
 * real-time one exactly once (they queue, the reaper must not coalesce
 * them). SIGRTMAX, sent last, is the highest number: once COMMAND reports
 * it, everything sent before has been forwarded and reported. Then the
 * reaper must still be healthy: nothing left pending at it, no fd gained,
 * a fresh sigqueue() still forwarded with its payload, exit status 0.
 */
START_TEST(signal_storm)
{
	static const int kinds[] = {
		SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGQUIT,
		RT(0), RT(1), RT(2), RT(3), RT(4),
	};
	const size_t nk = sizeof(kinds) / sizeof(kinds[0]);
	const int total = 3000;
	union sigval v = { .sival_int = 7 };
	struct rt_run run;
	struct rt_sigline s;
	int fds_before;

	RT_SKIP_UNDER_VALGRIND("valgrind keeps SIGRTMAX for itself");
	cmd_start(&run, NULL, "--", rt_helper_path(), "signals");
	rt_wait_line(&run, "ready=1");
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
				      "signal %d seen %d times, want %d", sig,
				      n, total / (int) nk);
		else
			ck_assert_msg(n >= 1, "signal %d never seen", sig);
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
 * reads) is not COMMAND's business. With -vv every forward is logged.
 * First, with stderr still read, a SIGPIPE sent from outside is forwarded
 * like any other: so its absence later is the filter's doing. Then stderr
 * loses its reader, USR1's log line raises SIGPIPE at the reaper (the
 * kernel sends it to the writer as SI_USER from itself), and TERM
 * (15 > 13), sent after USR1 arrived, is the fence.
 */
START_TEST(own_sigpipe_not_forwarded)
{
	struct rt_run run;

	cmd_start(&run, NULL, "-v", "-v", "--", rt_helper_path(), "signals");
	rt_wait_line(&run, "ready=1");
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
 * 0, so every log line (-vv) raises SIGXFSZ at the reaper. A shell sets
 * that up and execs the command, which stays PID 1. USR1 is logged, then
 * SIGRTMIN (above 25) is the fence. No control from outside here: the
 * reaper keeps one SIGXFSZ of its own pending at unknown times, and a
 * second standard signal of the same number would merge with it.
 */
START_TEST(own_sigxfsz_not_forwarded)
{
	char file[] = "/tmp/reaper-xfsz.XXXXXX";
	struct rt_opts o;
	struct rt_run run;
	struct stat st;
	int fd;

	fd = mkstemp(file);
	ck_assert_int_ge(fd, 0);
	close(fd);
	rt_opts_init(&o);
	o.exe = "/bin/sh";
	rt_start(&run, &o, (const char *const[]){
		"sh", "-c", "ulimit -f 0 && exec \"$@\" 2>>\"$0\"", file,
		rt_command_path(), "-v", "-v", "--", rt_helper_path(),
		"signals",
		NULL });
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
 * orphans COMMAND. It forwards them; COMMAND (glibc helper-app waiting on
 * stdin) dies of 32 and 34, which the reaper mirrors. What 33 does to
 * COMMAND depends on whether glibc has installed its SIGSETXID handler
 * yet, so there only the forwarding and the reaper's normal exit count.
 */
START_TEST(reserved_signals_forwarded)
{
	int sig = 32 + _i, want = 128 + sig;
	unsigned long long blk;
	char needle[48];
	struct rt_run run;

	cmd_start(&run, NULL, "-v", "-v", "--", rt_helper_path(), "wait");
	rt_wait_line(&run, "ready=1");
	/* A hex mask: 64 bits, read back as a long long bit pattern. */
	blk = rt_reaper_sigset(run.pid1);
	ck_assert_msg((blk & (7ULL << 31)) == (7ULL << 31),
		      "reaper's SigBlk %llx lacks 32-34", blk);
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
		      "signal %d: wait status 0x%x, want exit %d", sig,
		      run.wstatus, want);
}
END_TEST

/*
 * The same signals from the reaper's first log line: outside PID 1 and
 * without -s it warns that orphans will not come to it, before it has
 * blocked anything. A closed or full stderr must not stop it (lib/log.c),
 * so COMMAND still runs (it reports "split=") and its 3 is mirrored.
 * A shell makes stderr a pipe nobody can read (a FIFO opened read-write,
 * then for writing, then its reader closed: no race with a reader that
 * exits) or a file under RLIMIT_FSIZE = 0, then execs the command.
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

/* ------------------------------------------------------------------ */
/* 2. Rewriting                                                         */

/* Send sig to the reaper; COMMAND's next signal must be want, from pid 1. */
static void
assert_next(struct rt_run *run, size_t *pos, int sig, int want)
{
	struct rt_sigline s;

	rt_kill(run->pid1, sig);
	s = next_sig(run, pos);
	ck_assert_msg(s.sig == want, "sent %d, COMMAND got %d, want %d", sig,
		      s.sig, want);
	ck_assert_int_eq(s.pid, 1);
}

/* TERM arrives as QUIT, USR1 is dropped (R = 0) and RTMIN+1, a real-time
 * signal, arrives as HUP: written by name, by number, as repeated flags,
 * and in REAPER_REWRITE. */
START_TEST(rewrite_rules)
{
	char numbers[64];
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV,
		"REAPER_REWRITE=TERM:QUIT,USR1:0,RTMIN+1:HUP", NULL,
	};
	const char *args[12];
	struct rt_opts o;
	struct rt_run run;
	size_t n = 0, pos = 0;

	snprintf(numbers, sizeof(numbers), "--rewrite=%d:%d,%d:0,%d:%d",
		 SIGTERM, SIGQUIT, SIGUSR1, SIGRTMIN + 1, SIGHUP);
	rt_opts_init(&o);
	switch (_i) {
	case 0:
		args[n++] = "-r";
		args[n++] = "TERM:QUIT,USR1:0,RTMIN+1:HUP";
		break;
	case 1:
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
	args[n++] = "--";
	args[n++] = rt_helper_path();
	args[n++] = "signals";
	args[n] = NULL;
	cmd_startv(&run, &o, args);
	rt_wait_line(&run, "ready=1");
	assert_next(&run, &pos, SIGTERM, SIGQUIT);
	/* Dropped: the reaper handles its signals in order, so USR2, sent
	 * after USR1, is the next thing COMMAND sees. */
	rt_kill(run.pid1, SIGUSR1);
	assert_next(&run, &pos, SIGUSR2, SIGUSR2);
	assert_next(&run, &pos, SIGRTMIN + 1, SIGHUP);
	rt_finish_ok(&run);
	/* COMMAND drains what is pending before it exits: none of the
	 * originals ever reached it. */
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGTERM), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGRTMIN + 1), 0);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGQUIT), 1);
	ck_assert_int_eq(rt_count_sig(&run, NULL, SIGHUP), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. Signal target                                                     */

/* -g, --signal-group, REAPER_SIGNAL_GROUP=1: a signal to the reaper
 * reaches COMMAND and a grandchild of the reaper in COMMAND's group. */
START_TEST(group_signal_reaches_grandchild)
{
	const char *envp[] = {
		DEFAULT_PATH, REPORT_FD_ENV, "REAPER_SIGNAL_GROUP=1", NULL,
	};
	const char *args[] = {
		_i == 0 ? "-g" : "--signal-group", "--", rt_helper_path(),
		"groupsig", NULL,
	};
	struct rt_opts o;
	struct rt_run run;
	const char *l;
	long cpid, cpgid, spid;
	pid_t app, child;

	rt_opts_init(&o);
	if (_i == 2)
		o.envp = envp;
	cmd_startv(&run, &o, _i == 2 ? args + 1 : args);
	rt_wait_line(&run, "ready=1");
	l = rt_wait_line(&run, "member=child pid=");
	ck_assert_int_eq(sscanf(l, "member=child pid=%ld pgid=%ld", &cpid,
				&cpgid), 2);
	/* COMMAND leads its own group, and the child really is in it. */
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

/* Without -g only COMMAND gets it. USR1 then USR2 to the reaper; once
 * COMMAND has USR2 the reaper is done with USR1. Then TERM (15 > 12 > 10)
 * goes straight to the grandchild: had it got USR1 or USR2 from the
 * reaper, those were pending before TERM and reported first. */
START_TEST(default_target_is_command_only)
{
	struct rt_run run;
	pid_t app, child;

	cmd_start(&run, NULL, "--", rt_helper_path(), "groupsig");
	rt_wait_line(&run, "ready=1");
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
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR1), 0);
	ck_assert_int_eq(rt_count_sig(&run, "child", SIGUSR2), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. Reaping                                                           */

/*
 * 2000 orphans: COMMAND forks children that each leave a grandchild and
 * exit, so the grandchildren come to the reaper. COMMAND checks the
 * namespace itself (no zombie, then no process at all left to the reaper
 * but itself), then waits; the test looks at the reaper's children from
 * the host: COMMAND and nothing else. COMMAND's 41 is mirrored.
 */
START_TEST(orphans_reaped)
{
	struct rt_run run;
	int all, zombies;

	/* Each fork costs memcheck ~50 ms: fewer orphans under it (200
	 * took 14 s, a tenth of the whole valgrind run's budget). */
	cmd_start(&run, NULL, "--", rt_helper_path(), "orphans-hold",
		  rt_valgrind() ? "50" : "2000", "41");
	rt_wait_line(&run, "ready=1");
	rt_count_children(run.pid1, &all, &zombies);
	rt_finish(&run);
	if (rt_exit_code(&run) != 41)
		rt_dump(&run);
	ck_assert_ptr_null(rt_get(&run, "error"));
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	ck_assert_str_eq(rt_get(&run, "orphans_left"), "0");
	ck_assert_int_eq(zombies, 0);
	ck_assert_int_eq(all, 1);
	ck_assert_int_eq(rt_exit_code(&run), 41);
}
END_TEST

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
/* 5. Parent-death signals                                              */

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

/*
 * --command-parent-death-signal / REAPER_COMMAND_PARENT_DEATH_SIGNAL:
 * when the reaper is SIGKILLed (outside PID 1, where nothing else would
 * end COMMAND), COMMAND gets SIGNAL from the kernel, sent as the dying
 * reaper. COMMAND comes to the test (subreaper); TERM sent to it directly
 * after the reaper's pidfd turned readable is the fence.
 */
START_TEST(command_parent_death_signal)
{
	static const struct {
		const char *flag, *value, *env;
		int sig;
	} t[] = {
		{ "--command-parent-death-signal=USR1", NULL, NULL, SIGUSR1 },
		{ "--command-parent-death-signal", "12", NULL, SIGUSR2 },
		{ NULL, NULL, "REAPER_COMMAND_PARENT_DEATH_SIGNAL=SIGHUP",
		  SIGHUP },
	};
	const char *envp[] = { DEFAULT_PATH, REPORT_FD_ENV, t[_i].env, NULL };
	const char *args[12];
	struct rt_opts o;
	struct rt_run run;
	struct rt_sigline s;
	pid_t app;
	size_t n = 0;
	int fd, st;

	RT_SKIP_UNDER_VALGRIND("waits on a pidfd: none in valgrind 3.19");
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
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
	cmd_startv(&run, &o, args);
	rt_wait_line(&run, "ready=1");
	app = (pid_t) atol(rt_get(&run, "pid"));
	ck_assert_int_eq(rt_ppid_of(app), run.pid1);

	fd = pidfd_open(run.pid1);
	rt_kill(run.pid1, SIGKILL);
	ck_assert(wait_exit(fd, -1));
	close(fd);
	ck_assert_int_eq(rt_ppid_of(app), getpid());
	rt_kill(app, SIGTERM);
	rt_wait_sig(&run, SIGTERM);
	/* Counted first: waiting for a signal that never came would hang. */
	ck_assert_int_eq(rt_count_sig(&run, NULL, t[_i].sig), 1);
	s = rt_wait_sig(&run, t[_i].sig);
	ck_assert_int_eq(s.code, SI_USER);
	ck_assert_int_eq(s.pid, run.pid1);

	rt_finish(&run);
	ck_assert_int_eq(rt_term_sig(&run), SIGKILL);
	ck_assert_int_eq(waitpid(app, &st, 0), app);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "COMMAND status "
		      "0x%x", st);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 6. What the idle reaper holds and does                               */

/*
 * An fd inherited at EXTRA_FD reaches COMMAND, and the reaper itself
 * keeps only 0-2 (COMMAND's pidfd is opened only if the kernel comes to
 * reap). -vv logs "reaper of" once the reaper has closed what it
 * inherited.
 */
START_TEST(no_inherited_fds)
{
	char path[64], target[256];
	struct rt_opts o;
	struct rt_run run;
	struct dirent *de;
	int e, std_fds, count;
	bool app_has;
	struct stat st;
	pid_t app;
	DIR *d;

	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's fds");
	/* 0 and 2 are the harness's pipes; 1 is whatever we have. */
	std_fds = 2 + (fcntl(1, F_GETFD) >= 0);
	e = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(e, 0);
	ck_assert_int_eq(dup3(e, EXTRA_FD, O_CLOEXEC), EXTRA_FD);
	close(e);
	rt_opts_init(&o);
	o.extra_fd = EXTRA_FD;
	cmd_start(&run, &o, "-v", "-v", "--", rt_helper_path(), "wait");
	close(EXTRA_FD);
	rt_wait_line(&run, "ready=1");
	ck_assert_ptr_nonnull(rt_wait_err_for(&run, "reaper of "));
	app = rt_app_host_pid(&run);
	ck_assert_int_gt(app, 0);
	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long) app, EXTRA_FD);
	app_has = stat(path, &st) == 0;
	count = rt_fd_count(run.pid1);
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long) run.pid1);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		ssize_t len;

		if (de->d_name[0] == '.' || fd <= 2)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d",
			 (long) run.pid1, fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		ck_assert_msg(0, "the reaper holds fd %d: %s", fd, target);
	}
	closedir(d);
	rt_finish_ok(&run);
	ck_assert(app_has);
	ck_assert_int_eq(count, std_fds);
}
END_TEST

/* Idle, the reaper sleeps in sigtimedwait() and nothing wakes it:
 * its context switch counts do not move over half a second. */
START_TEST(zero_idle_wakeups)
{
	struct rt_run run;
	long long before, after, deadline, t;

	cmd_start(&run, NULL, "--", rt_helper_path(), "wait");
	rt_wait_line(&run, "ready=1");
	rt_wait_reaper_asleep(run.pid1);
	before = rt_ctxt_switches(run.pid1);
	/* The window; COMMAND says nothing more, so poll() just times out. */
	deadline = rt_now_ms() + 500;
	while ((t = rt_now_ms()) < deadline) {
		struct pollfd p = { .fd = run.report, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, (int)(deadline - t)), 0);
	}
	after = rt_ctxt_switches(run.pid1);
	ck_assert_int_eq(after, before);
	ck_assert_int_eq(rt_blocked_syscall(run.pid1), SYS_rt_sigtimedwait);
	rt_finish_ok(&run);
}
END_TEST

/* ------------------------------------------------------------------ */

RT_TEST_SUITE(command_run, "command-run",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "signals");
	tcase_add_loop_test(tc, forwards_each_signal, 0,
			    sizeof(forwarded) / sizeof(forwarded[0]));
	tcase_add_test(tc, sigqueue_payload_kept);
	tcase_add_test(tc, signal_storm);
	tcase_add_test(tc, own_sigpipe_not_forwarded);
	tcase_add_test(tc, own_sigxfsz_not_forwarded);
	tcase_add_loop_test(tc, reserved_signals_forwarded, 0, 3);
	tcase_add_loop_test(tc, own_sigpipe_sigxfsz_at_startup, 0, 2);
	tcase_add_loop_test(tc, rewrite_rules, 0, 4);
	tcase_add_loop_test(tc, group_signal_reaches_grandchild, 0, 3);
	tcase_add_test(tc, default_target_is_command_only);

	tc = rt_new_tcase(s, "reaping");
	tcase_add_test(tc, orphans_reaped);
	tcase_add_test(tc, kernel_reaps_after_storm);
	tcase_add_test(tc, warn_reaped_keeps_reaping);
	tcase_add_test(tc, grace_after_kernel_reaping);
	tcase_add_test(tc, exits_with_leftovers_outside_pid1);

	tc = rt_new_tcase(s, "parent-death");
	tcase_add_loop_test(tc, reaper_parent_death_signal, 0, 3);
	tcase_add_loop_test(tc, command_parent_death_signal, 0, 3);

	tc = rt_new_tcase(s, "idle");
	tcase_add_test(tc, no_inherited_fds);
	tcase_add_test(tc, zero_idle_wakeups);
}
