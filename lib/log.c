/*
 * Owns the log line format: "<prefix>[<pid>]: <message>\n", truncated to one
 * line of at most 512 bytes. vsnprintf() is fine here: logging never runs
 * between fork() and execve().
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "util.h"

static void __attribute__((format(printf, 2, 0)))
vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int saved_errno = errno;	/* callers log, then use errno */
	int n, m;

	n = snprintf(line, sizeof(line), "%s[%ld]: ", prefix, (long) getpid());
	if (n < 0 || (size_t) n >= sizeof(line))
		goto out;
	m = vsnprintf(line + n, sizeof(line) - (size_t) n, fmt, ap);
	if (m < 0)
		goto out;
	n += m;
	if ((size_t) n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* A closed or full stderr must not stop the reaper: ignore errors. */
	(void) TEMP_FAILURE_RETRY_NEG(write(STDERR_FILENO, line, (size_t) n));
out:
	errno = saved_errno;
}

void
rp_log(const struct rp_config *cfg, const char *fmt, ...)
{
	va_list ap;

	if (!cfg || !cfg->debug)
		return;
	va_start(ap, fmt);
	vlog(cfg->log_prefix, fmt, ap);
	va_end(ap);
}

void
rp_log_always(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prefix, fmt, ap);
	va_end(ap);
}
