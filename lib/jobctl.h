/*
 * Job control for the command on a terminal (reaper -- bash): the
 * application leads its own process group, which is the terminal's
 * foreground, so ^C and ^Z reach it directly; these keep the shell that
 * started the reaper seeing one job that stops and continues as a whole.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_JOBCTL_H
#define RP_JOBCTL_H

#include <stdbool.h>
#include <sys/types.h>

struct rp_log;

/* The application (pid app, its group's leader) stopped with sig: stop
 * our own group with it, or continue it where nobody could continue us. */
void rp_jobctl_stopped(const struct rp_log *log, pid_t app, int sig);

/* SIGCONT came (fg, bg): hand the terminal tty_fd on to the application
 * if it is ours, and continue the application's whole group.
 * Returns 0 or -errno of kill(). */
int rp_jobctl_continue(int tty_fd, pid_t app);

/*
 * True when the application, our unreaped child, is stopped and nobody
 * has collected that stop yet (waitid() with WNOWAIT, which leaves it for
 * job control to collect). On a terminal, a stop job control has handled
 * stopped the reaper too, and fg continues both.
 */
bool rp_jobctl_is_stopped(pid_t app);

#endif
