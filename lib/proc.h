/*
 * What lib/ reads of processes in /proc: the parent of a process, its
 * name, and the walk over every process. /proc may be absent (a container without it) or
 * another PID namespace's (unshare -pf without --mount-proc): each caller
 * says what it does then.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_PROC_H
#define RP_PROC_H

#include <sys/types.h>

/* Parent of pid, or -1 when gone or /proc is unreadable. pid 0 means this
 * process, with the parent numbered as the mounted /proc numbers it:
 * getppid() answers in our PID namespace, which a /proc mounted from
 * another one does not. */
pid_t rp_proc_parent_of(pid_t pid);

/* The name (comm) of pid into comm, NUL-terminated. Errors: -errno of the
 * open or read, -ENODATA for an empty one. */
int rp_proc_comm(pid_t pid, char comm[17]);

/* /proc opened as a directory, checked to be a mounted procfs: an empty
 * directory would look like "no processes". Errors: -errno, -ENOENT when
 * it is not procfs. */
int rp_proc_open(void);

/* Call fn(pid, ppid, data) for every process listed in procfd (from
 * rp_proc_open()) whose parent can be read, in /proc's order; a non-zero
 * return from fn stops the walk with it. Returns 0 or what fn returned,
 * or -errno when the directory cannot be read. */
int rp_proc_each(int procfd, int (*fn)(pid_t pid, pid_t ppid, void *data),
		 void *data);

#endif
