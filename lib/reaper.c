/*
 * reaper_fork_self() and reaper_fork_self_opts(): decide whether a split
 * is due (marker, PID 1, a running reaper_start() thread), then split. With
 * options.c, the only lib/ file that sees struct reaper_options.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reaper.h"
#include "abi.h"
#include "fmt.h"
#include "inproc.h"
#include "log.h"
#include "childenv.h"
#include "marker.h"
#include "options.h"
#include "selfexe.h"
#include "spawn.h"
#include "supervise.h"

/* At most one split per process: a second call (also after fork()) in the
 * application, or after a failed split, is a no-op. */
static bool decided;

/* Returns only in the application (0) or on failure (-errno). */
static int
split(const struct rp_config *cfg)
{
	const char *paths[RP_SELFEXE_MAX];
	char **argv = NULL, **envp = NULL, *listen_slot = NULL;
	char title[128];
	int r, exe_fd;

	r = rp_selfexe_argv(&argv);
	if (r < 0)
		goto out;
	r = rp_childenv_make(cfg->marker, getpid(), &envp, &listen_slot);
	if (r < 0)
		goto out;
	rp_selfexe_paths(paths);
	/* Without /proc, paths[] still has the AT_EXECFN fallback. The
	 * reaper closes exe_fd with every other fd once the child runs. */
	exe_fd = rp_selfexe_open();
	/* No fd free: the re-executed program could not even load its
	 * libraries. Running unsupervised beats starting one that dies. */
	if (exe_fd == -EMFILE || exe_fd == -ENFILE) {
		r = exe_fd;
		goto out;
	}
	rp_fmt_print(title, sizeof(title), "reaper %s", argv[0] ? argv[0] : "");

	struct rp_spawn req = {
		.exe_fd = exe_fd,
		.paths = paths,
		.argv = argv,
		.envp = envp,
		.listen_slot = listen_slot,
		.pdeathsig = cfg->pdeathsig,
		.tty_fd = -1,
	};
	r = rp_supervise_run(cfg, &req, title);
	if (exe_fd >= 0)
		(void) close(exe_fd);
out:
	free(argv);
	free(envp);
	return r;
}

REAPER_EXPORT int
reaper_fork_self_opts(const struct reaper_options *opts)
{
	struct rp_config cfg;
	int r;

	r = rp_options_load(opts, &cfg);
	if (r < 0) {
		rp_log(&cfg.log, "invalid options: %s", strerror(-r));
		goto fail;
	}
	if (decided)
		return 0;
	decided = true;

	switch (rp_marker_take(cfg.marker)) {
	case RP_MARKER_VALID:
		/* We are the re-executed application. */
		rp_selfexe_restore_comm();
		return 0;
	case RP_MARKER_INVALID:
		rp_log(&cfg.log, "ignoring %s: not set by our parent",
		       cfg.marker);
		break;
	case RP_MARKER_ABSENT:
		break;
	}
	if (getpid() != 1 && !cfg.split_always)
		return 0;
	if (rp_inproc_running()) {
		/* Its thread would reap the application behind the new
		 * reaper's back. After reaper_stop() a call may split. */
		decided = false;
		r = -EBUSY;
		rp_log(&cfg.log, "reaper_start() is running, not splitting");
		goto fail;
	}
	rp_options_env(&cfg);
	r = split(&cfg);
	rp_log(&cfg.log, "cannot split, running unsupervised: %s",
	       strerror(-r));
fail:
	return rp_abi_result(r);
}

REAPER_EXPORT int
reaper_fork_self(void)
{
	return reaper_fork_self_opts(NULL);
}
