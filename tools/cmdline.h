/*
 * The reaper command's flags and REAPER_* / TINI_* variables, turned into
 * a struct rp_config with no I/O and no exit(): main() prints and exits on
 * what this returns, and fuzz/fuzz-command.c drives the very same code.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_CMDLINE_H
#define RP_CMDLINE_H

#include <stdbool.h>

#include "options.h"

/* Beyond a day a "grace period" is a typo, and the timer maths stays in
 * range. */
#define RP_CMDLINE_GRACE_MAX_MS	86400000LL

enum rp_cmdline_action {
	RP_CMDLINE_RUN,		/* argv[first] is COMMAND */
	RP_CMDLINE_HELP,	/* -h: print the usage text, exit 0 */
	RP_CMDLINE_VERSION,	/* -V */
	RP_CMDLINE_LICENSE,	/* -l */
};

struct rp_cmdline {
	struct rp_config cfg;
	int verbosity;		/* 0 errors, 1 + warnings, 2 + debug */
	enum rp_cmdline_action action;
	int first;		/* index of COMMAND in argv, for RUN */
	/* The usage error, without the "(see reaper --help)" tail. */
	char error[400];
};

/*
 * Read envp (tini's variables, then ours), then argv (getopt_long, which
 * it resets first, so it may be called again in one process), the most
 * specific setting winning. On RUN, cfg holds what the flags imply too
 * (--grace turns on the subreaper, -vv debug).
 * Errors: -EINVAL, a usage error, described in c->error.
 */
int rp_cmdline_parse(struct rp_cmdline *c, int argc, char **argv,
		     char *const *envp);

#endif
