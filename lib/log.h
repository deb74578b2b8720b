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

struct rp_config;

/* Log when cfg->debug is set. */
void rp_log(const struct rp_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Log unconditionally (errors the user must see, e.g. from the command). */
void rp_log_always(const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
