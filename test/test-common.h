/*
 * rt_*: run test/helper-app as PID 1 of a fresh PID namespace (or as a
 * plain child), talk to it through pipes, and collect what it reports,
 * its stderr and the raw wait status of the process we started.
 *
 * Process tree:  test  ->  relay (unshare)  ->  helper (PID 1)  ->  app
 * The relay sends the helper's host pid, then its wait status, over a pipe.
 * Everything dies with the test: relay and helper have PR_SET_PDEATHSIG =
 * SIGKILL, and when PID 1 of a namespace dies the kernel kills the rest.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TEST_COMMON_H
#define TEST_COMMON_H

#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "test-suite.h"

struct rt_opts {
	bool no_pidns;		/* plain child of the relay, not PID 1 */
	const char *cwd;	/* chdir() before exec */
	const char *exe;	/* file to exec; default: REAPER_TEST_HELPER */
	const char *const *envp;/* NULL: PATH, HELPER_REPORT_FD=3 only */
	sigset_t ignore;	/* set to SIG_IGN before exec */
	sigset_t block;		/* blocked at exec */
	bool no_proc;		/* PID 1 without /proc mounted */
	bool host_proc;		/* PID 1 under the host's /proc, as unshare -pf */
	uid_t uid;		/* 0: stay root; else setresuid() to it */
	rlim_t nproc;		/* 0: unchanged; else RLIMIT_NPROC */
	int extra_fd;		/* >= 0: an inherited fd kept open at exec */
};

struct rt_run {
	pid_t relay;
	pid_t pid1;		/* host pid of the helper */
	int report;		/* read: the app's report lines (its fd 3) */
	int control;		/* write: the app's stdin */
	int err;		/* read: stderr of reaper and application */
	int status_pipe;
	int wstatus;
	bool finished;
	char out[1 << 18];
	size_t out_len;
	char errbuf[1 << 18];
	size_t err_len;
};

/* Defaults: PID 1, nothing ignored or blocked, no extra fd. */
void rt_opts_init(struct rt_opts *o);

/*
 * rt_opts_init(), then PID 1 of a namespace with no /proc mounted (a
 * minimal container). helper-app's runpath is $ORIGIN-relative, and ld.so
 * finds $ORIGIN through /proc/self/exe: without /proc it could not even
 * load libreaper.so, so the environment (a static array: report fd, PATH)
 * sets LD_LIBRARY_PATH, which the split's re-exec passes on. False, after
 * printing why under test's name, where nothing starts without /proc:
 * under valgrind and under AddressSanitizer (the plain build runs it).
 */
bool rt_opts_without_proc(struct rt_opts *o, const char *test);

/* False when no PID namespace can be made here (test-main.c skips). */
bool rt_can_unshare_pidns(void);

/* Check fixture: default dispositions and an empty mask, so the tests do
 * not pass Check's handlers on to the helper. */
void rt_reset_signals(void);

const char *rt_helper_path(void);

/* The environment for a test's own execve(), made before fork(): under
 * valgrind, envp plus a fresh RT_VG_TAG, which (with the pid) names the
 * valgrind log of every process started under it (meson's 'valgrind'
 * setup; pids repeat in each PID namespace, the tag does not); else envp
 * itself. Static: each call replaces the last one's array. */
const char *const *rt_exec_env(const char *const *envp);

/* Start the helper with argv (argv[0] included) and opts (may be NULL). */
void rt_start(struct rt_run *run, const struct rt_opts *opts,
	      const char *const *argv);

/* rt_start(run, NULL, {helper, args..., NULL}) as PID 1. */
void rt_helper_as_pid1(struct rt_run *run, ...);

/* Read report lines until one contains needle; returns a pointer to it in
 * run->out, or NULL at EOF. */
const char *rt_wait_for(struct rt_run *run, const char *needle);

/* The same for stderr (reaper and application), where the reaper's own
 * progress shows; returns a pointer into run->errbuf or NULL at EOF. */
const char *rt_wait_err_for(struct rt_run *run, const char *needle);

/* Read what report and stderr bring within ms (-1: wait as long as it
 * takes): 1 when something came (data or an EOF) and one of them is still
 * open, 0 when nothing came within ms, -1 when both are closed. */
int rt_pump(struct rt_run *run, int ms);

/* Report (err false) or stderr (err true) until needle is in it want
 * times, waiting at most ms for each read: false on EOF or time-out. Only
 * for waits that hang for ever when the code under test is wrong, so that
 * the test fails with what it saw; never to let time pass. */
bool rt_wait_count(struct rt_run *run, bool err, const char *needle, int want,
		   int ms);

/* Whatever report and stderr hold now, without waiting. */
void rt_read_ready(struct rt_run *run);

/* How many times needle occurs in buf. */
int rt_count_str(const char *buf, const char *needle);

/* Write to the app's stdin; close it with rt_close_control(). */
void rt_send(struct rt_run *run, const char *s);
void rt_close_control(struct rt_run *run);

/* Close stdin, read report and stderr to EOF, collect the wait status. */
int rt_finish(struct rt_run *run);

/* Value of the first "key=" in the report (copied into a static buffer),
 * or NULL. */
const char *rt_get(struct rt_run *run, const char *key);
/* How many report lines contain needle. */
int rt_count(struct rt_run *run, const char *needle);
/* stderr contains needle. */
bool rt_err_has(struct rt_run *run, const char *needle);

/* -1 unless the helper exited normally / by a signal. */
int rt_exit_code(const struct rt_run *run);
int rt_term_sig(const struct rt_run *run);

/* Parent pid and state from /proc/<pid>/stat (comm may hold ") "). */
bool rt_proc_stat(pid_t pid, pid_t *ppid, char *state);

/* Children of parent, seen from the host, and how many are zombies. */
void rt_count_children(pid_t parent, int *all, int *zombies);

/* Host pid of a child of parent (the first found in /proc), or -1. */
pid_t rt_host_child_of(pid_t parent);

/* Host pid of the application (the helper's only child), or -1. */
pid_t rt_app_host_pid(const struct rt_run *run);

/* A "Name:" field of /proc/<pid>/status as a number (hex for Sig*), or
 * -1 when absent. */
long long rt_proc_status(pid_t pid, const char *field);

/* A SigCgt hex string from the report, without the synchronous fault
 * signals (SEGV, BUS, FPE, ILL, TRAP, SYS): a sanitizer runtime catches
 * those in every process it runs in, and the reaper never forwards them. */
unsigned long long rt_caught_forwardable(const char *sigcgt_hex);

/* True when this build runs under AddressSanitizer, which cannot start
 * without /proc: the tests that need that print why they skip. */
bool rt_asan(void);

/* True when this process runs under valgrind (meson test
 * --setup=valgrind, which follows the helper and the command too). */
bool rt_valgrind(void);

/* True when a reaper here hands reaping to the kernel after its first
 * 256 orphans: Linux 6.16 or later, and pidfds (valgrind has no
 * pidfd_open). What the tests expect, found independently of the
 * library's own probe. */
bool rt_kernel_reaps(void);

/* True when pid ignores SIGCHLD (/proc/pid/status SigIgn): the kernel
 * reaps its children. */
bool rt_sigchld_ignored(pid_t pid);

/* In a test that cannot hold under valgrind (valgrind's own signal
 * handling is what /proc shows, it keeps SIGRTMAX, it has no pidfd_open):
 * print why and end the test. Check has no skip result, so the test
 * counts as passed: the printed line is the record that it did not run. */
#define RT_SKIP_UNDER_VALGRIND(why) do {				\
	if (rt_valgrind()) {						\
		fprintf(stderr, "%s: not run under valgrind: %s\n",	\
			__func__, why);					\
		return;							\
	}								\
} while (0)

/* Every test binary's loop tests (tcase_add_loop_test) go through this:
 * under valgrind, where each process start costs half a second of CPU and
 * a test starts several, only the first, the last and every 16th value of
 * each loop run, which keeps the valgrind suite within minutes. */
void rt_add_loop_test(TCase *tc, const TTest *t, int start, int end);
#undef tcase_add_loop_test
#define tcase_add_loop_test(tc, t, s, e) rt_add_loop_test((tc), (t), (s), (e))

/* Number of fds open in /proc/<pid>/fd, or -1. */
int rt_fd_count(pid_t pid);

/* Print what the app reported and the stderr seen so far (on failure). */
void rt_dump(const struct rt_run *run);

/* rt_wait_for(), failing the test (with rt_dump()) when the application
 * exits without such a line. */
const char *rt_wait_line(struct rt_run *run, const char *needle);

/* Report lines "sig=SIG " (who NULL) or "member=WHO sig=SIG ". */
int rt_count_sig(struct rt_run *run, const char *who, int sig);

/* kill(), failing the test when it fails. */
void rt_kill(pid_t pid, int sig);

/* SIGRTMIN is only known at run time: tables hold RT(n) for SIGRTMIN + n,
 * and rt_table_sig() turns an entry into the signal number. */
#define RT(n) (-1 - (n))
int rt_table_sig(int v);

/* The system call task tid is blocked in (/proc/<tid>/syscall), or -1
 * when it is running. */
long rt_blocked_syscall(pid_t tid);
/* Wait until the reaper sleeps in its loop's sigtimedwait(), or poll()
 * once the kernel reaps for it, so what is measured next is the settled
 * reaper. The kernel has no event for "a
 * process went to sleep": this looks at /proc, bounded (2 min) for a clear
 * failure; it waits for a condition, it does not pass time. */
void rt_wait_reaper_asleep(pid_t reaper);
/* The signals pid keeps from acting: SigBlk, plus, while it sleeps in
 * rt_sigtimedwait() (which unblocks what it waits for), the set it waits
 * on, read from its memory. */
unsigned long long rt_reaper_sigset(pid_t pid);

/* Voluntary plus involuntary context switches of pid (or a tid). */
long long rt_ctxt_switches(pid_t pid);

/* A test case added to s with rt_reset_signals() as fixture and a 30 s
 * timeout: a hang fails, none of the tests comes near it. */
TCase *rt_new_tcase(Suite *s, const char *name);

/* Parent pid and state of pid (/proc/<pid>/stat), or -1 and '?'. */
pid_t rt_ppid_of(pid_t pid);
char rt_state_of(pid_t pid);

/* pid has fd open (/proc/<pid>/fd/<fd> exists). */
bool rt_fd_open_in(pid_t pid, int fd);

/* REAPER_TEST_COMMAND, failing the test when it is not set. */
const char *rt_command_path(void);

/* rt_finish(), failing the test (with rt_dump()) unless the wait status
 * is 0. */
void rt_finish_ok(struct rt_run *run);

/* One "sig=N code=C val=V pid=P" report line of the signals scenario. */
struct rt_sigline {
	int sig;
	int code;
	int val;
	long pid;
};

/* The report line for sig, failing the test at EOF without one. */
struct rt_sigline rt_wait_sig(struct rt_run *run, int sig);

/* stderr is exactly one line, starting with prefix, and contains every
 * one of the (NULL-terminated) needles. */
void rt_assert_one_err_line(const struct rt_run *run, const char *prefix,
			    const char *const *needles);

/* The pid of the report's "leftover=KIND pid=P" (the leftovers
 * scenario), or -1. */
long rt_leftover_pid(struct rt_run *run, const char *kind);

/* Wait at most ms (-1: as long as it takes) for the process rt_start()
 * started to exit: the relay writes its wait status (read later by
 * rt_finish()) the moment it reaps it. Unlike a pidfd opened now, this
 * cannot name a reused pid. True when it has exited. */
bool rt_wait_started_exit(struct rt_run *run, int ms);

/*
 * Outside a PID namespace nothing kills what a broken reaper leaves
 * behind, and the leftovers hold the report pipe open. The test adopts
 * orphans (PR_SET_CHILD_SUBREAPER) and calls this: it waits for the
 * leftovers to be reported, then for the reaper to exit, for at most ms
 * (else kills it), then kills and reaps whatever leftover came to the
 * test. A correct reaper has reaped them all: nothing is left to kill.
 * Returns whether the reaper exited on its own.
 */
bool rt_kill_stray_leftovers(struct rt_run *run, int ms);

/* The two front ends every behaviour runs through: the library split
 * (helper-app calls reaper_fork_self() as PID 1) and the command (reaper
 * as PID 1, helper-app as its COMMAND). */
enum rt_mode { RT_LIB, RT_CMD };
#define RT_MODES 2
/* "library", "command": for failure messages. */
extern const char *const rt_mode_name[RT_MODES];
/* Each front end's options to log everything it does, every forward
 * included: helper-app -d (REAPER_DEBUG), the command's -v -v. */
extern const char *const rt_debug_opts[RT_MODES][3];

/*
 * Start, with opts (NULL: PID 1, defaults), the helper (RT_LIB: helper
 * mode_opts... scenario...) or the command (RT_CMD: reaper mode_opts...
 * -- helper scenario...). mode_opts is the NULL-terminated option list of
 * that front end (may be NULL); the varargs, NULL-terminated, are the
 * scenario and its arguments.
 */
void rt_start_mode(struct rt_run *run, const struct rt_opts *opts,
		   enum rt_mode m, const char *const *mode_opts, ...);

/*
 * Every line of buf that starts with prefix, the prefix cut off, as fresh
 * strings in out[] (at most max; rt_free_lines() them). Returns how many
 * there are in total, so a caller sees when more came than it expected.
 */
int rt_lines_after(const char *buf, const char *prefix, char **out, int max);
void rt_free_lines(char **v, int n);

/* One "reaped pid=P status=S app=A" line that helper-app -n prints. */
struct rt_reaped {
	long pid;
	int status;
	int app;
};

/* Those lines of stderr into out (failing the test past max); how many. */
int rt_parse_reaped(struct rt_run *run, struct rt_reaped *out, int max);
/* The entry for pid among n, or NULL. */
const struct rt_reaped *rt_find_reaped(const struct rt_reaped *r, int n,
				       long pid);

/* Copy from to to (created, never replaced) with mode. */
void rt_copy_file(const char *from, const char *to, mode_t mode);

/*
 * Front end m's binary copied to a fresh world-readable directory under
 * /tmp: for runs as a uid that cannot read the build tree (a fresh clone
 * may live in a 0700 directory), or that delete the binary. RT_LIB:
 * helper-app in the build tree's layout (bin/helper-app, libreaper.so.0
 * one level up) so that its $ORIGIN/.. runpath finds the library in the
 * copy; RT_CMD: the command alone (it links lib/ statically; bin and lib
 * are then empty). rt_bin_copy_remove() removes it all.
 */
struct rt_bin_copy {
	char dir[32], bin[PATH_MAX], exe[PATH_MAX], lib[PATH_MAX];
};
void rt_bin_copy_make(struct rt_bin_copy *c, enum rt_mode m);
void rt_bin_copy_remove(const struct rt_bin_copy *c);

/* An fd number a test hands down: far from 0-3 and from whatever the
 * reaper opens for itself, so its presence or absence is unambiguous. */
#define RT_EXTRA_FD 50

/* An eventfd at fd (O_CLOEXEC: rt_opts.extra_fd keeps it open at the
 * exec); returns fd. */
int rt_extra_fd_make(int fd);

/* CLOCK_MONOTONIC in milliseconds. */
long long rt_now_ms(void);

#endif
