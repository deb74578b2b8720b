/*
 * Start the application: fork, set the child up, exec, and learn whether
 * the exec worked before going on (O_CLOEXEC error pipe).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SPAWN_H
#define RP_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct rp_sigstate;

struct rp_spawn {
	/* The re-exec case: exe_fd (>= 0) through execveat(); then paths,
	 * tried in order while execve() says ENOENT. */
	int exe_fd;
	const char *const *paths;
	/* Or a command name: with a '/', executed as is; without, looked up
	 * in search_path (PATH), as execvp() does, without allocating. */
	const char *file;
	const char *search_path;
	char *const *argv;
	char *const *envp;
	const struct rp_sigstate *sig;
	char *listen_slot;		/* see rp_marker_env() */
	int pdeathsig;			/* 0: none */
	/* true: own process group, made the foreground of tty_fd (job
	 * control on a terminal); false: a new session (setsid). */
	bool foreground_tty;
	int tty_fd;
};

/*
 * Start req's program as a child. On success *pid is a child that has
 * exec'd. Errors: -errno of fork/pipe2 (nothing started), or the execve()
 * errno of the child, which has then been reaped.
 */
int rp_spawn(const struct rp_spawn *req, pid_t *pid);

#endif
