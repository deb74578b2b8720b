/*
 * The bottom layer of lib/, called directly: the number scanner (scan.c),
 * the size-first copy (abi.c) and the /proc reader (proc.c). The callers'
 * verdicts (marker, signal numbers, the command's flags) are tested with
 * them; these pin the units' own edges: bounds, what is consumed, the
 * order of the ABI errors, and /proc against what the kernel says.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi.h"
#include "proc.h"
#include "scan.h"
#include "test-suite.h"

/* ---- rp_scan_u64, rp_scan_whole -------------------------------------- */

START_TEST(scan_consumes_digits_only)
{
	uint64_t v = 99;

	ck_assert_uint_eq(rp_scan_u64("123abc", UINT64_MAX, &v), 3);
	ck_assert_uint_eq(v, 123);
	ck_assert_uint_eq(rp_scan_u64("", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 0);
	/* No blank, no sign: what strtol() would take. */
	ck_assert_uint_eq(rp_scan_u64(" 1", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(rp_scan_u64("+1", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(rp_scan_u64("-1", UINT64_MAX, &v), 0);
	ck_assert_uint_eq(rp_scan_u64("007", UINT64_MAX, &v), 3);
	ck_assert_uint_eq(v, 7);
}
END_TEST

/* It stops before the digit that would pass max, and leaves it. */
START_TEST(scan_stops_at_max)
{
	uint64_t v;

	ck_assert_uint_eq(rp_scan_u64("255", 255, &v), 3);
	ck_assert_uint_eq(v, 255);
	ck_assert_uint_eq(rp_scan_u64("256", 255, &v), 2);
	ck_assert_uint_eq(v, 25);
	ck_assert_uint_eq(rp_scan_u64("9", 8, &v), 0);
	ck_assert_uint_eq(rp_scan_u64("0", 0, &v), 1);
	ck_assert_uint_eq(rp_scan_u64("18446744073709551615", UINT64_MAX,
				      &v), 20);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_uint_eq(rp_scan_u64("18446744073709551616", UINT64_MAX,
				      &v), 19);
	ck_assert_uint_eq(rp_scan_u64("99999999999999999999999", UINT64_MAX,
				      &v), 19);
}
END_TEST

START_TEST(scan_whole)
{
	uint64_t v;

	ck_assert(rp_scan_whole("2147483647", INT32_MAX, &v));
	ck_assert_uint_eq(v, INT32_MAX);
	ck_assert(!rp_scan_whole("2147483648", INT32_MAX, &v));
	ck_assert(!rp_scan_whole("12 ", 100, &v));
	ck_assert(!rp_scan_whole("", 100, &v));
	ck_assert(!rp_scan_whole("1x", 100, &v));
	ck_assert(rp_scan_whole("0", 100, &v));
	ck_assert_uint_eq(v, 0);
}
END_TEST

/* ---- rp_abi_copy ------------------------------------------------------- */

/* A caller's struct as three releases would have it. */
struct v1 { size_t size; unsigned int flags; int a; };
struct v2 { size_t size; unsigned int flags; int a; int b; };
struct v3 { size_t size; unsigned int flags; int a; int b; long c; };

START_TEST(abi_older_caller_gets_zeros)
{
	struct v1 old = { sizeof(old), 1, 7 };
	struct v2 ours;

	memset(&ours, 0xff, sizeof(ours));
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &old,
				     sizeof(struct v1), 1), 0);
	ck_assert_uint_eq(ours.flags, 1);
	ck_assert_int_eq(ours.a, 7);
	ck_assert_int_eq(ours.b, 0);
}
END_TEST

START_TEST(abi_newer_caller)
{
	struct v3 newer = { sizeof(newer), 0, 1, 2, 0 };
	struct v2 ours;

	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &newer,
				     sizeof(struct v1), 0), 0);
	ck_assert_int_eq(ours.b, 2);
	newer.c = 5;
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &newer,
				     sizeof(struct v1), 0), -E2BIG);
	/* Too big is said before an unknown flag, as the kernel orders it. */
	newer.flags = 8;
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &newer,
				     sizeof(struct v1), 0), -E2BIG);
}
END_TEST

START_TEST(abi_refusals)
{
	struct v2 caller = { sizeof(struct v1) - 1, 0, 0, 0 }, ours;

	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &caller,
				     sizeof(struct v1), 0), -EINVAL);
	caller.size = sizeof(caller);
	caller.flags = 2;
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &caller,
				     sizeof(struct v1), 1), -EINVAL);
	caller.flags = 1;
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), &caller,
				     sizeof(struct v1), 1), 0);
}
END_TEST

/* A caller whose struct ends right after its size: nothing past it is
 * read (the buffer is exactly that big, for ASan and valgrind to see). */
START_TEST(abi_short_caller)
{
	size_t *tiny = malloc(sizeof(*tiny));
	struct v2 ours;

	ck_assert_ptr_nonnull(tiny);
	*tiny = sizeof(*tiny);
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), tiny,
				     sizeof(struct v1), 0), -EINVAL);
	free(tiny);
}
END_TEST

START_TEST(abi_null_is_defaults)
{
	struct v2 ours;

	memset(&ours, 0xff, sizeof(ours));
	ck_assert_int_eq(rp_abi_copy(&ours, sizeof(ours), NULL,
				     sizeof(struct v1), 0), 0);
	ck_assert_uint_eq(ours.size, 0);
	ck_assert_int_eq(ours.a, 0);
	ck_assert_int_eq(ours.b, 0);
}
END_TEST

START_TEST(abi_result)
{
	errno = 0;
	ck_assert_int_eq(rp_abi_result(3), 3);
	ck_assert_int_eq(errno, 0);
	ck_assert_int_eq(rp_abi_result(-ENOENT), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- rp_proc_* ---------------------------------------------------------- */

/* The host's /proc, where getppid() and /proc agree. */
START_TEST(proc_parent)
{
	ck_assert_int_eq(rp_proc_parent_of(0), getppid());
	ck_assert_int_eq(rp_proc_parent_of(getpid()), getppid());
	ck_assert_int_eq(rp_proc_parent_of(-5), -1);
}
END_TEST

/* A comm with a space and parentheses: the parent is read after the last
 * ')', as the kernel writes it. */
START_TEST(proc_comm_with_parentheses)
{
	char comm[17];

	ck_assert_int_eq(prctl(PR_SET_NAME, "a) b (c"), 0);
	ck_assert_int_eq(rp_proc_comm(getpid(), comm), 0);
	ck_assert_str_eq(comm, "a) b (c");
	ck_assert_int_eq(rp_proc_parent_of(0), getppid());
}
END_TEST

struct seen {
	pid_t child, self;
	pid_t child_parent;
	int count;
};

static int
note(pid_t pid, pid_t ppid, void *data)
{
	struct seen *s = data;

	s->count++;
	if (pid == s->child)
		s->child_parent = ppid;
	return pid == s->self ? 7 : 0;
}

/* Every process is listed with its parent; fn's non-zero stops the walk.
 * The child waits on a pipe, so it is there while we walk. */
START_TEST(proc_each)
{
	struct seen s = { 0 };
	int fd, p[2], status;
	char c;

	ck_assert_int_eq(pipe(p), 0);
	s.child = fork();
	ck_assert_int_ge(s.child, 0);
	if (s.child == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 0 : 1);
	}
	close(p[0]);
	fd = rp_proc_open();
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(rp_proc_parent_of(s.child), getpid());
	s.self = -1;
	ck_assert_int_eq(rp_proc_each(fd, note, &s), 0);
	ck_assert_int_eq(s.child_parent, getpid());
	ck_assert_int_gt(s.count, 2);
	s.self = getpid();
	ck_assert_int_eq(rp_proc_each(fd, note, &s), 7);
	close(fd);
	close(p[1]);
	ck_assert_int_eq(waitpid(s.child, &status, 0), s.child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

RT_TEST_SUITE(base, "base", 0)
{
	TCase *scan = tcase_create("scan");
	TCase *abi = tcase_create("abi");
	TCase *proc = tcase_create("proc");

	tcase_add_test(scan, scan_consumes_digits_only);
	tcase_add_test(scan, scan_stops_at_max);
	tcase_add_test(scan, scan_whole);
	suite_add_tcase(s, scan);

	tcase_add_test(abi, abi_older_caller_gets_zeros);
	tcase_add_test(abi, abi_newer_caller);
	tcase_add_test(abi, abi_refusals);
	tcase_add_test(abi, abi_short_caller);
	tcase_add_test(abi, abi_null_is_defaults);
	tcase_add_test(abi, abi_result);
	suite_add_tcase(s, abi);

	tcase_add_test(proc, proc_parent);
	tcase_add_test(proc, proc_comm_with_parentheses);
	tcase_add_test(proc, proc_each);
	suite_add_tcase(s, proc);
}
