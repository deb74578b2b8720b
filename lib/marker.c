/*
 * Owns the marker: parse, verify, strip, and the child's environment.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "fmt.h"
#include "marker.h"
#include "scan.h"
#include "util.h"

/* "LISTEN_PID=" plus room for any pid_t in decimal. */
#define LISTEN_PREFIX "LISTEN_PID="
#define LISTEN_SLOT (sizeof(LISTEN_PREFIX) - 1 + 21)

extern char **environ;

static bool
env_is(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

enum rp_marker_state
rp_marker_take(const char *name)
{
	const char *val;
	uint64_t pid;
	enum rp_marker_state st;

	val = getenv(name);
	if (!val)
		return RP_MARKER_ABSENT;
	/* Exactly what rp_marker_env() writes: digits, no leading zero. */
	st = val[0] != '0' && rp_scan_whole(val, INT32_MAX, &pid) &&
	     (pid_t) pid == getppid() ? RP_MARKER_VALID : RP_MARKER_INVALID;
	/* Every copy goes, also a duplicate planted further down environ. */
	while (getenv(name))
		(void) unsetenv(name);
	return st;
}

int
rp_marker_env(const char *name, pid_t reaper, char ***envp, char **listen_slot)
{
	size_t nlen = name ? strlen(name) : 0, n = 0, bytes;
	char reaper_str[21], **out, *str;
	const char *listen;
	size_t i, o = 0;
	bool rewrite_listen;

	rp_fmt_ulong(reaper_str, (unsigned long) reaper);
	listen = getenv("LISTEN_PID");
	rewrite_listen = listen && strcmp(listen, reaper_str) == 0;
	*listen_slot = NULL;
	if (!name && !rewrite_listen) {
		/* The command's usual case: nothing to change, so nothing to
		 * copy, and the reaper never touches the heap. */
		*envp = NULL;
		return 0;
	}
	for (i = 0; environ && environ[i]; i++)
		n++;
	/* Pointers (n entries + marker + NULL), then marker and slot text. */
	bytes = (n + 2) * sizeof(char *) + nlen + 2 + sizeof(reaper_str) +
		LISTEN_SLOT;
	out = malloc(bytes);
	if (!out)
		return -ENOMEM;
	str = (char *)(out + n + 2);
	for (i = 0; i < n; i++) {
		if (name && env_is(environ[i], name, nlen))
			continue;
		if (rewrite_listen && env_is(environ[i], "LISTEN_PID", 10)) {
			if (*listen_slot)
				continue;	/* keep one: the child's */
			*listen_slot = str + nlen + 2 + sizeof(reaper_str);
			memcpy(*listen_slot, LISTEN_PREFIX,
			       sizeof(LISTEN_PREFIX));
			out[o++] = *listen_slot;
			continue;
		}
		out[o++] = environ[i];
	}
	if (name) {
		rp_fmt_print(str, nlen + 2 + sizeof(reaper_str), "%s=%s",
			     name, reaper_str);
		out[o++] = str;
	}
	out[o] = NULL;
	*envp = out;
	return 0;
}

void
rp_marker_fill_listen_pid(char *slot)
{
	if (slot)
		rp_fmt_ulong(slot + sizeof(LISTEN_PREFIX) - 1,
			     (unsigned long) getpid());
}
