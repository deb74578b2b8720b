/*
 * The three libbsd functions the engine uses: from libbsd when the build
 * has it (glibc), else from bsd-compat.c, so the command also builds with
 * musl, for which Debian ships no libbsd.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_BSD_COMPAT_H
#define RP_BSD_COMPAT_H

#if HAVE_LIBBSD
#include <bsd/stdlib.h>
#include <bsd/unistd.h>
#else
#include <unistd.h>

/* OpenBSD's strtonum(): *errstr is NULL, "invalid", "too small" or
 * "too large". */
long long rp_strtonum(const char *s, long long lo, long long hi,
		      const char **errstr);
#define strtonum rp_strtonum

/* Close every fd >= lowfd. */
void rp_closefrom(int lowfd);
#define closefrom rp_closefrom

/* Retitling means moving argv and environ out of the way, which is most of
 * what libbsd's setproctitle() is; without it the reaper keeps its name. */
#define setproctitle_init(argc, argv, envp) ((void) (argc), (void) (argv), \
					     (void) (envp))
#define setproctitle(...) ((void) 0)
#endif

#endif
