/*
 * What execve() accepts and what a call costs of it, and the checksum of
 * a string vector: shared by helper-app (which pads its own environment
 * up to the limit before the split) and test-faults (which pads the
 * command's), so both sides measure the kernel's rule the same way. Only
 * static inline functions: helper-app links the public library alone.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef EXEC_LIMIT_H
#define EXEC_LIMIT_H

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* Bytes execve() accepts for the strings and their pointers
 * (fs/exec.c bprm_stack_limits(): a quarter of the stack limit, at most
 * 3/4 of _STK_LIM, at least ARG_MAX = 32 pages). */
static inline long
rt_exec_limit(void)
{
	unsigned long lim = (8UL << 20) / 4 * 3;
	struct rlimit rl;

	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < lim)
		lim = rl.rlim_cur / 4;
	if (lim < 32 * 4096)
		lim = 32 * 4096;
	return (long) lim;
}

/* The bytes of v's strings with their NULs; *ptrs counts them. */
static inline long
rt_strings_cost(const char *const *v, long *ptrs)
{
	long n = 0;

	for (; *v; v++, (*ptrs)++)
		n += (long) strlen(*v) + 1;
	return n;
}

/* What execve(filename, argv, envp) takes of rt_exec_limit(), with one
 * more variable of extra bytes (0: none). */
static inline long
rt_exec_cost(const char *filename, const char *const *argv,
	     const char *const *envp, size_t extra)
{
	long ptrs = 0, n = (long) strlen(filename) + 1;

	n += rt_strings_cost(argv, &ptrs);
	n += rt_strings_cost(envp, &ptrs);
	if (extra) {
		n += (long) extra + 1;
		ptrs++;
	}
	return n + ptrs * (long) sizeof(char *);
}

/* FNV-1a over each string and its NUL. */
static inline unsigned int
rt_fnv(unsigned int h, const char *s)
{
	do {
		h ^= (unsigned char) *s;
		h *= 16777619u;
	} while (*s++);
	return h;
}

/* "COUNT/BYTES/HASH" of a string vector: helper-app reports it for its
 * argv and environment, test-faults computes it for what it passed. */
static inline void
rt_sums(char *out, size_t cap, const char *const *v)
{
	unsigned int h = 2166136261u;
	long bytes = 0;
	int n = 0;

	for (; *v; v++, n++) {
		h = rt_fnv(h, *v);
		bytes += (long) strlen(*v) + 1;
	}
	snprintf(out, cap, "%d/%ld/%08x", n, bytes, h);
}

#endif
