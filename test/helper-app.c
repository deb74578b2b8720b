/*
 * The one program the tests execute. It calls reaper_fork_self() (or the
 * _opts form) first, exactly as a user's main() would, then runs a
 * scenario and reports facts as "key=value" lines on the fd named by
 * HELPER_REPORT_FD (default 3). It never judges: the test process asserts.
 *
 * helper-app [OPTIONS] SCENARIO [ARGS...]
 *   -a  REAPER_SPLIT_ALWAYS     -s  REAPER_SUBREAPER     -d  REAPER_DEBUG
 *   -g  REAPER_SIGNAL_GROUP     -m NAME  marker          -r SPEC  rewrite
 *   -G MS  grace_ms             -P SIG  pdeathsig        -e CODE  exit_zero
 *   -n  on_reap prints "reaped pid=P status=S app=A" on stderr
 *   -c  REAPER_NO_CONTINUE      -W  REAPER_WAIT_LEFTOVERS
 *   -D SPEC  delay_signal ("TERM:5000")
 *   -X  make execve fail (seccomp) before the call
 *   -U  unlink our own executable before the call
 *   -k SIG  block SIG and send it to ourselves before the call, so it is
 *           pending across the split (it must still reach the application)
 *   -0  call plain reaper_fork_self() (the default when no option is given)
 *   -C FDS  close these fds ("012": stdin, stdout, stderr) before the call
 *   -F FREE RLIMIT_NOFILE 64, every fd below it open but the FREE highest
 *   -A SLACK grow the environment until the split's re-exec is SLACK
 *           bytes under the kernel's argv+environment limit (< 0: over)
 *   -N  apply -C/-F/-A, then exec the remaining arguments (no call)
 *
 * Fault scenarios (test-faults): envsum, stdfds CODE, stop CODE,
 * storm LAST CODE, reuse CODE.
 *
 * Scenarios: exit CODE, raise SIG, info, waitpid, orphans N, signals,
 * leftovers CODE, wait, groupsig, pdeath SIG, orphans-hold N CODE,
 * spawn PROGRAM [ARG...], stress CODE.
 *
 * Shutdown scenarios (test-shutdown): watch, groupstop, daemons CODE KINDS.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app-common.h"
#include "exec-limit.h"
#include "reaper.h"

extern char **environ;

static void
hex(char *out, const char *s)
{
	static const char d[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = d[(unsigned char) *s >> 4];
		*out++ = d[(unsigned char) *s & 15];
	}
	*out = '\0';
}

static void
on_reap(pid_t pid, int status, unsigned int flags, void *data)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "reaped pid=%ld status=%d app=%d\n",
			 (long) pid, status,
			 (flags & REAPER_REAPED_APPLICATION) ? 1 : 0);

	(void) data;
	(void) !write(STDERR_FILENO, line, (size_t) n);
}

static void
deny_exec(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execve, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = { .len = 5, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		report("error=seccomp %s", strerror(errno));
		exit(90);
	}
}

/* "SigBlk:\t0000000000000000" from /proc/self/status. */
static void
report_status_field(const char *field)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	size_t len = strlen(field);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			line[strcspn(line, "\n")] = '\0';
			report("%s=%s", field, line + len + 2);
		}
	fclose(f);
}

static void
report_basics(void)
{
	const char *m = getenv("REAPER");
	const char *lp = getenv("LISTEN_PID");

	report("pid=%ld", (long) getpid());
	report("ppid=%ld", (long) getppid());
	report("sid=%ld", (long) getsid(0));
	report("pgid=%ld", (long) getpgrp());
	report("marker=%s", m ? m : "(none)");
	report("listen_pid=%s", lp ? lp : "(none)");
	report_status_field("SigBlk");
	report_status_field("SigIgn");
	report_status_field("SigCgt");
}

static void
scenario_info(void)
{
	char buf[PATH_MAX * 2 + 1], cwd[PATH_MAX];
	int fd;
	ssize_t n;
	char raw[65536];

	/* argv exactly as the kernel has it for us, hex per argument. */
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, raw, sizeof(raw) - 1) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t off = 0; n > 0 && off < n;) {
		size_t l = strlen(raw + off);

		if (l * 2 < sizeof(buf)) {
			hex(buf, raw + off);
			report("arg=%s", buf);
		}
		off += (ssize_t) l + 1;
	}
	for (char **e = environ; *e; e++) {
		if (strlen(*e) * 2 < sizeof(buf)) {
			hex(buf, *e);
			report("env=%s", buf);
		}
	}
	if (getcwd(cwd, sizeof(cwd)))
		report("cwd=%s", cwd);
	/* Open fds of the application. */
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			report("fd=%s", de->d_name);
	if (d)
		closedir(d);
}

/* Our own children: waitpid() and system() must see their statuses. */
static void
scenario_waitpid(void)
{
	pid_t c = fork();
	int st = -1;
	char *const argv[] = { "/bin/sh", "-c", "exit 9", NULL };
	pid_t sp;

	if (c == 0)
		_exit(7);
	report("waitpid_ret=%d", waitpid(c, &st, 0) == c ? 1 : 0);
	report("waitpid=%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	st = system("exit 5");
	report("system=%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	st = system("printenv REAPER >/dev/null");
	report("system_marker=%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (posix_spawn(&sp, argv[0], NULL, NULL, argv, environ) == 0 &&
	    waitpid(sp, &st, 0) == sp)
		report("posix_spawn=%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	FILE *p = popen("echo hi; exit 3", "r");
	char line[16] = "";

	if (p) {
		(void) !fgets(line, sizeof(line), p);
		st = pclose(p);
		report("popen=%d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

/* Count zombies whose parent is our reaper or us: outside a PID namespace
 * /proc is the whole host, and strangers' zombies are not ours. */
static int
count_zombies(void)
{
	pid_t ours[2] = { getppid(), getpid() };

	return app_proc_count(ours, 2, true, -1);
}

/*
 * Round trip through the reaper: send it SIGRTMAX and wait until it has
 * been forwarded back to us. The reaper reads standard signals (SIGCHLD)
 * before real-time ones, so once this returns it has drained every child
 * that had exited when we sent.
 */
static void
barrier(void)
{
	sigset_t set;
	int sig = SIGRTMAX;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMAX);
	sigaddset(&set, SIGRTMAX - 1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Valgrind keeps SIGRTMAX for itself: kill() is EINVAL there, and
	 * a sigwait() for it would never return. */
	if (kill(getppid(), sig) < 0 && errno == EINVAL)
		kill(getppid(), --sig);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigwait(&set, &sig);
}

/* Wait until pid has exited (is a zombie or gone): a pidfd becomes
 * readable then. Without pidfds (old kernels, valgrind) return at once. */
static void
wait_exited(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };

	p.fd = (int) syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return;		/* ESRCH: already reaped */
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	close(p.fd);
}

/* n orphans that exit at once; then wait until none is left as a zombie. */
static void
scenario_orphans(int n)
{
	int fds[2], z = -1, rounds;
	pid_t orphan;

	if (pipe(fds) < 0)
		exit(91);
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			report("error=fork %s", strerror(errno));
			break;
		}
		if (p == 0) {
			close(fds[0]);
			if (report_fd != fds[1])
				close(report_fd);
			if (fork() == 0) {
				/* grandchild: an orphan */
				orphan = getpid();
				(void) !write(fds[1], &orphan, sizeof(orphan));
				_exit(0);
			}
			_exit(0);
		}
		(void) waitpid(p, NULL, 0);
	}
	close(fds[1]);
	/* EOF once every orphan has closed the pipe, which it does early in
	 * exit(), before it is a zombie and before its parent hears of it:
	 * wait for each exit to complete, or the reaper might not have been
	 * told of all of them when we report and leave. */
	while (read(fds[0], &orphan, sizeof(orphan)) == sizeof(orphan))
		wait_exited(orphan);
	close(fds[0]);
	for (rounds = 0; rounds < 1000; rounds++) {
		z = count_zombies();
		if (z == 0)
			break;
		barrier();
	}
	report("zombies=%d", z);
	report("rounds=%d", rounds);
}

/* Block all we may be forwarded, to read it from a signalfd; faults stay
 * deliverable so a crash still shows as one. */
static void
block_catchable(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigprocmask(SIG_BLOCK, set, NULL);
}

/* What ends a program that does not handle it: the signals after which
 * the reaper sends SIGCONT to a stopped application. */
static bool
terminating(unsigned int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP ||
	       sig == SIGQUIT;
}

/* Report every signal until stdin reaches EOF: "sig=N code=C val=V pid=P",
 * or "member=WHO sig=N pid=P" when who is set. Pending signals are read
 * before EOF is acted on, so a signal that arrived is always reported.
 * With until_terminating, a terminating signal ends the watch too, once
 * reported. */
static void
watch_signals(const char *who, int sfd, bool until_terminating)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		char buf[64];

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (who)
				report("member=%s sig=%u pid=%u", who,
				       si.ssi_signo, si.ssi_pid);
			else
				report("sig=%u code=%d val=%d pid=%u",
				       si.ssi_signo, si.ssi_code, si.ssi_int,
				       si.ssi_pid);
			if (until_terminating && terminating(si.ssi_signo))
				return;
			continue;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL) &&
		    read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			return;
	}
}

/*
 * Record the signals we get until stdin reaches EOF. Everything the
 * reaper may forward is blocked and read from a signalfd, so we see each
 * kind, its si_code and a sigqueue() value.
 */
static void
scenario_signals(void)
{
	sigset_t set;
	int sfd;

	block_catchable(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	report("ready=1");
	watch_signals(NULL, sfd, false);
}

/*
 * Two members of the application's process group: the application and a
 * child that stays in it (what REAPER_SIGNAL_GROUP must reach). Signals
 * are blocked before fork(), so nothing sent once "ready=1" is out can act
 * on either or be missed. The application reaps the child before leaving.
 */
static void
scenario_groupsig(void)
{
	sigset_t set;
	pid_t c;
	int sfd;

	block_catchable(&set);
	c = fork();
	if (c < 0) {
		report("error=fork %s", strerror(errno));
		exit(91);
	}
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (c == 0) {
		report("member=child pid=%ld pgid=%ld", (long) getpid(),
		       (long) getpgrp());
		watch_signals("child", sfd, false);
		_exit(0);
	}
	report("ready=1");
	watch_signals("app", sfd, false);
	(void) waitpid(c, NULL, 0);
}

static volatile sig_atomic_t got_term;

static void
on_term(int sig)
{
	got_term = sig;
}

/*
 * Leave leftovers behind and exit with code: one that traps SIGTERM
 * (reports it, then exits 0), one that ignores it, one in its own session.
 * Each says "leftover=KIND pid=P" before the application exits.
 */
static void
scenario_leftovers(int code)
{
	static const char *kinds[] = { "trap", "ignore", "setsid" };
	int ready[2];
	char c;

	if (pipe(ready) < 0)
		exit(91);
	for (size_t k = 0; k < 3; k++) {
		pid_t p = fork();

		if (p != 0)
			continue;
		close(ready[0]);
		if (k == 0) {
			signal(SIGTERM, on_term);
		} else if (k == 1) {
			signal(SIGTERM, SIG_IGN);
		} else {
			setsid();
			signal(SIGTERM, on_term);
		}
		sigset_t term, none;

		/* SIGTERM stays blocked except inside sigsuspend(): one that
		 * lands between the check and the wait is not lost. */
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &term, NULL);
		report("leftover=%s pid=%ld", kinds[k], (long) getpid());
		close(ready[1]);
		while (!got_term)
			sigsuspend(&none);
		report("leftover_got=%s sig=%d", kinds[k], (int) got_term);
		_exit(0);
	}
	close(ready[1]);
	while (read(ready[0], &c, 1) > 0)
		;
	exit(code);
}

/* Block until stdin reaches EOF, with the signals we are told to catch
 * reported as they arrive (parent-death signal test). */
static void
scenario_wait_stdin(void)
{
	char buf[64];

	report("ready=1");
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

static void
scenario_pdeath(int sig)
{
	sigset_t set;
	int got;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	report("ready=1");
	sigwait(&set, &got);
	report("pdeath=%d ppid_now=%ld", got, (long) getppid());
}

/* ------------------------------------------------------------------ */
/* Fault injection (test-faults.c)                                      */

/* The RLIMIT_NOFILE that -F sets: small enough to fill quickly. */
#define FAULT_NOFILE 64

/* Open fds below the soft RLIMIT_NOFILE, counted without opening one
 * (the table may be full). */
static int
count_open_fds(void)
{
	struct rlimit rl;
	int n = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	for (int fd = 0; fd < (int) rl.rlim_cur; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* -C: close each fd named by a digit, as a user who started us with
 * them closed would leave them. */
static void
close_fds(const char *which)
{
	for (; *which; which++)
		if (*which >= '0' && *which <= '9')
			(void) close(*which - '0');
}

/* -F FREE: RLIMIT_NOFILE = FAULT_NOFILE and every slot below it taken
 * by an inheritable /dev/null (the user's own fds), but the FREE highest. */
static void
fill_fds(int free_slots)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		exit(96);
	rl.rlim_cur = FAULT_NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		exit(96);
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	if (errno != EMFILE)
		exit(96);
	for (int i = 0; i < free_slots; i++)
		(void) close(FAULT_NOFILE - 1 - i);
}

/* "<prefix>envsum=COUNT/BYTES/HASH" and the same for argv ("argsum"). */
static void
report_sums(const char *prefix, char **argv)
{
	char sums[64];

	rt_sums(sums, sizeof(sums), (const char *const *) environ);
	report("%senvsum=%s", prefix, sums);
	rt_sums(sums, sizeof(sums), (const char *const *) argv);
	report("%sargsum=%s", prefix, sums);
}

/* What execve(filename, argv, environ) takes of rt_rt_exec_limit(), with
 * one extra variable of extra bytes. */
static long
exec_cost(const char *filename, char **argv, size_t extra)
{
	return rt_exec_cost(filename, (const char *const *) argv,
			    (const char *const *) environ, extra);
}

/*
 * -A SLACK: grow the environment (setenv, as a program may before the
 * call) until the split's re-exec, execveat(exe fd, "") with the marker
 * "REAPER=<pid>" added, is SLACK bytes under the kernel's limit (over it
 * when SLACK < 0). Reports "orig_envsum"/"orig_argsum" and the numbers.
 */
static void
pad_env(long slack, char **argv)
{
	char fn[32], marker[32], name[16];
	static char val[100001];
	long need, cost;
	int probe, k = 0;

	/* The re-exec names the binary by the fd it opens first, the lowest
	 * free one: the kernel calls it /dev/fd/N. */
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	snprintf(fn, sizeof(fn), "/dev/fd/%d", probe);
	if (probe >= 0)
		close(probe);
	snprintf(marker, sizeof(marker), "REAPER=%ld", (long) getpid());
	cost = exec_cost(fn, argv, strlen(marker));
	need = rt_exec_limit() - slack - cost;
	while (need > 0) {
		/* "PADk=" + value + NUL + the pointer */
		long fixed = snprintf(name, sizeof(name), "PAD%d", k) + 2 +
			     (long) sizeof(char *);
		long v = need - fixed;

		/* A last variable too short to exist: leave room for it. */
		if (v > 100000 && v - 100000 < 64)
			v = 100000 - 64;
		if (v > 100000)
			v = 100000;
		if (v < 0)
			break;
		memset(val, 'a' + k % 26, (size_t) v);
		val[v] = '\0';
		if (setenv(name, val, 1) < 0)
			exit(96);
		need -= fixed + v;
		k++;
	}
	report("padded=%d limit=%ld cost=%ld", k, rt_exec_limit(),
	       exec_cost(fn, argv, strlen(marker)));
	report_sums("orig_", argv);
}

/* fd0..fd2 as /proc shows them ("closed" when not open), the number of
 * open fds, then exit with code. */
static void
scenario_stdfds(int code)
{
	for (int fd = 0; fd < 3; fd++) {
		char path[32], target[256];
		ssize_t n;

		if (fcntl(fd, F_GETFD) < 0) {
			report("fd%d=closed", fd);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		report("fd%d=%s", fd, n > 0 ? target : "open");
	}
	report("nfds=%d", count_open_fds());
	exit(code);
}

/* Stop ourselves; once continued, exit with code. */
static void
scenario_stop(int code)
{
	report("stopping=1");
	raise(SIGSTOP);
	/* cppcheck-suppress unreachableCode ; raise() returns once continued */
	report("continued=1");
	exit(code);
}

/*
 * Read forwarded signals one at a time: "q=V" for a sigqueue() value,
 * "sig=N" for anything else; exit with code right after q=last, while
 * the test goes on sending.
 */
static void
scenario_storm(int last, int code)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd;

	block_catchable(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		exit(91);
	report("ready=1");
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t) sizeof(si))
			exit(92);
		if (si.ssi_code != SI_QUEUE) {
			report("sig=%u", si.ssi_signo);
			continue;
		}
		report("q=%d", si.ssi_int);
		if (si.ssi_int == last) {
			report("exiting=1");
			exit(code);
		}
	}
}

/*
 * The application's pid taken by another process once the reaper has
 * reaped the application. We leave a leftover L and exit with code. L
 * leaves our session: the kernel does not reuse a pid that is still a
 * process group or session ID. The reaper's grace period (which the test
 * sets) keeps the reaper alive; its SIGTERM tells L that our pid is free.
 * L then makes its own child C get our pid (ns_last_pid of the
 * namespace's /proc), and C makes it a process group ID again, as a new
 * group leader. Both report every signal they get ("member=leftover|reused
 * sig=N") until stdin reaches EOF; "reused pid=P app=A pgid=G" says
 * whether C got it.
 */
static void
scenario_reuse(int code)
{
	pid_t app = getpid(), c;
	int ready[2], sfd, fd;
	struct signalfd_siginfo si;
	sigset_t set;
	char num[24], b;

	if (pipe(ready) < 0)
		exit(91);
	block_catchable(&set);
	c = fork();
	if (c < 0)
		exit(91);
	if (c > 0) {
		close(ready[1]);
		while (read(ready[0], &b, 1) > 0)
			;
		exit(code);
	}
	close(ready[0]);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || setsid() < 0)
		_exit(91);
	report("leftover pid=%ld", (long) getpid());
	close(ready[1]);
	do {
		if (read(sfd, &si, sizeof(si)) != (ssize_t) sizeof(si))
			_exit(92);
		report("member=leftover sig=%u pid=%u", si.ssi_signo,
		       si.ssi_pid);
	} while (si.ssi_signo != SIGTERM);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
	snprintf(num, sizeof(num), "%ld", (long) app - 1);
	if (fd < 0 || write(fd, num, strlen(num)) < 0)
		report("error=ns_last_pid %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	c = fork();
	if (c == 0) {
		/* A signalfd reads the signals of whoever reads it. */
		(void) setpgid(0, 0);
		report("reused pid=%ld app=%ld pgid=%ld", (long) getpid(),
		       (long) app, (long) getpgrp());
		watch_signals("reused", sfd, false);
		_exit(0);
	}
	if (c < 0)
		report("error=fork %s", strerror(errno));
	watch_signals("leftover", sfd, false);
	if (c > 0)
		(void) waitpid(c, NULL, 0);
	_exit(0);
}

/* Processes whose parent is ours (the reaper), other than us, in any
 * state. */
static int
count_siblings(void)
{
	pid_t reaper = getppid();

	return app_proc_count(&reaper, 1, false, getpid());
}

/*
 * orphans N, then wait until the reaper has no child but us, report
 * "orphans_left=K", and stay (ready=1) until stdin reaches EOF, so the
 * test can inspect the reaper; then exit with code. The pipe's EOF in
 * scenario_orphans() only says that every orphan has closed its fds: one
 * may still be exiting, not even a zombie yet. Nothing tells us when a
 * process that is not our child is gone, so this looks at /proc, with a
 * round trip through the reaper between looks, a bounded number of times.
 */
static void
scenario_orphans_hold(int n, int code)
{
	int left = -1;

	scenario_orphans(n);
	for (int rounds = 0; rounds < 10000; rounds++) {
		left = count_siblings();
		if (left == 0)
			break;
		barrier();
	}
	report("orphans_left=%d", left);
	scenario_wait_stdin();
	exit(code);
}

/*
 * Fork and exec argv (PATH not searched), report "spawned=PID", then wait
 * for it and exit with its status: a parent that a test can kill, for a
 * program that reacts to its parent's death (reaper -p).
 */
static int
scenario_spawn(char **argv)
{
	pid_t c;
	int st;

	if (!argv[0]) {
		report("error=spawn needs a program");
		return 94;
	}
	c = fork();
	if (c < 0) {
		report("error=fork %s", strerror(errno));
		return 91;
	}
	if (c == 0) {
		execv(argv[0], argv);
		report("error=exec %s %s", argv[0], strerror(errno));
		_exit(127);
	}
	report("spawned=%ld", (long) c);
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return 95;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Orphans per wave in scenario_stress(): bounds the processes alive at
 * once (pid_max is 32768 here, shared by everything on the machine) and
 * the pids buffered in a wave's pipe. */
#define STRESS_WAVE 250

/*
 * One wave: n children that each leave an orphan and exit. Returns how
 * many orphans were made once every one of them has exited (its pid came
 * back through the pipe, then its pidfd turned readable), or -1 when a
 * fork failed (reported).
 */
static int
stress_wave(int n)
{
	int fds[2], made = 0, failed = 0, st;
	pid_t orphan;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		report("error=pipe %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			report("error=fork %s", strerror(errno));
			failed++;
			break;
		}
		if (p == 0) {
			close(report_fd);
			p = fork();
			if (p == 0) {
				orphan = getpid();
				(void) !write(fds[1], &orphan, sizeof(orphan));
				_exit(0);
			}
			_exit(p < 0 ? 1 : 0);
		}
	}
	close(fds[1]);
	/* Our only children are this wave's. */
	while (waitpid(-1, &st, 0) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	/* EOF once every orphan has written and closed the pipe. */
	while (read(fds[0], &orphan, sizeof(orphan)) == sizeof(orphan)) {
		wait_exited(orphan);
		made++;
	}
	close(fds[0]);
	if (failed && made < n)
		report("error=orphans: %d of %d made", made, n);
	return failed ? -1 : made;
}

/* What scenario_stress() has read from its signalfd. */
struct stress_seen {
	unsigned int n[_NSIG];		/* per signal, SIGCHLD excepted */
	unsigned int queued[_NSIG];	/* of which SI_QUEUE */
	long long sum[_NSIG];		/* their sigqueue() values */
	unsigned int foreign;		/* not sent by pid 1, the reaper */
	unsigned int echoes;		/* SIGRTMAX from kill(): barrier */
	unsigned int fences;		/* SIGRTMAX from sigqueue() */
	unsigned int rt;		/* SIGRTMIN..SIGRTMAX-1, all of them */
	pid_t spawner;
	int spawns;			/* "orphans N" commands so far */
};

static void
stress_signal(struct stress_seen *s, const struct signalfd_siginfo *si)
{
	int sig = (int) si->ssi_signo, st;

	if (sig == SIGCHLD) {
		if (s->spawner > 0 &&
		    waitpid(s->spawner, &st, WNOHANG) == s->spawner) {
			s->spawner = -1;
			report("orphans_done=%d status=%d", s->spawns, st);
			/* The test waits for waves that will never come. */
			if (st != 0)
				exit(91);
		}
		return;
	}
	if (si->ssi_pid != 1)
		s->foreign++;
	if (sig == SIGRTMAX && si->ssi_code == SI_QUEUE) {
		report("fence=%u val=%d rt=%u", ++s->fences, si->ssi_int,
		       s->rt);
		return;
	}
	if (sig == SIGRTMAX && si->ssi_code == SI_USER) {
		s->echoes++;
		return;
	}
	if (sig <= 0 || sig >= _NSIG)
		return;
	s->n[sig]++;
	if (sig >= SIGRTMIN)
		s->rt++;
	if (si->ssi_code == SI_QUEUE) {
		s->queued[sig]++;
		s->sum[sig] += si->ssi_int;
	}
}

static void
stress_read(struct stress_seen *s, int sfd)
{
	struct signalfd_siginfo si[16];
	ssize_t n = read(sfd, si, sizeof(si));

	for (ssize_t i = 0; i < n / (ssize_t) sizeof(si[0]); i++)
		stress_signal(s, &si[i]);
}

/*
 * Round trips through the reaper (SIGRTMAX sent to it comes back, after
 * every SIGCHLD it had, since the lower number is read first) until no
 * zombie and no other process is left in the namespace, a bounded number
 * of times: "checked=K zombies=Z left=L rounds=R".
 */
static void
stress_check(struct stress_seen *s, int sfd, int k)
{
	int z = -1, left = -1, rounds;

	for (rounds = 0; rounds < 1000; rounds++) {
		unsigned int want = s->echoes + 1;

		z = count_zombies();
		left = count_siblings();
		if (z == 0 && left == 0)
			break;
		kill(getppid(), SIGRTMAX);
		while (s->echoes < want)
			stress_read(s, sfd);
	}
	report("checked=%d zombies=%d left=%d rounds=%d", k, z, left, rounds);
}

/*
 * The application of test-stress. Every signal the reaper may forward is
 * read from a signalfd and counted per kind, while stdin brings commands,
 * one a line: "orphans N" starts a child that makes N orphans in waves
 * ("spawn=K waves=W", then "wave=K.I " after each, and "orphans_done=K
 * status=S" once we reaped the child; K counts these commands), and
 * "check" runs stress_check(). A sigqueue()d SIGRTMAX is the test's fence
 * ("fence=K val=V rt=R", K counting them, R the real-time signals
 * counted so far): every signal sent before it has been counted. At EOF:
 * "got sig=N n=C queued=Q sum=S" per kind, "foreign=F", exit with code.
 */
static void
scenario_stress(int code)
{
	static struct stress_seen s;
	char buf[256];
	size_t len = 0;
	int sfd, checks = 0;
	sigset_t set;

	s.spawner = -1;
	block_catchable(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		exit(91);
	report("ready=1");
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		char *nl;
		ssize_t n;

		if (poll(p, 2, -1) < 0)
			continue;
		/* Signals first: what arrived before EOF is counted. */
		if (p[0].revents & POLLIN) {
			stress_read(&s, sfd);
			continue;
		}
		if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			continue;
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t) n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (strncmp(buf, "orphans ", 8) == 0 && s.spawner < 0) {
				int total = atoi(buf + 8), wave = 0;

				report("spawn=%d waves=%d", ++s.spawns,
				       (total + STRESS_WAVE - 1) / STRESS_WAVE);
				s.spawner = fork();
				if (s.spawner == 0) {
					for (int done = 0; done < total; wave++) {
						int w = total - done < STRESS_WAVE
							? total - done : STRESS_WAVE;

						if (stress_wave(w) != w)
							_exit(1);
						done += w;
						report("wave=%d.%d ", s.spawns,
						       wave + 1);
					}
					_exit(0);
				}
				if (s.spawner < 0)
					report("error=fork %s", strerror(errno));
			} else if (strcmp(buf, "check") == 0) {
				stress_check(&s, sfd, ++checks);
			}
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
	}
	for (int sig = 1; sig < _NSIG; sig++)
		if (s.n[sig])
			report("got sig=%d n=%u queued=%u sum=%lld", sig,
			       s.n[sig], s.queued[sig], s.sum[sig]);
	report("foreign=%u", s.foreign);
	exit(code);
}

/* ------------------------------------------------------------------ */
/* Shutdown (test-shutdown.c)                                           */

/* "stopping=1", SIGSTOP, and "continued=1" once continued. */
static void
scenario_stop_here(void)
{
	report("stopping=1");
	raise(SIGSTOP);
	/* cppcheck-suppress unreachableCode ; raise() returns */
	report("continued=1");
}

/*
 * Report every signal as "signals" does ("sig=N code=C val=V pid=P"),
 * while stdin brings commands, one a line: "orphans N" (N orphans, then
 * "zombies=Z rounds=R", as the scenario), "stop" (report "stopping=1",
 * stop ourselves with SIGSTOP, "continued=1" once continued) and "exit
 * CODE". Signals are
 * read before commands, so one that arrived first is reported first.
 * Exit 0 at EOF.
 */
static void
scenario_watch(void)
{
	char buf[256];
	size_t len = 0;
	sigset_t set;
	int sfd;

	block_catchable(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		exit(91);
	report("ready=1");
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		char *nl;
		ssize_t n;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				report("sig=%u code=%d val=%d pid=%u",
				       si.ssi_signo, si.ssi_code, si.ssi_int,
				       si.ssi_pid);
			continue;
		}
		if (!(p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			continue;
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			exit(0);
		len += (size_t) n;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (strncmp(buf, "orphans ", 8) == 0)
				scenario_orphans(atoi(buf + 8));
			else if (strncmp(buf, "exit ", 5) == 0)
				exit(atoi(buf + 5));
			else if (strcmp(buf, "stop") == 0)
				scenario_stop_here();
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
	}
}

/*
 * The application and a child in its process group, every forwardable
 * signal blocked and read from a signalfd by both (as "groupsig"). The
 * child reports "member=child pid=P pgid=G" and stops itself (SIGSTOP);
 * we, its parent, wait until it has stopped, report "ready=1" and then
 * our signals ("member=app sig=N pid=P"). Once continued, the child
 * reports "member=child continued=1", then its signals, the ones that
 * came while it was stopped first. At stdin's EOF we continue the child
 * (a test that kept it stopped is done with it) and reap it.
 */
static void
scenario_groupstop(void)
{
	sigset_t set;
	pid_t c;
	int sfd, st;

	block_catchable(&set);
	c = fork();
	if (c < 0) {
		report("error=fork %s", strerror(errno));
		exit(91);
	}
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(91);
	if (c == 0) {
		report("member=child pid=%ld pgid=%ld", (long) getpid(),
		       (long) getpgrp());
		raise(SIGSTOP);
		/* cppcheck-suppress unreachableCode ; raise() returns */
		report("member=child continued=1");
		watch_signals("child", sfd, false);
		_exit(0);
	}
	while (waitpid(c, &st, WUNTRACED) < 0)
		if (errno != EINTR)
			exit(95);
	if (!WIFSTOPPED(st)) {
		report("error=child not stopped: 0x%x", st);
		exit(95);
	}
	report("ready=1");
	watch_signals("app", sfd, false);
	(void) kill(c, SIGCONT);
	(void) waitpid(c, NULL, 0);
}

/* One leftover of scenario_daemons(); never returns. */
static void __attribute__((noreturn))
daemon_run(char kind, int ready)
{
	static const char *const names[] = {
		['t'] = "trap", ['g'] = "group", ['i'] = "ignore",
		['s'] = "stopped",
	};
	const char *name = names[(unsigned char) kind];
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd, fd;

	/* Not the application's stdin: its EOF is the application's cue. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(91);
	close(fd);
	if (kind != 'g' && setsid() < 0)
		_exit(91);
	sigfillset(&set);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	if (kind == 'i') {
		/* Ignored and not blocked: the kernel discards it (a blocked
		 * one would wait in the queue, ignored or not). */
		sigdelset(&set, SIGTERM);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGTERM, SIG_IGN);
	}
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(91);
	report("leftover=%s pid=%ld pgid=%ld", name, (long) getpid(),
	       (long) getpgrp());
	close(ready);
	if (kind == 's')
		raise(SIGSTOP);
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t) sizeof(si))
			_exit(92);
		report("member=%s sig=%u pid=%u", name, si.ssi_signo,
		       si.ssi_pid);
		if (kind != 'i' && terminating(si.ssi_signo)) {
			report("leftover_got=%s sig=%u", name, si.ssi_signo);
			_exit(0);
		}
	}
}

/*
 * Leftovers meant to outlive us (daemons), one per letter of kinds, each
 * with stdin on /dev/null and every forwardable signal read from a
 * signalfd; each reports "leftover=KIND pid=P pgid=G" once set up, then
 * "member=KIND sig=N pid=P" for every signal:
 *   t  trap:    its own session; on SIGTERM, SIGINT, SIGHUP or SIGQUIT it
 *               reports "leftover_got=trap sig=N" and exits 0;
 *   g  group:   the same ("group"), but it stays in our process group;
 *   i  ignore:  its own session, SIGTERM ignored; never leaves by itself;
 *   s  stopped: as trap ("stopped"), but it stops itself once set up.
 * Once each is set up (and stopped, for s), we report "ready=1", then our
 * own signals ("member=app sig=N pid=P") until stdin's EOF or a
 * terminating signal, and exit with code.
 */
static void
scenario_daemons(int code, const char *kinds)
{
	pid_t stopped[8];
	int ready[2], nstopped = 0, sfd, st;
	sigset_t set;
	char c;

	block_catchable(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0 || pipe2(ready, O_CLOEXEC) < 0)
		exit(91);
	for (const char *k = kinds; *k; k++) {
		pid_t p;

		if (!strchr("tgis", *k) || nstopped == 8) {
			report("error=daemon kind %c", *k);
			exit(94);
		}
		p = fork();
		if (p < 0) {
			report("error=fork %s", strerror(errno));
			exit(91);
		}
		if (p == 0) {
			close(ready[0]);
			close(sfd);
			daemon_run(*k, ready[1]);
		}
		if (*k == 's')
			stopped[nstopped++] = p;
	}
	close(ready[1]);
	while (read(ready[0], &c, 1) > 0)
		;
	close(ready[0]);
	for (int i = 0; i < nstopped; i++) {
		while (waitpid(stopped[i], &st, WUNTRACED) < 0)
			if (errno != EINTR)
				exit(95);
		if (!WIFSTOPPED(st)) {
			report("error=not stopped: 0x%x", st);
			exit(95);
		}
	}
	report("ready=1");
	watch_signals("app", sfd, true);
	exit(code);
}

int
main(int argc, char **argv)
{
	REAPER_OPTIONS(o);
	const char *fd_env = getenv("HELPER_REPORT_FD");
	bool use_opts = false, deny = false, unlink_self = false;
	bool launch = false, pad = false;
	const char *close_which = NULL;
	int opt, r, err, pending = 0, fill = -1;
	long slack = 0;

	if (fd_env)
		report_fd = atoi(fd_env);
	/* Parse first (no side effects), then split, as a real main would. */
	while ((opt = getopt(argc, argv, "+asdgm:r:G:P:e:nXUk:0C:F:A:NcWD:")) != -1) {
		use_opts = true;
		switch (opt) {
		case 'a': o.flags |= REAPER_SPLIT_ALWAYS; break;
		case 's': o.flags |= REAPER_SUBREAPER; break;
		case 'd': o.flags |= REAPER_DEBUG; break;
		case 'g': o.flags |= REAPER_SIGNAL_GROUP; break;
		case 'm': o.marker = optarg; break;
		case 'r': o.rewrite = optarg; break;
		case 'G': o.grace_ms = (unsigned) atoi(optarg); break;
		case 'P': o.pdeathsig = atoi(optarg); break;
		case 'e': REAPER_EXIT_ZERO(&o, atoi(optarg)); break;
		case 'n': o.on_reap = on_reap; break;
		case 'X': deny = true; break;
		case 'U': unlink_self = true; break;
		case 'k': pending = atoi(optarg); break;
		case '0': use_opts = false; break;
		case 'C': close_which = optarg; break;
		case 'F': fill = atoi(optarg); break;
		case 'A': pad = true; slack = atol(optarg); break;
		case 'N': launch = true; break;
		case 'c': o.flags |= REAPER_NO_CONTINUE; break;
		case 'W': o.flags |= REAPER_WAIT_LEFTOVERS; break;
		case 'D': o.delay_signal = optarg; break;
		default: return 92;
		}
	}
	if (deny)
		deny_exec();
	if (unlink_self) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n > 0) {
			self[n] = '\0';
			(void) unlink(self);
		}
	}

	/* Only in the original process: the re-executed copy has the same
	 * argv, and its marker is still set at this point. */
	if (pending && !getenv("REAPER")) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, pending);
		sigprocmask(SIG_BLOCK, &set, NULL);
		kill(getpid(), pending);
	}
	/* The faults a user may start us in, in the original process only. */
	if (!getenv("REAPER")) {
		if (pad)
			pad_env(slack, argv);
		if (fill >= 0)
			fill_fds(fill);
		if (close_which)
			close_fds(close_which);
	}
	if (launch) {
		/* -N: only the faults above, then exec the rest (a command
		 * to start in them), without the call or a report. */
		execv(argv[optind], argv + optind);
		report("error=exec %s %s", argv[optind], strerror(errno));
		return 96;
	}
	r = use_opts ? reaper_fork_self_opts(&o) : reaper_fork_self();
	err = errno;

	report("split=%d errno=%d", r, r < 0 ? err : 0);
	report_basics();

	const char *sc = optind < argc ? argv[optind] : "exit";
	const char *arg = optind + 1 < argc ? argv[optind + 1] : "0";

	if (strcmp(sc, "exit") == 0) {
		exit(atoi(arg));
	} else if (strcmp(sc, "raise") == 0) {
		int sig = atoi(arg);
		sigset_t set;

		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 93;
	} else if (strcmp(sc, "info") == 0) {
		scenario_info();
	} else if (strcmp(sc, "envsum") == 0) {
		report_sums("", argv);
		exit(atoi(arg));
	} else if (strcmp(sc, "stdfds") == 0) {
		scenario_stdfds(atoi(arg));
	} else if (strcmp(sc, "stop") == 0) {
		scenario_stop(atoi(arg));
	} else if (strcmp(sc, "storm") == 0) {
		scenario_storm(atoi(arg), optind + 2 < argc ?
			       atoi(argv[optind + 2]) : 0);
	} else if (strcmp(sc, "reuse") == 0) {
		scenario_reuse(atoi(arg));
	} else if (strcmp(sc, "waitpid") == 0) {
		scenario_waitpid();
	} else if (strcmp(sc, "orphans") == 0) {
		scenario_orphans(atoi(arg));
	} else if (strcmp(sc, "signals") == 0) {
		scenario_signals();
	} else if (strcmp(sc, "leftovers") == 0) {
		scenario_leftovers(atoi(arg));
	} else if (strcmp(sc, "wait") == 0) {
		scenario_wait_stdin();
	} else if (strcmp(sc, "groupsig") == 0) {
		scenario_groupsig();
	} else if (strcmp(sc, "pdeath") == 0) {
		scenario_pdeath(atoi(arg));
	} else if (strcmp(sc, "orphans-hold") == 0) {
		scenario_orphans_hold(atoi(arg),
				      optind + 2 < argc ? atoi(argv[optind + 2])
							: 0);
	} else if (strcmp(sc, "spawn") == 0) {
		return scenario_spawn(argv + optind + 1);
	} else if (strcmp(sc, "stress") == 0) {
		scenario_stress(atoi(arg));
	} else if (strcmp(sc, "watch") == 0) {
		scenario_watch();
	} else if (strcmp(sc, "groupstop") == 0) {
		scenario_groupstop();
	} else if (strcmp(sc, "daemons") == 0) {
		scenario_daemons(atoi(arg), optind + 2 < argc ?
				 argv[optind + 2] : "t");
	} else {
		report("error=unknown scenario %s", sc);
		return 94;
	}
	return 0;
}
