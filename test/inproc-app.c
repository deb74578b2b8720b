/*
 * The program test-inproc executes (as PID 1 of a fresh PID namespace, or
 * as a plain child): a user of reaper_start(), written against the public
 * header only. It runs one scenario and reports facts as "key=value" lines
 * on the fd named by HELPER_REPORT_FD (default 3); the test process
 * judges. It synchronises with pipes, waitid(WNOWAIT) and the status
 * records themselves, never with time.
 *
 * inproc-app [OPTIONS] SCENARIO [ARGS...]
 *   -0  reaper_reap() instead of reaper_start()
 *   -a  REAPER_START_ALWAYS   -s  REAPER_SUBREAPER   -d  REAPER_DEBUG
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app-common.h"
#include "reaper.h"

#define PID_SLOTS (1 << 22)	/* the kernel's highest pid_max */

static unsigned int flags;
static bool use_reap;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report("error=%s (%s)", msg, strerror(errno));
	exit(90);
}

static void
xpipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		fail("pipe2");
}

/* Read exactly len bytes; false at EOF. */
static bool
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *) buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("read");
		if (n == 0)
			return false;
		got += (size_t) n;
	}
	return true;
}

static pid_t
xfork(void)
{
	pid_t p = fork();

	if (p < 0)
		fail("fork");
	return p;
}

/* Block until pid is a zombie (or already reaped: ECHILD), without
 * reaping it. */
static void
wait_exited(pid_t pid, int extra)
{
	siginfo_t si;

	while (waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT | extra) < 0)
		if (errno != EINTR && errno != ECHILD)
			fail("waitid %ld", (long) pid);
		else if (errno == ECHILD)
			return;
}

/*
 * "Threads:" and "SigBlk:" of /proc/self/status or of one thread. No stdio:
 * worker threads call this while others fork, and a FILE on this thread's
 * heap would be a leak in every child valgrind checks at its _exit().
 */
static char *
status_field(pid_t tid, const char *field, char *out, size_t len)
{
	char path[64], buf[4096], *line;
	size_t flen = strlen(field), got = 0;
	ssize_t n;
	int fd;

	if (tid)
		snprintf(path, sizeof(path), "/proc/self/task/%ld/status",
			 (long) tid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	snprintf(out, len, "?");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return out;
	while (got < sizeof(buf) - 1 &&
	       ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t) n;
	close(fd);
	buf[got] = '\0';
	for (line = buf; *line; line++) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			line += flen + 2;
			snprintf(out, len, "%.*s", (int) strcspn(line, "\n"),
				 line);
			break;
		}
		line += strcspn(line, "\n");
		if (!*line)
			break;
	}
	return out;
}

static int
threads(void)
{
	char buf[32];

	return atoi(status_field(0, "Threads", buf, sizeof(buf)));
}

static pid_t
gettid_(void)
{
	return (pid_t) syscall(SYS_gettid);
}

/* Our zombies: children in state Z. */
static int
count_zombies(void)
{
	pid_t self = getpid();

	return app_proc_count(&self, 1, true, -1);
}

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n - 1;	/* the directory's own fd */
}

static int
start(struct reaper_config *cfg)
{
	int r;

	cfg->flags |= flags;
	r = use_reap ? reaper_reap() : reaper_start(cfg);
	report("start=%d errno=%d threads=%d", r, r < 0 ? errno : 0,
	       threads());
	if (r < 0)
		exit(91);
	return r;
}

static void
stop(void)
{
	int r = reaper_stop();

	report("stop=%d errno=%d threads=%d", r, r < 0 ? errno : 0,
	       threads());
}

/* ---- status records: a pipe fed by status_fd or by on_reap ---- */

/* Read end of the records; on_reap writes to rec_w when used. */
static int rec_r = -1, rec_w = -1;

static void
on_reap_to_pipe(pid_t pid, int status, unsigned int f, void *data)
{
	struct reaper_status rec = { pid, status };

	(void) f;
	(void) data;
	/* Blocking: a full pipe makes the reaper wait, which is the point. */
	(void) !write(rec_w, &rec, sizeof(rec));
}

/* Records through status_fd (mode "fd") or on_reap (mode "cb"). */
static void
records_setup(struct reaper_config *cfg, const char *mode)
{
	int p[2];

	xpipe(p);
	rec_r = p[0];
	if (strcmp(mode, "fd") == 0) {
		cfg->status_fd = p[1];
	} else {
		rec_w = p[1];
		cfg->on_reap = on_reap_to_pipe;
	}
}

/* After start(): the reaper has its own copy of status_fd, so ours goes,
 * and the reader sees EOF once reaper_stop() has closed that copy. */
static void
records_started(struct reaper_config *cfg)
{
	if (cfg->status_fd > 0)
		close(cfg->status_fd);
}

/* After stop(): in on_reap mode, close our write end for EOF. */
static void
records_stopped(void)
{
	if (rec_w >= 0)
		close(rec_w);
	rec_w = -1;
}

static struct reaper_status
next_record(void)
{
	struct reaper_status rec;

	if (!read_full(rec_r, &rec, sizeof(rec)))
		fail("records: EOF");
	return rec;
}

/* Wait for the record of pid (-1: the next one); every record read
 * meanwhile is reported. */
static struct reaper_status
record_of(pid_t pid)
{
	for (;;) {
		struct reaper_status rec = next_record();

		report("record pid=%ld status=0x%x", (long) rec.pid,
		       rec.status);
		if (rec.pid == pid || pid == -1)
			return rec;
	}
}

/* Wait until each of the n pids has had its record, in any order. */
static void
await_records(const pid_t *pids, int n)
{
	bool got[8] = { false };
	int left = n;

	while (left) {
		struct reaper_status rec = record_of(-1);

		for (int i = 0; i < n && i < 8; i++)
			if (!got[i] && rec.pid == pids[i]) {
				got[i] = true;
				left--;
			}
	}
}

/* Everything left until EOF (after stop), reported. */
static int
records_rest(void)
{
	struct reaper_status rec;
	int n = 0;

	while (read_full(rec_r, &rec, sizeof(rec))) {
		report("record pid=%ld status=0x%x", (long) rec.pid,
		       rec.status);
		n++;
	}
	return n;
}

/* ---- exactly-once bookkeeping, indexed by pid ---- */

static unsigned char *expect;	/* 0: unknown pid; else its kind */
static unsigned char *seen;	/* records per pid, saturating */
static int *status_seen;	/* status in the last record per pid */
static long bad_pid;

enum kind { KIND_PLAIN = 1, KIND_CODE };	/* exits 0 / pid & 0xff */

static void
tally_init(void)
{
	expect = calloc(PID_SLOTS, 1);
	seen = calloc(PID_SLOTS, 1);
	status_seen = calloc(PID_SLOTS, sizeof(int));
	if (!expect || !seen || !status_seen)
		fail("calloc");
}

/* A record may come before we learn its pid (a worker thread sends it
 * after fork()): statuses are checked at the end. */
static void
tally_record(const struct reaper_status *rec)
{
	if (rec->pid <= 0 || rec->pid >= PID_SLOTS) {
		bad_pid++;
		return;
	}
	if (seen[rec->pid] < 255)
		seen[rec->pid]++;
	status_seen[rec->pid] = rec->status;
}

/* Report expected, reported, duplicates, missing, unexpected. */
static void
tally_report(void)
{
	long expected = 0, reported = 0, dups = 0, missing = 0, unexpected = 0;
	long bad_status = bad_pid;

	for (long p = 0; p < PID_SLOTS; p++) {
		int want = expect[p] == KIND_CODE ? (int)(p & 0xff) << 8 : 0;

		if (seen[p] && status_seen[p] != want)
			bad_status++;
		if (expect[p])
			expected++;
		if (seen[p])
			reported++;
		if (seen[p] > 1)
			dups++;
		if (expect[p] && !seen[p])
			missing++;
		if (!expect[p] && seen[p])
			unexpected++;
	}
	report("expected=%ld reported=%ld dups=%ld missing=%ld unexpected=%ld "
	       "bad_status=%ld", expected, reported, dups, missing, unexpected,
	       bad_status);
}

/* A child that exits at once with pid & 0xff, so its record can be
 * checked against its pid. */
static pid_t
coded_child(void)
{
	pid_t p = xfork();

	if (p == 0)
		_exit(getpid() & 0xff);
	return p;
}

/* ---- scenarios ---- */

/*
 * n orphans: n / per intermediates, each forks per children that exit at
 * once, sends their pids, and exits, so that its children are reparented
 * to us (PID 1). Each of them and each intermediate must be reported
 * exactly once, with its status. The records pile up while we fork: the
 * reaper then waits for us, its slow consumer.
 */
static void
scenario_orphans(long n, const char *mode)
{
	REAPER_CONFIG(cfg);
	long per = n < 100 ? n : 100, mids = n / per, total;
	int pids[2];

	tally_init();
	records_setup(&cfg, mode);
	start(&cfg);
	records_started(&cfg);
	xpipe(pids);
	for (long m = 0; m < mids; m++) {
		pid_t mid = xfork(), got[100];

		if (mid == 0) {
			for (long i = 0; i < per; i++) {
				got[i] = fork();
				if (got[i] < 0)
					_exit(1);
				if (got[i] == 0)
					_exit(getpid() & 0xff);
			}
			/* At most 400 bytes: one atomic pipe write. */
			if (write(pids[1], got, sizeof(pid_t) * (size_t) per) < 0)
				_exit(2);
			_exit(0);
		}
		expect[mid] = KIND_PLAIN;
		if (!read_full(pids[0], got, sizeof(pid_t) * (size_t) per))
			fail("intermediate %ld failed", (long) mid);
		for (long i = 0; i < per; i++)
			expect[got[i]] = KIND_CODE;
	}
	total = mids * (per + 1);
	report("created=%ld", total);
	for (long i = 0; i < total; i++) {
		struct reaper_status rec = next_record();

		tally_record(&rec);
	}
	stop();
	records_stopped();
	report("extra_records=%d", records_rest());
	tally_report();
	report("zombies=%d", count_zombies());
}

/*
 * Slow consumer: a one-page pipe we do not read. The reaper fills it,
 * then must wait with the rest of our children left as zombies, and lose
 * none of them once we read.
 */
static void
scenario_slow(long extra, long room)
{
	REAPER_CONFIG(cfg);
	int p[2], exited[2], queued = 0;
	long cap, n, filler = 0;
	pid_t *kids;
	char c;
	struct timespec t0, t;

	tally_init();
	xpipe(p);
	if (fcntl(p[1], F_SETPIPE_SZ, 4096) < 0)
		fail("F_SETPIPE_SZ");
	cap = fcntl(p[1], F_GETPIPE_SZ) / (long) sizeof(struct reaper_status);
	/* room > 0: records of pid 0 take all but room of the pipe, so that
	 * it fills after room children, not 512 (each costs tens of ms under
	 * valgrind). */
	if (room > 0 && room < cap) {
		static const struct reaper_status none[512];

		filler = cap - room;
		if (filler > 512 || write(p[1], none, sizeof(none[0]) *
					  (size_t) filler) < 0)
			fail("filler");
		cap = room;
	}
	n = cap + extra;
	rec_r = p[0];
	cfg.status_fd = p[1];
	start(&cfg);
	close(p[1]);
	xpipe(exited);
	kids = calloc((size_t) n, sizeof(*kids));
	if (!kids)
		fail("calloc");
	for (long i = 0; i < n; i++) {
		pid_t k = xfork();

		if (k == 0)
			_exit(getpid() & 0xff);	/* closes its exited[1] */
		expect[k] = KIND_CODE;
		kids[i] = k;
	}
	close(exited[1]);
	/* EOF: every child has closed its fds, which exit() does before the
	 * child is a zombie. */
	while (read(exited[0], &c, 1) > 0)
		;
	/* So wait for each to be one (or reaped), or the count below could
	 * miss one still exiting: seen under valgrind on a loaded machine. */
	for (long i = 0; i < n; i++)
		wait_exited(kids[i], 0);
	free(kids);
	/* Wait, with a bound for a clear failure, until the pipe is full:
	 * a condition the reaper reaches on its own, not a delay. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (ioctl(p[0], FIONREAD, &queued) < 0)
			fail("FIONREAD");
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20)
			break;
		sched_yield();
	} while (queued < (filler + cap) * (long) sizeof(struct reaper_status));
	report("capacity=%ld children=%ld queued=%ld", cap, n,
	       queued / (long) sizeof(struct reaper_status) - filler);
	/* The reaper has written cap records and holds the next child: all
	 * the others are still zombies (and the last one written may not be
	 * reaped yet: extra or extra + 1). */
	report("zombies_while_full=%d", count_zombies());
	for (long i = 0; i < filler; i++)
		if (next_record().pid != 0)
			fail("filler: a record before it");
	for (long i = 0; i < n; i++) {
		struct reaper_status rec = next_record();

		tally_record(&rec);
	}
	stop();
	report("extra_records=%d", records_rest());
	tally_report();
	report("zombies=%d", count_zombies());
}

/* A child that waits for EOF on gate, optionally moves into group pgid
 * first (both sides call setpgid, so no race), then exits with code. */
static pid_t
gated_child(int gate[2], pid_t pgid, int code)
{
	pid_t p = xfork();
	char c;

	if (p == 0) {
		close(gate[1]);
		if (pgid >= 0)
			(void) setpgid(0, pgid);
		while (read(gate[0], &c, 1) > 0)
			;
		_exit(code);
	}
	if (pgid >= 0)
		(void) setpgid(p, pgid ? pgid : p);
	return p;
}

/* wait4 pid -G: only group G is reaped; our other child stays ours. */
static void
scenario_pgroup(void)
{
	REAPER_CONFIG(cfg);
	int gate[2], st = -1;
	pid_t lead, member, other, w;

	xpipe(gate);
	lead = gated_child(gate, 0, 3);		/* leads group lead */
	member = gated_child(gate, lead, 4);	/* joins it */
	other = gated_child(gate, -1, 5);	/* stays in ours */
	report("lead=%ld member=%ld other=%ld", (long) lead, (long) member,
	       (long) other);
	cfg.pid = -lead;
	records_setup(&cfg, "cb");
	start(&cfg);
	close(gate[1]);
	wait_exited(other, 0);
	await_records((pid_t[]){ lead, member }, 2);
	/* other exited before both records: its SIGCHLD woke the reaper,
	 * which did not touch it. It is still ours to wait for. */
	w = waitpid(other, &st, WNOHANG);
	report("own_wait=%d own_status=0x%x", w == other, st);
	stop();
	records_stopped();
	report("extra_records=%d", records_rest());
}

static int
clone_child(void *arg)
{
	(void) arg;
	_exit(9);
}

/*
 * wait4 options: a clone child (exit signal 0, so no SIGCHLD) is reaped
 * only with __WALL; a plain child's SIGCHLD wakes the reaper for both.
 */
static void
scenario_options(const char *which)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	REAPER_CONFIG(cfg);
	bool all = strcmp(which, "wall") == 0;
	pid_t cl, plain, w;
	int st = -1;

	cfg.options = all ? __WALL : 0;
	records_setup(&cfg, "cb");
	start(&cfg);
	cl = clone(clone_child, stack + sizeof(stack), 0, NULL);
	if (cl < 0)
		fail("clone");
	wait_exited(cl, __WALL);
	plain = xfork();
	if (plain == 0)
		_exit(8);
	report("clone=%ld plain=%ld", (long) cl, (long) plain);
	await_records((pid_t[]){ plain, cl }, all ? 2 : 1);
	stop();
	w = waitpid(cl, &st, WNOHANG | __WALL);
	report("own_wait_clone=%d own_status=0x%x errno=%d", w == cl, st,
	       w < 0 ? errno : 0);
	records_stopped();
	report("extra_records=%d", records_rest());
}

/*
 * PID-1 check: report whether a thread started, then leave an orphan
 * (exit 3, once its parent has exited 0): the test reads their reaping in
 * the debug log, then says on stdin when to count our zombies.
 */
static void
scenario_pid1(void)
{
	REAPER_CONFIG(cfg);
	char buf[16];
	int out[2];
	pid_t mid, orphan = 0;

	start(&cfg);
	xpipe(out);
	mid = xfork();
	if (mid == 0) {
		int gate[2];
		pid_t g;
		char c;

		if (pipe(gate) < 0)
			_exit(1);
		g = fork();
		if (g == 0) {
			close(gate[1]);
			while (read(gate[0], &c, 1) > 0)
				;	/* EOF: our parent is gone */
			_exit(3);
		}
		(void) !write(out[1], &g, sizeof(g));
		_exit(g < 0);
	}
	if (!read_full(out[0], &orphan, sizeof(orphan)))
		fail("orphan pid");
	wait_exited(mid, 0);	/* a zombie, or reaped already */
	report("mid=%ld orphan=%ld", (long) mid, (long) orphan);
	report("ready=1");
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	report("zombies=%d", count_zombies());
	stop();
}

/*
 * Child subreaper outside PID 1: a grandchild whose parent died comes to
 * us, and is reported; the attribute is given back at stop.
 */
static void
scenario_subreaper(bool preset)
{
	REAPER_CONFIG(cfg);
	int out[2], sr = -1;
	pid_t mid, orphan = 0;

	if (preset && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("PR_SET_CHILD_SUBREAPER");
	records_setup(&cfg, "cb");
	start(&cfg);
	(void) prctl(PR_GET_CHILD_SUBREAPER, &sr);
	report("subreaper_running=%d", sr);
	xpipe(out);
	mid = xfork();
	if (mid == 0) {
		pid_t g = fork();

		if (g == 0)
			_exit(3);
		(void) !write(out[1], &g, sizeof(g));
		_exit(g < 0);
	}
	close(out[1]);
	if (!read_full(out[0], &orphan, sizeof(orphan)))
		fail("orphan");
	/* Its parent exits at once: then only a subreaper (us) or init can
	 * reap it, so its record is the proof that it came to us. */
	report("orphan=%ld", (long) orphan);
	await_records((pid_t[]){ mid, orphan }, 2);
	stop();
	sr = -1;
	(void) prctl(PR_GET_CHILD_SUBREAPER, &sr);
	report("subreaper_after=%d", sr);
}

static int handler_pipe[2];

static void
program_handler(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;

	(void) sig;
	(void) si;
	(void) ctx;
	(void) !write(handler_pipe[1], "h", 1);
	errno = saved;
}

/*
 * Stop and start again: the program's own SIGCHLD handler is chained
 * while the reaper runs and is its disposition again after stop; threads
 * and fds are as before; a child that exits while stopped stays a zombie
 * until the next start reports and reaps it, once.
 */
static void
scenario_restart(void)
{
	REAPER_CONFIG(cfg);
	struct sigaction sa, cur;
	int fds0, fds1, threads0, z;
	pid_t a, b;
	char h;

	xpipe(handler_pipe);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = program_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		fail("sigaction");
	records_setup(&cfg, "cb");
	fds0 = fd_count();
	threads0 = threads();

	start(&cfg);
	a = xfork();
	if (a == 0)
		_exit(1);
	report("first=%ld", (long) a);
	(void) record_of(a);
	if (!read_full(handler_pipe[0], &h, 1))
		fail("handler");
	report("chained_while_running=1");
	stop();
	sigaction(SIGCHLD, NULL, &cur);
	report("handler_restored=%d", (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == program_handler);
	fds1 = fd_count();
	report("fds_before=%d fds_after=%d threads_before=%d threads_after=%d",
	       fds0, fds1, threads0, threads());

	b = xfork();
	if (b == 0)
		_exit(2);
	report("second=%ld", (long) b);
	wait_exited(b, 0);
	if (!read_full(handler_pipe[0], &h, 1))
		fail("handler");
	z = count_zombies();
	report("zombies_while_stopped=%d", z);

	start(&cfg);
	(void) record_of(b);
	stop();
	records_stopped();
	report("extra_records=%d", records_rest());
	report("zombies=%d", count_zombies());
}

/* SIGCHLD was SIG_IGN (the kernel reaped): the reaper still reports, and
 * SIG_IGN is back after stop. */
static void
scenario_ignored(void)
{
	REAPER_CONFIG(cfg);
	struct sigaction cur;
	pid_t c;

	signal(SIGCHLD, SIG_IGN);
	records_setup(&cfg, "cb");
	start(&cfg);
	c = coded_child();
	report("child=%ld", (long) c);
	(void) record_of(c);
	stop();
	sigaction(SIGCHLD, NULL, &cur);
	report("ignored_after=%d", !(cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_handler == SIG_IGN);
	records_stopped();
	report("extra_records=%d", records_rest());
}

/* Idle: started, then nothing happens until stdin reaches EOF. */
static void
scenario_idle(void)
{
	REAPER_CONFIG(cfg);
	char buf[16];

	start(&cfg);
	report("ready=1");
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	stop();
}

/* ---- worker threads that fork ---- */

#define WORKERS 4

/* Children each worker forks: argument of "threads", 250 by default. */
static long per_worker = 250;

struct worker {
	pthread_t thread;
	int gate;		/* read end: EOF means go */
	int pids;		/* write end: our children's pids */
	pid_t tid;
	char mask[32];
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char c;

	w->tid = gettid_();
	while (read(w->gate, &c, 1) > 0)
		;
	for (long i = 0; i < per_worker; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(getpid() & 0xff);
		if (p < 0 || write(w->pids, &p, sizeof(p)) != sizeof(p))
			break;
	}
	status_field(w->tid, "SigBlk", w->mask, sizeof(w->mask));
	return NULL;
}

/* The reaper thread: the one task that is neither main nor a worker. */
static pid_t
find_reaper_tid(const struct worker *w, int nw)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	pid_t found = 0;

	while (d && (de = readdir(d))) {
		pid_t t = (pid_t) atol(de->d_name);
		bool known = t == 0 || t == getpid();

		for (int i = 0; i < nw; i++)
			known |= t == w[i].tid;
		if (!known)
			found = t;
	}
	if (d)
		closedir(d);
	return found;
}

/* The system call tid is blocked in, and its first argument. */
static long
blocked_syscall(pid_t tid, unsigned long *arg)
{
	char path[64], buf[128] = "";
	ssize_t n;
	long nr = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", (long) tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || sscanf(buf, "%ld %lx", &nr, arg) != 2)
		return -1;
	return nr;
}

/*
 * SigBlk of the reaper thread while it sleeps in its read() of the eventfd.
 * When it runs, and under valgrind also while it waits for valgrind's lock,
 * the kernel's mask is not the one the library set, so read it between two
 * looks at the same sleep.
 */
static void
reaper_mask_asleep(pid_t tid, char *out, size_t len)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		unsigned long a1 = 0, a2 = 0;
		char path[64], link[64] = "";
		long n1 = blocked_syscall(tid, &a1);

		snprintf(path, sizeof(path), "/proc/self/fd/%lu", a1);
		if (n1 == SYS_read &&
		    readlink(path, link, sizeof(link) - 1) > 0 &&
		    strcmp(link, "anon_inode:[eventfd]") == 0) {
			status_field(tid, "SigBlk", out, len);
			if (blocked_syscall(tid, &a2) == n1 && a2 == a1)
				return;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 60)
			fail("the reaper thread never slept in read(eventfd)");
		sched_yield();
	}
}

/*
 * Workers started before and after reaper_start() fork children; every
 * thread of the program blocks SIGCHLD (its choice), yet every child is
 * reaped and reported once, and no thread's mask is changed by us.
 */
static void
scenario_threads(void)
{
	REAPER_CONFIG(cfg);
	struct worker w[WORKERS];
	int gate[2], pids[2];
	char before[32], after_start[32], after_stop[32], reaper_mask[32];
	sigset_t set;
	long got_pids = 0, got_recs = 0, total = WORKERS * per_worker;
	pid_t reaper_tid;

	tally_init();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	status_field(gettid_(), "SigBlk", before, sizeof(before));
	xpipe(gate);
	xpipe(pids);
	records_setup(&cfg, "fd");
	for (int i = 0; i < WORKERS; i++) {
		w[i].gate = gate[0];
		w[i].pids = pids[1];
		w[i].tid = 0;
		if (i == WORKERS / 2) {
			start(&cfg);
			records_started(&cfg);
			status_field(gettid_(), "SigBlk", after_start,
				     sizeof(after_start));
		}
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			fail("pthread_create");
	}
	close(gate[1]);
	while (got_pids < total || got_recs < total) {
		struct pollfd pf[2] = {
			{ .fd = got_pids < total ? pids[0] : -1,
			  .events = POLLIN },
			{ .fd = got_recs < total ? rec_r : -1,
			  .events = POLLIN },
		};

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			fail("poll");
		if (pf[0].revents & POLLIN) {
			pid_t p;

			if (!read_full(pids[0], &p, sizeof(p)))
				fail("pids");
			expect[p] = KIND_CODE;
			got_pids++;
		}
		if (pf[1].revents & POLLIN) {
			struct reaper_status rec = next_record();

			tally_record(&rec);
			got_recs++;
		}
	}
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i].thread, NULL);
	reaper_tid = find_reaper_tid(w, WORKERS);
	reaper_mask_asleep(reaper_tid, reaper_mask, sizeof(reaper_mask));
	stop();
	status_field(gettid_(), "SigBlk", after_stop, sizeof(after_stop));
	report("extra_records=%d", records_rest());
	tally_report();
	report("zombies=%d", count_zombies());
	report("mask_before=%s", before);
	report("mask_after_start=%s", after_start);
	report("mask_after_stop=%s", after_stop);
	for (int i = 0; i < WORKERS; i++)
		report("worker_mask=%s", w[i].mask);
	report("reaper_mask=%s", reaper_mask);
}

/* ---- the caveat, and the hatch ---- */

static int stall_pipe[2], open_pipe[2], shell_gate[2];

/* The shell's fd for shell_gate[0]. */
#define SHELL_GATE_FD 9
#define SHELL "kill -USR1 $PPID; read go <&9; exit 7"

/*
 * SIGUSR1 from system()'s shell, in the thread that runs system(): say
 * so, let the shell exit, then wait until the main thread lets us go back
 * to waitpid(). The shell waits for us to be here, in the handler, before
 * it exits: had it exited at once, this thread's waitpid() could have
 * reaped it before handling the signal.
 */
static void
stall(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	pid_t from = si->si_pid;
	char c;

	(void) sig;
	(void) ctx;
	(void) !write(stall_pipe[1], &from, sizeof(from));
	(void) !write(shell_gate[1], "g\n", 2);
	(void) !read(open_pipe[0], &c, 1);
	errno = saved;
}

struct sys_call {
	bool hold;
	int status;
	int err;
	int hold_r;
	int release_r;
};

static void *
system_thread(void *arg)
{
	struct sys_call *s = arg;
	sigset_t usr1;

	/* The only thread with SIGUSR1 open: the stall lands here. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	if (s->hold)
		s->hold_r = reaper_hold();
	errno = 0;
	s->status = system(SHELL);
	s->err = errno;
	if (s->hold)
		s->release_r = reaper_release();
	return NULL;
}

/*
 * system() in a worker thread, its shell stalled (through a signal
 * handler in that thread) until the shell has exited and we have decided
 * the race ourselves:
 *  - caveat: we wait for the reaper's record of the shell and stop the
 *    reaper, which finishes that reap; only then does system() get to
 *    waitpid(): it finds nothing (-1, ECHILD), deterministically.
 *  - hatch: system() runs inside reaper_hold(); we let it go once the
 *    shell and another child of ours are zombies. system() gets 7; the
 *    other child is reaped and reported after reaper_release().
 */
static void
scenario_system(bool hatch)
{
	REAPER_CONFIG(cfg);
	struct sys_call s = { .hold = hatch, .status = -2 };
	struct sigaction sa;
	sigset_t usr1;
	pthread_t t;
	pid_t shell, other = 0;

	xpipe(stall_pipe);
	xpipe(open_pipe);
	xpipe(shell_gate);
	/* Every end away from SHELL_GATE_FD first: the dup2() below would
	 * close whichever sat there, and that depends on the fds we started
	 * with: under valgrind, whose log file holds a low fd, it was
	 * open_pipe's write end, so the handler read EOF at once and
	 * system() could reap the shell before the reaper did. */
	for (int i = 0; i < 6; i++) {
		int *fd = i < 2 ? &stall_pipe[i] : i < 4 ? &open_pipe[i - 2]
							  : &shell_gate[i - 4];
		int moved = fcntl(*fd, F_DUPFD_CLOEXEC, 20);

		if (moved < 0)
			fail("F_DUPFD_CLOEXEC");
		close(*fd);
		*fd = moved;
	}
	/* Inherited by the shell (and, harmlessly, by other children). */
	if (dup2(shell_gate[0], SHELL_GATE_FD) < 0)
		fail("dup2");
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = stall;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	records_setup(&cfg, "cb");
	start(&cfg);
	if (pthread_create(&t, NULL, system_thread, &s))
		fail("pthread_create");
	if (!read_full(stall_pipe[0], &shell, sizeof(shell)))
		fail("stall");
	report("shell=%ld", (long) shell);
	if (!hatch) {
		struct reaper_status rec = record_of(shell);

		report("reaper_got_shell=0x%x", rec.status);
		stop();		/* joins: the reap of the shell is done */
	} else {
		other = coded_child();
		report("other=%ld", (long) other);
		wait_exited(shell, 0);
		wait_exited(other, 0);
		report("both_zombies=1");
	}
	(void) !write(open_pipe[1], "g", 1);
	pthread_join(t, NULL);
	report("system=%d errno=%d exit=%d", s.status, s.err,
	       s.status >= 0 && WIFEXITED(s.status) ? WEXITSTATUS(s.status)
						    : -1);
	if (hatch) {
		report("hold=%d release=%d", s.hold_r, s.release_r);
		(void) record_of(other);
		stop();
	}
	records_stopped();
	report("extra_records=%d", records_rest());
	report("zombies=%d", count_zombies());
}

int
main(int argc, char **argv)
{
	const char *fd_env = getenv("HELPER_REPORT_FD");
	int opt;

	if (fd_env)
		report_fd = atoi(fd_env);
	while ((opt = getopt(argc, argv, "+0ads")) != -1) {
		switch (opt) {
		case '0': use_reap = true; break;
		case 'a': flags |= REAPER_START_ALWAYS; break;
		case 'd': flags |= REAPER_DEBUG; break;
		case 's': flags |= REAPER_SUBREAPER; break;
		default: return 92;
		}
	}
	report("pid=%ld", (long) getpid());

	const char *sc = optind < argc ? argv[optind] : "idle";
	const char *a1 = optind + 1 < argc ? argv[optind + 1] : "";
	const char *a2 = optind + 2 < argc ? argv[optind + 2] : "";

	if (strcmp(sc, "orphans") == 0)
		scenario_orphans(atol(a1), a2);
	else if (strcmp(sc, "slow") == 0)
		scenario_slow(atol(a1), atol(a2));
	else if (strcmp(sc, "pgroup") == 0)
		scenario_pgroup();
	else if (strcmp(sc, "options") == 0)
		scenario_options(a1);
	else if (strcmp(sc, "pid1") == 0)
		scenario_pid1();
	else if (strcmp(sc, "subreaper") == 0)
		scenario_subreaper(strcmp(a1, "preset") == 0);
	else if (strcmp(sc, "restart") == 0)
		scenario_restart();
	else if (strcmp(sc, "ignored") == 0)
		scenario_ignored();
	else if (strcmp(sc, "idle") == 0)
		scenario_idle();
	else if (strcmp(sc, "threads") == 0) {
		if (*a1)
			per_worker = atol(a1);
		scenario_threads();
	}
	else if (strcmp(sc, "caveat") == 0)
		scenario_system(false);
	else if (strcmp(sc, "hatch") == 0)
		scenario_system(true);
	else {
		report("error=unknown scenario %s", sc);
		return 94;
	}
	report("done=1");
	return 0;
}
