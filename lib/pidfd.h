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
#include <stdbool.h>
#include <sys/types.h>

/* CLOEXEC pidfd for pid, or -errno (-ENOSYS: no kernel support, cached). */
int rp_pidfd_open(pid_t pid);

/* pidfd_send_signal(2); info may be NULL. Returns 0 or -errno. */
int rp_pidfd_send(int pidfd, int sig, siginfo_t *info);

/*
 * Whether the kernel keeps a process's wait status for its pidfd once it
 * is reaped (PIDFD_INFO_EXIT), so that it may be reaped by the kernel
 * (SIGCHLD ignored) without losing the status. Linux 6.15 brought it;
 * 6.16 is required, since the status of a process whose main thread left
 * first (pthread_exit()) was the main thread's there. The ioctl is tried
 * on pidfd, a live process: a seccomp filter may refuse it.
 */
bool rp_pidfd_keeps_exit_status(int pidfd);

/*
 * The wait status kept for pidfd's process (rp_pidfd_keeps_exit_status()),
 * once the process is reaped: poll() reports POLLHUP then, not before
 * (POLLIN comes at exit, before the status is stored). 0 or -errno
 * (-ESRCH: no status kept).
 */
int rp_pidfd_exit_status(int pidfd, int *status);

#endif
