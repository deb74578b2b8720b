/*
 * The application of the end-to-end test: runs as the child of the
 * container's init (the reaper, whichever way the engine started it) in a
 * FROM-scratch container (podman-e2e.sh), leaves an orphan behind, logs
 * the signals it is sent, and after the SIGTERM of `podman stop` reports
 * on stdout what it saw, one "key=value" line at a time. It never judges;
 * the script asserts.
 *
 *   pid=P ppid=Q        who we are (the reaper must be our parent, pid 1)
 *   pid1=ARG ARG...     PID 1's command line, NULs shown as spaces: which
 *                       init the engine started, and how
 *   pid1-exe=PATH size=N   where PID 1's program is and its size, to tell
 *                       our reaper from another init mounted at the
 *                       same place (podman's /run/podman-init)
 *   orphan=P            the grandchild that outlived its parent
 *   leftover=P          (--leftover) a child left running when we exit
 *   ready               the script may now signal us
 *   sigusr1 from pid=P code=C   each SIGUSR1 (P = 1: forwarded by the
 *                       reaper; the engine's own signal would read 0)
 *   sigterm from pid=P code=C   the SIGTERM that ends the scenario
 *   orphan-reaped=yes|no
 *   zombies=N [list]    processes in state Z anywhere in the container
 *   exit=42             then exits 42, so the script can tell our exit
 *                       code from the reaper's own (125-127, 128+N)
 *   leftover sigterm from pid=P code=C   the leftover's SIGTERM, which
 *                       only the reaper's grace period sends it
 *
 * Other modes:
 *   --probe             print "probe", exit 0 (can podman run anything?)
 *   --exit N            print the pid/pid1 lines, exit N at once
 *   --pause             the pod's infra container: wait for SIGTERM or
 *                       SIGINT, exit 0
 *
 * Statically linked: the image holds nothing but the reaper and this.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_APP 42
#define EXIT_BROKEN 1

/* How long a reaped orphan may still show in /proc: 5 s in 10 ms steps. */
#define REAP_WAIT_STEPS 500
#define REAP_WAIT_NS (10 * 1000 * 1000L)

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) vprintf(fmt, ap);
	va_end(ap);
	(void) putchar('\n');
	/* stdout is a pipe to conmon, fully buffered: the script polls
	 * `podman logs` for each line, so none may sit in our buffer. */
	(void) fflush(stdout);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	(void) fputs("e2e-app: ", stderr);
	va_start(ap, fmt);
	(void) vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (saved)
		(void) fprintf(stderr, ": %s", strerror(saved));
	(void) fputc('\n', stderr);
	exit(EXIT_BROKEN);
}

static ssize_t
read_nointr(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * Child C forks grandchild G and exits at once, so G is re-parented to
 * the container's PID 1: the orphan the reaper must reap. Two pipes make
 * this a strict order without any sleep:
 *   gone[]   G reads it to EOF, which comes when C (its last other writer)
 *            has exited, so G exits only once it is really an orphan;
 *   report[] C writes G's pid there; G keeps the write end, so our EOF
 *            on it means G has exited (its fds close as it exits).
 * Returns G's pid once G is gone; C, our own child, is reaped here.
 */
static pid_t
make_orphan(void)
{
	int report[2], gone[2];
	pid_t child, grandchild = 0;
	ssize_t n;
	char c;
	int status;

	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(gone, O_CLOEXEC) < 0)
		die("pipe2");

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		pid_t g;

		(void) close(report[0]);
		g = fork();
		if (g < 0)
			_exit(EXIT_BROKEN);
		if (g == 0) {
			(void) close(gone[1]);
			while (read_nointr(gone[0], &c, 1) > 0)
				;
			_exit(0);
		}
		(void) close(gone[0]);
		if (write(report[1], &g, sizeof(g)) != (ssize_t) sizeof(g))
			_exit(EXIT_BROKEN);
		_exit(0);
	}

	(void) close(report[1]);
	(void) close(gone[0]);
	(void) close(gone[1]);

	n = read_nointr(report[0], &grandchild, sizeof(grandchild));
	if (n != (ssize_t) sizeof(grandchild))
		die("reading the orphan's pid (got %zd bytes)", n);
	while ((n = read_nointr(report[0], &c, 1)) > 0)
		;
	if (n < 0)
		die("waiting for the orphan to exit");
	(void) close(report[0]);

	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid(%d)", (int) child);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = 0;
		die("intermediate child failed, status 0x%x", status);
	}
	return grandchild;
}

static bool
pid_in_proc(pid_t pid)
{
	char path[64];
	struct stat st;

	(void) snprintf(path, sizeof(path), "/proc/%d", (int) pid);
	return stat(path, &st) == 0;
}

/*
 * The orphan exited before we even said "ready", but its reaping is the
 * reaper's business and asynchronous: give it a bounded time rather than
 * assume it has happened.
 */
static bool
orphan_reaped(pid_t pid)
{
	const struct timespec step = { 0, REAP_WAIT_NS };
	int i;

	for (i = 0; i < REAP_WAIT_STEPS; i++) {
		if (!pid_in_proc(pid))
			return true;
		(void) nanosleep(&step, NULL);
	}
	return !pid_in_proc(pid);
}

/* State letter of /proc/PID/stat, or 0 if the process is gone. The name
 * field may hold ')' and spaces, so the state follows the last ')'. */
static char
proc_state(int proc_fd, const char *pid)
{
	char buf[512], *p;
	int dir_fd, fd;
	ssize_t n;

	dir_fd = openat(proc_fd, pid, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return 0;
	fd = openat(dir_fd, "stat", O_RDONLY | O_CLOEXEC);
	(void) close(dir_fd);
	if (fd < 0)
		return 0;
	n = read_nointr(fd, buf, sizeof(buf) - 1);
	(void) close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

static void
report_zombies(void)
{
	char list[256] = "";
	size_t used = 0;
	struct dirent *de;
	int zombies = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		die("opendir /proc");
	while ((errno = 0, de = readdir(dir))) {
		if (!isdigit((unsigned char) de->d_name[0]))
			continue;
		if (proc_state(dirfd(dir), de->d_name) != 'Z')
			continue;
		zombies++;
		if (used < sizeof(list)) {
			int n = snprintf(list + used, sizeof(list) - used,
					 " %s", de->d_name);

			if (n > 0)
				used += (size_t) n;
		}
	}
	if (errno)
		die("readdir /proc");
	(void) closedir(dir);
	say("zombies=%d%s", zombies, list);
}

/* PID 1's command line (its NULs shown as spaces) and program. */
static void
report_pid1(void)
{
	char buf[512], exe[PATH_MAX];
	struct stat st;
	ssize_t n, i;
	int fd;

	fd = open("/proc/1/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/1/cmdline");
	n = read_nointr(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die("read /proc/1/cmdline");
	(void) close(fd);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	say("pid1=%s", buf);

	/* stat() follows the link to the program itself, also when it is a
	 * file bind-mounted from the host, as podman's --init does. Outside
	 * a container PID 1 is usually not ours to look at: no reason to
	 * stop, the script judges the line. */
	n = readlink("/proc/1/exe", exe, sizeof(exe) - 1);
	if (n < 0 || stat("/proc/1/exe", &st) < 0) {
		say("pid1-exe=unreadable (%s)", strerror(errno));
		return;
	}
	exe[n] = '\0';
	say("pid1-exe=%s size=%lld", exe, (long long) st.st_size);
}

/* Waits for one of the blocked signals in set, EINTR retried. */
static int
wait_signal(const sigset_t *set, siginfo_t *si)
{
	int sig;

	do
		sig = sigwaitinfo(set, si);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		die("sigwaitinfo");
	return sig;
}

/*
 * A child that outlives us: it leads a session of its own (so no group
 * signal reaches it with ours) and waits for the SIGTERM that only a
 * grace period sends to what is left once the application has exited.
 * It inherits our mask, SIGTERM blocked, so that SIGTERM cannot be lost
 * whenever it comes.
 */
static pid_t
make_leftover(const sigset_t *term)
{
	siginfo_t si;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0)
		return pid;
	if (setsid() < 0)
		_exit(EXIT_BROKEN);
	(void) wait_signal(term, &si);
	say("leftover sigterm from pid=%d code=%d", (int) si.si_pid,
	    si.si_code);
	_exit(0);
}

/* The infra container of a pod: it only holds the namespaces. */
static int
pause_until_stopped(void)
{
	sigset_t stop;
	siginfo_t si;

	(void) sigemptyset(&stop);
	(void) sigaddset(&stop, SIGTERM);
	(void) sigaddset(&stop, SIGINT);
	/* As PID 1 a signal with the default action is dropped, but a
	 * blocked one is queued: sigwaitinfo() gets it. */
	if (sigprocmask(SIG_BLOCK, &stop, NULL) < 0)
		die("sigprocmask");
	(void) wait_signal(&stop, &si);
	return 0;
}

/* An exit code, 0-255. strtol() with every check: the app is linked
 * statically and without libbsd, so no strtonum(). */
static int
parse_code(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 255) {
		errno = 0;
		die("bad exit code '%s'", arg);
	}
	return (int) v;
}

static void __attribute__((noreturn))
usage(void)
{
	errno = 0;
	die("usage: e2e-app [--probe | --pause | --exit N | --leftover]");
}

int
main(int argc, char *argv[])
{
	sigset_t waited, term;
	bool leftover = false;
	siginfo_t si;
	pid_t orphan;

	if (argc > 3)
		usage();
	/* The script's "can podman run anything here?" check: the simplest
	 * run of this image that involves neither the reaper nor our test. */
	if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
		say("probe");
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--pause") == 0)
		return pause_until_stopped();
	if (argc == 3 && strcmp(argv[1], "--exit") == 0) {
		int code = parse_code(argv[2]);

		say("pid=%d ppid=%d", (int) getpid(), (int) getppid());
		report_pid1();
		say("exit=%d", code);
		return code;
	}
	if (argc == 2 && strcmp(argv[1], "--leftover") == 0)
		leftover = true;
	else if (argc != 1)
		usage();

	/* Blocked before the scenario starts, so that the signals we wait
	 * for stay pending until sigwaitinfo() takes them, whenever they
	 * come (their default action would kill us). */
	(void) sigemptyset(&term);
	(void) sigaddset(&term, SIGTERM);
	waited = term;
	(void) sigaddset(&waited, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &waited, NULL) < 0)
		die("sigprocmask");

	say("pid=%d ppid=%d", (int) getpid(), (int) getppid());
	report_pid1();
	orphan = make_orphan();
	say("orphan=%d", (int) orphan);
	if (leftover)
		say("leftover=%d", (int) make_leftover(&term));
	say("ready");

	while (wait_signal(&waited, &si) == SIGUSR1)
		say("sigusr1 from pid=%d code=%d", (int) si.si_pid,
		    si.si_code);
	say("sigterm from pid=%d code=%d", (int) si.si_pid, si.si_code);

	say("orphan-reaped=%s", orphan_reaped(orphan) ? "yes" : "no");
	report_zombies();
	say("exit=%d", EXIT_APP);
	return EXIT_APP;
}
