/*
 * Owns the chained SIGCHLD handler (sigchld.h). The handler is
 * async-signal-safe: two atomic operations, one write(2), then the
 * handler the program had (skalibs selfpipe: no real work in a handler).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sigchld.h"

/* Shared with the handler: see on_sigchld() and retire_handler(). */
static atomic_int handler_fd = -1;
static atomic_int handler_active;
static struct sigaction chained;	/* SIGCHLD as the program had it */

static bool
is_ours(const struct sigaction *sa);

/* Async-signal-safe. */
static void
on_sigchld(int sig, siginfo_t *si, void *ctx)
{
	int saved_errno = errno;
	struct sigaction prev;
	bool have_prev = false;
	int fd;

	/* handler_active tells rp_sigchld_remove() that the fd may still
	 * be in use; seq_cst on both sides (see retire_handler()). */
	atomic_fetch_add(&handler_active, 1);
	fd = atomic_load(&handler_fd);
	if (fd >= 0) {
		uint64_t one = 1;

		/* Fails only when the eventfd's counter would overflow,
		 * which one wake-up per event cannot reach. */
		if (write(fd, &one, sizeof(one)) < 0) {
			/* the thread is already due to wake */
		}
		/* Stable while a session runs: start() writes it before it
		 * publishes handler_fd, and only after the previous stop
		 * waited for every handler inside this section. */
		prev = chained;
		have_prev = true;
	}
	atomic_fetch_sub(&handler_active, 1);
	/* A straggler: caught under our disposition, run after
	 * rp_sigchld_remove() gave the program's back. That one is what the
	 * program expects. */
	if (!have_prev && (sigaction(SIGCHLD, NULL, &prev) < 0 ||
			   is_ours(&prev)))
		goto out;
	if (prev.sa_flags & SA_SIGINFO) {
		if (prev.sa_sigaction)
			prev.sa_sigaction(sig, si, ctx);
	} else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
		prev.sa_handler(sig);
	}
out:
	errno = saved_errno;
}

static bool
is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_sigchld;
}

/*
 * Our disposition, as transparent as it can be: when the program had a
 * handler, keep its mask and flags (SA_RESTART or not, SA_NOCLDSTOP,
 * SA_ONSTACK), so that it runs, chained, as it did. SA_NOCLDWAIT and a
 * SIG_IGN disposition made the kernel reap behind everyone's back: no
 * status would be left to report, so they do not survive (reaper_stop()
 * gives them back). Otherwise SIGCHLD interrupted nothing before, so
 * SA_RESTART; and nobody wants stops, so SA_NOCLDSTOP.
 */
static void
our_disposition(const struct sigaction *prev, struct sigaction *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sa_sigaction = on_sigchld;
	if ((prev->sa_flags & SA_SIGINFO) ||
	    (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)) {
		sa->sa_mask = prev->sa_mask;
		sa->sa_flags = prev->sa_flags & ~(SA_NOCLDWAIT | SA_RESETHAND);
	} else {
		sigemptyset(&sa->sa_mask);
		sa->sa_flags = SA_RESTART | SA_NOCLDSTOP;
	}
	sa->sa_flags |= SA_SIGINFO;
}

/* Give SIGCHLD back to the program, unless it has installed a handler of
 * its own meanwhile, which we then leave alone. Returns false then. */
static bool
restore(void)
{
	struct sigaction cur;

	if (sigaction(SIGCHLD, NULL, &cur) < 0 || !is_ours(&cur))
		return false;
	/* Cannot fail: the same signal and a disposition it had. */
	(void) sigaction(SIGCHLD, &chained, NULL);
	return true;
}

/*
 * After our disposition is gone: make sure no handler still writes to the
 * eventfd before it is closed (its number could be reused at once). A
 * handler that enters after the store sees -1; one already inside is
 * counted, and runs one write(2) before it leaves: this waits for that,
 * not for time.
 */
static void
retire_handler(void)
{
	atomic_store(&handler_fd, -1);
	while (atomic_load(&handler_active))
		sched_yield();
}

int
rp_sigchld_install(int wake_fd)
{
	struct sigaction prev, sa;

	if (sigaction(SIGCHLD, NULL, &prev) < 0)
		return -errno;
	/* Our own handler, put back by the program from an old sigaction()
	 * result, is no handler of the program's: chaining to it would
	 * recurse. */
	if (is_ours(&prev)) {
		memset(&prev, 0, sizeof(prev));
		prev.sa_handler = SIG_DFL;
	}
	/* Before handler_fd is published: stable while we are installed,
	 * and only after the previous removal waited for every handler. */
	chained = prev;
	atomic_store(&handler_fd, wake_fd);
	our_disposition(&prev, &sa);
	if (sigaction(SIGCHLD, &sa, NULL) < 0) {
		int r = -errno;

		retire_handler();
		return r;
	}
	return 0;
}

bool
rp_sigchld_remove(void)
{
	bool restored = restore();

	retire_handler();
	return restored;
}

void
rp_sigchld_forget(bool installed)
{
	if (installed) {
		(void) restore();
		atomic_store(&handler_fd, -1);
	}
	atomic_store(&handler_active, 0);
}
