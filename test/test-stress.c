/*
 * Stress (issue #6): the reaper as PID 1 of a fresh PID namespace, once
 * as the `reaper` command (REAPER_TEST_COMMAND running helper-app) and
 * once as the library split (helper-app calling reaper_fork_self()). The
 * application (helper-app's stress scenario) makes orphans in bulk by
 * double fork while this test, from outside the namespace, sends the
 * reaper signals of every forwardable kind, some through sigqueue() with
 * a payload. At the end: no zombie and no stray process in the namespace,
 * every kind seen by the application, each real-time signal exactly once
 * with its payload, the reaper's VmRSS and fd count as before the storm,
 * and the reaper's exit status the application's. Where the kernel
 * reaps past 256 orphans (Linux 6.16+), the warm-up's orphans make it
 * do so before the storm: the storm then tests that path, and the exit
 * status comes from the application's pidfd.
 *
 * Short form, the default (`meson test`, test/run-tests.sh, .ci/run):
 *     meson test -C build --suite stress
 * Long form, the issue's sizes (100000 orphans, 10000 signals per mode):
 *     meson test -C build --suite stress --setup=stress_long
 * which only sets REAPER_STRESS=long; directly, with the numbers shown:
 *     REAPER_STRESS=long REAPER_TEST_HELPER=build/test/helper-app \
 *     REAPER_TEST_COMMAND=build/tools/reaper build/test/test-stress
 *
 * Synchronisation: pipes only. A sigqueue()d SIGRTMAX after each batch is
 * a fence: the reaper and the application read their signalfds lowest
 * number first, so once the application reports the fence, everything
 * sent before it has been forwarded and counted. The fences also bound
 * what is queued at once (RLIMIT_SIGPENDING is per user, shared with
 * every other test running as root). Batches are spread over the orphan
 * waves the application reports, so signals arrive while orphans die.
 *
 * Two real-time signals are delayed (--delay-signal for the command,
 * REAPER_DELAY_SIGNAL for the library's plain reaper_fork_self()):
 * DELAYED (RTMIN+1) for a minute, so that only a second copy releases a
 * held one, and SHORT (RTMIN+2) for 1 ms, so that the deadline releases
 * most. Either way none may be lost, and each keeps its payload. Each
 * fence says how many real-time signals the application has counted: one
 * short of those sent while a DELAYED copy is held (asserted in the
 * warm-up, so the delay is known to be in force; before every other
 * fence the test evens the copies out with one more), and maybe one more
 * short while a SHORT copy waits for its deadline. Before the
 * measurements and at the end, fences follow each other until that one
 * has come too (a round trip each, no sleep), so the totals are exact.
 *
 * Stop signals (TSTP, TTIN, TTOU) are not sent: generating one discards a
 * pending SIGCONT and the reverse (kernel/signal.c prepare_signal()), so
 * "every kind seen" would not hold for them even with a perfect reaper.
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
#include <sys/syscall.h>
#include <unistd.h>

#include "test-common.h"

/* Exit code of the application, to be mirrored by the reaper. */
#define APP_CODE 37
#define APP_CODE_S "37"

/* Signals between two fences; far below RLIMIT_SIGPENDING. */
#define BATCH 250

/* Orphans of the warm-up round, before the "before" measurements: more
 * than the 256 after which the kernel takes reaping over. */
#define WARM_ORPHANS 300

struct size {
	const char *name;
	int orphans;
	int signals;
	int timeout_s;		/* Check's, per mode */
};

static const struct size short_form = { "short", 20000, 4000, 300 };
static const struct size long_form = { "long", 100000, 10000, 3000 };
/* A fork under AddressSanitizer costs 20-50 times as much (measured: 3-8
 * ms per orphan, for its shadow mappings): about the time of short_form. */
static const struct size short_asan = { "short-asan", 1500, 4000, 300 };

static const struct size *
stress_size(void)
{
	const char *v = getenv("REAPER_STRESS");

	if (v && strcmp(v, "long") == 0)
		return &long_form;
	return rt_asan() ? &short_asan : &short_form;
}

/* The signals held by the reaper (RTMIN+n as the reaper names them,
 * 34 + n, glibc's SIGRTMIN + n). */
#define DELAYED (SIGRTMIN + 1)
#define SHORT (SIGRTMIN + 2)
#define DELAY_SPEC "RTMIN+1:60000,RTMIN+2:1"

/* Fences in a row that wait for a SHORT copy's deadline: each is a round
 * trip through both processes (tens of microseconds at the very least),
 * so a 1 ms deadline passes within a few dozen; the bound also keeps the
 * report (~30 bytes a fence) well inside struct rt_run's buffer. */
#define SETTLE_ROUNDS 2000

/* Standard signals the reaper forwards. RT(n) entries follow at run time. */
static const int std_kinds[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
	SIGTERM, SIGSTKFLT, SIGCONT, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM,
	SIGPROF, SIGWINCH, SIGIO, SIGPWR,
};

struct tally {
	int kinds[_NSIG];
	int nk;
	int sent[_NSIG];
	int queued[_NSIG];
	long long sum[_NSIG];
	int fences;
	int total;
	int rt;		/* real-time signals sent, fences excepted */
};

/* Every standard kind above, then SIGRTMIN..SIGRTMAX-1 (SIGRTMAX is the
 * fence). */
static void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(std_kinds) / sizeof(std_kinds[0]); i++)
		t->kinds[t->nk++] = std_kinds[i];
	for (int s = SIGRTMIN; s < SIGRTMAX; s++)
		t->kinds[t->nk++] = s;
}

/* Signal sig, through sigqueue() with payload i when i is a multiple of
 * 3, else through kill(). */
static void
send_sig(struct tally *t, pid_t pid, int sig, int i)
{
	if (i % 3 == 0) {
		union sigval v = { .sival_int = i };

		ck_assert_msg(sigqueue(pid, sig, v) == 0, "sigqueue(%d): %s",
			      sig, strerror(errno));
		t->queued[sig]++;
		t->sum[sig] += i;
	} else {
		rt_kill(pid, sig);
	}
	t->sent[sig]++;
	t->total++;
	if (sig >= SIGRTMIN)
		t->rt++;
}

/* Signal number i of the storm: the kinds in turn. */
static void
send_one(struct tally *t, pid_t pid, int i)
{
	send_sig(t, pid, t->kinds[i % t->nk], i);
}

/*
 * A fence, and the wait until the application has counted it. It counts
 * fences itself, so a lost payload fails here instead of hanging. With
 * even, an odd number of DELAYED copies sent so far gets one more first
 * (payload 3 * total: queued), which releases the held one. Then every
 * real-time signal sent has been counted, but for a held DELAYED copy
 * when their number is (still) odd, and perhaps one SHORT copy whose
 * deadline has not come. True when that SHORT one has come too.
 */
static bool
fence(struct tally *t, struct rt_run *run, bool even)
{
	union sigval v;
	char needle[32];
	int val, rt, held;

	if (even && t->sent[DELAYED] % 2)
		send_sig(t, run->pid1, DELAYED, 3 * t->total);
	held = t->sent[DELAYED] % 2;
	v.sival_int = ++t->fences;
	ck_assert_int_eq(sigqueue(run->pid1, SIGRTMAX, v), 0);
	snprintf(needle, sizeof(needle), "fence=%d val=", t->fences);
	ck_assert_int_eq(sscanf(rt_wait_line(run, needle) + strlen(needle),
				"%d rt=%d", &val, &rt), 2);
	ck_assert_msg(val == t->fences, "fence %d arrived with payload %d",
		      t->fences, val);
	ck_assert_msg(rt == t->rt - held ||
		      (rt == t->rt - held - 1 && t->sent[SHORT] > 0),
		      "fence %d: %d real-time signals counted, %d sent, %d of "
		      "them held for a minute", t->fences, rt, t->rt, held);
	return rt == t->rt - held;
}

/* Fences until the SHORT copy held at the last one (if any) has come. */
static void
settle(struct tally *t, struct rt_run *run, bool even)
{
	for (int i = 0; !fence(t, run, even); i++)
		ck_assert_msg(i < SETTLE_ROUNDS, "a SHORT copy never came "
			      "after %d fences", i);
}

/* Have the application make n orphans. */
static void
orphans(struct rt_run *run, int n)
{
	char line[64];

	snprintf(line, sizeof(line), "orphans %d\n", n);
	rt_send(run, line);
}



/* "checked=K zombies=Z left=L rounds=R": Z and L, asserted here. */
static int
check(struct rt_run *run, int k)
{
	char needle[32];
	const char *l;
	int got, z, left, rounds;

	rt_send(run, "check\n");
	snprintf(needle, sizeof(needle), "checked=%d ", k);
	l = rt_wait_line(run, needle);
	ck_assert_int_eq(sscanf(l, "checked=%d zombies=%d left=%d rounds=%d",
				&got, &z, &left, &rounds), 4);
	if (z != 0 || left != 0)
		rt_dump(run);
	ck_assert_msg(z == 0, "%d zombies in the namespace", z);
	ck_assert_msg(left == 0, "%d processes left to the reaper", left);
	return rounds;
}

struct reaper_state {
	long long rss, anon, file;
	int fds;
};

static struct reaper_state
measure(pid_t reaper)
{
	struct reaper_state m;

	rt_wait_reaper_asleep(reaper);
	m.rss = rt_proc_status(reaper, "VmRSS");
	m.anon = rt_proc_status(reaper, "RssAnon");
	m.file = rt_proc_status(reaper, "RssFile");
	m.fds = rt_fd_count(reaper);
	ck_assert(m.rss > 0 && m.fds > 0);
	return m;
}

/* What the application counted of sig: "got sig=N n=C queued=Q sum=S". */
static void
seen(struct rt_run *run, int sig, int *n, int *queued, long long *sum)
{
	char needle[32];
	const char *l;

	snprintf(needle, sizeof(needle), "got sig=%d ", sig);
	l = strstr(run->out, needle);
	*n = *queued = 0;
	*sum = 0;
	if (l)
		ck_assert_int_eq(sscanf(l + strlen(needle), "n=%d queued=%d "
					"sum=%lld", n, queued, sum), 3);
}

static const char *const mode_name[] = { "command", "library" };

START_TEST(orphans_under_signal_storm)
{
	const struct size *sz = stress_size();
	const long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct reaper_state before, after;
	static struct tally t;
	struct rt_run run;
	int waves, batches, all, zombies, rounds, warm = 0;
	long long t0, t_storm, t_end;

	t0 = rt_now_ms();
	tally_init(&t);
	if (_i == 0) {
		const char *cmd = getenv("REAPER_TEST_COMMAND");
		/* NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one */
		const char *argv[] = { cmd, "--delay-signal=" DELAY_SPEC, "--",
				       rt_helper_path(), "stress", APP_CODE_S,
				       NULL };
		struct rt_opts o;

		ck_assert_msg(cmd, "REAPER_TEST_COMMAND is not set");
		rt_opts_init(&o);
		o.exe = cmd;
		rt_start(&run, &o, argv);
	} else {
		static const char *const envp[] = {
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"HELPER_REPORT_FD=3",
			"REAPER_DELAY_SIGNAL=" DELAY_SPEC, NULL,
		};
		const char *argv[] = { rt_helper_path(), "stress", APP_CODE_S,
				       NULL };
		struct rt_opts o;

		rt_opts_init(&o);
		o.envp = envp;
		rt_start(&run, &o, argv);
	}
	rt_wait_line(&run, "ready=1");

	/* Warm-up: every path of the reaper taken once (each kind forwarded,
	 * in one burst, orphans reaped, round trips), so that the
	 * "before" figures are those of a settled reaper, not of one whose
	 * code and stack pages have yet to be touched. */
	orphans(&run, WARM_ORPHANS);
	rt_wait_line(&run, "orphans_done=1 ");
	/* Past 256 orphans: the storm's signals come through the signalfd
	 * and its orphans are the kernel's to reap, where it can. The switch
	 * follows the drain that reaped the 256th, so it is asserted once
	 * every warm-up orphan is gone (check) and a fence has come back
	 * through the reaper after that drain: orphans_done alone only says
	 * that their parent exited, and under load the reaper was seen not
	 * to have reaped 256 of them yet. */
	check(&run, 1);
	fence(&t, &run, true);
	ck_assert_int_eq(rt_sigchld_ignored(run.pid1), rt_kernel_reaps());
	for (int i = 0; i < t.nk; i++)
		send_one(&t, run.pid1, warm++);
	/* One DELAYED among them: held, the rest through, SHORT too once
	 * its millisecond is over. */
	ck_assert_int_eq(t.sent[DELAYED], 1);
	ck_assert_int_eq(t.sent[SHORT], 1);
	settle(&t, &run, false);
	settle(&t, &run, true);
	before = measure(run.pid1);

	/* The storm. */
	t_storm = rt_now_ms();
	orphans(&run, sz->orphans);
	ck_assert_int_eq(sscanf(rt_wait_line(&run, "spawn=2 "),
				"spawn=2 waves=%d", &waves), 1);
	batches = (sz->signals + BATCH - 1) / BATCH;
	for (int b = 0, i = 0; b < batches; b++) {
		int wave = (int)((long long) b * waves / batches);
		char needle[32];

		if (wave > 0) {
			snprintf(needle, sizeof(needle), "wave=2.%d ", wave);
			rt_wait_line(&run, needle);
		}
		for (int k = 0; k < BATCH && i < sz->signals; k++, i++)
			send_one(&t, run.pid1, warm + i);
		fence(&t, &run, true);
	}
	rt_wait_line(&run, "orphans_done=2 ");
	settle(&t, &run, true);
	ck_assert_int_eq(rt_count(&run, "orphans_done=1 status=0"), 1);
	ck_assert_int_eq(rt_count(&run, "orphans_done=2 status=0"), 1);
	rounds = check(&run, 2);
	after = measure(run.pid1);
	rt_count_children(run.pid1, &all, &zombies);
	t_end = rt_now_ms();

	rt_finish(&run);
	if (rt_exit_code(&run) != APP_CODE || rt_get(&run, "error"))
		rt_dump(&run);
	ck_assert_ptr_null(rt_get(&run, "error"));

	fprintf(stderr, "stress %s/%s: %d orphans (+%d warm-up), %d signals "
		"(+%d warm-up, %d fences), storm %lld ms, total %lld ms\n",
		mode_name[_i], sz->name, sz->orphans, WARM_ORPHANS,
		sz->signals, t.nk, t.fences, t_end - t_storm, t_end - t0);
	fprintf(stderr, "  reaper VmRSS %lld -> %lld kB (anon %lld -> %lld, "
		"file %lld -> %lld), fds %d -> %d, final check rounds %d\n",
		before.rss, after.rss, before.anon, after.anon, before.file,
		after.file, before.fds, after.fds, rounds);
	for (int k = 0; k < t.nk; k++) {
		int sig = t.kinds[k], n, q;
		long long sum;

		seen(&run, sig, &n, &q, &sum);
		fprintf(stderr, "  sig %2d: sent %5d (queued %4d) seen %5d "
			"(queued %4d)\n", sig, t.sent[sig], t.queued[sig], n,
			q);
	}

	/* Every kind arrived; real-time ones exactly as sent, payloads too;
	 * nothing that was not sent, and nothing from another sender. */
	for (int sig = 1; sig < _NSIG; sig++) {
		int n, q;
		long long sum;

		if (sig == SIGRTMAX)
			continue;
		seen(&run, sig, &n, &q, &sum);
		if (!t.sent[sig]) {
			ck_assert_msg(n == 0, "signal %d never sent, seen %d "
				      "times", sig, n);
		} else if (sig >= SIGRTMIN) {
			ck_assert_msg(n == t.sent[sig] && q == t.queued[sig] &&
				      sum == t.sum[sig], "signal %d: sent %d "
				      "(%d queued, sum %lld), seen %d (%d, "
				      "%lld)", sig, t.sent[sig], t.queued[sig],
				      t.sum[sig], n, q, sum);
		} else {
			ck_assert_msg(n >= 1 && n <= t.sent[sig], "signal %d: "
				      "sent %d, seen %d", sig, t.sent[sig], n);
		}
	}
	ck_assert_str_eq(rt_get(&run, "foreign"), "0");
	ck_assert_int_eq(rt_count(&run, "fence="), t.fences);

	/* From the host: the reaper's only child is the application. */
	ck_assert_int_eq(zombies, 0);
	ck_assert_int_eq(all, 1);
	/* Flat: the reaper loop allocates nothing (spec, section 4). */
	ck_assert_msg(after.rss - before.rss <= 2 * page_kb,
		      "reaper VmRSS grew from %lld to %lld kB", before.rss,
		      after.rss);
	ck_assert_int_eq(after.fds, before.fds);
	ck_assert_int_eq(rt_exit_code(&run), APP_CODE);
}
END_TEST

RT_TEST_SUITE(stress, "stress",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc = rt_new_tcase(s, "stress");

	tcase_set_timeout(tc, stress_size()->timeout_s);
	tcase_add_loop_test(tc, orphans_under_signal_storm, 0, 2);
}
