/*
 * Small helpers shared by every lib/ module: array length, EINTR-retrying
 * wrappers, fd cleanup. Nothing here allocates or logs.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_UTIL_H
#define RP_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

/* Retry a -1/EINTR call; the one place each caller needs EINTR handled. */
#define TEMP_FAILURE_RETRY_NEG(expr)					\
	({								\
		__typeof__(expr) _r;					\
		do {							\
			_r = (expr);					\
		} while (_r < 0 && errno == EINTR);			\
		_r;							\
	})

static inline void
rp_close(int *fd)
{
	/* close(2) must not be retried on EINTR on Linux: the fd is gone. */
	if (*fd >= 0)
		(void) close(*fd);
	*fd = -1;
}

#define _cleanup_close_ __attribute__((cleanup(rp_close)))

/* Decimal formatting that is async-signal-safe (no locale, no stdio), for
 * the code between fork() and execve(). Writes a NUL-terminated string into
 * buf (>= 21 bytes) and returns its length. */
static inline size_t
rp_fmt_ulong(char *buf, unsigned long v)
{
	char tmp[21];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

#endif
