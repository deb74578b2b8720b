/*
 * The application of the end-to-end test: runs as the reaper's child in a
 * FROM-scratch container (podman-e2e.sh), leaves an orphan behind, waits
 * for the SIGTERM of `podman stop` and reports on stdout what it saw, one
 * "key=value" line at a time. It never judges; the script asserts.
 *
 *   pid=P ppid=Q        who we are (the reaper must be our parent, pid 1)
 *   orphan=P            the grandchild that outlived its parent
 *   ready               the script may now `podman stop`
 *   sigterm from pid=P code=C   the SIGTERM we got (P = 1: forwarded by
 *                       the reaper; podman's own signal would read 0)
 *   orphan-reaped=yes|no
 *   zombies=N [list]    processes in state Z anywhere in the container
 *   exit=42             then exits 42, so the script can tell our exit
 *                       code from the reaper's own (125-127, 128+N)
 *
 * With "--probe" it only prints "probe" and exits 0.
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

int
main(int argc, char *argv[])
{
	sigset_t term;
	siginfo_t si;
	pid_t orphan;
	int sig;

	/* The script's "can podman run anything here?" check: the simplest
	 * run of this image that involves neither the reaper nor our test. */
	if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
		say("probe");
		return 0;
	}

	/* Blocked before the scenario starts, so that the one SIGTERM we
	 * wait for stays pending until sigwaitinfo() takes it, whenever it
	 * comes (its default action would kill us). */
	(void) sigemptyset(&term);
	(void) sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, NULL) < 0)
		die("sigprocmask");

	say("pid=%d ppid=%d", (int) getpid(), (int) getppid());
	orphan = make_orphan();
	say("orphan=%d", (int) orphan);
	say("ready");

	do
		sig = sigwaitinfo(&term, &si);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		die("sigwaitinfo");
	say("sigterm from pid=%d code=%d", (int) si.si_pid, si.si_code);

	say("orphan-reaped=%s", orphan_reaped(orphan) ? "yes" : "no");
	report_zombies();
	say("exit=%d", EXIT_APP);
	return EXIT_APP;
}
