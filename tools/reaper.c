/*
 * reaper(1): run COMMAND as the child of a correct PID 1. All of the
 * process work is the engine's (rp_supervise_run(), shared with
 * reaper_fork_self()); this file only turns flags and REAPER_* variables
 * into a struct rp_config and maps failures to exit statuses:
 *   125 reaper's own failure (usage, environment, a system call),
 *   126 COMMAND found but not executable, 127 COMMAND not found,
 * as coreutils' env and timeout do, so a caller can tell them from
 * COMMAND's own status.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bsd-compat.h"
#include "log.h"
#include "marker.h"
#include "options.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"

#define EXIT_OWN	125
#define EXIT_CANNOT_RUN	126
#define EXIT_NOT_FOUND	127

/* Beyond a day a "grace period" is a typo, and the timer maths stays in
 * range. */
#define GRACE_MAX_MS	86400000LL

#define PROG "reaper"

static const char usage_text[] =
"Usage: " PROG " [OPTIONS] [--] COMMAND [ARG...]\n"
"Run COMMAND as the child of a correct PID 1: reap every zombie, forward\n"
"signals, exit with COMMAND's status.\n"
"\n"
"  -s, --subreaper            become a child subreaper, so orphans come to\n"
"                             us when we are not PID 1       REAPER_SUBREAPER\n"
"  -g, --signal-group         forward signals to COMMAND's process group,\n"
"                             not COMMAND alone           REAPER_SIGNAL_GROUP\n"
"  -e, --exit-zero=CODE       exit 0 when COMMAND exits CODE (repeatable;\n"
"                             128+N for signal N)            REAPER_EXIT_ZERO\n"
"  -p, --parent-death-signal=SIGNAL\n"
"                             the signal reaper gets when ITS parent dies;\n"
"                             forwarded like any other  REAPER_PARENT_DEATH_SIGNAL\n"
"      --command-parent-death-signal=SIGNAL\n"
"                             the signal COMMAND gets when reaper dies\n"
"                                         REAPER_COMMAND_PARENT_DEATH_SIGNAL\n"
"  -r, --rewrite=S:R[,S:R...] forward signal S as R; R = 0 drops S\n"
"                             (repeatable)                     REAPER_REWRITE\n"
"      --grace=MS             when COMMAND exits, SIGTERM its leftover\n"
"                             descendants, SIGKILL after MS, reap them all\n"
"                             (implies -s)                       REAPER_GRACE\n"
"  -w, --warn-reaped          log every reaped process but COMMAND\n"
"                                                         REAPER_WARN_REAPED\n"
"  -v, --verbose              more messages (repeatable)   REAPER_VERBOSITY=N\n"
"  -h, --help                 this text, then exit\n"
"  -V, --version              the version, then exit\n"
"  -l, --license              the license, then exit\n"
"\n"
"Exit status: COMMAND's (128+N when it died of signal N and reaper is\n"
"PID 1; elsewhere reaper dies of the same signal), 125 when reaper itself\n"
"fails, 126 when COMMAND cannot run, 127 when it is not found.\n"
"See reaper(1).\n";

static const char license_text[] =
"reaper (libreaper " REAPER_VERSION ") is free software under the MIT\n"
"license: permission is granted, free of charge, to use, copy, modify,\n"
"merge, publish, distribute, sublicense and sell copies, provided the\n"
"copyright and permission notice are included. It comes WITHOUT WARRANTY\n"
"of any kind. The full text is in the LICENSE file of the source.\n";

struct cmd {
	struct rp_config cfg;
	int verbosity;		/* 0 errors, 1 + warnings, 2 + debug */
	bool warn_reaped;
};

static __attribute__((noreturn, format(printf, 1, 2))) void
fail_usage(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp_log_always(PROG, "%s (see " PROG " --help)", msg);
	exit(EXIT_OWN);
}

/* strtonum() with the range in the message; what = the flag or variable. */
static long long
parse_num(const char *what, const char *s, long long lo, long long hi)
{
	const char *err = NULL;
	long long v = 0;

	/* strtonum() lets strtoll() skip blanks and take a '+'. */
	if (s[0] < '0' || s[0] > '9')
		err = "not a number";
	else
		v = strtonum(s, lo, hi, &err);
	if (err)
		fail_usage("%s: '%s' is %s (expected %lld to %lld)", what, s,
			   err, lo, hi);
	return v;
}

static int
parse_signal(const char *what, const char *s)
{
	int sig = rp_signals_parse(s, false);

	if (sig < 0)
		fail_usage("%s: '%s' is not a signal name or number", what, s);
	return sig;
}

static void
add_exit_codes(struct cmd *c, const char *what, const char *list)
{
	char buf[256];
	char *rest = buf, *tok;

	if (strlen(list) >= sizeof(buf))
		fail_usage("%s: list too long", what);
	strcpy(buf, list);
	/* strsep(), not strtok(): "1,,2" and "1," have an empty code, which
	 * is a typo to report, not to skip. */
	while ((tok = strsep(&rest, ",")) != NULL) {
		int code;

		if (!*tok)
			fail_usage("%s: empty exit code in '%s'", what, list);
		code = (int) parse_num(what, tok, 0, 255);
		c->cfg.exit_zero[code / 8] |= (uint8_t)(1u << (code % 8));
	}
}

static void
add_rewrite(struct cmd *c, const char *what, const char *spec)
{
	if (rp_signals_parse_rewrite(spec, c->cfg.rewrite) < 0)
		fail_usage("%s: '%s' is not S:R[,S:R...] with signal names "
			   "or numbers (R = 0 drops S)", what, spec);
}

/* Boolean variables: empty, 0, no, false, off, or 1, yes, true, on. */
static bool
env_flag(const char *name, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "", "0", "no", "false", "off" };
	const char *v = getenv(name);

	if (!v)
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true;
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	fail_usage("%s: '%s' is not 1 or 0", name, v);
}

/* tini's variables first (tini treats any value as "on"), then ours,
 * then flags: the most specific setting wins. */
static void
read_environment(struct cmd *c)
{
	const char *v;

	if (getenv("TINI_SUBREAPER"))
		c->cfg.subreaper = true;
	if (getenv("TINI_KILL_PROCESS_GROUP"))
		c->cfg.signal_group = true;
	if ((v = getenv("TINI_VERBOSITY")) && *v)
		c->verbosity = (int) parse_num("TINI_VERBOSITY", v, 0, 100);

	(void) env_flag("REAPER_SUBREAPER", &c->cfg.subreaper);
	(void) env_flag("REAPER_SIGNAL_GROUP", &c->cfg.signal_group);
	(void) env_flag("REAPER_WARN_REAPED", &c->warn_reaped);
	if ((v = getenv("REAPER_VERBOSITY")) && *v)
		c->verbosity = (int) parse_num("REAPER_VERBOSITY", v, 0, 100);
	if ((v = getenv("REAPER_EXIT_ZERO")) && *v)
		add_exit_codes(c, "REAPER_EXIT_ZERO", v);
	if ((v = getenv("REAPER_PARENT_DEATH_SIGNAL")) && *v)
		c->cfg.reaper_pdeathsig =
			parse_signal("REAPER_PARENT_DEATH_SIGNAL", v);
	if ((v = getenv("REAPER_COMMAND_PARENT_DEATH_SIGNAL")) && *v)
		c->cfg.pdeathsig =
			parse_signal("REAPER_COMMAND_PARENT_DEATH_SIGNAL", v);
	if ((v = getenv("REAPER_REWRITE")) && *v)
		add_rewrite(c, "REAPER_REWRITE", v);
	if ((v = getenv("REAPER_GRACE")) && *v)
		c->cfg.grace_ms = (unsigned int)
			parse_num("REAPER_GRACE", v, 0, GRACE_MAX_MS);
}

enum { OPT_COMMAND_PDEATHSIG = 256, OPT_GRACE };

static const struct option long_opts[] = {
	{ "subreaper", no_argument, NULL, 's' },
	{ "signal-group", no_argument, NULL, 'g' },
	{ "exit-zero", required_argument, NULL, 'e' },
	{ "parent-death-signal", required_argument, NULL, 'p' },
	{ "command-parent-death-signal", required_argument, NULL,
	  OPT_COMMAND_PDEATHSIG },
	{ "rewrite", required_argument, NULL, 'r' },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "warn-reaped", no_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "license", no_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 },
};

static void
print_and_exit(const char *text)
{
	/* A failed write (closed stdout) is our failure, not success. */
	if (fputs(text, stdout) == EOF || fflush(stdout) == EOF) {
		rp_log_always(PROG, "cannot write to stdout: %s",
			      strerror(errno));
		exit(EXIT_OWN);
	}
	exit(0);
}

/* getopt_long() leaves optopt at a long option's short twin when it was
 * given a value it takes none of ("--subreaper=1"): name what was typed.
 * arg is the argv element getopt_long() was looking at. */
static __attribute__((noreturn)) void
unknown_option(const char *arg)
{
	if (arg && strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg, "=");

		for (const struct option *o = long_opts; o->name; o++)
			if (arg[len] == '=' && strlen(o->name) == len - 2 &&
			    strncmp(o->name, arg + 2, len - 2) == 0)
				fail_usage("option '--%s' takes no value",
					   o->name);
		fail_usage("unknown option '%.*s'", (int) len, arg);
	}
	if (optopt > 0 && optopt < 128)
		fail_usage("unknown option '-%c'", optopt);
	fail_usage("unknown option '%s'", arg ? arg : "?");
}

static __attribute__((noreturn)) void
missing_value(const char *arg)
{
	if (arg && strncmp(arg, "--", 2) == 0)
		fail_usage("option '%.*s' needs a value",
			   (int) strcspn(arg, "="), arg);
	fail_usage("option '-%c' needs a value", optopt);
}

/* Returns the index of COMMAND in argv. */
static int
parse_args(struct cmd *c, int argc, char **argv)
{
	int opt, at = optind;

	opterr = 0;	/* our messages, one line each */
	/* '+': stop at COMMAND, so its own options stay its own. at is the
	 * element being parsed: where optind points after an error differs
	 * between glibc and musl. */
	while ((opt = getopt_long(argc, argv, "+:sge:p:r:wvhVl", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 's':
			c->cfg.subreaper = true;
			break;
		case 'g':
			c->cfg.signal_group = true;
			break;
		case 'e':
			add_exit_codes(c, "-e", optarg);
			break;
		case 'p':
			c->cfg.reaper_pdeathsig = parse_signal("-p", optarg);
			break;
		case OPT_COMMAND_PDEATHSIG:
			c->cfg.pdeathsig = parse_signal(
				"--command-parent-death-signal", optarg);
			break;
		case 'r':
			add_rewrite(c, "-r", optarg);
			break;
		case OPT_GRACE:
			c->cfg.grace_ms = (unsigned int)
				parse_num("--grace", optarg, 0, GRACE_MAX_MS);
			break;
		case 'w':
			c->warn_reaped = true;
			break;
		case 'v':
			if (c->verbosity < 100)
				c->verbosity++;
			break;
		case 'h':
			print_and_exit(usage_text);
			break;
		case 'V':
			print_and_exit(PROG " (libreaper) " REAPER_VERSION "\n");
			break;
		case 'l':
			print_and_exit(license_text);
			break;
		case ':':
			missing_value(argv[at]);
		default:
			unknown_option(argv[at]);
		}
		at = optind;
	}
	if (optind >= argc)
		fail_usage("no COMMAND given");
	return optind;
}

/* Job control only when we own the terminal's foreground: then COMMAND
 * gets it, and ^C/^Z reach it directly. Otherwise (no terminal, or we run
 * in the background) COMMAND leads a new session. */
static int
terminal_for_job_control(void)
{
	pid_t fg;

	if (!isatty(STDIN_FILENO))
		return -1;
	fg = tcgetpgrp(STDIN_FILENO);
	return fg > 0 && fg == getpgrp() ? STDIN_FILENO : -1;
}

int
main(int argc, char **argv)
{
	struct cmd c = { .verbosity = 1 };
	char **envp = NULL, *listen_slot = NULL;
	int first, r;

	rp_options_defaults(&c.cfg);
	read_environment(&c);
	first = parse_args(&c, argc, argv);

	/* Leftovers orphaned by COMMAND must come to us, or the grace period
	 * could neither find nor reap them outside PID 1. */
	if (c.cfg.grace_ms)
		c.cfg.subreaper = true;
	if (c.verbosity >= 2)
		c.cfg.debug = true;
	c.cfg.warn_reaped = c.warn_reaped && c.verbosity >= 1;
	if (getpid() != 1 && !c.cfg.subreaper && c.verbosity >= 1)
		rp_log_always(PROG, "warning: not PID 1 and not a child "
			      "subreaper, so orphans will not be reaped by us; "
			      "use -s or REAPER_SUBREAPER=1");

	/* No marker: COMMAND gets our environment as it is, but for a
	 * LISTEN_PID that names us (socket activation), which names it. */
	r = rp_marker_env(NULL, getpid(), &envp, &listen_slot);
	if (r < 0) {
		rp_log_always(PROG, "cannot start '%s': %s", argv[first],
			      strerror(-r));
		return EXIT_OWN;
	}

	struct rp_spawn req = {
		.exe_fd = -1,
		.file = argv[first],
		.search_path = getenv("PATH"),
		.argv = &argv[first],
		.envp = envp,
		.listen_slot = listen_slot,
		.pdeathsig = c.cfg.pdeathsig,
		.tty_fd = terminal_for_job_control(),
	};
	r = rp_supervise_run(&c.cfg, &req, NULL);
	/* Only failures get here; the leak check at exit would turn them
	 * into status 1 in a sanitizer build. */
	free(envp);
	if (req.exec_failed) {
		rp_log_always(PROG, "cannot run '%s': %s", argv[first],
			      strerror(-r));
		return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	rp_log_always(PROG, "cannot start '%s': %s", argv[first],
		      strerror(-r));
	return EXIT_OWN;
}
