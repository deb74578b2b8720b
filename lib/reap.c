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

/* sig, then `then` unless 0: one target, no pidfd. */
static void
send_two(pid_t to, int sig, int then)
{
	(void) kill(to, sig);
	if (then)
		(void) kill(to, then);
}

struct sweep {
	int sig, then;
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
		if (contains(sw->known, sw->n, rp_proc_parent_of(pid))) {
			(void) rp_pidfd_send(pfd, sw->sig, NULL);
			if (sw->then)
				(void) rp_pidfd_send(pfd, sw->then, NULL);
		}
		(void) close(pfd);
	} else if (pfd == -ENOSYS) {
		send_two(pid, sw->sig, sw->then);
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
rp_reap_signal_descendants(int sig, int then)
{
	_cleanup_close_ int procfd = -1;
	pid_t known[1024];
	struct sweep sw = {
		.sig = sig, .then = then, .known = known,
		.cap = ARRAY_LENGTH(known),
	};
	int r, total = 0;

	if (getpid() == 1) {
		/* As init the kernel sends to everyone in the namespace but
		 * us; ESRCH just means nobody is left. */
		if (kill(-1, sig) < 0 && errno != ESRCH)
			return -errno;
		if (then)
			(void) kill(-1, then);
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

struct groups {
	int sig, then;
	pid_t self, own;
	pid_t done[256];	/* groups signalled */
	size_t n;
	int count;
};

static int
group_one(pid_t pid, pid_t ppid, void *data)
{
	struct groups *g = data;
	pid_t pgrp;

	if (ppid != g->self)
		return 0;
	pgrp = getpgid(pid);
	if (pgrp < 0)
		return 0;
	g->count++;
	if (pgrp == g->own) {
		send_two(pid, g->sig, g->then);
		return 0;
	}
	if (contains(g->done, g->n, pgrp))
		return 0;
	/* Past the table a group may get a second copy: better than none. */
	if (g->n < ARRAY_LENGTH(g->done))
		g->done[g->n++] = pgrp;
	send_two(-pgrp, g->sig, g->then);
	return 0;
}

int
rp_reap_signal_child_groups(int sig, int then)
{
	_cleanup_close_ int procfd = rp_proc_open();
	struct groups g = {
		.sig = sig, .then = then, .self = getpid(), .own = getpgrp(),
	};
	int r;

	if (procfd < 0)
		return procfd;
	r = rp_proc_each(procfd, group_one, &g);
	return r < 0 ? r : g.count;
}
