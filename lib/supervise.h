/*
 * "Spawn this program, then supervise it until it exits": the engine shared
 * by reaper_fork_self() and the reaper command.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SUPERVISE_H
#define RP_SUPERVISE_H

struct rp_config;
struct rp_spawn;

/*
 * Block signals, optionally become a child subreaper, start req (its sig
 * field is filled here) and, once it has exec'd, become the reaper: reap,
 * forward, and exit with the application's status. Returns only when the
 * application could not be started, with -errno, after giving the process
 * back the signal mask, SIGCHLD disposition and subreaper state it had.
 *
 * title, when not NULL, is what ps shows for the reaper (setproctitle).
 */
int rp_supervise_run(const struct rp_config *cfg, struct rp_spawn *req,
		     const char *title);

#endif
