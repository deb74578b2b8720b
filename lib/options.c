/*
 * Owns the translation of the public struct reaper_options into struct
 * rp_config: every check of its fields, and the defaults (the copy itself
 * follows the size-first rules of abi.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "reaper.h"
#include "abi.h"
#include "options.h"
#include "signals.h"

/* The struct as released in 0.1; smaller sizes are not a valid caller. */
#define RP_OPTIONS_SIZE_V0_1 \
	RP_ABI_SIZE_TO(struct reaper_options, on_reap_data)

RP_ABI_HEAD_CHECK(struct reaper_options);

#define RP_KNOWN_FLAGS (REAPER_SPLIT_ALWAYS | REAPER_SUBREAPER | \
			REAPER_DEBUG | REAPER_SIGNAL_GROUP | \
			REAPER_NO_CONTINUE | REAPER_WAIT_LEFTOVERS)

void
rp_options_defaults(struct rp_config *cfg)
{
	int s;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->marker, "REAPER");
	rp_log_defaults(&cfg->log);
	for (s = 0; s < NSIG; s++)
		cfg->rewrite[s] = s;
}

int
rp_options_load(const struct reaper_options *opts, struct rp_config *cfg)
{
	struct reaper_options o;
	int r;

	rp_options_defaults(cfg);
	r = rp_abi_copy(&o, sizeof(o), opts, RP_OPTIONS_SIZE_V0_1,
			RP_KNOWN_FLAGS);
	if (r < 0)
		return r;
	cfg->split_always = o.flags & REAPER_SPLIT_ALWAYS;
	cfg->subreaper = o.flags & REAPER_SUBREAPER;
	cfg->signal_group = o.flags & REAPER_SIGNAL_GROUP;
	cfg->no_continue = o.flags & REAPER_NO_CONTINUE;
	cfg->wait_leftovers = o.flags & REAPER_WAIT_LEFTOVERS;
	if (o.flags & REAPER_DEBUG)
		cfg->log.debug = true;
	if (o.marker) {
		if (!rp_marker_name_valid(o.marker))
			return -EINVAL;
		strcpy(cfg->marker, o.marker);
	}
	if (o.rewrite) {
		r = rp_signals_parse_rewrite(o.rewrite, cfg->rewrite);
		if (r < 0)
			return r;
	}
	/* A field counts only when the caller's size covers all of it: the
	 * bytes of a pointer cut short are no pointer. */
	if (o.size < RP_ABI_SIZE_TO(struct reaper_options, delay_signal))
		o.delay_signal = NULL;
	if (o.delay_signal) {
		r = rp_signals_parse_delay(o.delay_signal, cfg->delay_ms, NULL);
		if (r < 0)
			return -EINVAL;
	} else {
		cfg->delay_from_env = true;
	}
	if (o.pdeathsig < 0 || o.pdeathsig >= NSIG)
		return -EINVAL;
	cfg->pdeathsig = o.pdeathsig;
	cfg->grace_ms = o.grace_ms;
	/* Leftovers orphaned by the application must come to us, or the grace
	 * period could not find (let alone reap) them outside PID 1, nor
	 * could we wait for them. */
	if (cfg->grace_ms || cfg->wait_leftovers)
		cfg->subreaper = true;
	memcpy(cfg->exit_zero, o.exit_zero, sizeof(cfg->exit_zero));
	cfg->on_reap = o.on_reap;
	cfg->on_reap_data = o.on_reap_data;
	return 0;
}

void
rp_options_env(struct rp_config *cfg)
{
	/* secure_getenv(), as for REAPER_DEBUG: a set-user-ID program
	 * takes no orders from its caller's environment. */
	const char *v = secure_getenv("REAPER_DELAY_SIGNAL");

	if (!cfg->delay_from_env || !v || !*v)
		return;
	if (rp_signals_parse_delay(v, cfg->delay_ms, NULL) < 0)
		rp_log_always(cfg->log.prefix, "ignoring REAPER_DELAY_SIGNAL="
			      "'%s': not SIGNAL:MS[,SIGNAL:MS...] with MS from 0 "
			      "to %u and a signal that is forwarded", v,
			      RP_DELAY_MAX_MS);
}
