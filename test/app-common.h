/*
 * What the test programs (helper-app, inproc-app) share: report(), their
 * one-line messages to the test on report_fd, and their one walk over
 * /proc, which counts processes by state and parent, read from
 * /proc/PID/stat after the last ')' (comm may hold spaces and
 * parentheses). Each program is one file: static functions and a static
 * report_fd, since the programs link the public library alone.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef APP_COMMON_H
#define APP_COMMON_H

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Where report() writes; a program may move it (HELPER_REPORT_FD). */
static int report_fd = 3;

static void __attribute__((format(printf, 1, 2)))
report(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void) !write(report_fd, line, (size_t) n);
}

/* How many processes but except (-1: none) have a parent in parents[]
 * (n of them) and, when zombie_only, are zombies. */
static inline int
app_proc_count(const pid_t *parents, int n, bool zombie_only, pid_t except)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int count = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[512], *p;
		long ppid;
		ssize_t len;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    atol(de->d_name) == (long) except)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || (zombie_only && p[2] != 'Z'))
			continue;
		ppid = atol(p + 4);
		for (int i = 0; i < n; i++)
			if (ppid == (long) parents[i]) {
				count++;
				break;
			}
	}
	if (d)
		closedir(d);
	return count;
}

#endif
