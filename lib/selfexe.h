/*
 * What a re-exec of the running program needs: which file to execute and
 * the argv it was started with, byte for byte, without the caller passing
 * argc/argv in.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SELFEXE_H
#define RP_SELFEXE_H

#include <stddef.h>

/* Paths to try in order; NULL-terminated. Only ENOENT moves to the next:
 * any other failure of the first is the answer (e.g. seccomp, E2BIG). */
#define RP_SELFEXE_MAX 3

/*
 * An O_PATH fd on the running executable, for execveat(fd, "",
 * AT_EMPTY_PATH): it pins the very file we run, even deleted or replaced
 * since, and tools that emulate a process (valgrind) hand out the client
 * program here, where a direct execve("/proc/self/exe") would start the
 * tool itself. Errors: -errno of open (-ENOENT without /proc).
 */
int rp_selfexe_open(void);

/*
 * Fill paths with "/proc/self/exe" and, for a system without /proc, the
 * name the kernel was given at exec (AT_EXECFN).
 */
void rp_selfexe_paths(const char *paths[RP_SELFEXE_MAX]);

/*
 * The program's original argv, NULL-terminated, in one heap block: read from
 * /proc/self/cmdline (kernel truth, empty and non-UTF-8 arguments kept), or
 * without /proc from what the loader gave at startup.
 * Errors: -ENOMEM, -ENOENT (neither source available).
 */
int rp_selfexe_argv(char ***argv);

/*
 * The argv in len bytes of /proc/self/cmdline text, as rp_selfexe_argv()
 * returns it: no I/O, so that fuzz/ can feed it any bytes.
 * Errors: -ENOMEM, -ENOENT (empty, or the last argument has no NUL: the
 * program rewrote its cmdline, setproctitle()).
 */
int rp_selfexe_parse_cmdline(const char *buf, size_t len, char ***argv);

/*
 * In the re-executed application: take back the original process name.
 * The kernel names a process after the file it executes, and that file was
 * /proc/self/exe, so ps, top and pkill would see "exe"; the reaper, our
 * parent, still has the original name. Best effort: without /proc the
 * fallback exec used the real path and the name is right already.
 */
void rp_selfexe_restore_comm(void);

/* The argc/argv/envp the program started with (for setproctitle_init()),
 * or argc 0 when unknown. */
void rp_selfexe_startup(int *argc, char ***argv, char ***envp);

#endif
