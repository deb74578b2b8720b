/* SPDX-License-Identifier: MIT */
/*
 * A user of the installed package: built by deb-test.sh with
 * `cc deb-app.c $(pkg-config --cflags --libs reaper)` and run as PID 1 of
 * a fresh PID namespace. The exit status says what the application saw,
 * and it reaches the caller only if the reaper mirrored it:
 *   42  split as it should: the application is not PID 1, its parent
 *       is, and PID 1 runs this same program (the reaper re-executed it)
 *    2  reaper_fork_self() failed
 *    3  no split: the application is PID 1, or its parent is not
 *    4  PID 1 is another program than this one
 */
#include <reaper.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	char self[4096], init[4096];
	ssize_t n_self, n_init;

	if (reaper_fork_self() < 0) {
		perror("deb-app: reaper_fork_self");
		return 2;
	}
	/* From here on this is the application: the reaper never returns. */
	if (getpid() == 1 || getppid() != 1) {
		fprintf(stderr, "deb-app: not split: pid %ld, parent %ld\n",
			(long) getpid(), (long) getppid());
		return 3;
	}
	n_self = readlink("/proc/self/exe", self, sizeof(self));
	n_init = readlink("/proc/1/exe", init, sizeof(init));
	if (n_self <= 0 || n_self != n_init ||
	    memcmp(self, init, (size_t) n_self) != 0) {
		fprintf(stderr, "deb-app: PID 1 is not this program\n");
		return 4;
	}
	return 42;
}
