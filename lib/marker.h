/*
 * The environment marker NAME=<reaper pid> that tells the re-executed
 * program it is the application. It is trusted only when its value is
 * exactly our parent's pid, and it is always removed, so a grandchild never
 * inherits it and a stale or forged one can neither loop nor mislead.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_MARKER_H
#define RP_MARKER_H

#include <stdbool.h>
#include <sys/types.h>

enum rp_marker_state {
	RP_MARKER_ABSENT,
	RP_MARKER_VALID,	/* value == getppid(): we are the application */
	RP_MARKER_INVALID,	/* present but empty, garbage or not our parent */
};

/* Look the marker up, classify it and remove it from the environment. */
enum rp_marker_state rp_marker_take(const char *name);

/*
 * Build the child's environment: environ without any NAME= entry, plus
 * "NAME=<reaper>" (no marker at all when name is NULL: the command), and
 * with LISTEN_PID=<reaper> turned into a slot the child
 * fills with its own pid (*listen_slot, NULL when there is none). The array
 * and strings live in one heap block the caller frees; the reaper never
 * frees it (it never returns). When there is nothing to change (no marker,
 * no LISTEN_PID to rewrite) *envp is NULL: environ as it is.
 * Errors: -ENOMEM.
 */
int rp_marker_env(const char *name, pid_t reaper, char ***envp,
		  char **listen_slot);

/* In the child before exec: write our pid into the LISTEN_PID slot. */
void rp_marker_fill_listen_pid(char *slot);

#endif
