/*
 * Signal names, --rewrite and --delay-signal specs (lib/signals.c):
 * rp_signals_parse(), both with and without 0, rp_signals_name(),
 * rp_signals_parse_rewrite() and rp_signals_parse_delay(), on one string
 * from the input. They read -p, --command-parent-death-signal, -r,
 * --delay-signal and their REAPER_* variables, and the rewrite and
 * delay_signal fields of struct reaper_options.
 *
 * Beyond "no crash": a name we print parses back to its number, a
 * rejected rewrite leaves the table untouched, an accepted one only maps
 * signals the reaper forwards, to signals that exist.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "fuzz-common.h"
#include "signals.h"

/* The highest signal any name may denote (RTMAX, as glibc and procps). */
#define FUZZ_SIG_MAX 64

static void
check_signal(const char *s)
{
	int sig = rp_signals_parse(s, false);
	int sig0 = rp_signals_parse(s, true);
	char buf[16];

	FUZZ_CHECK(sig == -EINVAL || (sig >= 1 && sig <= FUZZ_SIG_MAX));
	FUZZ_CHECK(sig0 == -EINVAL || (sig0 >= 0 && sig0 <= FUZZ_SIG_MAX));
	/* allow_zero only adds 0: it never changes what a name means. */
	if (sig >= 0)
		FUZZ_CHECK(sig0 == sig);
	if (sig0 > 0)
		FUZZ_CHECK(sig == sig0);
	if (sig > 0) {
		rp_signals_name(sig, buf);
		FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)));
		FUZZ_CHECK(rp_signals_parse(buf, false) == sig);
	}
}

static void
check_rewrite(const char *s)
{
	int table[NSIG], before[NSIG];
	int r;

	/* A table that is not the identity, so "untouched" is visible. */
	for (int i = 0; i < NSIG; i++)
		before[i] = table[i] = (i * 7) % NSIG;
	r = rp_signals_parse_rewrite(s, table);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r < 0) {
		FUZZ_CHECK(memcmp(table, before, sizeof(table)) == 0);
		return;
	}
	for (int i = 0; i < NSIG; i++) {
		if (table[i] == before[i])
			continue;
		FUZZ_CHECK(table[i] >= 0 && table[i] <= FUZZ_SIG_MAX);
		FUZZ_CHECK(rp_signals_forwardable(i) && i != SIGCHLD);
	}
	/* Nothing but a list of pairs is accepted: an empty spec, or one
	 * colon per comma-separated element. */
	if (*s) {
		size_t colons = 0, commas = 0;

		for (const char *p = s; *p; p++) {
			colons += *p == ':';
			commas += *p == ',';
		}
		FUZZ_CHECK(colons == commas + 1);
	}
}

static void
check_delay(const char *s)
{
	unsigned int table[NSIG], before[NSIG];
	int refused = -1, r;

	for (int i = 0; i < NSIG; i++)
		before[i] = table[i] = (unsigned int) i * 1000u;
	r = rp_signals_parse_delay(s, table, &refused);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EPERM);
	if (r < 0) {
		FUZZ_CHECK(memcmp(table, before, sizeof(table)) == 0);
		/* A refusal names a signal that is never forwarded. */
		if (r == -EPERM)
			FUZZ_CHECK(refused >= 1 && refused <= FUZZ_SIG_MAX &&
				   (!rp_signals_forwardable(refused) ||
				    refused == SIGCHLD));
		return;
	}
	for (int i = 0; i < NSIG; i++) {
		if (table[i] == before[i])
			continue;
		FUZZ_CHECK(table[i] <= RP_DELAY_MAX_MS);
		FUZZ_CHECK(rp_signals_forwardable(i) && i != SIGCHLD);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);

	check_signal(s);
	check_rewrite(s);
	check_delay(s);
	free(s);
	return 0;
}
