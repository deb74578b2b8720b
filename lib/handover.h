/*
 * Kernel reaping: with SIGCHLD ignored, an exiting child is released on
 * the spot and nobody is woken (Linux autoreaps it in exit_notify()). That
 * loses every wait status, the application's too, so it is done only
 * where the application's pidfd keeps its status (PIDFD_INFO_EXIT, Linux
 * 6.16). Signals then come through a signalfd, since sigtimedwait()
 * cannot also wait for the pidfd. When to hand over is the supervisor's
 * decision; this is how.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_HANDOVER_H
#define RP_HANDOVER_H

#include <signal.h>
#include <sys/types.h>

struct rp_handover {
	int app_pidfd;		/* the application's, while it runs: -1 none */
	int sigfd;		/* signals while the kernel reaps, else -1 */
};

/*
 * Hand reaping of every child to the kernel, app (unreaped, so the pid is
 * still its) included; waited is the set the reaper takes, in the kernel's
 * layout. On success h holds both fds and SIGCHLD is ignored. Children
 * that exited before are zombies still: the caller drains once more.
 * Errors: -errno of pidfd_open() or signalfd(), -EOPNOTSUPP when the kernel
 * keeps no exit status for pidfds; h is then left with no fd.
 */
int rp_handover_start(struct rp_handover *h, pid_t app,
		      const sigset_t *waited);

/* Back to reaping ourselves (the application is gone): children that exit
 * from now on stay zombies and raise SIGCHLD, as before. Closes sigfd;
 * app_pidfd stays for the caller to read the status from. */
void rp_handover_stop(struct rp_handover *h);

/*
 * Block until the next signal (returns 1, the signal in si) or the kernel
 * has reaped the application and stored its status (returns 0: POLLHUP on
 * its pidfd), for at most timeout_ms (-1: no limit; then -ETIME).
 * Errors: -errno of poll().
 */
int rp_handover_wait(struct rp_handover *h, siginfo_t *si, int timeout_ms);

#endif
