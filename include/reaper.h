/*
 * libreaper: make any program a correct PID 1.
 *
 * In a container the first process is PID 1: orphans are re-parented to
 * it and stay zombies until it waits for them, `docker stop` sends it a
 * SIGTERM it must pass on, and its exit status is the container's. One
 * call at the top of main() does all of that:
 *
 *     #include <reaper.h>
 *
 *     int main(int argc, char *argv[])
 *     {
 *             reaper_fork_self();
 *             ... the program, unchanged: its own waitpid(), system()
 *             ... and popen() keep working
 *     }
 *
 * As PID 1, reaper_fork_self() re-executes the program: the original
 * process becomes a pure reaper (it reaps, forwards signals, and exits
 * with the application's status) and the call returns 0 in the
 * re-executed copy, the application. Elsewhere it returns 0 at once.
 * reaper_fork_self_opts() takes options (struct reaper_options); for
 * programs that never wait for their children, reaper_start() reaps in a
 * thread of the same process instead. Every call returns -1 with errno
 * set on failure. Man pages: libreaper(3), reaper_fork_self(3),
 * reaper_start(3).
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
/** Do not send SIGCONT after a terminating signal. By default, when a
 *  forwarded signal is (or is rewritten into) SIGTERM, SIGINT, SIGHUP or
 *  SIGQUIT and the application is stopped, it gets SIGCONT right after,
 *  so that it acts on the signal instead of holding it until someone
 *  continues it (as systemd.kill(5) does); with REAPER_SIGNAL_GROUP its
 *  process group gets SIGCONT after every terminating signal, and
 *  leftovers in the grace period get it after their SIGTERM. @since 0.2 */
#define REAPER_NO_CONTINUE	(1u << 4)
/** When the application exits, stay while the descendants it left behind
 *  (daemons, a program that re-executed itself by fork and exit) live:
 *  go on reaping, forward signals to their process groups, and exit with
 *  the application's status once none is left. Implies REAPER_SUBREAPER.
 *  With grace_ms, the grace period starts at the first terminating signal
 *  instead of the application's exit. @since 0.2 */
#define REAPER_WAIT_LEFTOVERS	(1u << 5)
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
	 *  REAPER_SIGNAL_GROUP, REAPER_NO_CONTINUE, REAPER_WAIT_LEFTOVERS,
	 *  or 0. */
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
	 *  child is not reaped before the callback returns; so with it, the
	 *  reaper never hands reaping to the kernel (which it does otherwise
	 *  past 256 orphans on Linux 6.16+). NULL for none. */
	void (*on_reap)(pid_t pid, int status, unsigned int flags, void *data);
	/** Passed unchanged to on_reap. */
	void *on_reap_data;
	/** Forwarding delays, NULL for none: a comma-separated list of
	 *  SIGNAL:MS pairs (MS from 0, no delay, to 86400000). The reaper
	 *  holds SIGNAL for MS milliseconds before it forwards it, reaping
	 *  and forwarding everything else meanwhile, so that a server can
	 *  drain before it hears SIGTERM: "TERM:5000". A copy of SIGNAL that
	 *  arrives while one is held releases both at once; a held signal
	 *  never delays the reaper's own exit (it is dropped when the
	 *  application is gone, or forwarded to its leftovers when due with
	 *  REAPER_WAIT_LEFTOVERS). SIGKILL, SIGSTOP, SIGCHLD and the
	 *  synchronous faults cannot be delayed. When NULL, the variable
	 *  REAPER_DELAY_SIGNAL, in the same form, is read at the split
	 *  (not by set-user-ID programs).
	 *  @since 0.2 */
	const char *delay_signal;
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
 * Only the first call with valid options decides: every later one returns
 * 0 and does nothing, in the application, in a fork()ed child of either
 * process, and after a failed split (the program goes on unsupervised).
 * The one exception is EBUSY (reaper_start()'s thread runs, and would
 * reap the application behind the reaper's back): once reaper_stop() has
 * returned, a new call may split.
 *
 * @return 0 in the application. -1 with errno set when a split was due but
 * could not be made: EAGAIN (fork failed, e.g. RLIMIT_NPROC), ENOMEM,
 * EMFILE or ENFILE (no fd free for the re-executed program), ENOENT (neither
 * /proc nor the startup argv available), or the errno of execve (EACCES,
 * E2BIG, EPERM, ...), EBUSY (see above). The program then goes on
 * unsupervised, with the signal mask, dispositions and subreaper state it
 * had before the call.
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

/**
 * @defgroup inproc In-process reaping: reaper_start() and friends
 *
 * A background thread in the calling process reaps its children (go-reaper
 * Reap/Start), for programs that never wait for their own children. It
 * waits for any child, so it also takes the exit statuses of the
 * children the program starts itself: their waitpid(), system() and
 * pclose() fail with ECHILD unless the program brackets them with
 * reaper_hold() and reaper_release(). reaper_fork_self() has no such
 * caveat; see reaper_start(3).
 * @{
 */

/** Flag for reaper_config.flags: start even when the process is not PID 1
 *  (go-reaper DisablePid1Check). Same bit as REAPER_SPLIT_ALWAYS.
 *  REAPER_SUBREAPER and REAPER_DEBUG mean what they mean for
 *  reaper_options. @since 0.1 */
#define REAPER_START_ALWAYS	(1u << 0)

/**
 * Configuration for reaper_start().
 *
 * Declare it with REAPER_CONFIG() so that @c size is set and every field
 * you do not name is zero; zero always means "the default". Fields are only
 * ever added at the end.
 *
 * @since 0.1
 */
struct reaper_config {
	/** sizeof(struct reaper_config) as the caller saw it. */
	size_t size;
	/** REAPER_START_ALWAYS, REAPER_SUBREAPER, REAPER_DEBUG, or 0. */
	unsigned int flags;
	/** The pid argument of wait4(2): which children to reap. 0 (the
	 *  default) means -1, any child; N > 0 only child N; -G only the
	 *  children in process group G (wait4's own 0, "my process group",
	 *  is -getpgrp()). */
	pid_t pid;
	/** wait4(2) options, besides WNOHANG which is always used: 0,
	 *  __WALL or __WCLONE. */
	int options;
	/** Write end of a pipe (or a socket) that gets one struct
	 *  reaper_status per reaped process, 0 for none. The reaper uses its
	 *  own duplicate and sets O_NONBLOCK on the open file description. */
	int status_fd;
	/** Called in the reaper thread once for every process it reaps:
	 *  @p pid, its wait(2) @p status, @p flags (0 in this mode) and
	 *  @p data. NULL for none. */
	void (*on_reap)(pid_t pid, int status, unsigned int flags, void *data);
	/** Passed unchanged to on_reap. */
	void *on_reap_data;
};

/** One record on reaper_config.status_fd: a reaped process and its wait(2)
 *  status. Written whole, with one write(2). @since 0.1 */
struct reaper_status {
	/** Process ID. */
	pid_t pid;
	/** Wait status: use WIFEXITED(), WEXITSTATUS(), WTERMSIG(). */
	int status;
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
/** Declare @p name as a struct reaper_config with its size set and the
 *  given designated initialisers, all other fields zero:
 *  REAPER_CONFIG(c); or REAPER_CONFIG(c, .flags = REAPER_DEBUG);
 *  C99 and later; from C89 or C++, zero the struct and set @c size.
 *  @since 0.1 */
#define REAPER_CONFIG(...)						\
	REAPER_CONFIG_I_(__VA_ARGS__,					\
			 .size = sizeof(struct reaper_config))
#define REAPER_CONFIG_I_(name, ...)					\
	struct reaper_config name = { __VA_ARGS__ }
#endif

/**
 * reaper_start() with the defaults: start the reaper thread if this process
 * is PID 1, else do nothing (go-reaper Reap()).
 *
 * @return as reaper_start(NULL).
 * @since 0.1
 */
int reaper_reap(void);

/**
 * Start a background thread that reaps the children of this process.
 *
 * It sleeps until SIGCHLD (caught by a handler that chains to the one the
 * program had), then reaps every child that is ready. It needs nothing of
 * the program's signal mask: it can be called before or after threads are
 * created. Outside PID 1, unless @c flags has REAPER_START_ALWAYS, it
 * starts nothing and returns 0 (with debugging on, it says so).
 *
 * Every reaped process is reported to @c on_reap and @c status_fd before
 * it is reaped, and reaping waits while the consumer does: nothing is ever
 * dropped (zombies wait instead).
 *
 * @param config a configuration declared with REAPER_CONFIG(), or NULL
 * for the defaults.
 * @return 0 when started or not due, else -1 with errno: EBUSY (already
 * running in this process), EINVAL (bad size, flag, pid or options;
 * status_fd negative), E2BIG (non-zero fields this library does not know),
 * EBADF (status_fd not open for writing), EMFILE, ENFILE, ENOMEM, EAGAIN
 * (no fd, memory or thread), or the errno of prctl().
 *
 * @since 0.1
 */
int reaper_start(const struct reaper_config *config);

/**
 * Stop the reaper thread and join it; restore the SIGCHLD disposition and
 * the subreaper attribute it changed and close its descriptors. It waits
 * for an on_reap call in progress, not for a slow status_fd reader: a
 * child whose record could not be written is left unreaped. Children
 * that exit from then on stay zombies for the program (or the next
 * reaper_start()) to wait for.
 *
 * @return 0, or -1 with errno: EINVAL (not running in this process: never
 * started, already stopped, or started by the parent of this forked
 * child), EDEADLK (called from the reaper thread, i.e. from on_reap).
 *
 * @since 0.1
 */
int reaper_stop(void);

/**
 * Hold the reaper: until the matching reaper_release(), its thread reaps
 * nothing, so that the program can wait for a child of its own:
 * reaper_hold(); status = system(cmd); reaper_release();
 * Holds nest and count across threads; they also work while no reaper
 * runs (they are then only counted).
 *
 * @return 0, or -1 with errno EOVERFLOW (too many holds).
 * @since 0.1
 */
int reaper_hold(void);

/**
 * Drop one hold; when the last one goes, the reaper reaps what exited
 * meanwhile.
 *
 * @return 0, or -1 with errno EINVAL (no hold to release).
 * @since 0.1
 */
int reaper_release(void);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* REAPER_H */
