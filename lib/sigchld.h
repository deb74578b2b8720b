/*
 * The SIGCHLD handler of reaper_start()'s thread, chained: it wakes the
 * thread (one write(2) to an eventfd) and then runs the handler the
 * program had, as the program had it, so that a program which handles
 * SIGCHLD itself notices nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SIGCHLD_H
#define RP_SIGCHLD_H

#include <stdbool.h>

/* Install our handler, writing to wake_fd, in front of the program's.
 * Errors: -errno of sigaction(); nothing is installed then. */
int rp_sigchld_install(int wake_fd);

/*
 * Give SIGCHLD back to the program, unless it installed a handler of its
 * own meanwhile, which is left alone (returns false then). Either way,
 * returns only once no handler can still write to wake_fd, which the
 * caller may then close.
 */
bool rp_sigchld_remove(void);

/* In a fork()ed child, where no thread of ours runs: give SIGCHLD back if
 * installed says our handler was, and forget wake_fd. */
void rp_sigchld_forget(bool installed);

#endif
