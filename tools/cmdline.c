/*
 * Owns the command's parsing: flags, REAPER_* and TINI_* variables, their
 * precedence and every usage message. No output and no exit: the first
 * usage error is formatted into c->error and the parse stops there, which
 * is what the command did when it still exited from inside the parser, so
 * its messages and exit statuses are unchanged (test/test-command.c).
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"
#include "cmdline.h"
#include "scan.h"
#include "signals.h"

static __attribute__((format(printf, 2, 3))) int
fail_usage(struct rp_cmdline *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rp_fmt_vprint(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* getenv() over envp: the first NAME= wins, as in glibc and musl. */
static const char *
env_get(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* A decimal number in [lo, hi], with the range in the message; what =
 * the flag or variable. */
static int
parse_num(struct rp_cmdline *c, const char *what, const char *s, long long lo,
	  long long hi, long long *out)
{
	const char *err = NULL, *p = s;
	uint64_t v = 0;

	/* By hand, not strspn(): that is musl's 200 bytes of text in the
	 * static command, a page of its idle RSS. */
	while (*p >= '0' && *p <= '9')
		p++;
	if (s[0] < '0' || s[0] > '9')
		err = "not a number";
	else if (*p != '\0')
		err = "invalid";
	else if (!rp_scan_whole(s, (uint64_t) hi, &v))
		err = "too large";
	else if (v < (uint64_t) lo)
		err = "too small";
	if (err)
		return fail_usage(c, "%s: '%s' is %s (expected %lld to %lld)",
				  what, s, err, lo, hi);
	*out = (long long) v;
	return 0;
}

static int
parse_int(struct rp_cmdline *c, const char *what, const char *s, int lo,
	  int hi, int *out)
{
	long long v = 0;
	int r = parse_num(c, what, s, lo, hi, &v);

	if (r == 0)
		*out = (int) v;
	return r;
}

static int
parse_signal(struct rp_cmdline *c, const char *what, const char *s, int *out)
{
	int sig = rp_signals_parse(s, false);

	if (sig < 0)
		return fail_usage(c, "%s: '%s' is not a signal name or number",
				  what, s);
	*out = sig;
	return 0;
}

static int
parse_grace(struct rp_cmdline *c, const char *what, const char *s)
{
	long long v = 0;
	int r = parse_num(c, what, s, 0, RP_CMDLINE_GRACE_MAX_MS, &v);

	if (r == 0)
		c->cfg.grace_ms = (unsigned int) v;
	return r;
}

static int
add_exit_codes(struct rp_cmdline *c, const char *what, const char *list)
{
	char buf[256];
	char *rest = buf, *tok;

	if (strlen(list) >= sizeof(buf))
		return fail_usage(c, "%s: list too long", what);
	strcpy(buf, list);
	/* strsep(), not strtok(): "1,,2" and "1," have an empty code, which
	 * is a typo to report, not to skip. */
	while ((tok = strsep(&rest, ",")) != NULL) {
		int code = 0, r;

		if (!*tok)
			return fail_usage(c, "%s: empty exit code in '%s'",
					  what, list);
		r = parse_int(c, what, tok, 0, 255, &code);
		if (r < 0)
			return r;
		c->cfg.exit_zero[code / 8] |= (uint8_t)(1u << (code % 8));
	}
	return 0;
}

static int
add_rewrite(struct rp_cmdline *c, const char *what, const char *spec)
{
	if (rp_signals_parse_rewrite(spec, c->cfg.rewrite) < 0)
		return fail_usage(c, "%s: '%s' is not S:R[,S:R...] with signal "
				  "names or numbers (R = 0 drops S)", what,
				  spec);
	return 0;
}

static int
add_delay(struct rp_cmdline *c, const char *what, const char *spec)
{
	char name[16];
	int refused = 0;
	int r = rp_signals_parse_delay(spec, c->cfg.delay_ms, &refused);

	if (r == -EPERM)
		return fail_usage(c, "%s: SIG%s cannot be delayed", what,
				  rp_signals_name(refused, name));
	if (r < 0)
		return fail_usage(c, "%s: '%s' is not SIGNAL:MS[,SIGNAL:MS...] "
				  "with MS from 0 to %u", what, spec,
				  RP_DELAY_MAX_MS);
	return 0;
}

/* Boolean variables: empty, 0, no, false, off, or 1, yes, true, on. */
static int
env_flag(struct rp_cmdline *c, char *const *envp, const char *name, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "", "0", "no", "false", "off" };
	const char *v = env_get(envp, name);

	if (!v)
		return 0;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return fail_usage(c, "%s: '%s' is not 1 or 0", name, v);
}

/* tini's variables first (tini treats any value as "on"), then ours,
 * then flags: the most specific setting wins. */
static int
read_environment(struct rp_cmdline *c, char *const *envp)
{
	const char *v;
	int r = 0;

	if (env_get(envp, "TINI_SUBREAPER"))
		c->cfg.subreaper = true;
	if (env_get(envp, "TINI_KILL_PROCESS_GROUP"))
		c->cfg.signal_group = true;
	if ((v = env_get(envp, "TINI_VERBOSITY")) && *v)
		r = parse_int(c, "TINI_VERBOSITY", v, 0, 100, &c->verbosity);

	if (r == 0)
		r = env_flag(c, envp, "REAPER_SUBREAPER", &c->cfg.subreaper);
	if (r == 0)
		r = env_flag(c, envp, "REAPER_SIGNAL_GROUP",
			     &c->cfg.signal_group);
	if (r == 0)
		r = env_flag(c, envp, "REAPER_WARN_REAPED",
			     &c->cfg.warn_reaped);
	if (r == 0)
		r = env_flag(c, envp, "REAPER_NO_CONTINUE",
			     &c->cfg.no_continue);
	if (r == 0)
		r = env_flag(c, envp, "REAPER_WAIT_LEFTOVERS",
			     &c->cfg.wait_leftovers);
	if (r == 0 && (v = env_get(envp, "REAPER_VERBOSITY")) && *v)
		r = parse_int(c, "REAPER_VERBOSITY", v, 0, 100,
			      &c->verbosity);
	if (r == 0 && (v = env_get(envp, "REAPER_EXIT_ZERO")) && *v)
		r = add_exit_codes(c, "REAPER_EXIT_ZERO", v);
	if (r == 0 && (v = env_get(envp, "REAPER_PARENT_DEATH_SIGNAL")) && *v)
		r = parse_signal(c, "REAPER_PARENT_DEATH_SIGNAL", v,
				 &c->cfg.reaper_pdeathsig);
	if (r == 0 &&
	    (v = env_get(envp, "REAPER_COMMAND_PARENT_DEATH_SIGNAL")) && *v)
		r = parse_signal(c, "REAPER_COMMAND_PARENT_DEATH_SIGNAL", v,
				 &c->cfg.pdeathsig);
	if (r == 0 && (v = env_get(envp, "REAPER_REWRITE")) && *v)
		r = add_rewrite(c, "REAPER_REWRITE", v);
	if (r == 0 && (v = env_get(envp, "REAPER_GRACE")) && *v)
		r = parse_grace(c, "REAPER_GRACE", v);
	if (r == 0 && (v = env_get(envp, "REAPER_DELAY_SIGNAL")) && *v)
		r = add_delay(c, "REAPER_DELAY_SIGNAL", v);
	return r;
}

enum {
	OPT_COMMAND_PDEATHSIG = 256, OPT_GRACE, OPT_NO_CONTINUE,
	OPT_DELAY_SIGNAL, OPT_WAIT_LEFTOVERS,
};

static const struct option long_opts[] = {
	{ "subreaper", no_argument, NULL, 's' },
	{ "signal-group", no_argument, NULL, 'g' },
	{ "exit-zero", required_argument, NULL, 'e' },
	{ "parent-death-signal", required_argument, NULL, 'p' },
	{ "command-parent-death-signal", required_argument, NULL,
	  OPT_COMMAND_PDEATHSIG },
	{ "rewrite", required_argument, NULL, 'r' },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "no-continue", no_argument, NULL, OPT_NO_CONTINUE },
	{ "delay-signal", required_argument, NULL, OPT_DELAY_SIGNAL },
	{ "wait-leftovers", no_argument, NULL, OPT_WAIT_LEFTOVERS },
	{ "warn-reaped", no_argument, NULL, 'w' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "license", no_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 },
};

/* getopt_long() leaves optopt at a long option's short twin when it was
 * given a value it takes none of ("--subreaper=1"): name what was typed.
 * arg is the argv element getopt_long() was looking at. */
static int
unknown_option(struct rp_cmdline *c, const char *arg)
{
	if (arg && strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg, "=");

		for (const struct option *o = long_opts; o->name; o++)
			if (arg[len] == '=' && strlen(o->name) == len - 2 &&
			    strncmp(o->name, arg + 2, len - 2) == 0)
				return fail_usage(c, "option '--%s' takes no "
						  "value", o->name);
		return fail_usage(c, "unknown option '%.*s'", (int) len, arg);
	}
	if (optopt > 0 && optopt < 128)
		return fail_usage(c, "unknown option '-%c'", optopt);
	return fail_usage(c, "unknown option '%s'", arg ? arg : "?");
}

static int
missing_value(struct rp_cmdline *c, const char *arg)
{
	if (arg && strncmp(arg, "--", 2) == 0)
		return fail_usage(c, "option '%.*s' needs a value",
				  (int) strcspn(arg, "="), arg);
	return fail_usage(c, "option '-%c' needs a value", optopt);
}

/* Sets c->first, the index of COMMAND in argv, or c->action. */
static int
parse_args(struct rp_cmdline *c, int argc, char **argv)
{
	int opt, r = 0, at = 1;

	/* optind = 0, not 1: glibc and musl then also forget where they
	 * were inside a group of short options ("-sg"), which an earlier
	 * parse that stopped on an error may have left half read. */
	optind = 0;
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
			r = add_exit_codes(c, "-e", optarg);
			break;
		case 'p':
			r = parse_signal(c, "-p", optarg,
					 &c->cfg.reaper_pdeathsig);
			break;
		case OPT_COMMAND_PDEATHSIG:
			r = parse_signal(c, "--command-parent-death-signal",
					 optarg, &c->cfg.pdeathsig);
			break;
		case 'r':
			r = add_rewrite(c, "-r", optarg);
			break;
		case OPT_GRACE:
			r = parse_grace(c, "--grace", optarg);
			break;
		case OPT_NO_CONTINUE:
			c->cfg.no_continue = true;
			break;
		case OPT_DELAY_SIGNAL:
			r = add_delay(c, "--delay-signal", optarg);
			break;
		case OPT_WAIT_LEFTOVERS:
			c->cfg.wait_leftovers = true;
			break;
		case 'w':
			c->cfg.warn_reaped = true;
			break;
		case 'v':
			if (c->verbosity < 100)
				c->verbosity++;
			break;
		case 'h':
			c->action = RP_CMDLINE_HELP;
			return 0;
		case 'V':
			c->action = RP_CMDLINE_VERSION;
			return 0;
		case 'l':
			c->action = RP_CMDLINE_LICENSE;
			return 0;
		case ':':
			return missing_value(c, at < argc ? argv[at] : NULL);
		default:
			return unknown_option(c, at < argc ? argv[at] : NULL);
		}
		if (r < 0)
			return r;
		at = optind;
	}
	if (optind >= argc)
		return fail_usage(c, "no COMMAND given");
	c->first = optind;
	return 0;
}

int
rp_cmdline_parse(struct rp_cmdline *c, int argc, char **argv,
		 char *const *envp)
{
	int r;

	memset(c, 0, sizeof(*c));
	rp_options_defaults(&c->cfg);
	c->verbosity = 1;
	c->action = RP_CMDLINE_RUN;
	r = read_environment(c, envp);
	if (r == 0)
		r = parse_args(c, argc, argv);
	if (r < 0 || c->action != RP_CMDLINE_RUN)
		return r;

	/* Leftovers orphaned by COMMAND must come to us, or the grace period
	 * could neither find nor reap them outside PID 1, nor could we wait
	 * for them. */
	if (c->cfg.grace_ms || c->cfg.wait_leftovers)
		c->cfg.subreaper = true;
	if (c->verbosity >= 2)
		c->cfg.log.debug = true;
	c->cfg.warn_reaped = c->cfg.warn_reaped && c->verbosity >= 1;
	return 0;
}
