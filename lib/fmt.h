/*
 * The engine's own snprintf(): only the conversions its messages and /proc
 * paths use, so that the static command links no printf core (musl's
 * floating-point formatting would be resident text of the idle reaper).
 *
 * Supported: %% %c %s, %d %u %x with the l, ll and z length modifiers, and
 * a precision on %s ("%.40s", "%.*s"). No flags, no field width: an
 * unsupported conversion is copied through as it stands, so a mistake
 * shows in the message instead of reading a wrong vararg.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_FMT_H
#define RP_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As vsnprintf(): always NUL-terminates when n > 0, returns the length
 * the whole output would have. */
int rp_fmt_vprint(char *buf, size_t n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

int rp_fmt_print(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
