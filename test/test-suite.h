/*
 * RT_TEST_SUITE(): how a test file declares its Check suite(s). The one
 * main() (test-main.c) finds every declared suite, checks what it needs,
 * builds it and runs it; a test file has no main() of its own.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef TEST_SUITE_H
#define TEST_SUITE_H

#include <check.h>

/* What a suite needs before any of its tests can run (test-main.c). */
enum rt_needs {
	RT_NEEDS_PIDNS = 1 << 0,	/* else not run, and the binary: 77 */
	RT_NEEDS_HELPER = 1 << 1,	/* REAPER_TEST_HELPER, else 99 */
	RT_NEEDS_COMMAND = 1 << 2,	/* REAPER_TEST_COMMAND, else 99 */
	RT_NEEDS_INPROC = 1 << 3,	/* REAPER_TEST_INPROC and
					 * REAPER_TEST_DEMO_START, else 99 */
};

/* One Check suite of a test binary, found by test-main.c in the ELF
 * section rt_test_suites. Declared with RT_TEST_SUITE(), never by hand. */
struct rt_test_suite {
	const char *name;		/* the Check suite's name */
	unsigned int needs;		/* enum rt_needs */
	void (*add)(Suite *s);		/* adds the test cases to s */
};

/*
 * Declares a suite; the body that follows adds its test cases:
 *
 *	RT_TEST_SUITE(signals, "signals", RT_NEEDS_PIDNS | RT_NEEDS_HELPER)
 *	{
 *		TCase *tc = rt_new_tcase(s, "pid1");
 *		...
 *	}
 *
 * id must be unique in the file. The descriptor is aligned to its own
 * type so that the section is a plain array of them.
 */
#define RT_TEST_SUITE(id, suite_name, suite_needs)			\
	static void rt_suite_add_##id(Suite *s);			\
	static const struct rt_test_suite rt_suite_##id			\
	__attribute__((used, section("rt_test_suites"),			\
		       aligned(__alignof__(struct rt_test_suite)))) = {	\
		.name = (suite_name),					\
		.needs = (suite_needs),					\
		.add = rt_suite_add_##id,				\
	};								\
	static void rt_suite_add_##id(Suite *s)

/* A test binary re-executed by a split that must never happen in it
 * finds RT_GUARD_ENV set and exits at once with RT_GUARD_CODE
 * (test-main.c), which the reaper above it mirrors into the test. */
#define RT_GUARD_ENV "RT_TEST_REEXECUTED"
#define RT_GUARD_CODE 97

#endif
