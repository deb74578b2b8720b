/*
 * The reaper command's flags and REAPER_* / TINI_* variables
 * (tools/cmdline.c, rp_cmdline_parse(): what main() runs).
 *
 * Input: lines. Those before the first empty line are the environment
 * ("NAME=value"), the rest are argv[1...] (argv[0] is "reaper"); so
 * "\n-s\ntrue" is flags only and "REAPER_GRACE=5\n\ntrue" a variable.
 *
 * Beyond "no crash": a second parse of the same input gives the same
 * result (getopt_long()'s state is reset), an error always has a message,
 * and an accepted configuration is in range.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "cmdline.h"
#include "fuzz-common.h"
#include "signals.h"

#define FUZZ_MAX_LINES 64

static void
check_result(const struct rp_cmdline *c, int r, int argc)
{
	const struct rp_config *cfg = &c->cfg;

	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		size_t len = strnlen(c->error, sizeof(c->error));

		FUZZ_CHECK(len > 0 && len < sizeof(c->error));
		return;
	}
	FUZZ_CHECK(c->verbosity >= 0 && c->verbosity <= 100);
	if (c->action != RP_CMDLINE_RUN)
		return;
	FUZZ_CHECK(c->first >= 1 && c->first < argc);
	FUZZ_CHECK(cfg->pdeathsig >= 0 && cfg->pdeathsig < NSIG);
	FUZZ_CHECK(cfg->reaper_pdeathsig >= 0 && cfg->reaper_pdeathsig < NSIG);
	FUZZ_CHECK(cfg->grace_ms <= RP_CMDLINE_GRACE_MAX_MS);
	FUZZ_CHECK(!cfg->grace_ms || cfg->subreaper);
	FUZZ_CHECK(!cfg->wait_leftovers || cfg->subreaper);
	for (int s = 0; s < NSIG; s++)
		FUZZ_CHECK(cfg->delay_ms[s] <= RP_DELAY_MAX_MS);
	FUZZ_CHECK(c->verbosity < 2 || cfg->log.debug);
	for (int s = 0; s < NSIG; s++)
		FUZZ_CHECK(cfg->rewrite[s] >= 0 && cfg->rewrite[s] < NSIG);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rp_cmdline first, again;
	char **lines, **envp, **argv;
	size_t n, nenv, nargs;
	int r, r2, argc;

	lines = fuzz_split(data, size, '\n', FUZZ_MAX_LINES, &n);
	for (nenv = 0; nenv < n && lines[nenv][0]; nenv++)
		;
	nargs = nenv < n ? n - nenv - 1 : 0;

	envp = calloc(nenv + 1, sizeof(char *));
	argv = calloc(nargs + 2, sizeof(char *));
	FUZZ_CHECK(envp && argv);
	memcpy(envp, lines, nenv * sizeof(char *));
	argv[0] = (char *) "reaper";
	if (nargs)
		memcpy(argv + 1, lines + nenv + 1, nargs * sizeof(char *));
	argc = (int) nargs + 1;

	r = rp_cmdline_parse(&first, argc, argv, envp);
	check_result(&first, r, argc);
	r2 = rp_cmdline_parse(&again, argc, argv, envp);
	FUZZ_CHECK(r2 == r);
	FUZZ_CHECK(memcmp(&first, &again, sizeof(first)) == 0);

	free(argv);
	free(envp);
	fuzz_free(lines, n);
	return 0;
}
