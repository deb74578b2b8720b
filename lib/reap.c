/*
 * Owns waitpid(-1) and the signalling of leftover descendants. No
 * allocation: the descendant walk uses fixed stack buffers, and a tree
 * wider than its table is still covered because the callers sweep again
 * as leftovers are reparented.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "proc.h"
#include "reap.h"
#include "util.h"

int
rp_reap_one(pid_t *pid, int *status)
{
	pid_t p = TEMP_FAILURE_RETRY_NEG(waitpid(-1, status, WNOHANG));

	if (p < 0)
		return -errno;
	if (p == 0)
		return 0;
	*pid = p;
	return 1;
}

static bool
contains(const pid_t *set, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == pid)
			return true;
	return false;
}

struct sweep {
	int sig;
	pid_t *known;		/* us, then every descendant signalled */
	size_t n, cap;
	int added;		/* in this pass */
};

/* One process of a pass over /proc: signal it and add it to known[] when
 * its parent is there. */
static int
sweep_one(pid_t pid, pid_t ppid, void *data)
{
	struct sweep *sw = data;
	int pfd;

	if (contains(sw->known, sw->n, pid) ||
	    !contains(sw->known, sw->n, ppid))
		return 0;
	/* Pin the process, then make sure the pid still names a
	 * descendant: it may have been reaped and reused between the read
	 * and the open. */
	pfd = rp_pidfd_open(pid);
	if (pfd >= 0) {
		if (contains(sw->known, sw->n, rp_proc_parent_of(pid)))
			(void) rp_pidfd_send(pfd, sw->sig, NULL);
		(void) close(pfd);
	} else if (pfd == -ENOSYS) {
		(void) kill(pid, sw->sig);
	} else {
		return 0;	/* already gone */
	}
	if (sw->n < sw->cap) {
		sw->known[sw->n++] = pid;
		sw->added++;
	}
	return 0;
}

int
rp_reap_signal_descendants(int sig)
{
	_cleanup_close_ int procfd = -1;
	pid_t known[1024];
	struct sweep sw = {
		.sig = sig, .known = known, .cap = ARRAY_LENGTH(known),
	};
	int r, total = 0;

	if (getpid() == 1) {
		/* As init the kernel sends to everyone in the namespace but
		 * us; ESRCH just means nobody is left. */
		if (kill(-1, sig) < 0 && errno != ESRCH)
			return -errno;
		return 1;
	}
	procfd = rp_proc_open();
	if (procfd < 0)
		return procfd;
	known[sw.n++] = getpid();
	/* Children may be listed after their parents or before: repeat
	 * until a pass finds nobody new. */
	do {
		sw.added = 0;
		r = rp_proc_each(procfd, sweep_one, &sw);
		if (r < 0)
			return r;
		total += sw.added;
	} while (sw.added > 0);
	return total;
}
