/*
 * The text the library trusts from outside: signal names and numbers, the
 * rewrite rules (lib/signals.c), and the REAPER=<pid> marker with the
 * child's environment built around it (lib/marker.c). Pure functions of
 * their input and environ: no process is made, no namespace is needed.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "childenv.h"
#include "marker.h"
#include "signals.h"
#include "test-suite.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern char **environ;

/* ---- rp_signals_parse ------------------------------------------------ */

START_TEST(parse_names_and_numbers)
{
	const struct {
		const char *in;
		int want;
	} ok[] = {
		{ "TERM", SIGTERM },		{ "SIGTERM", SIGTERM },
		{ "term", SIGTERM },		{ "sigTerm", SIGTERM },
		{ "15", SIGTERM },		{ "1", SIGHUP },
		{ "KILL", SIGKILL },		{ "CHLD", SIGCHLD },
		{ "CLD", SIGCHLD },		{ "IOT", SIGABRT },
		{ "POLL", SIGIO },		{ "WINCH", SIGWINCH },
		{ "64", 64 },
		{ "RTMIN", SIGRTMIN },		{ "SIGRTMIN", SIGRTMIN },
		{ "RTMIN+3", SIGRTMIN + 3 },	{ "rtmin+3", SIGRTMIN + 3 },
		{ "RTMIN+0", SIGRTMIN },	{ "RTMIN-0", SIGRTMIN },
		{ "SIGRTMAX-1", SIGRTMAX - 1 },	{ "RTMAX", SIGRTMAX },
		{ "SIGRTMAX", SIGRTMAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		ck_assert_msg(rp_signals_parse(ok[i].in, false) == ok[i].want,
			      "\"%s\" -> %d", ok[i].in,
			      rp_signals_parse(ok[i].in, false));
		/* allow_zero only adds 0; it changes nothing else. */
		ck_assert_int_eq(rp_signals_parse(ok[i].in, true), ok[i].want);
	}
}
END_TEST

START_TEST(parse_realtime_bounds)
{
	char buf[32];

	/* The whole real-time range from either end, and one past. */
	snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN);
	ck_assert_int_eq(rp_signals_parse(buf, false), SIGRTMAX);
	snprintf(buf, sizeof(buf), "RTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
	ck_assert_int_eq(rp_signals_parse(buf, false), -EINVAL);
	snprintf(buf, sizeof(buf), "RTMAX-%d", SIGRTMAX - SIGRTMIN);
	ck_assert_int_eq(rp_signals_parse(buf, false), SIGRTMIN);
	snprintf(buf, sizeof(buf), "RTMAX-%d", SIGRTMAX - SIGRTMIN + 1);
	ck_assert_int_eq(rp_signals_parse(buf, false), -EINVAL);
	ck_assert_int_eq(rp_signals_parse("RTMIN+31", false), -EINVAL);
	ck_assert_int_eq(rp_signals_parse("RTMIN-1", false), -EINVAL);
	ck_assert_int_eq(rp_signals_parse("RTMAX+1", false), -EINVAL);
}
END_TEST

START_TEST(parse_zero)
{
	ck_assert_int_eq(rp_signals_parse("0", true), 0);
	ck_assert_int_eq(rp_signals_parse("NONE", true), 0);
	ck_assert_int_eq(rp_signals_parse("none", true), 0);
	ck_assert_int_eq(rp_signals_parse("0", false), -EINVAL);
	ck_assert_int_eq(rp_signals_parse("NONE", false), -EINVAL);
}
END_TEST

START_TEST(parse_garbage)
{
	static const char *const bad[] = {
		"", "65", "1000", "99999999999999999999", "-1", "+5", " 15",
		"15 ", "15x", "0x0f", "\t15", "SIG", "SIGSIGTERM", "TERM ",
		" TERM", "TERMX", "FOO", "SIG15", "RTMIN+", "RTMIN-",
		"RTMIN+ 3", "RTMIN3", "RTMIN+3x", "RTMIN++3", "RTMIN+-3",
		"RTMIN+3 ", "RTMAX+0x1", "TERM:QUIT", "TERM,", "NONE1",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ck_assert_msg(rp_signals_parse(bad[i], false) == -EINVAL,
			      "\"%s\" accepted as %d", bad[i],
			      rp_signals_parse(bad[i], false));
		ck_assert_msg(rp_signals_parse(bad[i], true) == -EINVAL,
			      "\"%s\" accepted as %d with allow_zero", bad[i],
			      rp_signals_parse(bad[i], true));
	}
}
END_TEST

/* Whatever we print (logs, --help), we must read back: for every signal
 * the kernel has, parse(name(s)) == s, with and without "SIG". */
START_TEST(name_round_trip)
{
	for (int s = 1; s < NSIG; s++) {
		char buf[16], sig[32];
		const char *name = rp_signals_name(s, buf);

		ck_assert_ptr_nonnull(name);
		ck_assert_msg(strlen(name) > 0 && strlen(name) < 16,
			      "signal %d: bad name", s);
		ck_assert_msg(rp_signals_parse(name, false) == s,
			      "signal %d named \"%s\" parses as %d", s, name,
			      rp_signals_parse(name, false));
		if (s >= SIGRTMIN || s < 32) {
			/* Named (not a bare glibc-reserved number). */
			ck_assert_msg(name[0] < '0' || name[0] > '9',
				      "signal %d has no name: %s", s, name);
			snprintf(sig, sizeof(sig), "SIG%s", name);
			ck_assert_int_eq(rp_signals_parse(sig, false), s);
		}
	}
	{
		char buf[16];

		ck_assert_str_eq(rp_signals_name(SIGTERM, buf), "TERM");
		ck_assert_str_eq(rp_signals_name(SIGCHLD, buf), "CHLD");
		ck_assert_str_eq(rp_signals_name(SIGRTMIN + 3, buf),
				 "RTMIN+3");
	}
}
END_TEST

/* ---- rp_signals_parse_rewrite ---------------------------------------- */

/* A table no valid rule could produce, so a partial write shows. */
static void
sentinel_table(int t[NSIG])
{
	for (int s = 0; s < NSIG; s++)
		t[s] = 1000 + s;
}

static void
identity_table(int t[NSIG])
{
	for (int s = 0; s < NSIG; s++)
		t[s] = s;
}

START_TEST(rewrite_valid)
{
	int t[NSIG];

	identity_table(t);
	ck_assert_int_eq(rp_signals_parse_rewrite("TERM:QUIT,USR1:0", t), 0);
	for (int s = 0; s < NSIG; s++) {
		int want = s == SIGTERM ? SIGQUIT : s == SIGUSR1 ? 0 : s;

		ck_assert_msg(t[s] == want, "t[%d] = %d", s, t[s]);
	}

	identity_table(t);
	ck_assert_int_eq(rp_signals_parse_rewrite("15:3", t), 0);
	ck_assert_int_eq(t[15], 3);
	ck_assert_int_eq(t[SIGUSR1], SIGUSR1);

	identity_table(t);
	ck_assert_int_eq(rp_signals_parse_rewrite(
		"SIGRTMIN+1:RTMAX,winch:none,HUP:TERM", t), 0);
	ck_assert_int_eq(t[SIGRTMIN + 1], SIGRTMAX);
	ck_assert_int_eq(t[SIGWINCH], 0);
	ck_assert_int_eq(t[SIGHUP], SIGTERM);
}
END_TEST

START_TEST(rewrite_refused_table_untouched)
{
	static const char *const bad[] = {
		"TERM:QUIT,",		/* trailing comma */
		",TERM:QUIT",
		"TERM:QUIT,,USR1:0",
		"TERMQUIT",		/* missing colon */
		"TERM:QUIT,USR1",
		"TERM:",
		":QUIT",
		":",
		",",
		"TERM:QUIT:HUP",
		"KILL:TERM",		/* never received: a no-op rule */
		"STOP:TERM",
		"SEGV:TERM",		/* faults keep the default action */
		"CHLD:TERM",		/* consumed by the reaper itself */
		"0:TERM",
		"NONE:TERM",
		"TERM:65",
		"TERM:BOGUS",
		"TERM:QUIT,KILL:TERM",	/* all or nothing */
		"TERM:QUIT,USR1:0,CHLD:TERM",
		"TERM :QUIT",
		"TERM: QUIT",
		"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:TERM",
	};
	int t[NSIG], want[NSIG];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		sentinel_table(t);
		sentinel_table(want);
		ck_assert_msg(rp_signals_parse_rewrite(bad[i], t) == -EINVAL,
			      "\"%s\" accepted", bad[i]);
		ck_assert_msg(memcmp(t, want, sizeof(t)) == 0,
			      "\"%s\" changed the table", bad[i]);
	}
}
END_TEST

/* ---- rp_marker_take -------------------------------------------------- */

static char **saved_environ;

/* Tests that swap environ for their own array put the real one back.
 * Those arrays are static: Check itself calls getenv() after the test
 * function returns and before this teardown runs. */
static void
save_environ(void)
{
	saved_environ = environ;
	ck_assert_int_eq(unsetenv("REAPER"), 0);
	ck_assert_int_eq(unsetenv("MY_MARK"), 0);
	ck_assert_int_eq(unsetenv("LISTEN_PID"), 0);
}

static void
restore_environ(void)
{
	environ = saved_environ;
}

static size_t
environ_count(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

START_TEST(marker_absent)
{
	ck_assert_int_eq(rp_marker_take("REAPER"), RP_MARKER_ABSENT);
	/* Another marker name is another variable. */
	ck_assert_int_eq(setenv("REAPER", "1", 1), 0);
	ck_assert_int_eq(rp_marker_take("MY_MARK"), RP_MARKER_ABSENT);
	ck_assert_str_eq(getenv("REAPER"), "1");
}
END_TEST

START_TEST(marker_valid)
{
	char v[32];

	snprintf(v, sizeof(v), "%d", (int) getppid());
	ck_assert_int_eq(setenv("REAPER", v, 1), 0);
	ck_assert_int_eq(rp_marker_take("REAPER"), RP_MARKER_VALID);
	ck_assert_ptr_null(getenv("REAPER"));
	ck_assert_uint_eq(environ_count("REAPER="), 0);
	/* Taken once: the second look finds nothing. */
	ck_assert_int_eq(rp_marker_take("REAPER"), RP_MARKER_ABSENT);

	ck_assert_int_eq(setenv("MY_MARK", v, 1), 0);
	ck_assert_int_eq(rp_marker_take("MY_MARK"), RP_MARKER_VALID);
	ck_assert_ptr_null(getenv("MY_MARK"));
}
END_TEST

/*
 * Anything but the parent's pid written the way the reaper writes it is
 * not our parent's marker: invalid, and removed all the same. The values
 * built around getppid() would otherwise name the right process in a form
 * no reaper ever wrote (signs, blanks) or wrap onto it.
 */
START_TEST(marker_invalid)
{
	pid_t ppid = getppid();
	char vals[16][48], wrong[16 * 52] = "";
	size_t n = 0, len = 0;

	snprintf(vals[n++], 48, "%s", "");
	snprintf(vals[n++], 48, "%s", "abc");
	snprintf(vals[n++], 48, "%s", "99999999999999999999999");
	snprintf(vals[n++], 48, "%s", "-5");
	snprintf(vals[n++], 48, "%s", " 12");
	snprintf(vals[n++], 48, "%s", "0");
	if (ppid != 1)
		snprintf(vals[n++], 48, "%s", "1");
	snprintf(vals[n++], 48, "%d", (int) ppid + 1);
	snprintf(vals[n++], 48, "%lld", (long long) ppid + (1LL << 32));
	snprintf(vals[n++], 48, "-%d", (int) ppid);
	snprintf(vals[n++], 48, "%dx", (int) ppid);
	snprintf(vals[n++], 48, "%d ", (int) ppid);
	snprintf(vals[n++], 48, "%d\n", (int) ppid);
	snprintf(vals[n++], 48, " %d", (int) ppid);
	snprintf(vals[n++], 48, "\t%d", (int) ppid);
	snprintf(vals[n++], 48, "+%d", (int) ppid);

	/* Collect every value taken as valid, so one run names them all. */
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(setenv("REAPER", vals[i], 1), 0);
		if (rp_marker_take("REAPER") != RP_MARKER_INVALID) {
			len += (size_t) snprintf(wrong + len,
						 sizeof(wrong) - len,
						 " \"%s\"", vals[i]);
		}
		ck_assert_msg(getenv("REAPER") == NULL,
			      "REAPER=\"%s\" left in environ", vals[i]);
	}
	ck_assert_msg(len == 0, "ppid %d, not refused:%s", (int) ppid, wrong);
}
END_TEST

/* A duplicate planted behind the first entry (execve() allows it, setenv
 * cannot make it) must not survive into the application either. The
 * first entry decides, as getenv() and every shell would read it. */
START_TEST(marker_duplicates_removed)
{
	static char good[2][48], keep[] = "KEEP=1", junk[] = "REAPER=junk";
	static char prefix[] = "REAPERX=2";
	static char *env[8];

	snprintf(good[0], 48, "REAPER=%d", (int) getppid());
	snprintf(good[1], 48, "REAPER=%d", (int) getppid());

	env[0] = good[0];
	env[1] = keep;
	env[2] = junk;
	env[3] = prefix;
	env[4] = good[1];
	env[5] = NULL;
	environ = env;
	ck_assert_int_eq(rp_marker_take("REAPER"), RP_MARKER_VALID);
	ck_assert_uint_eq(environ_count("REAPER="), 0);
	ck_assert_str_eq(getenv("KEEP"), "1");
	ck_assert_str_eq(getenv("REAPERX"), "2");

	env[0] = junk;
	env[1] = good[0];
	env[2] = keep;
	env[3] = good[1];
	env[4] = NULL;
	environ = env;
	ck_assert_int_eq(rp_marker_take("REAPER"), RP_MARKER_INVALID);
	ck_assert_uint_eq(environ_count("REAPER="), 0);
	ck_assert_str_eq(getenv("KEEP"), "1");
}
END_TEST

/* ---- rp_marker_env --------------------------------------------------- */

static size_t
envp_len(char **envp)
{
	size_t n = 0;

	while (envp[n])
		n++;
	return n;
}

START_TEST(env_appends_marker)
{
	static char a[] = "A=1", b[] = "B=2";
	static char *env[] = { a, b, NULL };
	char **envp = NULL, *slot = (char *) 1;

	environ = env;
	ck_assert_int_eq(rp_childenv_make("REAPER", 4242, &envp, &slot), 0);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(envp_len(envp), 3);
	ck_assert_ptr_eq(envp[0], a);
	ck_assert_ptr_eq(envp[1], b);
	ck_assert_str_eq(envp[2], "REAPER=4242");
	/* environ itself is the caller's and stays as it was. */
	ck_assert_ptr_eq(environ, env);
	ck_assert_ptr_eq(env[0], a);
	ck_assert_ptr_eq(env[2], NULL);
	free(envp);

	/* Empty environment, other name, widest pid. */
	env[0] = NULL;
	ck_assert_int_eq(rp_childenv_make("MY_MARK", 2147483647, &envp, &slot),
			 0);
	ck_assert_uint_eq(envp_len(envp), 1);
	ck_assert_str_eq(envp[0], "MY_MARK=2147483647");
	free(envp);
}
END_TEST

START_TEST(env_replaces_marker)
{
	static char a[] = "A=1", old1[] = "REAPER=old", old2[] = "REAPER=",
		    other[] = "MY_MARK=9", prefix[] = "REAPERX=1";
	static char *env[] = { old1, a, other, old2, prefix, NULL };
	char **envp = NULL, *slot = NULL;
	size_t markers = 0;

	environ = env;
	ck_assert_int_eq(rp_childenv_make("REAPER", 77, &envp, &slot), 0);
	ck_assert_uint_eq(envp_len(envp), 4);
	ck_assert_ptr_eq(envp[0], a);
	ck_assert_ptr_eq(envp[1], other);
	ck_assert_ptr_eq(envp[2], prefix);
	ck_assert_str_eq(envp[3], "REAPER=77");
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], "REAPER=", 7) == 0)
			markers++;
	ck_assert_uint_eq(markers, 1);
	free(envp);
}
END_TEST

/* Socket activation: LISTEN_PID names the process that owns the fds. Set
 * for the reaper, it must name the application, which fills it in. */
START_TEST(env_listen_pid_slot)
{
	static char a[] = "A=1", listen[] = "LISTEN_PID=4242",
		    fds[] = "LISTEN_FDS=2";
	static char *env[] = { listen, a, fds, NULL };
	char **envp = NULL, *slot = NULL, want[48];

	environ = env;
	ck_assert_int_eq(rp_childenv_make("REAPER", 4242, &envp, &slot), 0);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(envp_len(envp), 4);
	/* Same place in the environment, now the slot. */
	ck_assert_ptr_eq(envp[0], slot);
	ck_assert_ptr_eq(envp[1], a);
	ck_assert_ptr_eq(envp[2], fds);
	ck_assert_str_eq(envp[3], "REAPER=4242");
	/* The caller's string is not written to. */
	ck_assert_str_eq(listen, "LISTEN_PID=4242");

	rp_childenv_fill_listen_pid(slot);
	snprintf(want, sizeof(want), "LISTEN_PID=%d", (int) getpid());
	ck_assert_str_eq(envp[0], want);
	rp_childenv_fill_listen_pid(NULL);	/* no slot: nothing to do */
	free(envp);
}
END_TEST

START_TEST(env_listen_pid_other_untouched)
{
	static char listen[] = "LISTEN_PID=999", near[] = "LISTEN_PIDS=4242";
	static char *env[] = { listen, near, NULL };
	char **envp = NULL, *slot = (char *) 1;

	environ = env;
	ck_assert_int_eq(rp_childenv_make("REAPER", 4242, &envp, &slot), 0);
	ck_assert_ptr_null(slot);
	ck_assert_uint_eq(envp_len(envp), 3);
	ck_assert_ptr_eq(envp[0], listen);
	ck_assert_ptr_eq(envp[1], near);
	ck_assert_str_eq(envp[0], "LISTEN_PID=999");
	ck_assert_str_eq(envp[2], "REAPER=4242");
	free(envp);
}
END_TEST

/* rp_fmt_print() against the C library's snprintf(), conversion by
 * conversion: the messages tests compare byte-exact go through it. */
#define FMT_SAME(...)							\
	do {								\
		char mine[64], libc[64];				\
		int a = rp_fmt_print(mine, sizeof(mine), __VA_ARGS__);	\
		int b = snprintf(libc, sizeof(libc), __VA_ARGS__);	\
		ck_assert_str_eq(mine, libc);				\
		ck_assert_int_eq(a, b);					\
	} while (0)

START_TEST(fmt_conversions)
{
	FMT_SAME("plain");
	FMT_SAME("%%|%c|%s|%s", 'x', "str", "");
	FMT_SAME("%.40s|%.3s|%.0s|%.9s", "abc", "abcdef", "abc", "ab");
	FMT_SAME("%.*s|%.*s", 2, "abcdef", 10, "abc");
	FMT_SAME("%d|%d|%d|%d", 0, 7, -7, INT_MIN);
	FMT_SAME("%d", INT_MAX);
	FMT_SAME("%ld|%ld|%ld", 0L, LONG_MAX, LONG_MIN);
	FMT_SAME("%lld|%lld", LLONG_MAX, LLONG_MIN);
	FMT_SAME("%u|%u|%lu|%llu", 0U, UINT_MAX, ULONG_MAX, ULLONG_MAX);
	FMT_SAME("%zu|%zu", (size_t) 0, SIZE_MAX);
	FMT_SAME("%x|%x|%lx|%llx", 0U, 0xdeadbeefU, ULONG_MAX, 0x1fULL);
	FMT_SAME("%s[%ld]: %x%s", "reaper", 42L, 0x9fa0U, " tail");
}
END_TEST

START_TEST(fmt_truncation)
{
	char buf[8];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = rp_fmt_print(buf, sizeof(buf), "%s-%d", "abcdef", 12345);
	ck_assert_int_eq(n, 12);
	ck_assert_str_eq(buf, "abcdef-");

	memset(buf, 'X', sizeof(buf));
	n = rp_fmt_print(buf, 1, "%s", "abc");
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'X');

	/* n == 0 writes nothing at all, as snprintf(). */
	memset(buf, 'X', sizeof(buf));
	n = rp_fmt_print(buf, 0, "%d", 123);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(buf[0], 'X');

	/* Exactly full: the last byte is the NUL. */
	n = rp_fmt_print(buf, sizeof(buf), "%s", "1234567");
	ck_assert_int_eq(n, 7);
	ck_assert_str_eq(buf, "1234567");
}
END_TEST

/* Outside the subset, the directive shows as written and takes no
 * argument, so what follows still lines up. */
static int
fmt_nocheck(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	r = rp_fmt_vprint(buf, n, fmt, ap);
#pragma GCC diagnostic pop
	va_end(ap);
	return r;
}

START_TEST(fmt_unsupported)
{
	char buf[32];
	const char *fmt = "%5d|%q|%s|%";

	fmt_nocheck(buf, sizeof(buf), fmt, "ok");
	ck_assert_str_eq(buf, "%5d|%q|ok|%");
}
END_TEST

RT_TEST_SUITE(parse, "parse",
	      0)
{
	TCase *sig = tcase_create("signals");
	TCase *mark = tcase_create("marker");
	TCase *fmt = tcase_create("fmt");

	tcase_set_timeout(sig, 10);
	tcase_add_test(sig, parse_names_and_numbers);
	tcase_add_test(sig, parse_realtime_bounds);
	tcase_add_test(sig, parse_zero);
	tcase_add_test(sig, parse_garbage);
	tcase_add_test(sig, name_round_trip);
	tcase_add_test(sig, rewrite_valid);
	tcase_add_test(sig, rewrite_refused_table_untouched);
	suite_add_tcase(s, sig);

	tcase_add_checked_fixture(mark, save_environ, restore_environ);
	tcase_set_timeout(mark, 10);
	tcase_add_test(mark, marker_absent);
	tcase_add_test(mark, marker_valid);
	tcase_add_test(mark, marker_invalid);
	tcase_add_test(mark, marker_duplicates_removed);
	tcase_add_test(mark, env_appends_marker);
	tcase_add_test(mark, env_replaces_marker);
	tcase_add_test(mark, env_listen_pid_slot);
	tcase_add_test(mark, env_listen_pid_other_untouched);
	suite_add_tcase(s, mark);

	tcase_add_test(fmt, fmt_conversions);
	tcase_add_test(fmt, fmt_truncation);
	tcase_add_test(fmt, fmt_unsupported);
	suite_add_tcase(s, fmt);
}
