/*
 * What comes back out of PID 1, through both front ends (enum rt_mode):
 * the library split (helper-app calls reaper_fork_self() as PID 1) and
 * the command (reaper as PID 1, helper-app as its COMMAND). The tree the
 * application finds itself in, every exit code, death by a signal as
 * PID 1 and outside it, orphans reaped, and the application's own waits
 * left alone. Each test loops over the front ends; in a loop over values
 * as well, the front end is the slower index, so that valgrind's sample
 * of a loop (first, last, every 16th: rt_add_loop_test()) has both.
 *
 * Neither front end says anything on its own: every test asserts empty
 * stdout (read from a pipe put in its place) and stderr.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-common.h"

/* The process started next gets a pipe as its stdout (the harness passes
 * on the test's own fd 1): *saved keeps ours. Returns the read end. */
static int
stdout_to_pipe(int *saved)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	*saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
	ck_assert_int_ge(*saved, 0);
	ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	close(p[1]);
	return p[0];
}

/* Our stdout back; then, once the run is finished (every writer gone),
 * nothing may have come through the pipe. */
static void
stdout_back(int saved)
{
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
}

static void
assert_silent(const struct rt_run *run, int out, enum rt_mode m)
{
	char buf[256];
	ssize_t n;

	n = read(out, buf, sizeof(buf) - 1);
	close(out);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_msg(n == 0, "%s: stdout: '%s'", rt_mode_name[m], buf);
	ck_assert_msg(run->err_len == 0, "%s: stderr: '%s'", rt_mode_name[m],
		      run->errbuf);
}

/* Start as PID 1 (or, with opts, as it says) with stdout a pipe, run to
 * the end, and assert that neither front end said anything. */
#define run_silent(run, opts, m, mode_opts, ...) do {			\
	int saved_, out_;						\
									\
	out_ = stdout_to_pipe(&saved_);					\
	rt_start_mode((run), (opts), (m), (mode_opts), __VA_ARGS__,	\
		      NULL);						\
	stdout_back(saved_);						\
	rt_finish(run);							\
	assert_silent((run), out_, (m));				\
} while (0)

/* The application is the reaper's only child, pid 2, and leads a new
 * session and process group; no marker reaches it. */
START_TEST(tree_shape)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	run_silent(&run, NULL, m, NULL, "exit", "0");
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "pid"), "2");
	ck_assert_str_eq(rt_get(&run, "ppid"), "1");
	ck_assert_str_eq(rt_get(&run, "sid"), "2");
	ck_assert_str_eq(rt_get(&run, "pgid"), "2");
	ck_assert_str_eq(rt_get(&run, "marker"), "(none)");
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

/* Every exit code 0..255 comes back unchanged: 125-127 too, which the
 * command uses for its own failures (a caller cannot tell them apart by
 * the code, but they must pass unchanged, and we say nothing).
 * _i: front end _i / 256, code _i % 256. */
START_TEST(mirrors_exit_code)
{
	enum rt_mode m = (enum rt_mode)(_i / 256);
	int want = _i % 256;
	struct rt_run run;
	char code[8];

	snprintf(code, sizeof(code), "%d", want);
	run_silent(&run, NULL, m, NULL, "exit", code);
	ck_assert_msg(rt_exit_code(&run) == want, "%s: wait status 0x%x, "
		      "want exit %d", rt_mode_name[m], run.wstatus, want);
	ck_assert_int_eq(rt_count(&run, "split=0"), 1);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_str_eq(rt_get(&run, "ppid"), "1");
}
END_TEST

static const int death_sigs[] = {
	SIGTERM, SIGKILL, SIGINT, SIGSEGV, SIGABRT, SIGUSR1,
};
#define N_DEATH ((int)(sizeof(death_sigs) / sizeof(death_sigs[0])))

/* The application dies of death_sigs[_i % N_DEATH] (front end _i /
 * N_DEATH). As PID 1 the kernel drops a signal init sends itself, so the
 * reaper exits 128 + N, as shells do. */
START_TEST(mirrors_signal_death_as_pid1)
{
	enum rt_mode m = (enum rt_mode)(_i / N_DEATH);
	int sig = death_sigs[_i % N_DEATH];
	struct rt_run run;
	char s[8];

	snprintf(s, sizeof(s), "%d", sig);
	run_silent(&run, NULL, m, NULL, "raise", s);
	ck_assert_msg(rt_exit_code(&run) == 128 + sig, "%s: wait status "
		      "0x%x, want exit %d", rt_mode_name[m], run.wstatus,
		      128 + sig);
}
END_TEST

/* Outside PID 1 the reaper dies of the same signal, without a core. The
 * library splits there only when asked (-a), the command always; -s
 * keeps the command from warning that orphans will not come to it. */
START_TEST(mirrors_signal_death_outside_pid1)
{
	static const char *const opts[RT_MODES][2] = {
		[RT_LIB] = { "-a", NULL },
		[RT_CMD] = { "-s", NULL },
	};
	enum rt_mode m = (enum rt_mode)(_i / N_DEATH);
	int sig = death_sigs[_i % N_DEATH];
	struct rt_opts o;
	struct rt_run run;
	char s[8];

	rt_opts_init(&o);
	o.no_pidns = true;
	snprintf(s, sizeof(s), "%d", sig);
	run_silent(&run, &o, m, opts[m], "raise", s);
	ck_assert_str_eq(rt_get(&run, "split"), "0 errno=0");
	ck_assert_msg(rt_term_sig(&run) == sig, "%s: wait status 0x%x, want "
		      "signal %d", rt_mode_name[m], run.wstatus, sig);
	ck_assert(!WCOREDUMP(run.wstatus));
}
END_TEST

/*
 * 2000 orphans: the application forks children that each leave a
 * grandchild and exit, so the grandchildren come to the reaper. The
 * application checks the namespace itself (no zombie, then no process at
 * all left to the reaper but itself), then waits; the test looks at the
 * reaper's children from the host: the application and nothing else.
 * Its 41 is mirrored.
 */
START_TEST(orphans_reaped)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;
	int all, zombies;

	/* Each fork costs memcheck ~50 ms: fewer orphans under it (200
	 * took 14 s, a tenth of the whole valgrind run's budget). */
	rt_start_mode(&run, NULL, m, NULL, "orphans-hold",
		      rt_valgrind() ? "50" : "2000", "41", NULL);
	rt_wait_line(&run, "ready=1");
	rt_count_children(run.pid1, &all, &zombies);
	rt_finish(&run);
	if (rt_exit_code(&run) != 41)
		rt_dump(&run);
	ck_assert_ptr_null(rt_get(&run, "error"));
	ck_assert_str_eq(rt_get(&run, "zombies"), "0");
	ck_assert_str_eq(rt_get(&run, "orphans_left"), "0");
	ck_assert_int_eq(zombies, 0);
	ck_assert_int_eq(all, 1);
	ck_assert_int_eq(rt_exit_code(&run), 41);
}
END_TEST

/* The application's own waitpid(), system(), posix_spawn() and popen()
 * get their children's statuses: the reaper never steals them. */
START_TEST(own_waits_work)
{
	enum rt_mode m = (enum rt_mode) _i;
	struct rt_run run;

	run_silent(&run, NULL, m, NULL, "waitpid");
	ck_assert_str_eq(rt_get(&run, "waitpid_ret"), "1");
	ck_assert_str_eq(rt_get(&run, "waitpid"), "7");
	ck_assert_str_eq(rt_get(&run, "system"), "5");
	/* printenv exits 1 when the variable is unset. */
	ck_assert_str_eq(rt_get(&run, "system_marker"), "1");
	ck_assert_str_eq(rt_get(&run, "posix_spawn"), "9");
	ck_assert_str_eq(rt_get(&run, "popen"), "3");
	ck_assert_int_eq(rt_exit_code(&run), 0);
}
END_TEST

RT_TEST_SUITE(exit, "exit",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "status");
	tcase_add_loop_test(tc, tree_shape, 0, RT_MODES);
	tcase_add_loop_test(tc, mirrors_exit_code, 0, 256 * RT_MODES);
	tcase_add_loop_test(tc, mirrors_signal_death_as_pid1, 0,
			    N_DEATH * RT_MODES);
	tcase_add_loop_test(tc, mirrors_signal_death_outside_pid1, 0,
			    N_DEATH * RT_MODES);

	tc = rt_new_tcase(s, "reaping");
	tcase_add_loop_test(tc, orphans_reaped, 0, RT_MODES);
	tcase_add_loop_test(tc, own_waits_work, 0, RT_MODES);
}
