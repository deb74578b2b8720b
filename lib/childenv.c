/*
 * Owns the application's environment: environ, less any marker, plus the
 * marker the application will check, and LISTEN_PID made the
 * application's own (socket activation).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "childenv.h"
#include "fmt.h"
#include "util.h"

extern char **environ;

/* "LISTEN_PID=" plus room for any pid_t in decimal. */
#define LISTEN_PREFIX "LISTEN_PID="
#define LISTEN_SLOT (sizeof(LISTEN_PREFIX) - 1 + 21)

extern char **environ;

static bool
env_is(const char *entry, const char *name, size_t len)
{
	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

int
rp_childenv_make(const char *name, pid_t reaper, char ***envp,
		 char **listen_slot)
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
rp_childenv_fill_listen_pid(char *slot)
{
	if (slot)
		rp_fmt_ulong(slot + sizeof(LISTEN_PREFIX) - 1,
			     (unsigned long) getpid());
}
