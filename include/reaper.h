/*
 * libreaper: make any program a correct PID 1.
 *
 * The only installed header. It builds as C89 (-std=c89 -pedantic) and as
 * C++, so it uses only plain types, /ANSI comments and no inline code.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef REAPER_H
#define REAPER_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup flags Flags for reaper_options.flags
 * @{
 */
/** Split even when the process is not PID 1 (go-reaper DisablePid1Check).
 *  @since 0.1 */
#define REAPER_SPLIT_ALWAYS	(1u << 0)
/** Make the reaper a child subreaper (PR_SET_CHILD_SUBREAPER), so orphans
 *  still come to it outside PID 1 (tini -s). @since 0.1 */
#define REAPER_SUBREAPER	(1u << 1)
/** Log one-line messages on stderr; REAPER_DEBUG=1 in the environment does
 *  the same without recompiling. @since 0.1 */
#define REAPER_DEBUG		(1u << 2)
/** Forward signals to the application's whole process group instead of the
 *  application alone (tini -g). @since 0.1 */
#define REAPER_SIGNAL_GROUP	(1u << 3)
/** @} */

/** Bit set in the @p flags argument of reaper_options.on_reap when the
 *  reaped process is the application itself. @since 0.1 */
#define REAPER_REAPED_APPLICATION	(1u << 0)

/**
 * Options for reaper_fork_self_opts().
 *
 * Declare it with REAPER_OPTIONS() so that @c size is set and every field
 * you do not name is zero; zero always means "the default". Fields are only
 * ever added at the end: a program built against an older header keeps
 * working with a newer library.
 *
 * @since 0.1
 */
struct reaper_options {
	/** sizeof(struct reaper_options) as the caller saw it. */
	size_t size;
	/** REAPER_SPLIT_ALWAYS, REAPER_SUBREAPER, REAPER_DEBUG,
	 *  REAPER_SIGNAL_GROUP, or 0. */
	unsigned int flags;
	/** Name of the environment marker; NULL means "REAPER". It must be
	 *  a shell variable name, [A-Za-z_][A-Za-z0-9_]*, of at most 63
	 *  bytes. */
	const char *marker;
	/** Signal rewrite rules, NULL for none: a comma-separated list of
	 *  FROM:TO pairs, each a name (TERM, SIGTERM, RTMIN+2) or a number;
	 *  TO = 0 drops FROM instead of forwarding it (dumb-init --rewrite).
	 *  Example: "TERM:QUIT,WINCH:0". */
	const char *rewrite;
	/** Grace period in milliseconds, 0 for none. When the application
	 *  exits, every leftover descendant gets SIGTERM, then SIGKILL once
	 *  this many milliseconds have passed, and all are reaped before the
	 *  reaper exits with the application's status. */
	unsigned int grace_ms;
	/** Signal the application gets if the reaper dies (PR_SET_PDEATHSIG),
	 *  0 for none. */
	int pdeathsig;
	/** Exit codes of the application that the reaper reports as 0 (tini
	 *  -e): bit (code % 8) of byte (code / 8). See REAPER_EXIT_ZERO().
	 *  A death by signal N counts as code 128 + N here, as in tini. */
	unsigned char exit_zero[32];
	/** Called in the reaper, synchronously, once for every process it
	 *  reaps: @p pid, its wait(2) @p status, and @p flags
	 *  (REAPER_REAPED_APPLICATION). Nothing is ever dropped: the next
	 *  child is not reaped before the callback returns. NULL for none. */
	void (*on_reap)(pid_t pid, int status, unsigned int flags, void *data);
	/** Passed unchanged to on_reap. */
	void *on_reap_data;
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
/** Declare @p name as a struct reaper_options with its size set and the
 *  given designated initialisers, all other fields zero:
 *  REAPER_OPTIONS(o); or REAPER_OPTIONS(o, .flags = REAPER_DEBUG);
 *  C99 and later; from C89 or C++, zero the struct and set @c size by hand.
 *  (.size goes last so that the variadic part is never empty, which strict
 *  C99 forbids.)
 *  @since 0.1 */
#define REAPER_OPTIONS(...)						\
	REAPER_OPTIONS_I_(__VA_ARGS__,					\
			  .size = sizeof(struct reaper_options))
#define REAPER_OPTIONS_I_(name, ...)					\
	struct reaper_options name = { __VA_ARGS__ }
#endif

/** Mark exit code @p code (0..255) of the application as success in the
 *  options @p opts points to. @since 0.1 */
#define REAPER_EXIT_ZERO(opts, code)					\
	((opts)->exit_zero[((code) & 255) / 8] |=			\
	 (unsigned char)(1u << (((code) & 255) % 8)))

/**
 * Make this program a correct PID 1: one call, first thing in main().
 *
 * When the process is PID 1, the call re-executes the program
 * (/proc/self/exe) with the same argv, environment and working directory
 * plus a marker variable; the re-executed copy calls reaper_fork_self()
 * again, recognises the marker, removes it and gets 0: it is the
 * application, in a new session, with the signal mask and dispositions the
 * program had before the call. The original process never returns: it
 * reaps every child, forwards the signals it gets to the application, and
 * exits with the application's status (code; signal, or 128 + N as PID 1).
 *
 * Outside PID 1 it returns 0 at once and does nothing.
 *
 * @return 0 in the application. -1 with errno set when a split was due but
 * could not be made: EAGAIN (fork failed, e.g. RLIMIT_NPROC), ENOMEM,
 * EMFILE or ENFILE (no fd for the signalfd or the pipe), ENOENT (neither
 * /proc nor the startup argv available), or the errno of execve (EACCES,
 * E2BIG, EPERM, ...). The program then goes on unsupervised, with the
 * signal mask, dispositions and subreaper state it had before the call.
 *
 * @since 0.1
 */
int reaper_fork_self(void);

/**
 * reaper_fork_self() with options.
 *
 * @param opts options declared with REAPER_OPTIONS(), or NULL for the
 * defaults.
 * @return as reaper_fork_self(); also -1 with errno EINVAL when @p opts is
 * invalid (size too small, unknown flag, bad marker name, bad rewrite rule,
 * bad signal number) and E2BIG when it has non-zero fields this library
 * does not know. Invalid options never cause a split.
 *
 * @since 0.1
 */
int reaper_fork_self_opts(const struct reaper_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* REAPER_H */
