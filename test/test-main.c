/*
 * The one main() of every Check test binary. Each test file declares its
 * suite(s) with RT_TEST_SUITE() (test-common.h), which places a struct
 * rt_test_suite in the ELF section "rt_test_suites"; the linker brackets
 * that section with __start_rt_test_suites and __stop_rt_test_suites,
 * and this file walks the array between them. A test file therefore
 * declares a suite and nothing else: what it needs (a PID namespace, the
 * helper, the command) is a flag in its descriptor, checked here once.
 *
 *   needs an environment variable that is not set   exit 99 (ERROR): the
 *                                                    test cannot pass
 *                                                    without its input
 *   needs a PID namespace and none can be made       that suite is not
 *                                                    run; exit 77 (SKIP)
 *                                                    with the reason
 *   any test failed                                  exit 1
 *
 * A binary with no RT_TEST_SUITE() does not link: the section, and so its
 * bracketing symbols, does not exist.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test-common.h"

/* The linker's names for the section's bounds: reserved, and theirs.
 * NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
extern const struct rt_test_suite __start_rt_test_suites[]
	__attribute__((visibility("hidden")));
extern const struct rt_test_suite __stop_rt_test_suites[]
	__attribute__((visibility("hidden")));
/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */


/* The environment variable each RT_NEEDS_* flag stands for; meson test
 * sets them (test/meson.build). */
static const struct {
	unsigned int flag;
	const char *var;
} needed_env[] = {
	{ RT_NEEDS_HELPER, "REAPER_TEST_HELPER" },
	{ RT_NEEDS_COMMAND, "REAPER_TEST_COMMAND" },
	{ RT_NEEDS_INPROC, "REAPER_TEST_INPROC" },
	{ RT_NEEDS_INPROC, "REAPER_TEST_DEMO_START" },
};

/* 0, or 99 after naming what is missing. */
static int
check_env(void)
{
	int rc = 0;

	for (const struct rt_test_suite *t = __start_rt_test_suites;
	     t < __stop_rt_test_suites; t++) {
		for (size_t i = 0;
		     i < sizeof(needed_env) / sizeof(needed_env[0]); i++) {
			if (!(t->needs & needed_env[i].flag) ||
			    getenv(needed_env[i].var))
				continue;
			fprintf(stderr, "%s: %s is not set: run through meson "
				"test\n", t->name, needed_env[i].var);
			rc = 99;
		}
	}
	return rc;
}

int
main(void)
{
	SRunner *sr = NULL;
	bool pidns = true, probed = false, skipped = false;
	int failed, rc;

	/* We are a copy re-executed by a split that must not have happened
	 * (test-options provokes the refusals): the reaper above us
	 * mirrors this code into the failing test rather than a second
	 * run of the whole binary. */
	if (getenv(RT_GUARD_ENV))
		_exit(RT_GUARD_CODE);

	rc = check_env();
	if (rc)
		return rc;

	for (const struct rt_test_suite *t = __start_rt_test_suites;
	     t < __stop_rt_test_suites; t++) {
		Suite *s;

		if (t->needs & RT_NEEDS_PIDNS) {
			if (!probed) {
				pidns = rt_can_unshare_pidns();
				probed = true;
			}
			if (!pidns) {
				fprintf(stderr, "SKIP: %s: cannot create a "
					"PID namespace (needs root or "
					"CAP_SYS_ADMIN)\n", t->name);
				skipped = true;
				continue;
			}
		}
		s = suite_create(t->name);
		t->add(s);
		if (sr)
			srunner_add_suite(sr, s);
		else
			sr = srunner_create(s);
	}
	if (!sr)
		return 77;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return EXIT_FAILURE;
	/* Some suites did not run: SKIP, not a pass on part of the tests. */
	return skipped ? 77 : EXIT_SUCCESS;
}
