/*
 * pidfd helpers: a pidfd names one process, not a number, so a signal sent
 * through it can never reach a process that got the pid after a reap.
 * Probed once, cached; without kernel support (< 5.3) callers fall back to
 * kill(), which they only use on pids they have not reaped yet.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_PIDFD_H
#define RP_PIDFD_H

#include <signal.h>
#include <sys/types.h>

/* CLOEXEC pidfd for pid, or -errno (-ENOSYS: no kernel support, cached). */
int rp_pidfd_open(pid_t pid);

/* pidfd_send_signal(2); info may be NULL. Returns 0 or -errno. */
int rp_pidfd_send(int pidfd, int sig, siginfo_t *info);

#endif
