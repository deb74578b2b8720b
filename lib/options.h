/*
 * struct rp_config: the one validated, self-contained configuration every
 * internal module reads. Only reaper.c (and the command) see the public
 * struct reaper_options; rp_options_load() is the single translation.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_OPTIONS_H
#define RP_OPTIONS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "marker.h"

struct reaper_options;

struct rp_config {
	bool split_always;
	bool subreaper;
	bool signal_group;
	/* Log every reaped process that is not the application, even
	 * without debug (the command's -w, as tini's). */
	bool warn_reaped;
	/* No SIGCONT after a terminating signal (REAPER_NO_CONTINUE). */
	bool no_continue;
	/* Stay, reaping and forwarding, while the application's leftovers
	 * live (REAPER_WAIT_LEFTOVERS). */
	bool wait_leftovers;
	/* The options left delay_signal NULL: REAPER_DELAY_SIGNAL decides,
	 * read only when a split is due (rp_options_env()). */
	bool delay_from_env;
	char marker[RP_MARKER_MAX];
	struct rp_log log;
	/* rewrite[s] is the signal forwarded when s arrives; 0 drops it. */
	int rewrite[NSIG];
	unsigned int grace_ms;
	/* delay_ms[s]: how long s is held before it is forwarded; 0 none. */
	unsigned int delay_ms[NSIG];
	int pdeathsig;
	/* The reaper's own parent-death signal (the command's -p, as tini's):
	 * it arrives like any other signal and is forwarded. */
	int reaper_pdeathsig;
	uint8_t exit_zero[32];
	void (*on_reap)(pid_t pid, int status, unsigned int flags, void *data);
	void *on_reap_data;
};

/*
 * Fill cfg with the defaults: marker "REAPER", identity rewrite table,
 * the log's (rp_log_defaults()).
 */
void rp_options_defaults(struct rp_config *cfg);

/*
 * Validate opts (may be NULL) and fill cfg from it.
 * Errors: -EINVAL (size below the first release's, unknown flag, bad
 * marker, bad rewrite rule or delay, bad pdeathsig), -E2BIG (non-zero bytes past
 * the fields this library knows).
 */
int rp_options_load(const struct reaper_options *opts, struct rp_config *cfg);

/*
 * When the options had no delay_signal, take REAPER_DELAY_SIGNAL. Called
 * only once a split is due, so that the application, which inherits the
 * variable, does not read it again. An invalid value is said in one line
 * and ignored: running without a delay beats running unsupervised.
 */
void rp_options_env(struct rp_config *cfg);

static inline bool
rp_config_exit_zero(const struct rp_config *cfg, int code)
{
	return code >= 0 && code < 256 &&
	       (cfg->exit_zero[code / 8] & (1u << (code % 8)));
}

#endif
