/*
 * Reaping, leftover signalling and exit mirroring: what the reaper does
 * with processes that are not (or no longer) the application.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_REAP_H
#define RP_REAP_H

#include <sys/types.h>

struct rp_config;

/* One waitpid(-1, WNOHANG), EINTR retried. Returns 1 with *pid and *status
 * filled, 0 when children remain but none has exited, -ECHILD when there
 * are no children left. */
int rp_reap_one(pid_t *pid, int *status);

/*
 * Send sig to every descendant still alive: kill(-1) when we are PID 1
 * (the kernel then spares only us), else a walk of /proc that follows
 * parent links from us, each target pinned by a pidfd and re-checked
 * before it is signalled. Processes that called setsid() are included.
 * Returns how many were signalled, or -errno when /proc cannot be read.
 */
int rp_reap_signal_descendants(int sig);

/*
 * Exit with the application's wait status: its code (or 0 when
 * cfg->exit_zero says so); for a signal death, the same signal re-raised
 * when we are not PID 1 (with core dumps off, so the reaper leaves no core
 * of its own), else 128 + N as shells report it. Never returns.
 */
__attribute__((noreturn)) void rp_reap_exit(const struct rp_config *cfg,
					    int status);

#endif
