/*
 * The reaper command's interface: every flag and environment variable,
 * its own exit statuses (125-127, -e), what COMMAND inherits (argv, environment, cwd, fds,
 * standard streams) and PATH lookup, each case a real run of the built
 * binary (REAPER_TEST_COMMAND), but for the usage errors: those go through
 * rp_cmdline_parse() (tools/cmdline.c) directly, a few also end to end. Most runs are PID 1 of a fresh PID
 * namespace; no_pidns runs cover what differs outside PID 1.
 *
 * What both front ends do is looped over them elsewhere: COMMAND's exit
 * status and death by a signal, orphans (test-exit.c), forwarding and
 * storms (test-signals.c), the grace period's kills (test-grace.c); -p
 * and the command's parent-death signal themselves are
 * test-command-run.c's. Here -g, -p, --rewrite, --grace and
 * --command-parent-death-signal are only checked for parsing and for which
 * of flag and variable wins, by the cheapest observable effect.
 *
 * The harness leaves the started process's stdout as the test's own, so
 * cmd_start() swaps a pipe in for the fork: "the reaper writes nothing to
 * stdout" is then asserted on every run.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "test-common.h"

#define DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define REPORT_FD_ENV "HELPER_REPORT_FD=3"

/* An inherited fd far from 0-3 and from anything the reaper opens, so
 * whether it is open tells who kept it. */
#define EXTRA_FD 50

/* Only for waits that hang for ever when the command is wrong, so that
 * the test fails and cleans up instead of timing out; never to let time
 * pass. */
#define GIVE_UP_MS 10000

/* ------------------------------------------------------------------ */
/* Running the command                                                  */

struct cmd_run {
	struct rt_run rt;
	int out_fd;		/* read end of the command's stdout, or -1 */
	bool want_stdout;	/* else any byte on stdout fails the test */
	char out[65536];
	size_t out_len;
};

/* {PATH, HELPER_REPORT_FD, extra..., NULL}; extra may be NULL. */
static void
env_with(const char **out, size_t cap, const char *const *extra)
{
	size_t n = 0;

	out[n++] = DEFAULT_PATH;
	out[n++] = REPORT_FD_ENV;
	for (size_t i = 0; extra && extra[i]; i++) {
		ck_assert_uint_lt(n, cap - 1);
		out[n++] = extra[i];
	}
	out[n] = NULL;
}

/*
 * Start "reaper args..." through the harness with stdout_fd (or, when it
 * is -1, a pipe we read) as its stdout: the harness gives the started
 * process the test's own fd 1, so it goes in for the fork and back out.
 */
static void
cmd_startv(struct cmd_run *c, struct rt_opts *o, const char *const *args,
	   int stdout_fd)
{
	const char *argv[256];
	size_t n = 0;
	int p[2] = { -1, -1 }, saved;

	argv[n++] = rt_command_path();
	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(n, 255);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	o->exe = argv[0];

	c->out_len = 0;
	c->out[0] = '\0';
	c->want_stdout = false;
	if (stdout_fd < 0) {
		ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
		stdout_fd = p[1];
	}
	saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(stdout_fd, STDOUT_FILENO), STDOUT_FILENO);
	rt_start(&c->rt, o, argv);
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	if (p[1] >= 0)
		close(p[1]);
	c->out_fd = p[0];
}

static void
cmd_start(struct cmd_run *c, struct rt_opts *o, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;
	const char *a;

	va_start(ap, o);
	while ((a = va_arg(ap, const char *)) && n < 63)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	cmd_startv(c, o, args, -1);
}

/* Our own copy of the command's stdout, to EOF. Every producer writes
 * far less than a pipe holds, so nobody blocks while nobody reads. */
static void
read_stdout(struct cmd_run *c)
{
	ssize_t n;

	if (c->out_fd < 0)
		return;
	while ((n = read(c->out_fd, c->out + c->out_len,
			 sizeof(c->out) - 1 - c->out_len)) > 0)
		c->out_len += (size_t) n;
	ck_assert_int_eq(n, 0);
	c->out[c->out_len] = '\0';
	close(c->out_fd);
	c->out_fd = -1;
}

static void
cmd_finish(struct cmd_run *c)
{
	rt_finish(&c->rt);
	read_stdout(c);
	if (!c->want_stdout)
		ck_assert_msg(c->out_len == 0, "stdout: '%s'", c->out);
}

/* ------------------------------------------------------------------ */
/* Looking at the results                                               */

static void
assert_no_err(struct cmd_run *c)
{
	ck_assert_msg(c->rt.err_len == 0, "stderr: '%s'", c->rt.errbuf);
}

/* The helper (COMMAND) never started: it reports first thing. */
static void
assert_command_not_run(struct cmd_run *c)
{
	ck_assert_msg(c->rt.out_len == 0, "COMMAND ran: '%s'", c->rt.out);
}

/* Whole /proc/<pid>/<name> into a fresh buffer; its length in *len. */
static char *
read_proc(pid_t pid, const char *name, size_t *len)
{
	size_t cap = 1 << 20;
	char path[64], *buf = malloc(cap);
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "/proc/%ld/%s", (long) pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	*len = 0;
	while ((n = read(fd, buf + *len, cap - *len)) > 0)
		*len += (size_t) n;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_lt(*len, cap);
	close(fd);
	return buf;
}

/* v[] as the kernel lays out cmdline and environ: each string and NUL. */
static char *
nul_joined(const char *const *v, size_t *len)
{
	size_t total = 0;
	char *buf, *p;

	for (size_t i = 0; v[i]; i++)
		total += strlen(v[i]) + 1;
	p = buf = malloc(total + 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; v[i]; i++) {
		size_t l = strlen(v[i]) + 1;

		memcpy(p, v[i], l);
		p += l;
	}
	*len = total;
	return buf;
}

static void
assert_proc_is(pid_t pid, const char *name, const char *const *want)
{
	RT_SKIP_UNDER_VALGRIND("/proc shows valgrind's cmdline, environ");
	size_t got_len, want_len;
	char *got = read_proc(pid, name, &got_len);
	char *exp = nul_joined(want, &want_len);

	ck_assert_msg(got_len == want_len && memcmp(got, exp, got_len) == 0,
		      "/proc/%ld/%s: %zu bytes, want %zu", (long) pid, name,
		      got_len, want_len);
	free(got);
	free(exp);
}

/* ------------------------------------------------------------------ */
/* Files for the exec and PATH cases                                    */

struct tmpdir {
	char path[64];
	char files[4][PATH_MAX];
	int nfiles;
};

static void
tmpdir_make(struct tmpdir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/cmd-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->path));
	t->nfiles = 0;
}

static const char *
tmpdir_file(struct tmpdir *t, const char *name, const char *content,
	    mode_t mode)
{
	char *path;
	int fd, n;

	ck_assert_int_lt(t->nfiles, 4);
	path = t->files[t->nfiles++];
	/* From a copy: gcc -O2 -Wrestrict takes t->path and path for
	 * overlapping parts of one object. */
	n = snprintf(path, PATH_MAX, "%s/%s", (const char *) strdupa(t->path),
		     name);
	ck_assert_int_lt(n, PATH_MAX);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, content, strlen(content)),
			 (ssize_t) strlen(content));
	/* umask may have cut the mode. */
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
	return path;
}

static void
tmpdir_remove(struct tmpdir *t)
{
	for (int i = 0; i < t->nfiles; i++)
		ck_assert_int_eq(unlink(t->files[i]), 0);
	ck_assert_int_eq(rmdir(t->path), 0);
}

#define SCRIPT_42 "#!/bin/sh\nexit 42\n"
#define SCRIPT_41 "#!/bin/sh\nexit 41\n"

/* ------------------------------------------------------------------ */
/* 125: usage errors                                                    */

struct usage_case {
	const char *env;	/* one extra variable, or NULL */
	const char *args[4];	/* options, NULL-terminated */
	bool command;		/* then "HELPER exit 0" */
	const char *culprit[3];	/* each must be in the message */
};

static const struct usage_case usage_cases[] = {
	{ NULL, { NULL }, false, { "no COMMAND" } },
	{ NULL, { "-s", NULL }, false, { "no COMMAND" } },
	{ NULL, { "--", NULL }, false, { "no COMMAND" } },
	{ NULL, { "-x", NULL }, true, { "'-x'" } },
	{ NULL, { "-sx", NULL }, true, { "'-x'" } },
	{ NULL, { "--bogus", NULL }, true, { "'--bogus'" } },
	{ NULL, { "--bogus=1", NULL }, true, { "'--bogus" } },
	/* Missing values: the option is the last word. */
	{ NULL, { "-e", NULL }, false, { "'-e'", "value" } },
	{ NULL, { "--exit-zero", NULL }, false, { "'--exit-zero'", "value" } },
	{ NULL, { "-p", NULL }, false, { "'-p'", "value" } },
	{ NULL, { "-r", NULL }, false, { "'-r'", "value" } },
	{ NULL, { "--grace", NULL }, false, { "'--grace'", "value" } },
	{ NULL, { "--command-parent-death-signal", NULL }, false,
	  { "'--command-parent-death-signal'", "value" } },
	{ NULL, { "-e", "x", NULL }, true, { "-e: 'x'" } },
	{ NULL, { "-e", "256", NULL }, true, { "-e: '256'" } },
	{ NULL, { "-e", "-1", NULL }, true, { "-e: '-1'" } },
	{ NULL, { "-e", "+1", NULL }, true, { "-e: '+1'" } },
	{ NULL, { "-e", "", NULL }, true, { "-e: empty" } },
	{ NULL, { "--exit-zero=3,x", NULL }, true, { "-e: 'x'" } },
	{ NULL, { "-p", "BOGUS", NULL }, true, { "-p: 'BOGUS'" } },
	{ NULL, { "-p", "0", NULL }, true, { "-p: '0'" } },
	{ NULL, { "-p", "65", NULL }, true, { "-p: '65'" } },
	{ NULL, { "--parent-death-signal=SIGNOPE", NULL }, true,
	  { "-p: 'SIGNOPE'" } },
	{ NULL, { "--command-parent-death-signal=NOPE", NULL }, true,
	  { "--command-parent-death-signal: 'NOPE'" } },
	{ NULL, { "--command-parent-death-signal=0", NULL }, true,
	  { "--command-parent-death-signal: '0'" } },
	{ NULL, { "--rewrite=TERM", NULL }, true, { "-r: 'TERM'" } },
	{ NULL, { "-r", "TERM:", NULL }, true, { "-r: 'TERM:'" } },
	{ NULL, { "-r", "KILL:TERM", NULL }, true, { "-r: 'KILL:TERM'" } },
	{ NULL, { "-r", "TERM:QUIT,", NULL }, true, { "-r: 'TERM:QUIT,'" } },
	{ NULL, { "-r", "TERM:BOGUS", NULL }, true, { "-r: 'TERM:BOGUS'" } },
	{ NULL, { "--grace=-1", NULL }, true, { "--grace: '-1'" } },
	{ NULL, { "--grace=86400001", NULL }, true,
	  { "--grace: '86400001'" } },
	{ NULL, { "--grace=1.5", NULL }, true, { "--grace: '1.5'" } },
	{ NULL, { "--grace=", NULL }, true, { "--grace: ''" } },
	{ "REAPER_SUBREAPER=maybe", { NULL }, true,
	  { "REAPER_SUBREAPER: 'maybe'" } },
	{ "REAPER_SIGNAL_GROUP=2", { NULL }, true,
	  { "REAPER_SIGNAL_GROUP: '2'" } },
	{ "REAPER_WARN_REAPED=x", { NULL }, true,
	  { "REAPER_WARN_REAPED: 'x'" } },
	{ "REAPER_EXIT_ZERO=3,300", { NULL }, true,
	  { "REAPER_EXIT_ZERO: '300'" } },
	{ "REAPER_PARENT_DEATH_SIGNAL=NOPE", { NULL }, true,
	  { "REAPER_PARENT_DEATH_SIGNAL: 'NOPE'" } },
	{ "REAPER_COMMAND_PARENT_DEATH_SIGNAL=0", { NULL }, true,
	  { "REAPER_COMMAND_PARENT_DEATH_SIGNAL: '0'" } },
	{ "REAPER_REWRITE=TERM", { NULL }, true,
	  { "REAPER_REWRITE: 'TERM'" } },
	{ "REAPER_GRACE=-1", { NULL }, true, { "REAPER_GRACE: '-1'" } },
	{ "REAPER_GRACE=abc", { NULL }, true, { "REAPER_GRACE: 'abc'" } },
	{ "REAPER_VERBOSITY=-1", { NULL }, true,
	  { "REAPER_VERBOSITY: '-1'" } },
	{ "REAPER_VERBOSITY=101", { NULL }, true,
	  { "REAPER_VERBOSITY: '101'" } },
	{ "TINI_VERBOSITY=loud", { NULL }, true,
	  { "TINI_VERBOSITY: 'loud'" } },
	/* A bad variable is an error even where a flag would override it:
	 * the image is misconfigured either way. */
	{ "REAPER_GRACE=-1", { "--grace=5", NULL }, true,
	  { "REAPER_GRACE: '-1'" } },
	/* Issue 15: a delay is SIGNAL:MS[,SIGNAL:MS...], MS from 0 to a
	 * day, for a signal that is forwarded; the message says so. */
	{ NULL, { "--delay-signal=TERM:abc", NULL }, true,
	  { "--delay-signal: 'TERM:abc'", "SIGNAL:MS[,SIGNAL:MS...]",
	    "from 0 to 86400000" } },
	{ NULL, { "--delay-signal=TERM:", NULL }, true,
	  { "--delay-signal: 'TERM:'", "SIGNAL:MS" } },
	{ NULL, { "--delay-signal=TERM:-1", NULL }, true,
	  { "--delay-signal: 'TERM:-1'", "SIGNAL:MS" } },
	{ NULL, { "--delay-signal=TERM:86400001", NULL }, true,
	  { "--delay-signal: 'TERM:86400001'", "86400000" } },
	{ NULL, { "--delay-signal=TERM:1.5", NULL }, true,
	  { "--delay-signal: 'TERM:1.5'" } },
	{ NULL, { "--delay-signal=FOO:10", NULL }, true,
	  { "--delay-signal: 'FOO:10'", "SIGNAL:MS" } },
	{ NULL, { "--delay-signal", "TERM", NULL }, true,
	  { "--delay-signal: 'TERM'" } },
	{ NULL, { "--delay-signal=:5", NULL }, true,
	  { "--delay-signal: ':5'" } },
	{ NULL, { "--delay-signal=TERM:5,", NULL }, true,
	  { "--delay-signal: 'TERM:5,'" } },
	{ NULL, { "--delay-signal=KILL:5000", NULL }, true,
	  { "--delay-signal: SIGKILL cannot be delayed" } },
	{ NULL, { "--delay-signal=STOP:1", NULL }, true,
	  { "--delay-signal: SIGSTOP cannot be delayed" } },
	{ NULL, { "--delay-signal=CHLD:1", NULL }, true,
	  { "--delay-signal: SIGCHLD cannot be delayed" } },
	{ NULL, { "--delay-signal=SEGV:1", NULL }, true,
	  { "--delay-signal: SIGSEGV cannot be delayed" } },
	{ NULL, { "--delay-signal=TERM:5,9:1", NULL }, true,
	  { "--delay-signal: SIGKILL cannot be delayed" } },
	/* Each occurrence is checked, the good first one does not hide a
	 * bad second one. */
	{ NULL, { "--delay-signal=TERM:5", "--delay-signal=USR1:x", NULL },
	  true, { "--delay-signal: 'USR1:x'" } },
	{ NULL, { "--delay-signal", NULL }, false,
	  { "'--delay-signal'", "value" } },
	{ "REAPER_DELAY_SIGNAL=TERM:abc", { NULL }, true,
	  { "REAPER_DELAY_SIGNAL: 'TERM:abc'", "SIGNAL:MS" } },
	{ "REAPER_DELAY_SIGNAL=KILL:5000", { NULL }, true,
	  { "REAPER_DELAY_SIGNAL: SIGKILL cannot be delayed" } },
	{ "REAPER_DELAY_SIGNAL=TERM:-1", { "--delay-signal=TERM:5", NULL },
	  true, { "REAPER_DELAY_SIGNAL: 'TERM:-1'" } },
	{ "REAPER_NO_CONTINUE=maybe", { NULL }, true,
	  { "REAPER_NO_CONTINUE: 'maybe'" } },
	{ "REAPER_WAIT_LEFTOVERS=2", { NULL }, true,
	  { "REAPER_WAIT_LEFTOVERS: '2'" } },
};

static void
run_usage_case(struct cmd_run *c, const struct usage_case *u)
{
	const char *envp[8], *extra[] = { u->env, NULL };
	const char *args[16];
	struct rt_opts o;
	size_t n = 0;

	for (size_t i = 0; u->args[i]; i++)
		args[n++] = u->args[i];
	if (u->command) {
		args[n++] = rt_helper_path();
		args[n++] = "exit";
		args[n++] = "0";
	}
	args[n] = NULL;
	env_with(envp, 8, extra);
	rt_opts_init(&o);
	/* Outside PID 1 nothing in the way: the warning about it would
	 * come after the options were accepted, so there must be none. */
	o.no_pidns = true;
	o.envp = envp;
	cmd_startv(c, &o, args, -1);
	cmd_finish(c);
}

/* The case through rp_cmdline_parse() itself, the code the command runs
 * first: a usage error (-EINVAL) whose message names every culprit. */
static void
assert_usage_parsed(const struct usage_case *u)
{
	char *argv[16], *envp[] = { (char *) u->env, NULL };
	struct rp_cmdline c;
	int argc = 0;

	argv[argc++] = (char *) "reaper";
	for (size_t i = 0; u->args[i]; i++)
		argv[argc++] = (char *) u->args[i];
	if (u->command) {
		argv[argc++] = (char *) "/bin/true";
		argv[argc++] = (char *) "exit";
		argv[argc++] = (char *) "0";
	}
	argv[argc] = NULL;
	ck_assert_int_eq(rp_cmdline_parse(&c, argc, argv, envp), -EINVAL);
	for (size_t i = 0; i < 3 && u->culprit[i]; i++)
		ck_assert_msg(strstr(c.error, u->culprit[i]), "'%s' not in '%s'",
			      u->culprit[i], c.error);
}

/* The case through the built binary: exit 125, one line on stderr naming
 * every culprit, COMMAND never started. */
static void
assert_usage_run(const struct usage_case *u)
{
	struct cmd_run c;

	run_usage_case(&c, u);
	ck_assert_int_eq(rt_exit_code(&c.rt), 125);
	rt_assert_one_err_line(&c.rt, "reaper[", u->culprit);
	assert_command_not_run(&c);
}

START_TEST(usage_error)
{
	assert_usage_parsed(&usage_cases[_i]);
}
END_TEST

/* End to end, one case of each kind: no COMMAND, unknown short and long
 * option, missing value, bad value, bad variable, bad variable a flag
 * would override. The parser itself sees every case (usage_error). */
static const int usage_run_cases[] = { 0, 3, 5, 7, 13, 34, 46 };

/* Issue 15's, end to end: a bad duration, an unknown signal, a signal
 * that cannot be delayed, the same from the variable. The whole line,
 * as design-15 gives it, with its "see reaper --help" tail. */
static const struct usage_case delay_run_cases[] = {
	{ NULL, { "--delay-signal=TERM:abc", NULL }, true,
	  { "]: --delay-signal: 'TERM:abc' is not SIGNAL:MS[,SIGNAL:MS...] "
	    "with MS from 0 to 86400000 (see reaper --help)\n" } },
	{ NULL, { "--delay-signal=FOO:10", NULL }, true,
	  { "]: --delay-signal: 'FOO:10' is not SIGNAL:MS" } },
	{ NULL, { "--delay-signal=KILL:5000", NULL }, true,
	  { "]: --delay-signal: SIGKILL cannot be delayed (see reaper "
	    "--help)\n" } },
	{ NULL, { "--delay-signal", "STOP:1", NULL }, true,
	  { "]: --delay-signal: SIGSTOP cannot be delayed" } },
	{ "REAPER_DELAY_SIGNAL=TERM:", { NULL }, true,
	  { "]: REAPER_DELAY_SIGNAL: 'TERM:' is not SIGNAL:MS" } },
	{ "REAPER_DELAY_SIGNAL=KILL:10", { NULL }, true,
	  { "]: REAPER_DELAY_SIGNAL: SIGKILL cannot be delayed" } },
	{ NULL, { "--no-continue=1", NULL }, true, { "'--no-continue" } },
	{ NULL, { "--wait-leftovers=yes", NULL }, true,
	  { "'--wait-leftovers" } },
};

START_TEST(usage_delay_run)
{
	assert_usage_run(&delay_run_cases[_i]);
}
END_TEST

START_TEST(usage_error_run)
{
	assert_usage_run(&usage_cases[usage_run_cases[_i]]);
}
END_TEST

/*
 * A long option that takes no value, given one, is named as typed:
 * getopt_long() reports it with optopt set to its short twin, and
 * "unknown option '-s'" for --subreaper=1 names neither what was typed
 * nor what is wrong.
 */
static const struct usage_case value_for_flag_cases[] = {
	{ NULL, { "--subreaper=1", NULL }, true, { "'--subreaper" } },
	{ NULL, { "--warn-reaped=yes", NULL }, true, { "'--warn-reaped" } },
	{ NULL, { "--help=x", NULL }, true, { "'--help" } },
};

START_TEST(usage_value_for_flag_without_one)
{
	assert_usage_parsed(&value_for_flag_cases[_i]);
	assert_usage_run(&value_for_flag_cases[_i]);
}
END_TEST

/*
 * An empty element in an exit-code list is a typo to report, as an
 * empty -e and a trailing comma in --rewrite are: skipped (strtok()),
 * "-e ," would be accepted and mean nothing.
 */
static const struct usage_case exit_zero_empty_cases[] = {
	{ NULL, { "-e", ",", NULL }, true, { "-e: " } },
	{ NULL, { "-e", "1,,2", NULL }, true, { "-e: " } },
	{ NULL, { "-e", "1,", NULL }, true, { "-e: " } },
	{ "REAPER_EXIT_ZERO=,3", { NULL }, true, { "REAPER_EXIT_ZERO: " } },
};

START_TEST(usage_exit_zero_empty_element)
{
	assert_usage_parsed(&exit_zero_empty_cases[_i]);
	assert_usage_run(&exit_zero_empty_cases[_i]);
}
END_TEST

/* ------------------------------------------------------------------ */
/* --help, --version, --license                                          */

static const char *const info_flags[] = {
	"-h", "--help", "-V", "--version", "-l", "--license",
};

/* Also with a COMMAND and more options after it: the first such flag
 * ends the parse, and nothing runs. */
START_TEST(info_flag_exits_zero)
{
	const char *envp[8];
	struct rt_opts o;
	struct cmd_run c;

	env_with(envp, 8, NULL);
	rt_opts_init(&o);
	o.no_pidns = true;
	o.envp = envp;
	cmd_start(&c, &o, "-s", info_flags[_i], "-x", rt_helper_path(),
		  "exit", "3", NULL);
	c.want_stdout = true;
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	assert_no_err(&c);
	assert_command_not_run(&c);
	ck_assert_msg(c.out_len > 0 && c.out[c.out_len - 1] == '\n',
		      "stdout: '%s'", c.out);
	switch (_i / 2) {
	case 0:
		ck_assert_msg(strncmp(c.out, "Usage: reaper ", 14) == 0,
			      "help: '%s'", c.out);
		break;
	case 1:
		ck_assert_int_eq(rt_count_str(c.out, "\n"), 2);
		break;
	default:
		ck_assert_msg(strstr(c.out, "MIT"), "license: '%s'", c.out);
		break;
	}
}
END_TEST

/* What Docker makes of `docker-init --version` (moby's parseInitVersion()
 * in daemon/info.go): the whole output split at " - "; the first part,
 * trimmed, must start with "tini version " and the rest of it is the
 * version; a second part of exactly "git.HASH" is the commit. Returns
 * false where Docker would say "unknown output format" (and show N/A). */
static bool
docker_parse_init_version(const char *out, char *version, size_t vsize,
			  char *commit, size_t csize)
{
	static const char prefix[] = "tini version ";
	const char *sep = strstr(out, " - ");
	const char *end = sep ? sep : out + strlen(out);
	const char *p = out;
	bool found = false;

	version[0] = commit[0] = '\0';
	while (p < end && isspace((unsigned char) *p))
		p++;
	while (end > p && isspace((unsigned char) end[-1]))
		end--;
	if ((size_t) (end - p) > sizeof(prefix) - 1 &&
	    strncmp(p, prefix, sizeof(prefix) - 1) == 0) {
		snprintf(version, vsize, "%.*s",
			 (int) (end - p - (int) sizeof(prefix) + 1),
			 p + sizeof(prefix) - 1);
		found = true;
	}
	if (sep) {
		const char *q = sep + 3, *qend = strstr(q, " - ");
		const char *dot;

		if (!qend)
			qend = q + strlen(q);
		while (q < qend && isspace((unsigned char) *q))
			q++;
		while (qend > q && isspace((unsigned char) qend[-1]))
			qend--;
		dot = memchr(q, '.', (size_t) (qend - q));
		if (dot && !memchr(dot + 1, '.', (size_t) (qend - dot - 1)) &&
		    dot - q == 3 && strncmp(q, "git", 3) == 0) {
			snprintf(commit, csize, "%.*s",
				 (int) (qend - dot - 1), dot + 1);
			found = true;
		}
	}
	return found;
}

/* Two lines, exactly: the first for Docker, which must come out as the
 * version "X_reaper" and nothing of the second line; the second ours. */
START_TEST(version_is_project_version)
{
	static const char want[] =
		"tini version " REAPER_VERSION "_reaper - libreaper\n"
		"reaper (libreaper) " REAPER_VERSION "\n";
	char version[64], commit[64];
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	cmd_start(&c, &o, "--version", NULL);
	c.want_stdout = true;
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	assert_no_err(&c);
	ck_assert_str_eq(c.out, want);
	ck_assert_msg(docker_parse_init_version(c.out, version,
						sizeof(version), commit,
						sizeof(commit)),
		      "docker would not parse '%s'", c.out);
	ck_assert_str_eq(version, REAPER_VERSION "_reaper");
	ck_assert_str_eq(commit, "");
}
END_TEST

/* The parser above is Docker's, not one that agrees with whatever we
 * print: tini's and catatonit's lines parse, ours without its " - "
 * would leak the second line into the version. */
START_TEST(docker_version_parser_is_dockers)
{
	char v[64], g[64];

	ck_assert(docker_parse_init_version("tini version 0.19.0 - git.de40ad0\n",
					    v, sizeof(v), g, sizeof(g)));
	ck_assert_str_eq(v, "0.19.0");
	ck_assert_str_eq(g, "de40ad0");
	ck_assert(docker_parse_init_version("tini version 0.1.7_catatonit\n",
					    v, sizeof(v), g, sizeof(g)));
	ck_assert_str_eq(v, "0.1.7_catatonit");
	ck_assert_str_eq(g, "");
	ck_assert(docker_parse_init_version("tini version 1_reaper\nreaper 1\n",
					    v, sizeof(v), g, sizeof(g)));
	ck_assert_str_eq(v, "1_reaper\nreaper 1");
	ck_assert(!docker_parse_init_version("reaper (libreaper) 0.1.0\n",
					     v, sizeof(v), g, sizeof(g)));
}
END_TEST

/* --help is the only reference a container user has at hand. */
START_TEST(help_names_every_flag_and_variable)
{
	static const char *const names[] = {
		"-s,", "--subreaper", "-g,", "--signal-group", "-e,",
		"--exit-zero", "-p,", "--parent-death-signal",
		"--command-parent-death-signal", "-r,", "--rewrite",
		"--grace", "-w,", "--warn-reaped", "-v,", "--verbose",
		"-h,", "--help", "-V,", "--version", "-l,", "--license",
		"REAPER_SUBREAPER", "REAPER_SIGNAL_GROUP", "REAPER_EXIT_ZERO",
		"REAPER_PARENT_DEATH_SIGNAL",
		"REAPER_COMMAND_PARENT_DEATH_SIGNAL", "REAPER_REWRITE",
		"REAPER_GRACE", "REAPER_WARN_REAPED", "REAPER_VERBOSITY",
		"--no-continue", "REAPER_NO_CONTINUE", "--delay-signal",
		"REAPER_DELAY_SIGNAL", "--wait-leftovers",
		"REAPER_WAIT_LEFTOVERS",
		"125", "126", "127",
	};
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	cmd_start(&c, &o, "--help", NULL);
	c.want_stdout = true;
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		ck_assert_msg(strstr(c.out, names[i]), "--help lacks %s",
			      names[i]);
}
END_TEST

/* Text that never reached its reader is a failure, not success. */
START_TEST(info_flag_to_full_stdout)
{
	static const char *const flags[] = { "--help", "--version", "-l" };
	struct rt_opts o;
	struct cmd_run c;
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);

	ck_assert_int_ge(full, 0);
	rt_opts_init(&o);
	o.no_pidns = true;
	cmd_startv(&c, &o, (const char *const[]){ flags[_i], NULL }, full);
	close(full);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 125);
	rt_assert_one_err_line(&c.rt, "reaper[",
			       (const char *const[]){ "stdout", NULL });
}
END_TEST

/* ------------------------------------------------------------------ */
/* Options stop at COMMAND                                              */

START_TEST(options_stop_at_command)
{
	const char *envp[8];
	const char *want[] = {
		rt_helper_path(), "wait", "-x", "-v", "--help", "-e", "",
		"--", "-s", NULL,
	};
	struct rt_opts o;
	struct cmd_run c;
	pid_t app;

	env_with(envp, 8, NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, want, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	assert_proc_is(app, "cmdline", want);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	/* -v taken by us would log, --help would print. */
	assert_no_err(&c);
}
END_TEST

START_TEST(double_dash_ends_options)
{
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	cmd_start(&c, &o, "-w", "--", rt_helper_path(), "exit", "5", NULL);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 5);
	ck_assert_str_eq(rt_get(&c.rt, "split"), "0 errno=0");
	assert_no_err(&c);
}
END_TEST

/* After "--" a COMMAND may start with '-', and is looked up as named. */
START_TEST(dash_named_command)
{
	const char *envp[] = { NULL, REPORT_FD_ENV, NULL };
	struct tmpdir t;
	char path[128];
	struct rt_opts o;
	struct cmd_run c;

	tmpdir_make(&t);
	tmpdir_file(&t, "-weird-name", SCRIPT_42, 0755);
	snprintf(path, sizeof(path), "PATH=%s", t.path);
	envp[0] = path;
	rt_opts_init(&o);
	o.envp = envp;
	cmd_start(&c, &o, "--", "-weird-name", NULL);
	cmd_finish(&c);
	tmpdir_remove(&t);
	ck_assert_int_eq(rt_exit_code(&c.rt), 42);
	assert_no_err(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 126, 127: COMMAND cannot run                                         */

/* Not our failure and not COMMAND's: one line saying why, COMMAND's
 * name in it. */
static void
assert_cannot_run(struct cmd_run *c, int code, const char *name,
		  const char *why)
{
	char quoted[PATH_MAX + 8];

	snprintf(quoted, sizeof(quoted), "'%s'", name);
	ck_assert_msg(rt_exit_code(&c->rt) == code,
		      "exit status 0x%x, want %d; stderr: '%s'", c->rt.wstatus,
		      code, c->rt.errbuf);
	rt_assert_one_err_line(&c->rt, "reaper[",
			       (const char *const[]){ quoted, why, NULL });
}

/*
 * 0: no execute permission; 1: a directory; 2, 3: executable but neither
 * ELF nor "#!", by path and by PATH. execvp() would hand 2 and 3 to
 * /bin/sh; the command does not guess what interpreter was meant.
 */
START_TEST(cannot_execute_126)
{
	static const char *const why[] = {
		"Permission denied", "Permission denied", "Exec format error",
		"Exec format error",
	};
	const char *envp[] = { NULL, REPORT_FD_ENV, NULL };
	char path[128];
	const char *name;
	struct tmpdir t;
	struct rt_opts o;
	struct cmd_run c;

	tmpdir_make(&t);
	snprintf(path, sizeof(path), "PATH=%s", t.path);
	envp[0] = path;
	switch (_i) {
	case 0:
		name = tmpdir_file(&t, "noexec", SCRIPT_42, 0644);
		break;
	case 1:
		name = t.path;
		break;
	case 2:
		name = tmpdir_file(&t, "noshebang", "exit 42\n", 0755);
		break;
	default:
		tmpdir_file(&t, "noshebang", "exit 42\n", 0755);
		name = "noshebang";
		break;
	}
	rt_opts_init(&o);
	o.envp = envp;
	cmd_start(&c, &o, name, NULL);
	cmd_finish(&c);
	tmpdir_remove(&t);
	/* name still points into t, which outlives the files. */
	assert_cannot_run(&c, 126, name, why[_i]);
}
END_TEST

/* "" as execvp() and shells see it: no such command, not the PATH
 * directories themselves (which would say 126). */
START_TEST(not_found_127)
{
	static const char *const names[] = {
		"no-such-command-for-reaper", "/no/such/dir/command", "",
	};
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	cmd_start(&c, &o, names[_i], NULL);
	cmd_finish(&c);
	assert_cannot_run(&c, 127, names[_i], "No such file or directory");
}
END_TEST

/* ------------------------------------------------------------------ */
/* PATH lookup                                                          */

START_TEST(path_second_directory)
{
	const char *envp[] = { NULL, REPORT_FD_ENV, NULL };
	struct tmpdir a, b;
	char path[256];
	struct rt_opts o;
	struct cmd_run c;

	tmpdir_make(&a);
	tmpdir_make(&b);
	tmpdir_file(&a, "other", SCRIPT_41, 0755);
	tmpdir_file(&b, "rtcmd", SCRIPT_42, 0755);
	snprintf(path, sizeof(path), "PATH=%s:%s", a.path, b.path);
	envp[0] = path;
	rt_opts_init(&o);
	o.envp = envp;
	cmd_start(&c, &o, "rtcmd", NULL);
	cmd_finish(&c);
	tmpdir_remove(&a);
	tmpdir_remove(&b);
	ck_assert_int_eq(rt_exit_code(&c.rt), 42);
	assert_no_err(&c);
}
END_TEST

/* POSIX: an empty element, leading, inner or trailing, is the cwd. */
START_TEST(path_empty_element_is_cwd)
{
	static const char *const forms[] = {
		"PATH=:/no/such/dir", "PATH=/no/such/dir::/also/not",
		"PATH=/no/such/dir:",
	};
	const char *envp[] = { forms[_i], REPORT_FD_ENV, NULL };
	struct tmpdir t;
	struct rt_opts o;
	struct cmd_run c;

	tmpdir_make(&t);
	tmpdir_file(&t, "rtcmd", SCRIPT_42, 0755);
	rt_opts_init(&o);
	o.envp = envp;
	o.cwd = t.path;
	cmd_start(&c, &o, "rtcmd", NULL);
	cmd_finish(&c);
	tmpdir_remove(&t);
	ck_assert_int_eq(rt_exit_code(&c.rt), 42);
	assert_no_err(&c);
}
END_TEST

/* As execvp(): a candidate we may not execute does not end the search,
 * and only when no later one runs is it "found but not executable". */
START_TEST(path_eacces_then_good)
{
	const char *envp[] = { NULL, REPORT_FD_ENV, NULL };
	struct tmpdir a, b;
	char path[256];
	struct rt_opts o;
	struct cmd_run c;

	tmpdir_make(&a);
	tmpdir_make(&b);
	tmpdir_file(&a, "rtcmd", SCRIPT_41, 0644);
	if (_i == 0)
		tmpdir_file(&b, "rtcmd", SCRIPT_42, 0755);
	snprintf(path, sizeof(path), "PATH=%s:%s", a.path, b.path);
	envp[0] = path;
	rt_opts_init(&o);
	o.envp = envp;
	cmd_start(&c, &o, "rtcmd", NULL);
	cmd_finish(&c);
	tmpdir_remove(&a);
	tmpdir_remove(&b);
	if (_i == 0) {
		ck_assert_int_eq(rt_exit_code(&c.rt), 42);
		assert_no_err(&c);
	} else {
		assert_cannot_run(&c, 126, "rtcmd", "Permission denied");
	}
}
END_TEST

/* No PATH at all: sh is found on the default search path, and COMMAND
 * still gets an environment without PATH (none is made up for it). */
START_TEST(path_unset_uses_default)
{
	const char *envp[] = { REPORT_FD_ENV, NULL };
	struct rt_opts o;
	struct cmd_run c;
	pid_t app;

	rt_opts_init(&o);
	o.envp = envp;
	cmd_start(&c, &o, "sh", "-c", "echo held >&3; read x; exit 42", NULL);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "held"));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	assert_proc_is(app, "environ", envp);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 42);
	assert_no_err(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* -e / REAPER_EXIT_ZERO                                                */

struct variant {
	const char *env[3];	/* extra variables, NULL-terminated */
	const char *args[5];	/* options, NULL-terminated */
};

static const struct {
	struct variant v;
	const char *scenario, *arg;
	int want;
} exit_zero_cases[] = {
	{ { { NULL }, { "-e", "3", NULL } }, "exit", "3", 0 },
	{ { { NULL }, { "-e", "3", NULL } }, "exit", "4", 4 },
	{ { { NULL }, { "-e", "3", "-e", "4", NULL } }, "exit", "4", 0 },
	{ { { NULL }, { "-e", "3", "-e", "4", NULL } }, "exit", "3", 0 },
	{ { { NULL }, { "--exit-zero=3,4", NULL } }, "exit", "4", 0 },
	{ { { NULL }, { "-e", "255", NULL } }, "exit", "255", 0 },
	/* 128+N: what a shell would call a death by signal N. */
	{ { { NULL }, { "-e", "143", NULL } }, "raise", "15", 0 },
	{ { { NULL }, { "-e", "143", NULL } }, "raise", "10", 138 },
	{ { { "REAPER_EXIT_ZERO=3,4", NULL }, { NULL } }, "exit", "4", 0 },
	{ { { "REAPER_EXIT_ZERO=3,4", NULL }, { NULL } }, "exit", "5", 5 },
	/* A list: the flag adds to the variable, it does not replace it. */
	{ { { "REAPER_EXIT_ZERO=3", NULL }, { "-e", "4", NULL } },
	  "exit", "3", 0 },
	{ { { "REAPER_EXIT_ZERO=3", NULL }, { "-e", "4", NULL } },
	  "exit", "4", 0 },
	/* Empty is unset, as for every variable here. */
	{ { { "REAPER_EXIT_ZERO=", NULL }, { NULL } }, "exit", "5", 5 },
};

/* argv for "reaper OPTIONS COMMAND..." from a variant; COMMAND is the
 * NULL-terminated rest. */
static void
variant_args(const struct variant *v, const char **args, size_t cap, ...)
{
	size_t n = 0;
	va_list ap;
	const char *a;

	for (size_t i = 0; v->args[i]; i++)
		args[n++] = v->args[i];
	va_start(ap, cap);
	while ((a = va_arg(ap, const char *))) {
		ck_assert_uint_lt(n, cap - 1);
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
}

START_TEST(exit_zero)
{
	const struct variant *v = &exit_zero_cases[_i].v;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(),
		     exit_zero_cases[_i].scenario, exit_zero_cases[_i].arg,
		     NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), exit_zero_cases[_i].want);
	assert_no_err(&c);
}
END_TEST

/* Outside PID 1 a death by signal is mirrored as that death, but -e
 * 128+N still turns it into a plain 0. */
START_TEST(exit_zero_signal_outside_pid1)
{
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	o.no_pidns = true;
	cmd_start(&c, &o, "-s", "-e", "143", rt_helper_path(), "raise", "15",
		  NULL);
	cmd_finish(&c);
	ck_assert_int_eq(c.rt.wstatus, 0);
	assert_no_err(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* What COMMAND inherits                                                */

/*
 * Read from the kernel's copy (/proc/<app>/cmdline, environ), not from
 * what the helper reports: helper-app takes REAPER= out of its own
 * environment, and its report lines cannot hold 100 kB.
 */
START_TEST(argv_env_cwd_byte_exact)
{
	const char *envp[] = {
		REPORT_FD_ENV, DEFAULT_PATH, "EMPTY=", "EQUALS==a=b==",
		"HIGH=\xff\xfe\x80", "NEWLINE=one\ntwo", "NOEQUALSIGN",
		"=noname", "DUP=first", "DUP=second",
		/* Ours, read and passed on as they are; REAPER= is the
		 * library's marker name, which the command never uses. */
		"REAPER_WARN_REAPED=1", "REAPER_VERBOSITY=1", "REAPER=12345",
		"LISTEN_PID=12345", "TINI_SUBREAPER=", NULL,
	};
	size_t big_len = 100 * 1000;
	char *big = malloc(big_len + 1);
	const char *argv[] = {
		rt_helper_path(), "wait", "", "\xff\xfe\x80", "two words",
		"line\nbreak", NULL, "", NULL,
	};
	char tmpl[] = "/tmp/cmd cwd.XXXXXX", real[PATH_MAX], link[64];
	char got[PATH_MAX];
	struct rt_opts o;
	struct cmd_run c;
	ssize_t n;
	pid_t app;

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	argv[6] = big;
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, real));
	rt_opts_init(&o);
	o.envp = envp;
	o.cwd = tmpl;
	cmd_startv(&c, &o, argv, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	assert_proc_is(app, "cmdline", argv);
	assert_proc_is(app, "environ", envp);
	snprintf(link, sizeof(link), "/proc/%ld/cwd", (long) app);
	n = readlink(link, got, sizeof(got) - 1);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_str_eq(got, real);
	cmd_finish(&c);
	ck_assert_int_eq(rmdir(tmpl), 0);
	free(big);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	assert_no_err(&c);
}
END_TEST

/*
 * Socket activation aimed at the reaper: LISTEN_PID names us (1), the
 * fds are COMMAND's, so COMMAND must find its own pid there, in the same
 * place among its variables, and the fd open; the reaper drops its copy.
 */
START_TEST(listen_pid_names_reaper)
{
	const char *envp[] = {
		DEFAULT_PATH, "LISTEN_PID=1", REPORT_FD_ENV, "LISTEN_FDS=1",
		"LISTEN_FDNAMES=web", NULL,
	};
	char listen_pid[32];
	const char *want[6];
	struct rt_opts o;
	struct cmd_run c;
	pid_t app;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(dup3(efd, EXTRA_FD, O_CLOEXEC), EXTRA_FD);
	close(efd);
	rt_opts_init(&o);
	o.envp = envp;
	o.extra_fd = EXTRA_FD;
	cmd_start(&c, &o, "-v", rt_helper_path(), "wait", NULL);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	/* Logged once the reaper has closed what it inherited. */
	ck_assert(rt_wait_count(&c.rt, true, "reaper of ", 1, GIVE_UP_MS));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	snprintf(listen_pid, sizeof(listen_pid), "LISTEN_PID=%s",
		 rt_get(&c.rt, "pid"));
	memcpy(want, envp, sizeof(want));
	want[1] = listen_pid;
	assert_proc_is(app, "environ", want);
	ck_assert(rt_fd_open_in(app, EXTRA_FD));
	ck_assert(!rt_fd_open_in(c.rt.pid1, EXTRA_FD));
	cmd_finish(&c);
	close(EXTRA_FD);
	ck_assert_str_eq(rt_get(&c.rt, "listen_pid"), rt_get(&c.rt, "pid"));
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
}
END_TEST

/* Anyone else's LISTEN_PID is not ours to touch: outside PID 1 "1" is
 * not us either. */
START_TEST(listen_pid_names_other)
{
	static const char *const values[] = {
		"LISTEN_PID=12345", "LISTEN_PID=1", "LISTEN_PID=",
	};
	const char *envp[] = { DEFAULT_PATH, REPORT_FD_ENV, values[_i],
			       "LISTEN_FDS=1", NULL };
	struct rt_opts o;
	struct cmd_run c;
	pid_t app;

	rt_opts_init(&o);
	o.envp = envp;
	o.no_pidns = _i == 1;
	cmd_start(&c, &o, "-s", rt_helper_path(), "wait", NULL);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	assert_proc_is(app, "environ", envp);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
}
END_TEST

/* Bytes in, bytes out: COMMAND reads our stdin and writes our stdout and
 * stderr directly, with nothing of ours mixed in. */
START_TEST(stdio_pass_through)
{
	static const char in[] = "line one\n\xff\x01 no newline";
	static const char err[] = "to stderr \xfe\n";
	struct rt_opts o;
	struct cmd_run c;

	rt_opts_init(&o);
	o.no_pidns = _i == 1;
	cmd_start(&c, &o, "-s", "sh", "-c",
		  "cat; printf 'to stderr \\376\\n' >&2", NULL);
	c.want_stdout = true;
	ck_assert_int_eq(write(c.rt.control, in, sizeof(in) - 1),
			 (ssize_t) sizeof(in) - 1);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	ck_assert_uint_eq(c.out_len, sizeof(in) - 1);
	ck_assert(memcmp(c.out, in, sizeof(in) - 1) == 0);
	ck_assert_str_eq(c.rt.errbuf, err);
}
END_TEST

/* ------------------------------------------------------------------ */
/* -s / REAPER_SUBREAPER / TINI_SUBREAPER                               */

static const struct {
	struct variant v;
	bool subreaper;
} subreaper_cases[] = {
	{ { { NULL }, { "-s", NULL } }, true },
	{ { { NULL }, { "--subreaper", NULL } }, true },
	{ { { "REAPER_SUBREAPER=1", NULL }, { NULL } }, true },
	{ { { "REAPER_SUBREAPER=on", NULL }, { NULL } }, true },
	{ { { "TINI_SUBREAPER=1", NULL }, { NULL } }, true },
	/* The flag over the variable, ours over tini's. */
	{ { { "REAPER_SUBREAPER=0", NULL }, { "-s", NULL } }, true },
	{ { { "TINI_SUBREAPER=1", "REAPER_SUBREAPER=0", NULL }, { NULL } },
	  false },
	{ { { NULL }, { NULL } }, false },
	{ { { "REAPER_SUBREAPER=", NULL }, { NULL } }, false },
	{ { { "REAPER_SUBREAPER=off", NULL }, { NULL } }, false },
};

/*
 * COMMAND leaves an orphan that lives until stdin reaches EOF: a
 * background cat in a subshell that has exited, with stdin on fd 4 since
 * an asynchronous list gets /dev/null for it. "held" is reported once the
 * subshell is gone, so the orphan has its final parent by then.
 */
static const char live_orphan_sh[] =
	"exec 4<&0; (cat <&4 >/dev/null & echo \"orphan=$!\" >&3); "
	"exec 4<&-; echo held >&3; read x; exit 0";

/*
 * Outside PID 1 an orphan of COMMAND comes to the reaper only when it is
 * a child subreaper. (No field of /proc/<pid>/status tells whether a
 * process is one: its effect is the evidence.)
 */
START_TEST(subreaper_outside_pid1)
{
	const struct variant *v = &subreaper_cases[_i].v;
	bool sub = subreaper_cases[_i].subreaper;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	pid_t orphan, parent;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, "sh", "-c", live_orphan_sh, NULL);
	rt_opts_init(&o);
	o.no_pidns = true;
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "held"));
	orphan = (pid_t) atol(rt_get(&c.rt, "orphan"));
	ck_assert_int_gt(orphan, 0);
	parent = rt_ppid_of(orphan);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	if (sub)
		ck_assert_int_eq(parent, c.rt.pid1);
	else
		ck_assert_int_ne(parent, c.rt.pid1);
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, "warning: not PID 1"),
			 sub ? 0 : 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The warning outside PID 1 and REAPER_VERBOSITY / TINI_VERBOSITY      */

static const struct {
	struct variant v;
	bool pid1;
	bool warning;
} warning_cases[] = {
	{ { { NULL }, { NULL } }, false, true },
	{ { { NULL }, { "-s", NULL } }, false, false },
	{ { { NULL }, { NULL } }, true, false },
	{ { { "REAPER_VERBOSITY=0", NULL }, { NULL } }, false, false },
	{ { { "TINI_VERBOSITY=0", NULL }, { NULL } }, false, false },
	{ { { "REAPER_VERBOSITY=1", NULL }, { NULL } }, false, true },
	/* Each -v adds one to what the variable set, as tini's. */
	{ { { "REAPER_VERBOSITY=0", NULL }, { "-v", NULL } }, false, true },
	{ { { "TINI_VERBOSITY=0", "REAPER_VERBOSITY=1", NULL }, { NULL } },
	  false, true },
	{ { { "REAPER_VERBOSITY=", NULL }, { NULL } }, false, true },
};

START_TEST(warning_outside_pid1)
{
	const struct variant *v = &warning_cases[_i].v;
	const char *envp[8], *args[16];
	char prefix[64];
	struct rt_opts o;
	struct cmd_run c;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "exit", "0", NULL);
	rt_opts_init(&o);
	o.no_pidns = !warning_cases[_i].pid1;
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	if (!warning_cases[_i].warning) {
		assert_no_err(&c);
		return;
	}
	snprintf(prefix, sizeof(prefix), "reaper[%ld]: warning: ",
		 (long) c.rt.pid1);
	rt_assert_one_err_line(&c.rt, "reaper[", (const char *const[]){
		prefix, "not PID 1", "-s", NULL });
}
END_TEST

/* ------------------------------------------------------------------ */
/* -w / REAPER_WARN_REAPED                                              */

static const struct {
	struct variant v;
	bool lines;
} warn_reaped_cases[] = {
	{ { { NULL }, { "-w", NULL } }, true },
	{ { { NULL }, { "--warn-reaped", NULL } }, true },
	{ { { "REAPER_WARN_REAPED=1", NULL }, { NULL } }, true },
	{ { { "REAPER_WARN_REAPED=0", NULL }, { "-w", NULL } }, true },
	{ { { NULL }, { NULL } }, false },
	{ { { "REAPER_WARN_REAPED=no", NULL }, { NULL } }, false },
	/* Verbosity 0 silences everything but errors. */
	{ { { "REAPER_VERBOSITY=0", NULL }, { "-w", NULL } }, false },
	{ { { "REAPER_VERBOSITY=0", "REAPER_WARN_REAPED=1", NULL }, { NULL } },
	  false },
};

/*
 * COMMAND (pid 2) runs the helper, whose three orphans come to us as PID
 * 1; it then waits for stdin's EOF. The helper itself is COMMAND's child
 * and reaped by it, so every "reaped" line we log is one of the orphans.
 */
static const char orphans_sh[] =
	"\"$0\" orphans 3 || exit 9; echo held >&3; read x; exit 0";

/*
 * Wait for count lines with needle on stderr before COMMAND may exit:
 * as PID 1 the reaper exits with COMMAND, and an orphan it had not reaped
 * yet would never be logged. Where no line is due there is nothing to
 * wait for; COMMAND then exits at once.
 */
static void
run_orphans(struct cmd_run *c, const struct variant *v, const char *needle,
	    int count)
{
	const char *envp[8], *args[16];
	struct rt_opts o;
	bool got = true;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, "sh", "-c", orphans_sh, rt_helper_path(),
		     NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c->rt, "held"));
	if (count)
		got = rt_wait_count(&c->rt, true, needle, count, GIVE_UP_MS);
	cmd_finish(c);
	ck_assert_msg(got, "want %d '%s' lines: '%s'", count, needle,
		      c->rt.errbuf);
	ck_assert_int_eq(rt_exit_code(&c->rt), 0);
	ck_assert_str_eq(rt_get(&c->rt, "zombies"), "0");
}

START_TEST(warn_reaped)
{
	static const char line[] = "reaper[1]: reaped zombie process ";
	bool lines = warn_reaped_cases[_i].lines;
	struct cmd_run c;

	run_orphans(&c, &warn_reaped_cases[_i].v, line, lines ? 3 : 0);
	if (!lines) {
		assert_no_err(&c);
		return;
	}
	/* The three orphans and nothing else: not COMMAND, whose status is
	 * what we exit with. */
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, line), 3);
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, "\n"), 3);
	ck_assert(!rt_err_has(&c.rt, " process 2 "));
}
END_TEST

/* ------------------------------------------------------------------ */
/* -v                                                                   */

static const struct {
	struct variant v;
	bool debug;
} verbose_cases[] = {
	{ { { NULL }, { "-v", NULL } }, true },
	{ { { NULL }, { "--verbose", NULL } }, true },
	{ { { "REAPER_VERBOSITY=2", NULL }, { NULL } }, true },
	{ { { "TINI_VERBOSITY=2", NULL }, { NULL } }, true },
	{ { { "REAPER_VERBOSITY=1", NULL }, { "-v", NULL } }, true },
	{ { { NULL }, { NULL } }, false },
	{ { { "REAPER_VERBOSITY=0", NULL }, { "-v", NULL } }, false },
	{ { { "TINI_VERBOSITY=2", "REAPER_VERBOSITY=1", NULL }, { NULL } },
	  false },
};

/* Debug lines for what the reaper does with a signal and with COMMAND's
 * exit; none at all below verbosity 2. */
START_TEST(verbose_debug_lines)
{
	const struct variant *v = &verbose_cases[_i].v;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	bool got;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "signals", NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	ck_assert_int_eq(kill(c.rt.pid1, SIGUSR1), 0);
	got = rt_wait_count(&c.rt, false, "sig=10 ", 1, GIVE_UP_MS);
	cmd_finish(&c);
	ck_assert_msg(got, "SIGUSR1 not forwarded: '%s'", c.rt.out);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	if (!verbose_cases[_i].debug) {
		assert_no_err(&c);
		return;
	}
	ck_assert_msg(rt_err_has(&c.rt, "reaper[1]: forwarded SIGUSR1 as "
				 "SIGUSR1\n"), "stderr: '%s'", c.rt.errbuf);
	ck_assert_msg(rt_err_has(&c.rt, "reaper[1]: application exited with "
				 "0"), "stderr: '%s'", c.rt.errbuf);
}
END_TEST

/* Without -w, -v still tells of every orphan reaped, as debug. */
START_TEST(verbose_reaped_orphans)
{
	static const struct variant v = { { NULL }, { "-v", NULL } };
	struct cmd_run c;

	run_orphans(&c, &v, "reaper[1]: reaped ", 3);
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, "reaper[1]: reaped "), 3);
	ck_assert(!rt_err_has(&c.rt, "reaped 2 "));
	ck_assert(!rt_err_has(&c.rt, "zombie"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Which wins, flag or variable: -g, -r, --grace, -p, the command's     */
/* parent-death signal                                                  */

static const struct {
	struct variant v;
	bool group;
} group_cases[] = {
	{ { { NULL }, { "-g", NULL } }, true },
	{ { { "REAPER_SIGNAL_GROUP=1", NULL }, { NULL } }, true },
	{ { { "TINI_KILL_PROCESS_GROUP=1", NULL }, { NULL } }, true },
	{ { { "REAPER_SIGNAL_GROUP=0", NULL }, { "--signal-group", NULL } },
	  true },
	{ { { "TINI_KILL_PROCESS_GROUP=1", "REAPER_SIGNAL_GROUP=0", NULL },
	    { NULL } }, false },
	{ { { NULL }, { NULL } }, false },
};

/* A signal for COMMAND reaches its whole process group, or only it. A
 * group kill queues on every member at once, and the helper reads what
 * is pending before it acts on EOF, so the child's count is final. */
START_TEST(signal_group_precedence)
{
	const struct variant *v = &group_cases[_i].v;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	bool got;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "groupsig", NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	ck_assert_int_eq(kill(c.rt.pid1, SIGUSR1), 0);
	got = rt_wait_count(&c.rt, false, "member=app sig=10 ", 1,
			    GIVE_UP_MS);
	cmd_finish(&c);
	ck_assert_msg(got, "report: '%s'", c.rt.out);
	ck_assert_int_eq(rt_count(&c.rt, "member=child sig=10 "),
			 group_cases[_i].group ? 1 : 0);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	assert_no_err(&c);
}
END_TEST

static const struct {
	struct variant v;
	bool hup_dropped;
	const char *usr1_as;	/* "sig=N " */
} rewrite_cases[] = {
	{ { { NULL }, { NULL } }, false, "sig=10 " },
	{ { { "REAPER_REWRITE=USR1:USR2,HUP:0", NULL }, { NULL } },
	  true, "sig=12 " },
	{ { { NULL }, { "-r", "USR1:USR2", NULL } }, false, "sig=12 " },
	/* The flag wins for USR1, the variable's HUP rule stays. */
	{ { { "REAPER_REWRITE=HUP:NONE,USR1:WINCH", NULL },
	    { "--rewrite=USR1:USR2", NULL } }, true, "sig=12 " },
	{ { { NULL }, { "-r", "HUP:0", "-r", "10:12", NULL } },
	  true, "sig=12 " },
};

/*
 * HUP, then USR1. The reaper handles them in that order, and the helper
 * reads lower-numbered pending signals first, so once USR1's rewrite has
 * arrived a forwarded HUP would have been reported before it.
 */
START_TEST(rewrite_precedence)
{
	const struct variant *v = &rewrite_cases[_i].v;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	bool got;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "signals", NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	ck_assert_int_eq(kill(c.rt.pid1, SIGHUP), 0);
	ck_assert_int_eq(kill(c.rt.pid1, SIGUSR1), 0);
	got = rt_wait_count(&c.rt, false, rewrite_cases[_i].usr1_as, 1,
			    GIVE_UP_MS);
	cmd_finish(&c);
	ck_assert_msg(got, "report: '%s'", c.rt.out);
	ck_assert_int_eq(rt_count(&c.rt, "sig="), rewrite_cases[_i].hup_dropped
				  ? 1 : 2);
	ck_assert_int_eq(rt_count(&c.rt, "sig=1 "),
			 rewrite_cases[_i].hup_dropped ? 0 : 1);
	ck_assert_int_eq(rt_exit_code(&c.rt), 0);
	assert_no_err(&c);
}
END_TEST

static const struct {
	struct variant v;
	bool grace;
} grace_cases[] = {
	{ { { NULL }, { "--grace=50", NULL } }, true },
	{ { { "REAPER_GRACE=50", NULL }, { NULL } }, true },
	{ { { "REAPER_GRACE=50", NULL }, { "--grace=0", NULL } }, false },
	{ { { "REAPER_GRACE=0", NULL }, { "--grace=50", NULL } }, true },
	{ { { "REAPER_GRACE=0", NULL }, { NULL } }, false },
	{ { { "REAPER_GRACE=", NULL }, { NULL } }, false },
};

/* A grace period needs the leftovers to come to us, so it implies -s:
 * outside PID 1 the warning about orphans is there exactly when no grace
 * period is in force. (The period itself is test-command-run.c's.) */
START_TEST(grace_precedence)
{
	const struct variant *v = &grace_cases[_i].v;
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "exit", "7", NULL);
	rt_opts_init(&o);
	o.no_pidns = true;
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 7);
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, "warning: not PID 1"),
			 grace_cases[_i].grace ? 0 : 1);
	ck_assert_int_eq(rt_count_str(c.rt.errbuf, "\n"),
			 grace_cases[_i].grace ? 0 : 1);
}
END_TEST

static const struct variant pdeath_cases[] = {
	{ { NULL }, { "-p", "USR2", NULL } },
	{ { "REAPER_PARENT_DEATH_SIGNAL=USR2", NULL }, { NULL } },
	{ { "REAPER_PARENT_DEATH_SIGNAL=USR1", NULL },
	  { "--parent-death-signal=SIGUSR2", NULL } },
	{ { "REAPER_PARENT_DEATH_SIGNAL=USR1", NULL }, { "-p", "12", NULL } },
};

/*
 * -p: the reaper's own parent (the harness's relay) dies, the reaper gets
 * the signal and forwards it; SIGUSR2 must win over the variable's
 * SIGUSR1. The test process is a child subreaper, so the orphaned reaper
 * comes to it and its exit status is still ours to see.
 */
START_TEST(parent_death_signal_precedence)
{
	const struct variant *v = &pdeath_cases[_i];
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	int ws;
	bool got;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "signals", NULL);
	memmove(&args[1], &args[0], sizeof(args) - sizeof(*args));
	args[0] = "-s";
	rt_opts_init(&o);
	o.no_pidns = true;
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	ck_assert_int_eq(kill(c.rt.relay, SIGKILL), 0);
	ck_assert_int_eq(waitpid(c.rt.relay, &ws, 0), c.rt.relay);
	got = rt_wait_count(&c.rt, false, "sig=", 1, GIVE_UP_MS);
	/* EOF ends the application, then the reaper; no relay is left to
	 * tell us, so rt_finish() is not for this run. */
	rt_close_control(&c.rt);
	ck_assert_int_eq(waitpid(c.rt.pid1, &ws, 0), c.rt.pid1);
	ck_assert_ptr_null(rt_wait_for(&c.rt, "\x01no such line"));
	close(c.rt.status_pipe);
	read_stdout(&c);
	ck_assert_msg(got, "no signal forwarded; report: '%s'", c.rt.out);
	ck_assert_int_eq(rt_count(&c.rt, "sig="), 1);
	ck_assert_msg(strncmp(rt_get(&c.rt, "sig"), "12 ", 3) == 0,
		      "report: '%s'", c.rt.out);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "reaper: 0x%x",
		      ws);
	ck_assert_uint_eq(c.out_len, 0);
	assert_no_err(&c);
}
END_TEST

static const struct variant command_pdeath_cases[] = {
	{ { NULL }, { "--command-parent-death-signal=USR2", NULL } },
	{ { "REAPER_COMMAND_PARENT_DEATH_SIGNAL=SIGUSR2", NULL }, { NULL } },
	{ { "REAPER_COMMAND_PARENT_DEATH_SIGNAL=USR1", NULL },
	  { "--command-parent-death-signal", "12", NULL } },
};

/* COMMAND gets SIGUSR2 when the reaper is killed; SIGUSR1 (the losing
 * variable) would kill it before it could report. */
START_TEST(command_parent_death_signal_precedence)
{
	const struct variant *v = &command_pdeath_cases[_i];
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	char want[64];
	pid_t app;
	int ws;
	bool got;

	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "pdeath", "12", NULL);
	memmove(&args[1], &args[0], sizeof(args) - sizeof(*args));
	args[0] = "-s";
	rt_opts_init(&o);
	o.no_pidns = true;
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	ck_assert_ptr_nonnull(rt_wait_for(&c.rt, "ready=1"));
	app = rt_app_host_pid(&c.rt);
	ck_assert_int_gt(app, 0);
	ck_assert_int_eq(kill(c.rt.pid1, SIGKILL), 0);
	got = rt_wait_count(&c.rt, false, "pdeath=", 1, GIVE_UP_MS);
	if (!got)
		(void) kill(app, SIGKILL);
	cmd_finish(&c);
	ck_assert_int_eq(waitpid(app, &ws, 0), app);
	ck_assert_msg(got, "no parent-death signal; app 0x%x", ws);
	snprintf(want, sizeof(want), "12 ppid_now=%ld", (long) getpid());
	ck_assert_str_eq(rt_get(&c.rt, "pdeath"), want);
	ck_assert_int_eq(rt_term_sig(&c.rt), SIGKILL);
	ck_assert_int_eq(ws, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Well-formed values are accepted                                      */

static const struct variant accepted_cases[] = {
	{ { NULL }, { "-g", NULL } },
	{ { NULL }, { "-p", "USR1", NULL } },
	{ { NULL }, { "-p", "SIGUSR1", NULL } },
	{ { NULL }, { "-p", "10", NULL } },
	{ { NULL }, { "-p", "rtmin+1", NULL } },
	{ { NULL }, { "--parent-death-signal=RTMAX", NULL } },
	{ { NULL }, { "--command-parent-death-signal=TERM", NULL } },
	{ { NULL }, { "--command-parent-death-signal", "9", NULL } },
	{ { NULL }, { "-r", "TERM:QUIT", "-r", "15:2", NULL } },
	{ { NULL }, { "--rewrite=USR1:0,HUP:NONE,RTMIN:RTMAX-1", NULL } },
	{ { NULL }, { "--grace=0", NULL } },
	{ { NULL }, { "--grace=86400000", NULL } },
	{ { NULL }, { "--grace", "1", NULL } },
	{ { NULL }, { "-e", "0", "-e", "255", NULL } },
	{ { NULL }, { "-sgw", NULL } },
	{ { NULL }, { "-e6", NULL } },
	{ { NULL }, { "--sub", "--signal", NULL } },
	{ { "REAPER_SUBREAPER=yes", "REAPER_SIGNAL_GROUP=TRUE", NULL },
	  { NULL } },
	{ { "REAPER_SUBREAPER=false", "REAPER_WARN_REAPED=Off", NULL },
	  { NULL } },
	{ { "REAPER_EXIT_ZERO=0,255", "REAPER_GRACE=1", NULL }, { NULL } },
	{ { "REAPER_PARENT_DEATH_SIGNAL=SIGTERM",
	    "REAPER_COMMAND_PARENT_DEATH_SIGNAL=KILL", NULL }, { NULL } },
	{ { "REAPER_REWRITE=TERM:INT,USR2:0", "REAPER_VERBOSITY=1", NULL },
	  { NULL } },
	{ { "TINI_SUBREAPER=", "TINI_KILL_PROCESS_GROUP=", NULL },
	  { "-v", "-v", NULL } },
	{ { NULL }, { "--no-continue", "--wait-leftovers", NULL } },
	{ { NULL }, { "--delay-signal=TERM:5000", NULL } },
	{ { NULL }, { "--delay-signal", "TERM:0,USR1:86400000", NULL } },
	{ { NULL }, { "--delay-signal=SIGTERM:5", "--delay-signal=15:7",
		      "--delay-signal=rtmin+1:1", NULL } },
	{ { "REAPER_NO_CONTINUE=1", "REAPER_WAIT_LEFTOVERS=yes", NULL },
	  { NULL } },
	{ { "REAPER_DELAY_SIGNAL=TERM:5,HUP:6", "REAPER_NO_CONTINUE=off",
	    NULL }, { NULL } },
	{ { "REAPER_DELAY_SIGNAL=", "REAPER_WAIT_LEFTOVERS=", NULL },
	  { NULL } },
};

START_TEST(accepted_values)
{
	const struct variant *v = &accepted_cases[_i];
	const char *envp[8], *args[16];
	struct rt_opts o;
	struct cmd_run c;
	bool verbose = v->args[0] && strcmp(v->args[0], "-v") == 0;

	env_with(envp, 8, v->env);
	variant_args(v, args, 16, rt_helper_path(), "exit", "7", NULL);
	rt_opts_init(&o);
	o.envp = envp;
	cmd_startv(&c, &o, args, -1);
	cmd_finish(&c);
	ck_assert_int_eq(rt_exit_code(&c.rt), 7);
	ck_assert_str_eq(rt_get(&c.rt, "split"), "0 errno=0");
	if (!verbose)
		assert_no_err(&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Issue 15's settings land in the configuration                        */

/* rp_cmdline_parse() on "reaper ARGS... /bin/true" with envp: RUN, and
 * COMMAND where it belongs. */
static void
parse_ok(struct rp_cmdline *c, const char *const *args,
	 const char *const *envp)
{
	char *argv[16], *env[8];
	int argc = 0, n = 0;

	argv[argc++] = (char *) "reaper";
	for (size_t i = 0; args[i]; i++)
		argv[argc++] = (char *) args[i];
	argv[argc++] = (char *) "/bin/true";
	argv[argc] = NULL;
	for (size_t i = 0; envp && envp[i]; i++)
		env[n++] = (char *) envp[i];
	env[n] = NULL;
	ck_assert_msg(rp_cmdline_parse(c, argc, argv, env) == 0, "%s",
		      c->error);
	ck_assert_int_eq(c->action, RP_CMDLINE_RUN);
	ck_assert_int_eq(c->first, argc - 1);
}

/* Nothing said: the defaults (SIGCONT on, no delay, no waiting). */
START_TEST(shutdown_defaults)
{
	static const char *const none[] = { NULL };
	struct rp_cmdline c;

	parse_ok(&c, none, NULL);
	ck_assert(!c.cfg.no_continue);
	ck_assert(!c.cfg.wait_leftovers);
	ck_assert(!c.cfg.subreaper);
	for (int s = 0; s < NSIG; s++)
		ck_assert_msg(c.cfg.delay_ms[s] == 0, "signal %d delayed", s);
}
END_TEST

/* --no-continue and REAPER_NO_CONTINUE, the flag winning over the
 * variable only to switch it on (a flag cannot say "off"). */
static const struct {
	const char *env;
	bool flag, want;
} no_continue_cases[] = {
	{ NULL, true, true },
	{ "REAPER_NO_CONTINUE=1", false, true },
	{ "REAPER_NO_CONTINUE=yes", false, true },
	{ "REAPER_NO_CONTINUE=0", false, false },
	{ "REAPER_NO_CONTINUE=", false, false },
	{ "REAPER_NO_CONTINUE=0", true, true },
};

START_TEST(no_continue_parsed)
{
	const char *args[] = { no_continue_cases[_i].flag ? "--no-continue"
							  : NULL, NULL };
	const char *envp[] = { no_continue_cases[_i].env, NULL };
	struct rp_cmdline c;

	parse_ok(&c, args, envp);
	ck_assert_int_eq(c.cfg.no_continue, no_continue_cases[_i].want);
	ck_assert(!c.cfg.wait_leftovers);
}
END_TEST

/* --wait-leftovers and REAPER_WAIT_LEFTOVERS: on, and the subreaper with
 * it (the leftovers must come to the reaper outside PID 1). */
static const struct {
	const char *env;
	bool flag, want;
} wait_cases[] = {
	{ NULL, true, true },
	{ "REAPER_WAIT_LEFTOVERS=1", false, true },
	{ "REAPER_WAIT_LEFTOVERS=TRUE", false, true },
	{ "REAPER_WAIT_LEFTOVERS=off", false, false },
	{ "REAPER_WAIT_LEFTOVERS=no", true, true },
};

START_TEST(wait_leftovers_parsed)
{
	const char *args[] = { wait_cases[_i].flag ? "--wait-leftovers"
						   : NULL, NULL };
	const char *envp[] = { wait_cases[_i].env, NULL };
	struct rp_cmdline c;

	parse_ok(&c, args, envp);
	ck_assert_int_eq(c.cfg.wait_leftovers, wait_cases[_i].want);
	ck_assert_int_eq(c.cfg.subreaper, wait_cases[_i].want);
	ck_assert(!c.cfg.no_continue);
}
END_TEST

/* --delay-signal (repeatable, names in any spelling and numbers) and
 * REAPER_DELAY_SIGNAL fill delay_ms[] per signal; a flag's rule for a
 * signal overrides the variable's, the variable's others stay (as
 * --rewrite does with REAPER_REWRITE). */
static const struct {
	const char *env;
	const char *args[4];
	struct { int sig; unsigned int ms; } want[4];
} delay_cases[] = {
	{ NULL, { "--delay-signal=TERM:5000", NULL },
	  { { SIGTERM, 5000 } } },
	{ NULL, { "--delay-signal", "SIGINT:1,HUP:86400000", NULL },
	  { { SIGINT, 1 }, { SIGHUP, 86400000 } } },
	{ NULL, { "--delay-signal=TERM:5", "--delay-signal=10:7",
		  "--delay-signal=RTMIN+1:9", NULL },
	  { { SIGTERM, 5 }, { SIGUSR1, 7 }, { RT(1), 9 } } },
	{ NULL, { "--delay-signal=TERM:5", "--delay-signal=TERM:0", NULL },
	  { { 0, 0 } } },
	{ "REAPER_DELAY_SIGNAL=QUIT:3", { NULL }, { { SIGQUIT, 3 } } },
	{ "REAPER_DELAY_SIGNAL=TERM:3,USR2:4",
	  { "--delay-signal=TERM:8", NULL },
	  { { SIGTERM, 8 }, { SIGUSR2, 4 } } },
	{ "REAPER_DELAY_SIGNAL=", { NULL }, { { 0, 0 } } },
};

START_TEST(delay_parsed)
{
	const char *envp[] = { delay_cases[_i].env, NULL };
	struct rp_cmdline c;

	parse_ok(&c, delay_cases[_i].args, envp);
	for (int s = 1; s < NSIG; s++) {
		unsigned int want = 0;

		for (size_t k = 0; k < 4 && delay_cases[_i].want[k].sig; k++)
			if (rt_table_sig(delay_cases[_i].want[k].sig) == s)
				want = delay_cases[_i].want[k].ms;
		ck_assert_msg(c.cfg.delay_ms[s] == want, "case %d: signal %d "
			      "delayed %u ms, want %u", _i, s,
			      c.cfg.delay_ms[s], want);
	}
	ck_assert(!c.cfg.no_continue);
	ck_assert(!c.cfg.wait_leftovers);
}
END_TEST

/* ------------------------------------------------------------------ */

#define N(a) ((int) (sizeof(a) / sizeof(*(a))))

RT_TEST_SUITE(command, "command",
	      RT_NEEDS_PIDNS | RT_NEEDS_HELPER | RT_NEEDS_COMMAND)
{
	TCase *tc;

	tc = rt_new_tcase(s, "usage");
	tcase_add_loop_test(tc, usage_error, 0, N(usage_cases));
	tcase_add_loop_test(tc, usage_error_run, 0, N(usage_run_cases));
	tcase_add_loop_test(tc, usage_delay_run, 0, N(delay_run_cases));
	tcase_add_loop_test(tc, usage_value_for_flag_without_one, 0,
			    N(value_for_flag_cases));
	tcase_add_loop_test(tc, usage_exit_zero_empty_element, 0,
			    N(exit_zero_empty_cases));
	tcase_add_loop_test(tc, info_flag_exits_zero, 0, N(info_flags));
	tcase_add_test(tc, version_is_project_version);
	tcase_add_test(tc, docker_version_parser_is_dockers);
	tcase_add_test(tc, help_names_every_flag_and_variable);
	tcase_add_loop_test(tc, info_flag_to_full_stdout, 0, 3);
	tcase_add_test(tc, options_stop_at_command);
	tcase_add_test(tc, double_dash_ends_options);
	tcase_add_test(tc, dash_named_command);

	tc = rt_new_tcase(s, "exec");
	tcase_add_loop_test(tc, cannot_execute_126, 0, 4);
	tcase_add_loop_test(tc, not_found_127, 0, 3);
	tcase_add_test(tc, path_second_directory);
	tcase_add_loop_test(tc, path_empty_element_is_cwd, 0, 3);
	tcase_add_loop_test(tc, path_eacces_then_good, 0, 2);
	tcase_add_test(tc, path_unset_uses_default);

	tc = rt_new_tcase(s, "status");
	tcase_add_loop_test(tc, exit_zero, 0, N(exit_zero_cases));
	tcase_add_test(tc, exit_zero_signal_outside_pid1);

	tc = rt_new_tcase(s, "inherit");
	tcase_add_test(tc, argv_env_cwd_byte_exact);
	tcase_add_test(tc, listen_pid_names_reaper);
	tcase_add_loop_test(tc, listen_pid_names_other, 0, 3);
	tcase_add_loop_test(tc, stdio_pass_through, 0, 2);

	tc = rt_new_tcase(s, "flags");
	tcase_add_loop_test(tc, subreaper_outside_pid1, 0, N(subreaper_cases));
	tcase_add_loop_test(tc, warning_outside_pid1, 0, N(warning_cases));
	tcase_add_loop_test(tc, warn_reaped, 0, N(warn_reaped_cases));
	tcase_add_loop_test(tc, verbose_debug_lines, 0, N(verbose_cases));
	tcase_add_test(tc, verbose_reaped_orphans);
	tcase_add_loop_test(tc, signal_group_precedence, 0, N(group_cases));
	tcase_add_loop_test(tc, rewrite_precedence, 0, N(rewrite_cases));
	tcase_add_loop_test(tc, grace_precedence, 0, N(grace_cases));
	tcase_add_loop_test(tc, parent_death_signal_precedence, 0,
			    N(pdeath_cases));
	tcase_add_loop_test(tc, command_parent_death_signal_precedence, 0,
			    N(command_pdeath_cases));
	tcase_add_loop_test(tc, accepted_values, 0, N(accepted_cases));

	tc = rt_new_tcase(s, "shutdown");
	tcase_add_test(tc, shutdown_defaults);
	tcase_add_loop_test(tc, no_continue_parsed, 0, N(no_continue_cases));
	tcase_add_loop_test(tc, wait_leftovers_parsed, 0, N(wait_cases));
	tcase_add_loop_test(tc, delay_parsed, 0, N(delay_cases));
}
