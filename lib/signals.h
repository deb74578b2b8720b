/*
 * Signal names, the rewrite table, and the process signal state the split
 * changes and must give back: which signals the reaper blocks and takes
 * with sigtimedwait(), and the mask and dispositions the program had before, which
 * the application gets back exactly (SIG_IGN included).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_SIGNALS_H
#define RP_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* The size of the kernel's signal set for rt_sig*() system calls: 64
 * bits, whatever the C library's sigset_t. */
#define RP_KSIGSET_BYTES 8

/* What the program had before the split. */
struct rp_sigstate {
	sigset_t mask;
	/* Bit per signal: disposition was SIG_IGN / a handler. */
	sigset_t ignored;
	sigset_t caught;
	struct sigaction chld;	/* SIGCHLD as it was (SA_NOCLDWAIT, ...) */
};

/*
 * Parse a signal: "TERM", "SIGTERM", "term", "15", "RTMIN", "RTMIN+3",
 * "SIGRTMAX-1". RTMIN is 34 and RTMAX 64 with any C library, as glibc and
 * procps count. With allow_zero, "0" (and "NONE") yield 0.
 * Errors: -EINVAL (unknown name, out of range, trailing garbage).
 */
int rp_signals_parse(const char *s, bool allow_zero);

/* Name without "SIG" ("TERM", "RTMIN+3"); buf must hold 16 bytes. */
const char *rp_signals_name(int sig, char buf[16]);

/*
 * Parse "FROM:TO[,FROM:TO...]" into table (rewrite[from] = to).
 * Errors: -EINVAL, table untouched.
 */
int rp_signals_parse_rewrite(const char *spec, int table[NSIG]);

/* True for signals the reaper blocks and forwards (all but SIGKILL,
 * SIGSTOP and the synchronous faults, which must keep their default action
 * so a bug in the reaper still kills it; the C library's reserved 32-34
 * included). SIGCHLD is blocked but consumed. */
bool rp_signals_forwardable(int sig);

/* The longest forwarding delay, in ms: a day, as the grace period. */
#define RP_DELAY_MAX_MS 86400000u

/*
 * Parse "SIG:MS[,SIG:MS...]" into table (table[sig] = MS, 0 = no delay).
 * Errors, table untouched: -EINVAL (syntax, unknown signal, MS out of
 * 0..RP_DELAY_MAX_MS), -EPERM (a signal that is never forwarded, so
 * cannot be delayed: KILL, STOP, CHLD, the faults; *refused names it
 * when refused is not NULL).
 */
int rp_signals_parse_delay(const char *spec, unsigned int table[NSIG],
			   int *refused);

/* Unblock sig in the calling thread, reserved signals included. */
void rp_signals_unblock(int sig);

/*
 * Save the current state into saved, block every forwardable signal and
 * SIGCHLD, make SIGCHLD's disposition SIG_DFL (an inherited SIG_IGN or
 * SA_NOCLDWAIT would make the kernel reap behind our back), and put the
 * blocked set in *set, in the kernel's layout, for rt_sigtimedwait().
 * fresh_exec: the process has installed no handler since its execve()
 * (the command), so only SIGCHLD's disposition is read and
 * saved->ignored, saved->caught stay empty.
 * Errors: -errno of sigprocmask, sigaction (state restored).
 */
int rp_signals_block(struct rp_sigstate *saved, bool fresh_exec,
		     sigset_t *set);

/* Undo rp_signals_block() in the calling process (the failure path). */
void rp_signals_restore(const struct rp_sigstate *saved);

#endif
