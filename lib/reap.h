/*
 * Reaping and leftover signalling: what the reaper does with processes
 * that are not (or no longer) the application.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_REAP_H
#define RP_REAP_H

#include <sys/types.h>

/* One waitpid(-1, WNOHANG), EINTR retried. Returns 1 with *pid and *status
 * filled, 0 when children remain but none has exited, -ECHILD when there
 * are no children left. */
int rp_reap_one(pid_t *pid, int *status);

/*
 * Send sig, then `then` unless it is 0, to every descendant still alive:
 * kill(-1) when we are PID 1 (the kernel then spares only us), else a
 * walk of /proc that follows parent links from us, each target pinned by
 * a pidfd and re-checked before it is signalled. Processes that called
 * setsid() are included. Returns how many were signalled, or -errno when
 * /proc cannot be read.
 */
int rp_reap_signal_descendants(int sig, int then);

/*
 * Send sig, then `then` unless it is 0, to the process group of each of
 * our children (each group once). A child in our own group gets them
 * alone, so that the reaper never signals itself. Our children are ours
 * to reap, so their pids cannot be reused under us. Returns how many
 * were signalled, or -errno when /proc cannot be read.
 */
int rp_reap_signal_child_groups(int sig, int then);

#endif
