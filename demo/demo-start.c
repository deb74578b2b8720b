/*
 * The libreaper in-process demo: a program that starts processes and never
 * waits for them, kept free of zombies by a background reaper thread,
 * reaper_start(). Run it as PID 1 of a fresh PID namespace:
 *
 *   unshare --pid --fork --mount-proc build/demo/demo-start
 *
 * or anywhere with --anywhere (REAPER_START_ALWAYS | REAPER_SUBREAPER).
 * It shows, in order:
 *
 *   1. the reaper thread starting (or, outside PID 1 without --anywhere,
 *      not: reaper_start() then does nothing, like go-reaper's Reap());
 *   2. fire-and-forget children and orphans reaped, each reported once by
 *      the on_reap callback with its exit status, and no zombie left;
 *   3. the escape hatch: system() inside reaper_hold()/reaper_release()
 *      gets its command's status, which the reaper would otherwise take;
 *   4. reaper_stop(): the thread is gone, SIGCHLD is as it was.
 *
 * It checks itself: the last line is "OK: ..." (exit 0) or "FAIL: ..."
 * (exit 1). Every line starts with "demo:", "OK:" or "FAIL:".
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <reaper.h>

#define SPAWNED 3
#define ORPHANS 2

extern char **environ;

/* on_reap runs in the reaper thread: it only passes each record on, to
 * main(), through this pipe. A slow reader makes the reaper wait. */
static int records[2];

static void
on_reap(pid_t pid, int status, unsigned int flags, void *data)
{
	struct reaper_status rec = { pid, status };

	(void) flags;
	(void) data;
	if (write(records[1], &rec, sizeof(rec)) < 0)
		perror("demo: write");
}

static const char *
describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status 0x%x", status);
	return buf;
}

/* Start "sh -c 'exit CODE'" and forget about it. */
static pid_t
spawn_exit(int code)
{
	char cmd[32];
	char *argv[] = { "sh", "-c", cmd, NULL };
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "exit %d", code);
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
		return -1;
	return pid;
}

/* A child that forks a grandchild and exits: the grandchild, orphaned,
 * is handed to PID 1 (or the nearest subreaper) and exits with code. */
static pid_t
make_orphan(int code)
{
	pid_t mid = fork();

	if (mid == 0) {
		if (fork() == 0)
			_exit(code);
		_exit(0);
	}
	return mid;
}

/* Zombies whose parent is us. */
static int
count_zombies(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	int n = 0;

	while (dir && (d = readdir(dir))) {
		char path[300], buf[512], *p;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    p[1] == ' ' && p[2] == 'Z' &&
		    strtol(p + 4, NULL, 10) == getpid())
			n++;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

static int
failed(const char *what)
{
	printf("FAIL: %s\n", what);
	return 1;
}

int
main(int argc, char **argv)
{
	REAPER_CONFIG(cfg, .on_reap = on_reap);
	int anywhere = argc > 1 && strcmp(argv[1], "--anywhere") == 0;
	int expected = SPAWNED + 2 * ORPHANS, got = 0, st;
	char buf[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe2(records, O_CLOEXEC) < 0)
		return failed("pipe2");
	if (anywhere)
		cfg.flags |= REAPER_START_ALWAYS | REAPER_SUBREAPER;

	/* 1. The one call. Outside PID 1 (without --anywhere) it returns 0
	 * and starts nothing. */
	if (reaper_start(&cfg) < 0) {
		printf("demo: reaper_start: %s\n", strerror(errno));
		return failed("reaper_start");
	}
	if (getpid() != 1 && !anywhere) {
		printf("demo: I am pid %d, not PID 1: reaper_start() did "
		       "nothing.\ndemo: run me as PID 1 (unshare --pid --fork "
		       "--mount-proc %s) or with --anywhere\n",
		       (int) getpid(), argv[0]);
		printf("OK: nothing started outside PID 1\n");
		return 0;
	}
	printf("demo: pid %d, background reaper thread started\n",
	       (int) getpid());

	/* 2. Children nobody waits for, and orphans. */
	for (int i = 0; i < SPAWNED; i++)
		printf("demo: spawned pid %d (sh -c 'exit %d'), never waited "
		       "for\n", (int) spawn_exit(10 + i), 10 + i);
	for (int i = 0; i < ORPHANS; i++)
		printf("demo: pid %d leaves an orphan that exits with %d\n",
		       (int) make_orphan(20 + i), 20 + i);
	while (got < expected) {
		struct reaper_status rec;
		ssize_t n = read(records[0], &rec, sizeof(rec));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t) sizeof(rec))
			return failed("reading the records");
		printf("demo: reaper thread reaped pid %d: %s\n", (int) rec.pid,
		       describe(rec.status, buf, sizeof(buf)));
		got++;
	}

	/* 3. The hatch. Without the hold, the reaper could take the
	 * shell's status first, and system() would return -1 (ECHILD). */
	reaper_hold();
	st = system("exit 3");
	reaper_release();
	printf("demo: reaper_hold(); system(\"exit 3\"); reaper_release(); "
	       "-> %s\n", st < 0 ? strerror(errno)
				: describe(st, buf, sizeof(buf)));

	/* 4. Stop: joins the thread, which has finished every reap it
	 * reported. */
	if (reaper_stop() < 0)
		return failed("reaper_stop");
	printf("demo: reaper_stop(): thread joined; zombies left: %d\n",
	       count_zombies());

	if (count_zombies() != 0)
		return failed("zombies left");
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
		return failed("system() inside the hold lost its status");
	printf("OK: %d processes reaped and reported, system() kept its "
	       "status, no zombie\n", got);
	return 0;
}
