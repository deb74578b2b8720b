/*
 * Owns the log: struct rp_log's defaults, and the line format
 * "<prefix>[<pid>]: <message>\n", truncated to one line of at most 512
 * bytes, formatted by rp_fmt_vprint() (fmt.h), not vsnprintf(): the
 * static command then links no printf core.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "util.h"

/*
 * A closed or full stderr must neither stop the reaper nor kill it: the
 * write's own SIGPIPE or SIGXFSZ is held back and consumed. Where the
 * caller already blocks them (the reaper loop) they stay pending for it,
 * and one that was pending before is not ours to take. Only what we
 * added is unblocked after: a SIG_SETMASK with the C library's view of
 * the old mask would unblock the reserved signals the reaper blocks.
 */
static void
write_quietly(const char *buf, size_t len)
{
	static const struct timespec now = { 0, 0 };
	sigset_t quiet, old, pending, added;
	ssize_t r;

	sigemptyset(&quiet);
	sigaddset(&quiet, SIGPIPE);
	sigaddset(&quiet, SIGXFSZ);
	sigemptyset(&pending);
	(void) sigpending(&pending);
	if (pthread_sigmask(SIG_BLOCK, &quiet, &old) != 0) {
		(void) TEMP_FAILURE_RETRY_NEG(write(STDERR_FILENO, buf, len));
		return;
	}
	sigemptyset(&added);
	if (!sigismember(&old, SIGPIPE))
		sigaddset(&added, SIGPIPE);
	if (!sigismember(&old, SIGXFSZ))
		sigaddset(&added, SIGXFSZ);
	r = TEMP_FAILURE_RETRY_NEG(write(STDERR_FILENO, buf, len));
	if (r < 0 && (errno == EPIPE || errno == EFBIG)) {
		int sig = errno == EPIPE ? SIGPIPE : SIGXFSZ;

		if (!sigismember(&old, sig) && !sigismember(&pending, sig)) {
			sigset_t one;

			sigemptyset(&one);
			sigaddset(&one, sig);
			(void) TEMP_FAILURE_RETRY_NEG(
				sigtimedwait(&one, NULL, &now));
		}
	}
	(void) pthread_sigmask(SIG_UNBLOCK, &added, NULL);
}

static void __attribute__((format(printf, 2, 0)))
vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int saved_errno = errno;	/* callers log, then use errno */
	int n, m;

	n = rp_fmt_print(line, sizeof(line), "%s[%ld]: ", prefix,
			 (long) getpid());
	if (n < 0 || (size_t) n >= sizeof(line))
		goto out;
	m = rp_fmt_vprint(line + n, sizeof(line) - (size_t) n, fmt, ap);
	if (m < 0)
		goto out;
	n += m;
	if ((size_t) n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	write_quietly(line, (size_t) n);
out:
	errno = saved_errno;
}

void
rp_log_defaults(struct rp_log *log)
{
	const char *dbg = secure_getenv("REAPER_DEBUG");

	log->debug = dbg && strcmp(dbg, "1") == 0;
	log->prefix = "reaper";
}

void
rp_log(const struct rp_log *log, const char *fmt, ...)
{
	va_list ap;

	if (!log || !log->debug)
		return;
	va_start(ap, fmt);
	vlog(log->prefix, fmt, ap);
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
