/*
 * Start the application: clone (vfork-like), set the child up, exec, and
 * learn whether the exec worked before going on (from the child, through
 * the memory it shares with us until then).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SPAWN_H
#define RP_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct rp_sigstate;

struct rp_spawn {
	/* The re-exec: exe_fd (>= 0) through execveat(); then paths, tried
	 * in order while execve() says ENOENT. */
	int exe_fd;
	const char *const *paths;
	/* Or a command (file != NULL): with a '/', executed as is; without,
	 * looked up in search_path as execvp() does, but without allocating
	 * and without execvp()'s /bin/sh fallback for ENOEXEC. */
	const char *file;
	const char *search_path;
	char *const *argv;
	char *const *envp;		/* NULL: environ */
	const struct rp_sigstate *sig;
	char *listen_slot;		/* see rp_childenv_make() */
	int pdeathsig;			/* 0: none */
	/* >= 0: job control on this terminal: the child gets a process group
	 * of its own in our session, made the terminal's foreground. -1: the
	 * child leads a new session. */
	int tty_fd;
	/* The caller has installed no signal handler since its execve()
	 * (the command): see rp_signals_block(). */
	bool fresh_exec;
	/* Out: true when rp_spawn() failed because execve() did (the program
	 * was not found or cannot run), not because of clone or set-up. */
	bool exec_failed;
};

/*
 * Start req's program as a child. On success *pid is a child that has
 * exec'd. Errors: -errno of clone (nothing started), or the errno of
 * the child's set-up or execve() (req->exec_failed tells which), the child
 * having been reaped.
 */
int rp_spawn(struct rp_spawn *req, pid_t *pid);

#endif
