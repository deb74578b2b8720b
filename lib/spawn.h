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
	/* exe_fd (>= 0) through execveat(); then paths, tried in order while
	 * execve() says ENOENT. */
	int exe_fd;
	const char *const *paths;
	char *const *argv;
	char *const *envp;
	const struct rp_sigstate *sig;
	char *listen_slot;		/* see rp_marker_env() */
	int pdeathsig;			/* 0: none */
};

/*
 * Start req's program as a child. On success *pid is a child that has
 * exec'd. Errors: -errno of fork/pipe2 (nothing started), or the execve()
 * errno of the child, which has then been reaped.
 */
int rp_spawn(const struct rp_spawn *req, pid_t *pid);

#endif
