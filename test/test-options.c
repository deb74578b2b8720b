/*
 * The size-first options ABI and its translation into struct rp_config
 * (lib/options.c), and the public entry points on the paths that never
 * split: invalid options, and "not PID 1" without REAPER_SPLIT_ALWAYS.
 *
 * Nothing here may split: a split re-executes /proc/self/exe, which is
 * this Check runner. REAPER_SPLIT_ALWAYS is only ever combined with an
 * option that must be refused first; should the library split anyway, the
 * re-executed copy finds RT_GUARD_ENV in its environment and exits at once
 * with RT_GUARD_CODE, so the mistake shows up as a failed test instead of a
 * second test run (see test-main.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reaper.h"
#include "options.h"
#include "test-suite.h"


/* The released 0.1 struct: every field up to on_reap_data. */
#define SIZE_V0_1 (offsetof(struct reaper_options, on_reap_data) + \
		   sizeof(void *))

/* A caller built against a newer header: our struct plus fields we do
 * not know. The union keeps the tail right after our last byte. */
union newer_options {
	struct reaper_options o;
	unsigned char bytes[sizeof(struct reaper_options) + 32];
};

/* Every test starts from an environment that cannot change the outcome:
 * the runner's own REAPER_DEBUG or a stray marker must not leak in. */
static void
clean_env(void)
{
	ck_assert_int_eq(unsetenv("REAPER_DEBUG"), 0);
	ck_assert_int_eq(unsetenv("REAPER"), 0);
	ck_assert_int_eq(unsetenv("MY_MARK"), 0);
	ck_assert_int_eq(unsetenv(RT_GUARD_ENV), 0);
}

/* waitpid(-1) fails with ECHILD only when we have no child at all, live
 * or zombie: the proof that a call made no process. */
static void
assert_no_child(void)
{
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

static void
assert_defaults(const struct rp_config *cfg)
{
	ck_assert(!cfg->split_always);
	ck_assert(!cfg->subreaper);
	ck_assert(!cfg->log.debug);
	ck_assert(!cfg->signal_group);
	ck_assert_str_eq(cfg->marker, "REAPER");
	for (int s = 0; s < NSIG; s++)
		ck_assert_int_eq(cfg->rewrite[s], s);
	ck_assert_uint_eq(cfg->grace_ms, 0);
	ck_assert_int_eq(cfg->pdeathsig, 0);
	for (int c = -1; c <= 256; c++)
		ck_assert(!rp_config_exit_zero(cfg, c));
	ck_assert_ptr_null(cfg->on_reap);
	ck_assert_ptr_null(cfg->on_reap_data);
}

static void
on_reap_cb(pid_t pid, int status, unsigned int flags, void *data)
{
	(void) pid;
	(void) status;
	(void) flags;
	(void) data;
}

START_TEST(null_means_defaults)
{
	struct rp_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	ck_assert_int_eq(rp_options_load(NULL, &cfg), 0);
	assert_defaults(&cfg);
}
END_TEST

/* A zeroed struct with only size set is exactly the defaults too. */
START_TEST(zero_struct_means_defaults)
{
	REAPER_OPTIONS(o);
	struct rp_config cfg;

	ck_assert_uint_eq(o.size, sizeof(struct reaper_options));
	memset(&cfg, 0xa5, sizeof(cfg));
	ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
	assert_defaults(&cfg);
}
END_TEST

/* Below the first release's size nothing can be trusted: EINVAL. */
START_TEST(size_too_small)
{
	static const size_t sizes[] = {
		0, 1, sizeof(size_t), offsetof(struct reaper_options, flags),
		offsetof(struct reaper_options, on_reap_data), SIZE_V0_1 - 1,
	};
	struct reaper_options o;
	struct rp_config cfg;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.size = sizes[i];
		ck_assert_msg(rp_options_load(&o, &cfg) == -EINVAL,
			      "size %zu accepted", sizes[i]);
	}
	memset(&o, 0, sizeof(o));
	o.size = SIZE_V0_1;
	ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
}
END_TEST

/* A newer caller's struct is fine while it uses nothing we do not know,
 * and its known fields still count. */
START_TEST(larger_struct_zero_tail)
{
	union newer_options n;
	struct rp_config cfg;

	memset(&n, 0, sizeof(n));
	n.o.size = sizeof(n.bytes);
	n.o.flags = REAPER_SIGNAL_GROUP;
	n.o.marker = "MY_MARK";
	ck_assert_int_eq(rp_options_load(&n.o, &cfg), 0);
	ck_assert(cfg.signal_group);
	ck_assert_str_eq(cfg.marker, "MY_MARK");
}
END_TEST

/* ... but a non-zero byte anywhere in that tail is a request we cannot
 * honour: E2BIG (kernel copy_struct_from_user()), wherever it sits. */
START_TEST(larger_struct_nonzero_tail)
{
	union newer_options n;
	struct rp_config cfg;

	for (size_t i = sizeof(struct reaper_options); i < sizeof(n.bytes);
	     i++) {
		memset(&n, 0, sizeof(n));
		n.o.size = sizeof(n.bytes);
		n.bytes[i] = 1;
		ck_assert_msg(rp_options_load(&n.o, &cfg) == -E2BIG,
			      "non-zero byte at %zu accepted", i);
	}
	/* Bytes past the caller's size are not the caller's: ignored. */
	memset(&n, 0, sizeof(n));
	n.o.size = sizeof(struct reaper_options) + 8;
	n.bytes[sizeof(struct reaper_options) + 8] = 1;
	ck_assert_int_eq(rp_options_load(&n.o, &cfg), 0);
}
END_TEST

START_TEST(flags_known_and_unknown)
{
	struct rp_config cfg;

	for (unsigned int bit = 6; bit < 32; bit++) {
		REAPER_OPTIONS(o, .flags = 1u << bit);

		ck_assert_msg(rp_options_load(&o, &cfg) == -EINVAL,
			      "unknown flag bit %u accepted", bit);
	}
	{
		REAPER_OPTIONS(o, .flags = REAPER_SPLIT_ALWAYS |
			       REAPER_SUBREAPER | REAPER_DEBUG |
			       REAPER_SIGNAL_GROUP | REAPER_NO_CONTINUE |
			       REAPER_WAIT_LEFTOVERS);

		ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
		ck_assert(cfg.split_always);
		ck_assert(cfg.subreaper);
		ck_assert(cfg.log.debug);
		ck_assert(cfg.signal_group);
		ck_assert(cfg.no_continue);
		ck_assert(cfg.wait_leftovers);
	}
	{
		REAPER_OPTIONS(o, .flags = REAPER_SUBREAPER);

		ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
		ck_assert(!cfg.split_always);
		ck_assert(cfg.subreaper);
		ck_assert(!cfg.log.debug);
		ck_assert(!cfg.signal_group);
		ck_assert(!cfg.no_continue);
		ck_assert(!cfg.wait_leftovers);
	}
	{
		/* Waiting for leftovers needs them to come to us. */
		REAPER_OPTIONS(o, .flags = REAPER_WAIT_LEFTOVERS);

		ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
		ck_assert(cfg.subreaper);
	}
}
END_TEST

/*
 * delay_signal (0.2): parsed into the table; a bad value is EINVAL; NULL
 * leaves REAPER_DELAY_SIGNAL to decide; a 0.1 caller's size (which ends
 * before the field) and a size that cuts the pointer short both mean
 * "not given", whatever bytes follow.
 */
START_TEST(delay_signal_field)
{
	static const char *const bad[] = {
		"TERM", "TERM:", ":5", "TERM:x", "TERM:-1", "TERM:86400001",
		"FOO:5", "KILL:5", "STOP:5", "CHLD:5", "SEGV:5", "TERM:5,",
		"TERM:5,,INT:5", "TERM:5 ",
	};
	union newer_options n;
	struct rp_config cfg;

	{
		REAPER_OPTIONS(o, .delay_signal = "TERM:5000,rtmin+1:1,INT:0");

		ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
		ck_assert_uint_eq(cfg.delay_ms[SIGTERM], 5000);
		ck_assert_uint_eq(cfg.delay_ms[34 + 1], 1);
		ck_assert_uint_eq(cfg.delay_ms[SIGINT], 0);
		ck_assert_uint_eq(cfg.delay_ms[SIGHUP], 0);
		ck_assert(!cfg.delay_from_env);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		REAPER_OPTIONS(o, .delay_signal = bad[i]);

		ck_assert_msg(rp_options_load(&o, &cfg) == -EINVAL,
			      "'%s' accepted", bad[i]);
	}
	{
		REAPER_OPTIONS(o);

		ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
		ck_assert(cfg.delay_from_env);
		for (int sig = 0; sig < NSIG; sig++)
			ck_assert_uint_eq(cfg.delay_ms[sig], 0);
	}
	for (size_t size = offsetof(struct reaper_options, delay_signal);
	     size < offsetof(struct reaper_options, delay_signal) +
		    sizeof(char *); size++) {
		memset(&n, 0, sizeof(n));
		n.o.size = size;
		/* Garbage where the pointer would be. */
		memset(&n.o.delay_signal, 0x41, sizeof(n.o.delay_signal));
		ck_assert_int_eq(rp_options_load(&n.o, &cfg), 0);
		ck_assert(cfg.delay_from_env);
	}
}
END_TEST

START_TEST(marker_names)
{
	static const char *const bad[] = {
		"", "A=B", "=", "1ABC", "MY-MARK", "MY MARK", "MARK\n", "\xc3\xa9",
		/* 70 characters */
		("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"
		 "ABCDEFGHIJ"),
		/* 64: one more than fits with its NUL in RP_MARKER_MAX */
		("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"
		 "ABCD"),
	};
	static const char *const good[] = {
		"MY_MARK", "_", "a1", "REAPER_2",
		/* 63: the longest that fits */
		("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ"
		 "ABC"),
	};
	struct rp_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		REAPER_OPTIONS(o, .marker = bad[i]);

		ck_assert_msg(rp_options_load(&o, &cfg) == -EINVAL,
			      "marker \"%s\" accepted", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		REAPER_OPTIONS(o, .marker = good[i]);

		ck_assert_msg(rp_options_load(&o, &cfg) == 0,
			      "marker \"%s\" refused", good[i]);
		ck_assert_str_eq(cfg.marker, good[i]);
	}
}
END_TEST

START_TEST(pdeathsig_range)
{
	static const int bad[] = { -1, NSIG, 65, INT_MAX, INT_MIN };
	static const int good[] = { 0, SIGKILL, SIGTERM, NSIG - 1 };
	struct rp_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		REAPER_OPTIONS(o, .pdeathsig = bad[i]);

		ck_assert_msg(rp_options_load(&o, &cfg) == -EINVAL,
			      "pdeathsig %d accepted", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		REAPER_OPTIONS(o, .pdeathsig = good[i]);

		ck_assert_msg(rp_options_load(&o, &cfg) == 0,
			      "pdeathsig %d refused", good[i]);
		ck_assert_int_eq(cfg.pdeathsig, good[i]);
	}
}
END_TEST

/* Without a subreaper, leftovers orphaned outside PID 1 go to init and
 * the grace period could never find them: grace implies subreaper. */
START_TEST(grace_implies_subreaper)
{
	struct rp_config cfg;
	REAPER_OPTIONS(with, .grace_ms = 500);
	REAPER_OPTIONS(without);

	ck_assert_int_eq(rp_options_load(&with, &cfg), 0);
	ck_assert_uint_eq(cfg.grace_ms, 500);
	ck_assert(cfg.subreaper);
	ck_assert_int_eq(rp_options_load(&without, &cfg), 0);
	ck_assert_uint_eq(cfg.grace_ms, 0);
	ck_assert(!cfg.subreaper);
}
END_TEST

START_TEST(rewrite_table)
{
	struct rp_config cfg;
	REAPER_OPTIONS(o, .rewrite = "TERM:QUIT,USR1:0,RTMIN+2:HUP");
	REAPER_OPTIONS(bad, .rewrite = "TERM:QUIT,KILL:TERM");

	ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
	for (int s = 0; s < NSIG; s++) {
		int want = s;

		if (s == SIGTERM)
			want = SIGQUIT;
		else if (s == SIGUSR1)
			want = 0;
		else if (s == SIGRTMIN + 2)
			want = SIGHUP;
		ck_assert_msg(cfg.rewrite[s] == want, "rewrite[%d] = %d", s,
			      cfg.rewrite[s]);
	}
	ck_assert_int_eq(rp_options_load(&bad, &cfg), -EINVAL);
}
END_TEST

START_TEST(exit_zero_and_callback)
{
	struct rp_config cfg;
	int data;
	REAPER_OPTIONS(o, .on_reap = on_reap_cb, .on_reap_data = &data);

	REAPER_EXIT_ZERO(&o, 3);
	REAPER_EXIT_ZERO(&o, 255);
	ck_assert_int_eq(rp_options_load(&o, &cfg), 0);
	for (int c = 0; c < 256; c++)
		ck_assert_msg(rp_config_exit_zero(&cfg, c) ==
			      (c == 3 || c == 255), "exit code %d", c);
	ck_assert(!rp_config_exit_zero(&cfg, -1));
	ck_assert(!rp_config_exit_zero(&cfg, 256));
	ck_assert_ptr_eq(cfg.on_reap, on_reap_cb);
	ck_assert_ptr_eq(cfg.on_reap_data, &data);
}
END_TEST

/* REAPER_DEBUG=1 switches logging on without recompiling; nothing else
 * does, and the flag does it whatever the environment says. */
START_TEST(debug_from_env)
{
	struct rp_config cfg;
	REAPER_OPTIONS(flag, .flags = REAPER_DEBUG);

	ck_assert_int_eq(rp_options_load(NULL, &cfg), 0);
	ck_assert(!cfg.log.debug);
	ck_assert_int_eq(setenv("REAPER_DEBUG", "1", 1), 0);
	ck_assert_int_eq(rp_options_load(NULL, &cfg), 0);
	ck_assert(cfg.log.debug);
	ck_assert_int_eq(setenv("REAPER_DEBUG", "0", 1), 0);
	ck_assert_int_eq(rp_options_load(NULL, &cfg), 0);
	ck_assert(!cfg.log.debug);
	ck_assert_int_eq(rp_options_load(&flag, &cfg), 0);
	ck_assert(cfg.log.debug);
	ck_assert_int_eq(unsetenv("REAPER_DEBUG"), 0);
	ck_assert_int_eq(rp_options_load(NULL, &cfg), 0);
	ck_assert(!cfg.log.debug);
}
END_TEST

/*
 * Invalid options make reaper_fork_self_opts() fail before anything else:
 * -1, errno, and no process, even with REAPER_SPLIT_ALWAYS set.
 */
START_TEST(public_invalid_options)
{
	union newer_options n;
	struct reaper_options small;
	REAPER_OPTIONS(flag, .flags = REAPER_SPLIT_ALWAYS | (1u << 9));
	REAPER_OPTIONS(marker, .flags = REAPER_SPLIT_ALWAYS, .marker = "A=B");
	REAPER_OPTIONS(rewrite, .flags = REAPER_SPLIT_ALWAYS,
		       .rewrite = "KILL:TERM");
	REAPER_OPTIONS(pdeath, .flags = REAPER_SPLIT_ALWAYS, .pdeathsig = 65);
	const struct {
		const struct reaper_options *opts;
		int err;
	} cases[] = {
		{ &small, EINVAL }, { &n.o, E2BIG }, { &flag, EINVAL },
		{ &marker, EINVAL }, { &rewrite, EINVAL }, { &pdeath, EINVAL },
	};

	memset(&small, 0, sizeof(small));
	small.size = SIZE_V0_1 - 1;
	small.flags = REAPER_SPLIT_ALWAYS;
	memset(&n, 0, sizeof(n));
	n.o.size = sizeof(n.bytes);
	n.o.flags = REAPER_SPLIT_ALWAYS;
	n.bytes[sizeof(n.bytes) - 1] = 1;

	/* See the file comment: a wrong split ends in exit RT_GUARD_CODE. */
	ck_assert_int_eq(setenv(RT_GUARD_ENV, "1", 1), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		ck_assert_msg(reaper_fork_self_opts(cases[i].opts) == -1,
			      "case %zu accepted", i);
		ck_assert_msg(errno == cases[i].err, "case %zu: errno %d",
			      i, errno);
		assert_no_child();
	}
	ck_assert_int_eq(unsetenv(RT_GUARD_ENV), 0);
}
END_TEST

/* Outside PID 1 the one-line call does nothing: 0, no child, and no
 * process attribute changed (not even the subreaper bit). */
START_TEST(public_not_pid1)
{
	int sub = -1;

	ck_assert_int_ne(getpid(), 1);
	errno = 0;
	ck_assert_int_eq(reaper_fork_self(), 0);
	assert_no_child();
	ck_assert_int_eq(prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0), 0);
	ck_assert_int_eq(sub, 0);
	/* A second call is as harmless. */
	ck_assert_int_eq(reaper_fork_self(), 0);
	assert_no_child();
}
END_TEST

/* Valid options without REAPER_SPLIT_ALWAYS: same, subreaper included. */
START_TEST(public_valid_options_not_pid1)
{
	int sub = -1;
	REAPER_OPTIONS(o, .flags = REAPER_SUBREAPER | REAPER_SIGNAL_GROUP,
		       .marker = "MY_MARK", .rewrite = "TERM:QUIT",
		       .grace_ms = 100, .pdeathsig = SIGTERM);

	ck_assert_int_ne(getpid(), 1);
	ck_assert_int_eq(reaper_fork_self_opts(&o), 0);
	ck_assert_int_eq(reaper_fork_self_opts(NULL), 0);
	assert_no_child();
	ck_assert_int_eq(prctl(PR_GET_CHILD_SUBREAPER, &sub, 0, 0, 0), 0);
	ck_assert_int_eq(sub, 0);
}
END_TEST

/*
 * With reaper_start()'s thread running, a split would leave the thread in
 * the new reaper, where it would reap the application behind the loop's
 * back: refused with EBUSY.
 */
START_TEST(public_refused_while_thread_runs)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS);
	REAPER_OPTIONS(o, .flags = REAPER_SPLIT_ALWAYS, .marker = "NO_SPLIT");

	ck_assert_int_eq(reaper_start(&c), 0);
	errno = 0;
	ck_assert_int_eq(reaper_fork_self_opts(&o), -1);
	ck_assert_int_eq(errno, EBUSY);
	ck_assert_int_eq(reaper_stop(), 0);
}
END_TEST

RT_TEST_SUITE(options, "options", 0)
{
	TCase *tc = tcase_create("load");
	TCase *pub = tcase_create("public");

	tcase_add_checked_fixture(tc, clean_env, NULL);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, null_means_defaults);
	tcase_add_test(tc, zero_struct_means_defaults);
	tcase_add_test(tc, size_too_small);
	tcase_add_test(tc, larger_struct_zero_tail);
	tcase_add_test(tc, larger_struct_nonzero_tail);
	tcase_add_test(tc, flags_known_and_unknown);
	tcase_add_test(tc, delay_signal_field);
	tcase_add_test(tc, marker_names);
	tcase_add_test(tc, pdeathsig_range);
	tcase_add_test(tc, grace_implies_subreaper);
	tcase_add_test(tc, rewrite_table);
	tcase_add_test(tc, exit_zero_and_callback);
	tcase_add_test(tc, debug_from_env);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(pub, clean_env, NULL);
	tcase_set_timeout(pub, 10);
	tcase_add_test(pub, public_invalid_options);
	tcase_add_test(pub, public_not_pid1);
	tcase_add_test(pub, public_valid_options_not_pid1);
	tcase_add_test(pub, public_refused_while_thread_runs);
	suite_add_tcase(s, pub);
}
