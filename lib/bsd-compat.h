/*
 * What the engine takes from libbsd, and closefrom(). setproctitle() comes
 * from libbsd when the build has it (glibc); without it (musl, for which
 * Debian ships no libbsd) the reaper keeps its name. rp_closefrom() is
 * ours in every build: libbsd's closefrom() would shadow the C library's
 * close_range(), which does the job in one system call.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_BSD_COMPAT_H
#define RP_BSD_COMPAT_H

#if HAVE_LIBBSD
#include <bsd/unistd.h>
#else
/* Retitling means moving argv and environ out of the way, which is most of
 * what libbsd's setproctitle() is; without it the reaper keeps its name. */
#define setproctitle_init(argc, argv, envp) ((void) (argc), (void) (argv), \
					     (void) (envp))
#define setproctitle(...) ((void) 0)
#endif

/* Close every fd >= lowfd. */
void rp_closefrom(int lowfd);

#endif
