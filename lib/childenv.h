/*
 * The application's environment, made in the reaper before the spawn:
 * environ without any marker, plus the marker the application checks, and
 * LISTEN_PID made the application's own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_CHILDENV_H
#define RP_CHILDENV_H

#include <sys/types.h>

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
int rp_childenv_make(const char *name, pid_t reaper, char ***envp,
		     char **listen_slot);

/* In the child before exec: write our pid into the LISTEN_PID slot. */
void rp_childenv_fill_listen_pid(char *slot);

#endif
