/*
 * The environment marker (lib/marker.c): rp_marker_take(), which the
 * re-executed program runs on an environment anyone may have planted
 * marker copies in, and rp_childenv_make(), which builds the application's
 * environment (marker, LISTEN_PID slot) from the program's, also as the
 * command calls it, without a marker. The marker's
 * name goes through rp_options_load() first, as reaper_fork_self_opts()
 * does.
 *
 * Input: lines. The first is the marker name ("" for the default,
 * REAPER), the rest the environment. A value of "%P" stands for our
 * parent's pid, the only valid marker, which the fuzzer cannot guess.
 *
 * Beyond "no crash": take() says VALID exactly when the first copy of
 * the marker is our parent's pid in canonical decimal, removes every
 * copy and nothing else; env() has exactly one marker, last (none for
 * the command), and a LISTEN_PID slot exactly when LISTEN_PID named the
 * reaper.
 *
 * environ is swapped for the input's array and put back before
 * returning; unsetenv() only moves pointers within an array it did not
 * allocate, so nothing leaks and nothing of the real environment changes.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "childenv.h"
#include "marker.h"
#include "options.h"
#include "reaper.h"
#include "util.h"

#define FUZZ_MAX_LINES 64

extern char **environ;

static bool
entry_is(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* "%P" at the end of an entry -> our parent's pid. */
static char *
expand(char *entry, const char *ppid)
{
	size_t len = strlen(entry);
	char *out;

	if (len < 2 || strcmp(entry + len - 2, "%P") != 0)
		return entry;
	out = malloc(len - 2 + strlen(ppid) + 1);
	FUZZ_CHECK(out);
	memcpy(out, entry, len - 2);
	strcpy(out + len - 2, ppid);
	free(entry);
	return out;
}

/* The first value of name in env, as getenv() finds it. */
static const char *
first_value(char *const *env, const char *name)
{
	for (; *env; env++)
		if (entry_is(*env, name))
			return *env + strlen(name) + 1;
	return NULL;
}

/* marker NULL: the command's call, which adds no marker. */
static void
check_env(char **env, const char *marker, pid_t reaper, const char *rstr)
{
	const char *listen = first_value(env, "LISTEN_PID");
	char **out = NULL, *slot = NULL, want[RP_MARKER_MAX + 32];
	size_t n_in = 0, n_out = 0, n_marker = 0, n_listen = 0;
	/* A marker named LISTEN_PID takes every LISTEN_PID= away first. */
	bool rewrite = listen && strcmp(listen, rstr) == 0 &&
		       !(marker && strcmp(marker, "LISTEN_PID") == 0);

	FUZZ_CHECK(rp_childenv_make(marker, reaper, &out, &slot) == 0);
	if (!out) {
		/* Nothing to change: the caller uses environ as it is. */
		FUZZ_CHECK(!marker && !rewrite && !slot);
		return;
	}
	while (env[n_in])
		n_in++;
	while (out[n_out]) {
		n_marker += marker && entry_is(out[n_out], marker);
		n_listen += entry_is(out[n_out], "LISTEN_PID");
		n_out++;
	}
	if (marker) {
		FUZZ_CHECK(n_marker == 1 && n_out >= 1 && n_out <= n_in + 1);
		snprintf(want, sizeof(want), "%s=%s", marker, rstr);
		FUZZ_CHECK(strcmp(out[n_out - 1], want) == 0);
	} else {
		FUZZ_CHECK(n_out <= n_in);
	}
	FUZZ_CHECK(!slot == !rewrite);
	if (slot) {
		FUZZ_CHECK(n_listen == 1);
		rp_childenv_fill_listen_pid(slot);
		snprintf(want, sizeof(want), "LISTEN_PID=%ld", (long) getpid());
		FUZZ_CHECK(strcmp(slot, want) == 0);
		FUZZ_CHECK(strcmp(first_value(out, "LISTEN_PID"),
				  want + 11) == 0);
	}
	free(out);
}

static void
check_take(char **env, size_t n, const char *marker, const char *ppid)
{
	const char *val = first_value(env, marker);
	enum rp_marker_state want, st;
	char **copy = calloc(n + 1, sizeof(char *));
	size_t i, j = 0;

	FUZZ_CHECK(copy);
	memcpy(copy, env, n * sizeof(char *));
	want = !val ? RP_MARKER_ABSENT
	     : strcmp(val, ppid) == 0 ? RP_MARKER_VALID : RP_MARKER_INVALID;

	st = rp_marker_take(marker);
	FUZZ_CHECK(st == want);
	FUZZ_CHECK(!getenv(marker));
	/* Every other entry is still there, in order. */
	for (i = 0; i < n; i++) {
		if (entry_is(copy[i], marker))
			continue;
		FUZZ_CHECK(environ[j] == copy[i]);
		j++;
	}
	FUZZ_CHECK(environ[j] == NULL);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **saved = environ, **lines, **owned, ppid[21];
	struct rp_config cfg;
	pid_t reaper = getppid();
	size_t n;

	lines = fuzz_split(data, size, '\n', FUZZ_MAX_LINES, &n);
	if (n == 0) {
		fuzz_free(lines, n);
		return 0;
	}
	{
		REAPER_OPTIONS(opts, .marker = lines[0][0] ? lines[0] : NULL);

		if (rp_options_load(&opts, &cfg) < 0) {
			fuzz_free(lines, n);
			return 0;
		}
	}
	rp_fmt_ulong(ppid, (unsigned long) reaper);
	for (size_t i = 1; i < n; i++)
		lines[i] = expand(lines[i], ppid);
	/* take() drops pointers from the array: free by this copy. */
	owned = calloc(n + 1, sizeof(char *));
	FUZZ_CHECK(owned);
	memcpy(owned, lines, n * sizeof(char *));

	/* env() first: take() edits the array. */
	environ = lines + 1;
	check_env(lines + 1, NULL, reaper, ppid);
	check_env(lines + 1, cfg.marker, reaper, ppid);
	check_take(lines + 1, n - 1, cfg.marker, ppid);
	environ = saved;

	free(lines);
	fuzz_free(owned, n);
	return 0;
}
