/*
 * reaper(1): run COMMAND as the child of a correct PID 1. All of the
 * process work is the engine's (rp_supervise_run(), shared with
 * reaper_fork_self()), and all of the parsing is cmdline.c's; this file
 * prints what the parse asks for and maps failures to exit statuses:
 *   125 reaper's own failure (usage, environment, a system call),
 *   126 COMMAND found but not executable, 127 COMMAND not found,
 * as coreutils' env and timeout do, so a caller can tell them from
 * COMMAND's own status.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "childenv.h"
#include "options.h"
#include "spawn.h"
#include "supervise.h"

#define EXIT_OWN	125
#define EXIT_CANNOT_RUN	126
#define EXIT_NOT_FOUND	127

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
"      --no-continue          no SIGCONT after forwarding TERM, INT, HUP or\n"
"                             QUIT to a stopped COMMAND    REAPER_NO_CONTINUE\n"
"      --delay-signal=SIGNAL:MS[,SIGNAL:MS...]\n"
"                             hold SIGNAL for MS before forwarding it (to\n"
"                             drain); a second copy forwards at once\n"
"                             (repeatable)                REAPER_DELAY_SIGNAL\n"
"      --wait-leftovers       when COMMAND exits, stay while its leftover\n"
"                             processes live, forwarding signals to their\n"
"                             groups; --grace then starts at the first TERM,\n"
"                             INT, HUP or QUIT (implies -s)\n"
"                                                      REAPER_WAIT_LEFTOVERS\n"
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

/* Docker runs its init with --version for `docker info` and `docker
 * version`, and reads the whole output as "tini version X[ - git.Y]"
 * (moby's parseInitVersion(), which catatonit satisfies the same way);
 * anything else shows as N/A. Its parser splits on " - " before it looks
 * at the prefix, so the " - " that ends the first line keeps our own
 * line out of the version it reports: it shows "0.1.0_reaper". */
static const char version_text[] =
"tini version " REAPER_VERSION "_reaper - libreaper\n"
PROG " (libreaper) " REAPER_VERSION "\n";

static const char license_text[] =
"reaper (libreaper " REAPER_VERSION ") is free software under the MIT\n"
"license: permission is granted, free of charge, to use, copy, modify,\n"
"merge, publish, distribute, sublicense and sell copies, provided the\n"
"copyright and permission notice are included. It comes WITHOUT WARRANTY\n"
"of any kind. The full text is in the LICENSE file of the source.\n";

static void
print_and_exit(const char *text)
{
	size_t len = strlen(text);

	/* write(2), not stdio: stdout's FILE and its 1 kB buffer would sit in
	 * the idle reaper's data pages. A failed write (closed stdout) is
	 * our failure, not success. */
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rp_log_always(PROG, "cannot write to stdout: %s",
				      strerror(n < 0 ? errno : EIO));
			exit(EXIT_OWN);
		}
		text += n;
		len -= (size_t) n;
	}
	exit(0);
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
	/* Static: still reachable when a failure returns, so the leak
	 * check of a sanitizer build has nothing to report and there is no
	 * free(), which would link musl's full allocator (mallocng) into
	 * reaper-static instead of its few-line bump allocator. */
	static char **envp;
	/* Static too: 1.1 kB less on the stack the idle reaper keeps, in
	 * the .bss page it has anyway. */
	static struct rp_cmdline c;
	char *listen_slot = NULL;
	int first, r;

	if (rp_cmdline_parse(&c, argc, argv, environ) < 0) {
		rp_log_always(PROG, "%s (see " PROG " --help)", c.error);
		return EXIT_OWN;
	}
	switch (c.action) {
	case RP_CMDLINE_HELP:
		print_and_exit(usage_text);
		break;
	case RP_CMDLINE_VERSION:
		print_and_exit(version_text);
		break;
	case RP_CMDLINE_LICENSE:
		print_and_exit(license_text);
		break;
	case RP_CMDLINE_RUN:
		break;
	}
	first = c.first;

	if (getpid() != 1 && !c.cfg.subreaper && c.verbosity >= 1)
		rp_log_always(PROG, "warning: not PID 1 and not a child "
			      "subreaper, so orphans will not be reaped by us; "
			      "use -s or REAPER_SUBREAPER=1");

	/* No marker: COMMAND gets our environment as it is, but for a
	 * LISTEN_PID that names us (socket activation), which names it. */
	r = rp_childenv_make(NULL, getpid(), &envp, &listen_slot);
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
		.fresh_exec = true,	/* we never install a handler */
	};
	r = rp_supervise_run(&c.cfg, &req, NULL);
	if (req.exec_failed) {
		rp_log_always(PROG, "cannot run '%s': %s", argv[first],
			      strerror(-r));
		return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	rp_log_always(PROG, "cannot start '%s': %s", argv[first],
		      strerror(-r));
	return EXIT_OWN;
}
