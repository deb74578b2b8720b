/*
 * Owns the switch to kernel reaping and back (handover.h), and the wait
 * for a signal or the application's end while the kernel reaps.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "handover.h"
#include "pidfd.h"
#include "signals.h"
#include "util.h"

static void
set_sigchld(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	(void) sigaction(SIGCHLD, &sa, NULL);	/* cannot fail for SIGCHLD */
}

int
rp_handover_start(struct rp_handover *h, pid_t app, const sigset_t *waited)
{
	int r;

	h->sigfd = -1;
	h->app_pidfd = rp_pidfd_open(app);
	if (h->app_pidfd < 0) {
		r = h->app_pidfd;
		h->app_pidfd = -1;
		return r;
	}
	if (!rp_pidfd_keeps_exit_status(h->app_pidfd)) {
		r = -EOPNOTSUPP;
		goto fail;
	}
	/* The raw system call: the kernel's set, with the signals the C
	 * library reserves, which the reaper forwards too. */
	h->sigfd = (int) syscall(SYS_signalfd4, -1, waited, RP_KSIGSET_BYTES,
				 SFD_CLOEXEC);
	if (h->sigfd < 0) {
		r = -errno;
		h->sigfd = -1;
		goto fail;
	}
	set_sigchld(SIG_IGN);
	return 0;
fail:
	rp_close(&h->app_pidfd);
	return r;
}

void
rp_handover_stop(struct rp_handover *h)
{
	set_sigchld(SIG_DFL);
	rp_close(&h->sigfd);
}

int
rp_handover_wait(struct rp_handover *h, siginfo_t *si, int timeout_ms)
{
	/* The pidfd is asked for POLLHUP alone, which comes when the
	 * application has been reaped and its status stored. */
	struct pollfd p[2] = {
		{ .fd = h->sigfd, .events = POLLIN },
		{ .fd = h->app_pidfd, .events = 0 },
	};
	struct signalfd_siginfo ss;

	for (;;) {
		int n = poll(p, 2, timeout_ms);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ETIME;
		if ((p[0].revents & POLLIN) &&
		    read(h->sigfd, &ss, sizeof(ss)) == (ssize_t) sizeof(ss)) {
			memset(si, 0, sizeof(*si));
			si->si_signo = (int) ss.ssi_signo;
			si->si_code = ss.ssi_code;
			si->si_pid = (pid_t) ss.ssi_pid;
			si->si_uid = (uid_t) ss.ssi_uid;
			si->si_value.sival_ptr =
				(void *) (uintptr_t) ss.ssi_ptr;
			return 1;
		}
		if (p[1].revents)
			return 0;
	}
}
