/*
 * The one number scanner of lib/ and the command: decimal digits only (no
 * blank, no sign: what the kernel writes in /proc and uname(), and all we
 * accept from users), bounded, and it says how much it consumed, as
 * skalibs' uint64_scan_base_max() does. Not strtol() or strtonum(): the
 * first skips blanks and takes signs, so every caller needed a pre-check,
 * and either links the C library's whole number scanner (__intscan, a page
 * of the idle static command's RSS) into reaper-static.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SCAN_H
#define RP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The decimal digits at the start of s, as a value no greater than max,
 * into *v (0 when none). Returns how many characters it consumed: 0 when s
 * does not start with a digit; it stops before a digit that would take the
 * value past max, so that digit is left for the caller to see.
 */
size_t rp_scan_u64(const char *s, uint64_t max, uint64_t *v);

/* True when s is one or more digits and nothing else, at most max. */
static inline bool
rp_scan_whole(const char *s, uint64_t max, uint64_t *v)
{
	/* Not empty, and the scan reached the end: digits and nothing else
	 * (a first character that is no digit is consumed by nothing). */
	return s[0] != '\0' && s[rp_scan_u64(s, max, v)] == '\0';
}

#endif
