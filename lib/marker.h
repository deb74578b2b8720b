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

/* A name's longest, its NUL included. */
#define RP_MARKER_MAX 64

enum rp_marker_state {
	RP_MARKER_ABSENT,
	RP_MARKER_VALID,	/* value == getppid(): we are the application */
	RP_MARKER_INVALID,	/* present but empty, garbage or not our parent */
};

/* A name a shell can export, [A-Za-z_][A-Za-z0-9_]*, shorter than
 * RP_MARKER_MAX. */
bool rp_marker_name_valid(const char *name);

/* Look the marker up, classify it and remove it from the environment. */
enum rp_marker_state rp_marker_take(const char *name);

#endif
