/*
 * One-line messages on stderr, written with a single write(2) so lines from
 * the reaper and the application never interleave mid-line. No stdio: the
 * reaper must not share buffers with code it never returns to.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_LOG_H
#define RP_LOG_H

#include <stdbool.h>

/* Who logs and whether debug lines are wanted: part of each front end's
 * configuration (struct rp_config, struct rp_inproc_config), so that the
 * log belongs to neither. */
struct rp_log {
	bool debug;		/* rp_log() writes only when set */
	const char *prefix;	/* each line starts "<prefix>[<pid>]: " */
};

/* prefix "reaper", debug from REAPER_DEBUG=1 (secure_getenv(): ignored in
 * setuid programs), so that it can be switched on without recompiling. */
void rp_log_defaults(struct rp_log *log);

/* Log when log->debug is set. */
void rp_log(const struct rp_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log unconditionally (errors the user must see, e.g. from the command). */
void rp_log_always(const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
