/*
 * Test harness; see test-common.h. No ck_assert here runs in a forked
 * child: children report by exit status or pipe and only the test process
 * asserts (a failing ck_assert in a child is lost in CK_FORK mode).
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
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <grp.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#include "test-common.h"

bool
rt_can_unshare_pidns(void)
{
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(unshare(CLONE_NEWPID | CLONE_NEWNS) == 0 ? 0 : 1);
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

void
rt_opts_init(struct rt_opts *o)
{
	memset(o, 0, sizeof(*o));
	sigemptyset(&o->ignore);
	sigemptyset(&o->block);
	o->extra_fd = -1;
}

bool
rt_opts_without_proc(struct rt_opts *o, const char *test)
{
	static char libdir[PATH_MAX + 32];
	static const char *envp[] = {
		"HELPER_REPORT_FD=3", "PATH=/usr/local/bin:/usr/bin:/bin",
		libdir, NULL,
	};
	char *slash;

	rt_opts_init(o);
	if (rt_valgrind() || rt_asan()) {
		fprintf(stderr, "%s: not run under %s: it cannot start "
			"without /proc\n", test,
			rt_valgrind() ? "valgrind" : "AddressSanitizer");
		return false;
	}
	snprintf(libdir, sizeof(libdir), "LD_LIBRARY_PATH=%s",
		 rt_helper_path());
	slash = strrchr(libdir, '/');
	ck_assert_ptr_nonnull(slash);
	strcpy(slash, "/..");
	o->envp = envp;
	o->no_proc = true;
	return true;
}

/* The signals the C library keeps for itself (32 and 33 with glibc)
 * refuse sigaction(), but a parent may still leave them ignored: GNU make
 * starts recipes with glibc's posix_spawn(), which does, and exec keeps
 * SIG_IGN. Tests that compare SigIgn would then see the build tool, not
 * the product. The kernel is asked directly, and only an ignored signal
 * is reset: a handler the C library installed stays. The handler is the
 * first word of the kernel's struct on every architecture we build for. */
static void
reset_reserved_ignored(void)
{
	for (int s = 32; s < SIGRTMIN; s++) {
		unsigned long old[8] = { 0 }, dfl[8] = { 0 };

		if (syscall(SYS_rt_sigaction, s, NULL, old, (NSIG - 1) / 8) == 0 &&
		    old[0] == (unsigned long) SIG_IGN)
			(void) syscall(SYS_rt_sigaction, s, dfl, NULL,
				       (NSIG - 1) / 8);
	}
}

void
rt_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		(void) sigaction(s, &sa, NULL);
	reset_reserved_ignored();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

const char *
rt_helper_path(void)
{
	const char *p = getenv("REAPER_TEST_HELPER");

	ck_assert_msg(p, "REAPER_TEST_HELPER is not set: run through meson test");
	return p;
}

static void __attribute__((noreturn))
die_child(int code)
{
	_exit(code);
}

const char *const *
rt_exec_env(const char *const *envp)
{
	static const char *tagged[256];
	static char tag[64];
	static unsigned int seq;
	size_t n = 0;

	if (!rt_valgrind())
		return envp;
	/* The pid of this process, unique on the host while it runs, and a
	 * count: unique for every namespace the test makes. */
	snprintf(tag, sizeof(tag), "RT_VG_TAG=%ld.%u", (long) getpid(), ++seq);
	for (size_t i = 0; envp[i] && n < 254; i++)
		if (strncmp(envp[i], "RT_VG_TAG=", 10) != 0)
			tagged[n++] = envp[i];
	tagged[n++] = tag;
	tagged[n] = NULL;
	return tagged;
}

/* In the helper's own process, right before exec. */
static void __attribute__((noreturn))
exec_helper(const struct rt_opts *o, const char *exe, const char *const *argv,
	    const char *const *envp, int *fds)
{
	struct sigaction ign;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		die_child(120);
	if (!o->no_pidns) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die_child(121);
		if (o->no_proc) {
			if (umount2("/proc", MNT_DETACH) < 0)
				die_child(122);
		} else if (!o->host_proc && mount("proc", "/proc", "proc",
				 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			die_child(122);
		}
	}
	/* stdin = control, fd 3 = report, stderr = err; fds[] are >= 3 and
	 * CLOEXEC, so dup2() makes inheritable copies. */
	/* Move them above 3 first: dup2(fd, fd) would keep FD_CLOEXEC, and
	 * one pipe could sit on a number another is about to take. */
	for (int i = 0; i < 3; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10)) < 0)
			die_child(123);
	if (dup2(fds[0], 0) < 0 || dup2(fds[1], 3) < 0 || dup2(fds[2], 2) < 0)
		die_child(123);
	if (o->extra_fd >= 0 && fcntl(o->extra_fd, F_SETFD, 0) < 0)
		die_child(124);
	/* What the test's own runner left open without CLOEXEC (seen: fds
	 * 10 and 251 of a job runner) would reach the helper, and tests
	 * count the application's fds: only 0-3 and extra_fd go through. */
	if (o->extra_fd > 3) {
		(void) close_range(4, (unsigned) o->extra_fd - 1,
				   CLOSE_RANGE_CLOEXEC);
		(void) close_range((unsigned) o->extra_fd + 1, ~0U,
				   CLOSE_RANGE_CLOEXEC);
	} else {
		(void) close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
	}
	if (o->cwd && chdir(o->cwd) < 0)
		die_child(125);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&o->ignore, s) == 1)
			(void) sigaction(s, &ign, NULL);
	if (o->nproc) {
		struct rlimit rl = { o->nproc, o->nproc };

		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			die_child(126);
	}
	if (o->uid && (setgroups(0, NULL) < 0 ||
		       setresgid(o->uid, o->uid, o->uid) < 0 ||
		       setresuid(o->uid, o->uid, o->uid) < 0))
		die_child(127);
	sigprocmask(SIG_SETMASK, &o->block, NULL);
	execve(exe, (char *const *) argv,
	       (char *const *) envp);
	die_child(128);
}

void
rt_start(struct rt_run *run, const struct rt_opts *opts,
	 const char *const *argv)
{
	struct rt_opts def;
	static const char *const default_env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HELPER_REPORT_FD=3", NULL,
	};
	const struct rt_opts *o;
	int ctl[2], rep[2], err[2], st[2];

	rt_opts_init(&def);
	o = opts ? opts : &def;
	/* Resolved here: no Check call may run in a child (each one writes
	 * to Check's own fd 3, which the child reuses for the report). */
	const char *exe = o->exe ? o->exe : rt_helper_path();
	const char *const *envp = rt_exec_env(o->envp ? o->envp : default_env);

	memset(run, 0, sizeof(*run));
	ck_assert_int_eq(pipe2(ctl, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(rep, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(st, O_CLOEXEC), 0);

	run->relay = fork();
	ck_assert_int_ge(run->relay, 0);
	if (run->relay == 0) {
		int fds[3] = { ctl[0], rep[1], err[1] };
		pid_t h;
		int ws;

		/* The test's ends: a write end kept here would keep the
		 * application's stdin from ever reaching EOF. */
		close(ctl[1]);
		close(rep[0]);
		close(err[0]);
		close(st[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			die_child(110);
		if (!o->no_pidns && unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
			die_child(111);
		h = fork();
		if (h < 0)
			die_child(112);
		if (h == 0)
			exec_helper(o, exe, argv, envp, fds);
		(void) !write(st[1], &h, sizeof(h));
		while (waitpid(h, &ws, 0) < 0)
			if (errno != EINTR)
				die_child(113);
		(void) !write(st[1], &ws, sizeof(ws));
		_exit(0);
	}
	close(ctl[0]);
	close(rep[1]);
	close(err[1]);
	close(st[1]);
	run->control = ctl[1];
	run->report = rep[0];
	run->err = err[0];
	run->status_pipe = st[0];
	ck_assert_int_eq(read(run->status_pipe, &run->pid1, sizeof(run->pid1)),
			 sizeof(run->pid1));
}

void
rt_helper_as_pid1(struct rt_run *run, ...)
{
	const char *argv[64];
	size_t n = 0;
	va_list ap;
	const char *a;

	argv[n++] = rt_helper_path();
	va_start(ap, run);
	while ((a = va_arg(ap, const char *)) && n < 63)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	rt_start(run, NULL, argv);
}

int
rt_pump(struct rt_run *run, int ms)
{
	struct pollfd p[2] = {
		{ .fd = run->report, .events = POLLIN },
		{ .fd = run->err, .events = POLLIN },
	};
	bool open_any = false;
	int r;

	if (run->report < 0)
		p[0].fd = -1;
	if (run->err < 0)
		p[1].fd = -1;
	if (p[0].fd < 0 && p[1].fd < 0)
		return -1;
	r = poll(p, 2, ms);
	if (r < 0)
		return errno == EINTR ? 1 : -1;
	if (r == 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		int *fd = i ? &run->err : &run->report;
		char *buf = i ? run->errbuf : run->out;
		size_t *len = i ? &run->err_len : &run->out_len;
		size_t cap = (i ? sizeof(run->errbuf) : sizeof(run->out)) - 1;
		ssize_t n;

		if (p[i].fd < 0)
			continue;
		if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
			open_any = true;
			continue;
		}
		n = read(*fd, buf + *len, cap - *len);
		if (n <= 0 || *len + (size_t) n >= cap) {
			if (n > 0)
				*len += (size_t) n;
			close(*fd);
			*fd = -1;
		} else {
			*len += (size_t) n;
			open_any = true;
		}
		buf[*len] = '\0';
	}
	return open_any ? 1 : -1;
}

/* Read whatever comes on report and stderr; false when both hit EOF. */
static bool
pump(struct rt_run *run)
{
	return rt_pump(run, -1) > 0;
}

int
rt_count_str(const char *buf, const char *needle)
{
	int n = 0;

	for (const char *p = buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

bool
rt_wait_count(struct rt_run *run, bool err, const char *needle, int want,
	      int ms)
{
	const char *buf = err ? run->errbuf : run->out;

	while (rt_count_str(buf, needle) < want)
		if ((err ? run->err : run->report) < 0 || rt_pump(run, ms) <= 0)
			return false;
	return true;
}

void
rt_read_ready(struct rt_run *run)
{
	while (rt_pump(run, 0) > 0)
		;
}

const char *
rt_wait_for(struct rt_run *run, const char *needle)
{
	for (;;) {
		const char *hit = strstr(run->out, needle);

		if (hit) {
			while (hit > run->out && hit[-1] != '\n')
				hit--;
			return hit;
		}
		if (!pump(run))
			return NULL;
	}
}

const char *
rt_wait_err_for(struct rt_run *run, const char *needle)
{
	for (;;) {
		const char *hit = strstr(run->errbuf, needle);

		if (hit)
			return hit;
		if (!pump(run))
			return NULL;
	}
}

void
rt_send(struct rt_run *run, const char *s)
{
	ck_assert_int_eq(write(run->control, s, strlen(s)), (ssize_t) strlen(s));
}

void
rt_close_control(struct rt_run *run)
{
	if (run->control >= 0)
		close(run->control);
	run->control = -1;
}

int
rt_finish(struct rt_run *run)
{
	int ws;

	if (run->finished)
		return run->wstatus;
	rt_close_control(run);
	while (pump(run))
		;
	ck_assert_int_eq(read(run->status_pipe, &run->wstatus,
			      sizeof(run->wstatus)), sizeof(run->wstatus));
	close(run->status_pipe);
	ck_assert_int_eq(waitpid(run->relay, &ws, 0), run->relay);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		      "relay failed: 0x%x", ws);
	run->finished = true;
	return run->wstatus;
}

const char *
rt_get(struct rt_run *run, const char *key)
{
	static char val[4096];
	size_t klen = strlen(key);
	const char *p = run->out;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t l = strcspn(p + klen + 1, "\n");

			if (l >= sizeof(val))
				l = sizeof(val) - 1;
			memcpy(val, p + klen + 1, l);
			val[l] = '\0';
			return val;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int
rt_count(struct rt_run *run, const char *needle)
{
	return rt_count_str(run->out, needle);
}

bool
rt_err_has(struct rt_run *run, const char *needle)
{
	return strstr(run->errbuf, needle) != NULL;
}

int
rt_exit_code(const struct rt_run *run)
{
	return WIFEXITED(run->wstatus) ? WEXITSTATUS(run->wstatus) : -1;
}

int
rt_term_sig(const struct rt_run *run)
{
	return WIFSIGNALED(run->wstatus) ? WTERMSIG(run->wstatus) : -1;
}

pid_t
rt_host_child_of(pid_t parent)
{
	/* No /proc/PID/task/TID/children on every kernel: scan for the
	 * process whose parent is the one we want. */
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = -1;

	while (d && found < 0 && (de = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    atol(p + 4) == parent)
			found = (pid_t) atol(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

pid_t
rt_app_host_pid(const struct rt_run *run)
{
	return rt_host_child_of(run->pid1);
}

long long
rt_proc_status(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long) pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			/* Unsigned: signal masks use bit 63 (SIGRTMAX). */
			v = (long long) strtoull(line + len + 1, NULL,
				    strncmp(field, "Sig", 3) == 0 ||
				    strncmp(field, "Shd", 3) == 0 ? 16 : 10);
			break;
		}
	fclose(f);
	return v;
}

unsigned long long
rt_caught_forwardable(const char *sigcgt_hex)
{
	static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
				      SIGTRAP, SIGSYS };
	unsigned long long m;

	ck_assert_ptr_nonnull(sigcgt_hex);
	m = strtoull(sigcgt_hex, NULL, 16);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		m &= ~(1ULL << (faults[i] - 1));
	return m;
}

bool
rt_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

bool
rt_kernel_reaps(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	ck_assert_int_eq(uname(&u), 0);
	if (sscanf(u.release, "%d.%d", &major, &minor) < 1)
		return false;
	return !rt_valgrind() && (major > 6 || (major == 6 && minor >= 16));
}

bool
rt_sigchld_ignored(pid_t pid)
{
	long long ign = rt_proc_status(pid, "SigIgn");

	ck_assert_msg(ign != -1, "no SigIgn for %ld", (long) pid);
	return (ign >> (SIGCHLD - 1)) & 1;
}

bool
rt_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND;
#else
	/* Without its header: memcheck preloads its allocator. */
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "/vgpreload_");
#endif
}

void
rt_add_loop_test(TCase *tc, const TTest *t, int start, int end)
{
	if (!rt_valgrind()) {
		_tcase_add_test(tc, t, 0, 0, start, end);
		return;
	}
	for (int i = start; i < end; i++)
		if (i == start || i == end - 1 || (i - start) % 16 == 0)
			_tcase_add_test(tc, t, 0, 0, i, i + 1);
}

int
rt_fd_count(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long) pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

void
rt_dump(const struct rt_run *run)
{
	fprintf(stderr, "--- report ---\n%s--- stderr ---\n%s--------\n",
		run->out, run->errbuf);
}

const char *
rt_wait_line(struct rt_run *run, const char *needle)
{
	const char *l = rt_wait_for(run, needle);

	if (!l)
		rt_dump(run);
	ck_assert_msg(l, "no report line with \"%s\"", needle);
	return l;
}

int
rt_count_sig(struct rt_run *run, const char *who, int sig)
{
	char needle[48];

	if (who)
		snprintf(needle, sizeof(needle), "member=%s sig=%d ", who, sig);
	else
		snprintf(needle, sizeof(needle), "sig=%d ", sig);
	return rt_count(run, needle);
}

void
rt_kill(pid_t pid, int sig)
{
	ck_assert_msg(kill(pid, sig) == 0, "kill(%ld, %d): %s", (long) pid,
		      sig, strerror(errno));
}

int
rt_table_sig(int v)
{
	return v < 0 ? SIGRTMIN + (-1 - v) : v;
}

/* The system call pid is blocked in and its first argument. */
static long
blocked_syscall_arg(pid_t pid, unsigned long long *arg)
{
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/syscall", (long) pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %llx", &nr, arg) != 2)
		nr = -1;
	fclose(f);
	return nr;
}

long
rt_blocked_syscall(pid_t tid)
{
	unsigned long long arg;

	return blocked_syscall_arg(tid, &arg);
}


void
rt_wait_reaper_asleep(pid_t reaper)
{
	/* Generous: valgrind and a loaded machine are slow to settle. */
	long long deadline = rt_now_ms() + 120000;
	pid_t ppid;
	char state = '?';
	long nr;

	while (((nr = rt_blocked_syscall(reaper)) != SYS_rt_sigtimedwait &&
		nr != SYS_poll) ||
	       !rt_proc_stat(reaper, &ppid, &state) || state != 'S') {
		ck_assert_msg(rt_now_ms() < deadline, "reaper never blocked in "
			      "sigtimedwait() or poll(): syscall %ld state %c",
			      nr, state);
		sched_yield();
	}
}

unsigned long long
rt_reaper_sigset(pid_t pid)
{
	for (;;) {
		unsigned long long a1 = 0, a2 = 0, waited = 0;
		long n1 = blocked_syscall_arg(pid, &a1);
		long long raw = rt_proc_status(pid, "SigBlk");
		long n2 = blocked_syscall_arg(pid, &a2);
		char path[64];
		int fd;

		ck_assert_msg(raw != -1, "no SigBlk for %ld", (long) pid);
		/* SigBlk must belong to one state: asleep in the same call
		 * before and after, or running both times. */
		if (n1 != n2 || a1 != a2)
			continue;
		if (n1 != SYS_rt_sigtimedwait)
			return (unsigned long long) raw;
		/* The kernel unblocks what rt_sigtimedwait() waits for while
		 * it waits, so SigBlk no longer shows it: read the set from
		 * the reaper's memory. */
		snprintf(path, sizeof(path), "/proc/%ld/mem", (long) pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
		ck_assert_int_eq(pread(fd, &waited, sizeof(waited), (off_t) a1),
				 (ssize_t) sizeof(waited));
		close(fd);
		return (unsigned long long) raw | waited;
	}
}

long long
rt_ctxt_switches(pid_t pid)
{
	long long v = rt_proc_status(pid, "voluntary_ctxt_switches");
	long long n = rt_proc_status(pid, "nonvoluntary_ctxt_switches");

	ck_assert(v >= 0 && n >= 0);
	return v + n;
}

long long
rt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

TCase *
rt_new_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, rt_reset_signals, NULL);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return tc;
}

bool
rt_proc_stat(pid_t pid, pid_t *ppid, char *state)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || strlen(p) < 5)
		return false;
	*state = p[2];
	*ppid = (pid_t) atol(p + 4);
	return true;
}

void
rt_count_children(pid_t parent, int *all, int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	*all = *zombies = 0;
	while ((de = readdir(d))) {
		pid_t ppid;
		char state;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    !rt_proc_stat((pid_t) atol(de->d_name), &ppid, &state) ||
		    ppid != parent)
			continue;
		(*all)++;
		if (state == 'Z')
			(*zombies)++;
	}
	closedir(d);
}

pid_t
rt_ppid_of(pid_t pid)
{
	pid_t ppid;
	char state;

	return rt_proc_stat(pid, &ppid, &state) ? ppid : -1;
}

char
rt_state_of(pid_t pid)
{
	pid_t ppid;
	char state;

	return rt_proc_stat(pid, &ppid, &state) ? state : '?';
}

bool
rt_fd_open_in(pid_t pid, int fd)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long) pid, fd);
	return stat(path, &st) == 0;
}

const char *
rt_command_path(void)
{
	const char *p = getenv("REAPER_TEST_COMMAND");

	ck_assert_msg(p, "REAPER_TEST_COMMAND is not set: run through meson "
		      "test");
	return p;
}

void
rt_finish_ok(struct rt_run *run)
{
	rt_finish(run);
	if (run->wstatus != 0)
		rt_dump(run);
	ck_assert_int_eq(run->wstatus, 0);
}

struct rt_sigline
rt_wait_sig(struct rt_run *run, int sig)
{
	struct rt_sigline s;
	char needle[32];
	const char *l;

	/* The trailing space keeps sig=1 from matching sig=10. */
	snprintf(needle, sizeof(needle), "sig=%d ", sig);
	l = rt_wait_line(run, needle);
	ck_assert_int_eq(sscanf(l, "sig=%d code=%d val=%d pid=%ld", &s.sig,
				&s.code, &s.val, &s.pid), 4);
	return s;
}

void
rt_assert_one_err_line(const struct rt_run *run, const char *prefix,
		       const char *const *needles)
{
	const char *e = run->errbuf;

	ck_assert_msg(run->err_len > 0 && e[run->err_len - 1] == '\n' &&
		      rt_count_str(e, "\n") == 1, "not one line: '%s'", e);
	ck_assert_msg(strncmp(e, prefix, strlen(prefix)) == 0,
		      "stderr: '%s'", e);
	for (size_t i = 0; needles[i]; i++)
		ck_assert_msg(strstr(e, needles[i]), "'%s' not in '%s'",
			      needles[i], e);
}

long
rt_leftover_pid(struct rt_run *run, const char *kind)
{
	char needle[32];
	const char *l;

	snprintf(needle, sizeof(needle), "leftover=%s pid=", kind);
	l = strstr(run->out, needle);
	return l ? atol(l + strlen(needle)) : -1;
}

bool
rt_wait_started_exit(struct rt_run *run, int ms)
{
	struct pollfd p = { .fd = run->status_pipe, .events = POLLIN };
	int r;

	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r == 1;
}

bool
rt_kill_stray_leftovers(struct rt_run *run, int ms)
{
	static const char *const kinds[] = { "trap", "ignore", "setsid" };
	bool exited;

	for (size_t k = 0; k < 3; k++) {
		char needle[32];

		snprintf(needle, sizeof(needle), "leftover=%s ", kinds[k]);
		if (!rt_wait_for(run, needle))
			break;		/* the application died early */
	}
	exited = rt_wait_started_exit(run, ms);
	if (!exited) {
		/* Stuck, so not reaped by the relay: the pid is its own. */
		(void) kill(run->pid1, SIGKILL);
		(void) rt_wait_started_exit(run, -1);
	}
	for (size_t k = 0; k < 3; k++) {
		pid_t pid = (pid_t) rt_leftover_pid(run, kinds[k]);

		/* Ours, so it cannot be reaped and its pid reused meanwhile. */
		if (pid <= 0 || rt_ppid_of(pid) != getpid())
			continue;
		(void) kill(pid, SIGKILL);
		(void) waitpid(pid, NULL, 0);
	}
	return exited;
}

const char *const rt_mode_name[] = { "library", "command" };

const char *const rt_debug_opts[RT_MODES][3] = {
	[RT_LIB] = { "-d", NULL, NULL },
	[RT_CMD] = { "-v", "-v", NULL },
};

void
rt_start_mode(struct rt_run *run, const struct rt_opts *opts, enum rt_mode m,
	      const char *const *mode_opts, ...)
{
	const char *argv[64];
	struct rt_opts o;
	size_t n = 0;
	va_list ap;
	const char *a;

	if (opts)
		o = *opts;
	else
		rt_opts_init(&o);
	argv[n++] = m == RT_CMD ? rt_command_path() : rt_helper_path();
	for (size_t i = 0; mode_opts && mode_opts[i]; i++) {
		ck_assert_uint_lt(n, 60);
		argv[n++] = mode_opts[i];
	}
	if (m == RT_CMD) {
		argv[n++] = "--";
		argv[n++] = rt_helper_path();
	}
	va_start(ap, mode_opts);
	while ((a = va_arg(ap, const char *))) {
		ck_assert_uint_lt(n, 63);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	o.exe = argv[0];
	rt_start(run, &o, argv);
}

int
rt_lines_after(const char *buf, const char *prefix, char **out, int max)
{
	size_t plen = strlen(prefix);
	int n = 0;

	for (const char *p = buf; p && *p;) {
		const char *end = strchrnul(p, '\n');

		size_t len = (size_t)(end - p);

		if (len >= plen && strncmp(p, prefix, plen) == 0) {
			if (n < max)
				out[n] = strndup(p + plen, len - plen);
			n++;
		}
		p = *end ? end + 1 : NULL;
	}
	return n;
}

void
rt_free_lines(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
}

int
rt_parse_reaped(struct rt_run *run, struct rt_reaped *out, int max)
{
	char *l[256];
	int n = rt_lines_after(run->errbuf, "reaped ", l, 256);

	ck_assert_int_le(n, max);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(sscanf(l[i], "pid=%ld status=%d app=%d",
				     &out[i].pid, &out[i].status,
				     &out[i].app) == 3,
			      "bad reaped line: %s", l[i]);
	}
	rt_free_lines(l, n);
	return n;
}

const struct rt_reaped *
rt_find_reaped(const struct rt_reaped *r, int n, long pid)
{
	for (int i = 0; i < n; i++)
		if (r[i].pid == pid)
			return &r[i];
	return NULL;
}

void
rt_copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(in >= 0, "open %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(out >= 0, "create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t) n), n);
	ck_assert_int_eq(n, 0);
	/* umask may have cut the mode. */
	ck_assert_int_eq(fchmod(out, mode), 0);
	close(in);
	ck_assert_int_eq(close(out), 0);
}

void
rt_bin_copy_make(struct rt_bin_copy *c, enum rt_mode m)
{
	char src_lib[PATH_MAX], *slash;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "/tmp/rt-copy.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(c->dir));
	ck_assert_int_eq(chmod(c->dir, 0755), 0);
	if (m == RT_CMD) {
		snprintf(c->exe, sizeof(c->exe), "%s/reaper", c->dir);
		rt_copy_file(rt_command_path(), c->exe, 0755);
		return;
	}
	snprintf(c->bin, sizeof(c->bin), "%s/bin", c->dir);
	snprintf(c->exe, sizeof(c->exe), "%s/bin/helper-app", c->dir);
	snprintf(c->lib, sizeof(c->lib), "%s/libreaper.so.0", c->dir);
	ck_assert_int_eq(mkdir(c->bin, 0755), 0);
	rt_copy_file(rt_helper_path(), c->exe, 0755);
	snprintf(src_lib, sizeof(src_lib), "%s", rt_helper_path());
	slash = strrchr(src_lib, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	strcat(src_lib, "/../libreaper.so.0");
	rt_copy_file(src_lib, c->lib, 0644);
}

void
rt_bin_copy_remove(const struct rt_bin_copy *c)
{
	(void) unlink(c->exe);
	if (c->lib[0])
		(void) unlink(c->lib);
	if (c->bin[0])
		(void) rmdir(c->bin);
	(void) rmdir(c->dir);
}

int
rt_extra_fd_make(int fd)
{
	int e = eventfd(0, EFD_CLOEXEC);

	ck_assert_int_ge(e, 0);
	ck_assert_int_eq(dup3(e, fd, O_CLOEXEC), fd);
	close(e);
	return fd;
}
