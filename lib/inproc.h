/*
 * In-process reaping (spec section 2): struct rp_inproc_config, the
 * validated form of the public struct reaper_config. The thread itself and
 * the public entry points live in inproc.c; only the translation is
 * internal API, so that the tests can check it without starting anything.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_INPROC_H
#define RP_INPROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"

struct reaper_config;

struct rp_inproc_config {
	bool start_always;	/* REAPER_START_ALWAYS: skip the PID-1 check */
	bool subreaper;
	struct rp_log log;	/* debug: REAPER_DEBUG or REAPER_DEBUG=1 */
	pid_t pid;		/* wait4() pid: -1, N > 0 or -G, never 0 */
	int options;		/* __WALL, __WCLONE; WNOHANG is implied */
	int status_fd;		/* the caller's fd, -1 for none */
	void (*on_reap)(pid_t pid, int status, unsigned int flags, void *data);
	void *on_reap_data;
};

/*
 * Validate config (may be NULL: the defaults) and fill cfg from it, with
 * the size-first rules of abi.h.
 * Errors: -EINVAL (size below the first release's, unknown flag, pid
 * INT_MIN, options other than WNOHANG, __WALL, __WCLONE, negative
 * status_fd), -E2BIG (non-zero bytes past the fields this library knows).
 */
int rp_inproc_load(const struct reaper_config *config,
		   struct rp_inproc_config *cfg);

/* True while reaper_start()'s thread runs in this process (not in a
 * forked child of it): reaper_fork_self() must not split then, since the
 * thread would reap the application behind the new reaper's back. */
bool rp_inproc_running(void);

#endif
