/*
 * The supervisor: spawn the application, then the loop that reaps,
 * forwards and decides the exit (the application's status, mirrored).
 * Invariants:
 *  - it sleeps with no timeout while nothing is due, so zero wake-ups
 *    while idle: in one sigtimedwait() while it reaps itself, in one
 *    poll() of a signalfd and the application's pidfd once the kernel
 *    reaps (handover.c). The only timeouts are deadlines: the grace
 *    period's end, held signals' (delay.c). Not a signalfd from the
 *    start: a fork storm wakes the reaper once per orphan whatever it
 *    waits in, and a wake-up through sigtimedwait() costs less;
 *  - it allocates nothing: every buffer is on the stack or in struct sv;
 *  - every SIGCHLD drains waitpid() until nothing is ready, since the
 *    kernel coalesces SIGCHLDs (catatonit#4);
 *  - the application is signalled only while it is unreaped, so a reused
 *    pid is never hit: by its pid while only we can reap it, through its
 *    pidfd once the kernel reaps (opened then, not at every start);
 *  - past KERNEL_REAPS_AFTER orphans, the kernel reaps instead (see
 *    start_kernel_reaping()): no wake-up per orphan at all any more.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reaper.h"
#include "bsd-compat.h"
#include "delay.h"
#include "handover.h"
#include "jobctl.h"
#include "log.h"
#include "options.h"
#include "pidfd.h"
#include "reap.h"
#include "selfexe.h"
#include "signals.h"
#include "spawn.h"
#include "supervise.h"
#include "util.h"

enum phase {
	RUNNING,	/* the application is alive */
	APP_EXITED,	/* reaped just now; after_drain() decides what next */
	LEFTOVERS,	/* application gone, waiting for what it left behind */
	TERM_SENT,	/* application gone, leftovers have SIGTERM */
	KILL_SENT,	/* grace period over, leftovers have SIGKILL */
};

/*
 * Orphans we reap ourselves before handing the job to the kernel. Few
 * containers make this many; those that do tend to make many more (build
 * jobs, shell loops), and from then on each one costs the reaper nothing.
 * Not from the start: a container that makes a handful never pays for
 * the signalfd and the probe, and keeps the shorter signal path.
 */
#define KERNEL_REAPS_AFTER 256

struct sv {
	const struct rp_config *cfg;
	pid_t self;
	pid_t app;
	int app_status;
	enum phase phase;
	sigset_t waited;	/* what we block, in the kernel's layout */
	uint64_t grace_end_ns;	/* CLOCK_MONOTONIC, while TERM_SENT */
	int tty_fd;		/* job control on this terminal, else -1 */
	bool warned_no_proc;
	unsigned int orphans;	/* reaped by us while the application runs */
	bool handover_tried;	/* start_kernel_reaping() ran: never again */
	/* While the kernel reaps (SIGCHLD ignored): the application's pidfd
	 * (then it is signalled through it) and the signalfd. */
	struct rp_handover ho;
	/* The first terminating signal forwarded, for the leftovers. */
	int stop_sig;
};

/*
 * Signals held before they are forwarded. Static, not in struct sv on
 * the stack: 1.5 kB there pushed the idle
 * reaper's stack into one more page, while here it shares the page the
 * rest of .bss already occupies. One supervisor per process: the reaper
 * never returns, and a failed start held nothing.
 */
static struct rp_delay held_signals;

/* The signals whose default is to end a process, that a stop holds. */
static bool
terminating(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP ||
	       sig == SIGQUIT;
}

/* What follows a terminating signal: SIGCONT, unless told not to. */
static int
then_continue(const struct sv *sv, int sig)
{
	return terminating(sig) && !sv->cfg->no_continue ? SIGCONT : 0;
}

/*
 * Exit with the application's wait status: its code (or 0 when
 * cfg->exit_zero says so); for a signal death, the same signal re-raised
 * when we are not PID 1 (with core dumps off, so the reaper leaves no core
 * of its own), else 128 + N as shells report it.
 */
static __attribute__((noreturn)) void
finish(struct sv *sv)
{
	int status = sv->app_status, code, sig = 0;
	char name[16];

	if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
		rp_log(&sv->cfg->log, "application exited with %d, exiting",
		       code);
	} else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		code = 128 + sig;
		rp_log(&sv->cfg->log, "application killed by SIG%s, exiting",
		       rp_signals_name(sig, name));
	} else {
		code = 255;	/* not reachable: stops are job control's */
	}
	if (rp_config_exit_zero(sv->cfg, code))
		_exit(0);
	if (sig && sv->self != 1) {
		struct rlimit nocore = { 0, 0 };
		struct sigaction dfl;

		/* The application may have dumped core; we must not add one.
		 * PR_SET_DUMPABLE also covers a piped core_pattern, which
		 * ignores RLIMIT_CORE. */
		(void) prctl(PR_SET_DUMPABLE, 0);
		/* prlimit(), not setrlimit(): musl's setrlimit() stops
		 * every thread (__synccall) for kernels without prlimit64,
		 * code the static command would carry for nothing. */
		(void) prlimit(0, RLIMIT_CORE, &nocore, NULL);
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		(void) sigaction(sig, &dfl, NULL);
		(void) kill(sv->self, sig);
		rp_signals_unblock(sig);
	}
	/* As PID 1 the kernel drops a self-sent fatal signal; and a signal
	 * whose default is not fatal cannot have killed the application. */
	_exit(code);
}

/*
 * Signal every leftover descendant. Outside PID 1 they are found through
 * /proc; without it, the application's process group is the one place
 * they are likely to be, and the user is told (once) that others may
 * outlive the grace period.
 */
static void
no_proc(struct sv *sv, int r, int sig, int then)
{
	if (!sv->warned_no_proc)
		rp_log_always(sv->cfg->log.prefix, "cannot find leftover "
			      "processes (%s): signalling the application's "
			      "process group only", strerror(-r));
	sv->warned_no_proc = true;
	(void) kill(-sv->app, sig);
	if (then)
		(void) kill(-sv->app, then);
}

static void
signal_leftovers(struct sv *sv, int sig)
{
	int then = then_continue(sv, sig);
	int r = rp_reap_signal_descendants(sig, then);

	if (r < 0)
		no_proc(sv, r, sig, then);
}

/* While waiting for leftovers, they are signalled as the application
 * was: by process group, which a daemon leads. */
static void
signal_leftover_groups(struct sv *sv, int sig)
{
	int then = then_continue(sv, sig);
	int r = rp_reap_signal_child_groups(sig, then);

	if (r < 0)
		no_proc(sv, r, sig, then);
}

static uint64_t
monotonic_ns(void)
{
	struct timespec now;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void) clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t) now.tv_sec * 1000000000u + (uint64_t) now.tv_nsec;
}

static void
start_grace(struct sv *sv)
{
	sv->grace_end_ns = monotonic_ns() + (uint64_t) sv->cfg->grace_ms *
						    1000000u;
	sv->phase = TERM_SENT;
	rp_log(&sv->cfg->log, "grace period: SIGTERM to leftovers, SIGKILL "
	       "in %u ms", sv->cfg->grace_ms);
	signal_leftovers(sv, SIGTERM);
}

static void
reaped(struct sv *sv, pid_t pid, int status)
{
	unsigned int flags = 0;

	if (sv->phase == RUNNING && pid == sv->app) {
		flags = REAPER_REAPED_APPLICATION;
		sv->app_status = status;
		sv->phase = APP_EXITED;
		rp_close(&sv->ho.app_pidfd);
	} else {
		if (sv->phase == RUNNING)
			sv->orphans++;
		if (sv->cfg->warn_reaped)
			rp_log_always(sv->cfg->log.prefix, "reaped zombie "
				      "process %ld (status 0x%x)", (long) pid,
				      status);
		else
			rp_log(&sv->cfg->log, "reaped %ld (status 0x%x)",
			       (long) pid, status);
	}
	if (sv->cfg->on_reap)
		sv->cfg->on_reap(pid, status, flags, sv->cfg->on_reap_data);
}

/* Reap everything that is ready; returns 0 or -ECHILD (no children). */
static int
drain(struct sv *sv)
{
	pid_t pid;
	int status, r;

	/* Stops are only asked for the application, and only on a terminal:
	 * nobody else would act on them. */
	if (sv->tty_fd >= 0 && sv->phase == RUNNING &&
	    TEMP_FAILURE_RETRY_NEG(waitpid(sv->app, &status,
					   WNOHANG | WUNTRACED)) == sv->app) {
		if (WIFSTOPPED(status))
			rp_jobctl_stopped(&sv->cfg->log, sv->app,
					  WSTOPSIG(status));
		else
			reaped(sv, sv->app, status);
	}
	while ((r = rp_reap_one(&pid, &status)) > 0)
		reaped(sv, pid, status);
	if (r < 0 && r != -ECHILD)	/* cannot happen with valid args */
		rp_log(&sv->cfg->log, "waitpid: %s", strerror(-r));
	return r;
}

static void
after_drain(struct sv *sv, int r)
{
	switch (sv->phase) {
	case RUNNING:
		return;
	case APP_EXITED:
		if (r == -ECHILD)
			finish(sv);
		if (sv->cfg->wait_leftovers) {
			sv->phase = LEFTOVERS;
			rp_log(&sv->cfg->log, "application gone, staying for "
			       "its leftovers");
			/* The stop was meant for the whole job. */
			if (sv->stop_sig && sv->cfg->grace_ms)
				start_grace(sv);
			else if (sv->stop_sig)
				signal_leftover_groups(sv, sv->stop_sig);
			return;
		}
		if (!sv->cfg->grace_ms)
			finish(sv);
		start_grace(sv);
		return;
	case LEFTOVERS:
		if (r == -ECHILD)
			finish(sv);
		return;
	case TERM_SENT:
	case KILL_SENT:
		if (r == -ECHILD)
			finish(sv);
		/* Orphans of killed leftovers come to us alive: sweep. */
		if (sv->phase == KILL_SENT)
			signal_leftovers(sv, SIGKILL);
		return;
	}
}

/*
 * A stopped application holds a terminating signal until someone
 * continues it, so `docker stop` would always end in SIGKILL: continue
 * it (systemd.kill(5) does the same). The group gets SIGCONT whether or
 * not its members are stopped, since we cannot see them all cheaply.
 */
static void
continue_app(struct sv *sv)
{
	if (sv->cfg->signal_group)
		(void) kill(-sv->app, SIGCONT);
	else if (!rp_jobctl_is_stopped(sv->app))
		return;
	else if (sv->ho.app_pidfd >= 0)
		(void) rp_pidfd_send(sv->ho.app_pidfd, SIGCONT, NULL);
	else
		(void) kill(sv->app, SIGCONT);
	rp_log(&sv->cfg->log, "SIGCONT after it, the application may be "
	       "stopped");
}

static void
forward(struct sv *sv, const siginfo_t *si)
{
	int sig = si->si_signo, to;
	char n1[16], n2[16];
	int r;

	/* Our own log writes to a closed pipe or a full file raise these at
	 * us: not news for the application. Anything else we sent ourselves
	 * (a signal the program raised before the split) is forwarded. */
	if ((sig == SIGPIPE || sig == SIGXFSZ) &&
	    si->si_pid == sv->self && si->si_code == SI_USER)
		return;
	to = sv->cfg->rewrite[sig];
	if (!to) {
		rp_log(&sv->cfg->log, "dropping SIG%s",
		       rp_signals_name(sig, n1));
		return;
	}
	if (sv->phase == LEFTOVERS) {
		signal_leftover_groups(sv, to);
		r = 0;
		/* With a grace period, this stop is the one it waits for. */
		if (terminating(to) && sv->cfg->grace_ms)
			start_grace(sv);
		goto sent;
	}
	if (sv->phase != RUNNING) {
		rp_log(&sv->cfg->log, "application gone, not forwarding SIG%s",
		       rp_signals_name(sig, n1));
		return;
	}
	if (terminating(to) && !sv->stop_sig)
		sv->stop_sig = to;
	if (sv->tty_fd >= 0 && to == SIGCONT) {
		r = rp_jobctl_continue(sv->tty_fd, sv->app);
	} else if (sv->cfg->signal_group) {
		r = kill(-sv->app, to) < 0 ? -errno : 0;
	} else if (si->si_code == SI_QUEUE) {
		/* Keep sigqueue()'s payload: real-time users rely on it. */
		siginfo_t info;

		memset(&info, 0, sizeof(info));
		info.si_signo = to;
		info.si_code = SI_QUEUE;
		info.si_pid = sv->self;
		info.si_uid = getuid();
		info.si_value = si->si_value;
		if (sv->ho.app_pidfd >= 0)
			r = rp_pidfd_send(sv->ho.app_pidfd, to, &info);
		else
			r = syscall(SYS_rt_sigqueueinfo, sv->app, to, &info) < 0
				    ? -errno : 0;
	} else if (sv->ho.app_pidfd >= 0) {
		r = rp_pidfd_send(sv->ho.app_pidfd, to, NULL);
	} else {
		r = kill(sv->app, to) < 0 ? -errno : 0;
	}
	if (r == 0 && then_continue(sv, to))
		continue_app(sv);
sent:
	if (r < 0)
		rp_log(&sv->cfg->log, "forwarding SIG%s: %s",
		       rp_signals_name(to, n2), strerror(-r));
	else if (sv->cfg->log.debug)	/* the names cost two snprintf()s */
		rp_log(&sv->cfg->log, "forwarded SIG%s as SIG%s",
		       rp_signals_name(sig, n1), rp_signals_name(to, n2));
}

/* The grace period is over: what is left gets SIGKILL. */
static void
grace_over(struct sv *sv)
{
	sv->phase = KILL_SENT;
	rp_log(&sv->cfg->log, "grace period over: SIGKILL to leftovers");
	signal_leftovers(sv, SIGKILL);
}

/* Tried once; true when the kernel reaps from now on. Not where every
 * reap is reported (on_reap, -w) or job control waits for the
 * application's stops: those need each wait status. A child that exited
 * before is a zombie still: the caller drains again. */
static bool
start_kernel_reaping(struct sv *sv)
{
	const char *why = NULL;
	int r;

	sv->handover_tried = true;
	if (sv->cfg->on_reap || sv->cfg->warn_reaped) {
		why = "every reap is reported";
	} else if (sv->tty_fd >= 0) {
		why = "job control";
	} else {
		/* Unreaped (phase RUNNING): the pid is the application's. */
		r = rp_handover_start(&sv->ho, sv->app, &sv->waited);
		if (r == -EOPNOTSUPP)
			why = "the kernel keeps no exit status for pidfds";
		else if (r < 0)
			why = strerror(-r);
	}
	if (why) {
		rp_log(&sv->cfg->log, "%u orphans reaped; the kernel cannot "
		       "take over (%s)", sv->orphans, why);
		return false;
	}
	rp_log(&sv->cfg->log, "%u orphans reaped; the kernel reaps from now "
	       "on", sv->orphans);
	return true;
}

/* The application was reaped by the kernel: its status from its pidfd,
 * and back to reaping ourselves. */
static void
app_gone(struct sv *sv)
{
	int status, r = rp_pidfd_exit_status(sv->ho.app_pidfd, &status);

	rp_handover_stop(&sv->ho);
	if (r < 0) {
		/* Probed for, so not expected: a failure of ours (125), said
		 * so, rather than a status made up. */
		rp_log_always(sv->cfg->log.prefix, "the application's exit "
			      "status is lost (%s)", strerror(-r));
		status = 125 << 8;	/* as wait() reports exit(125) */
	}
	reaped(sv, sv->app, status);
}

/* A signal with a delay arrived: held (true), or false when it is to be
 * forwarded now, after the copy that was held. */
static bool
hold(struct sv *sv, const siginfo_t *si)
{
	int sig = si->si_signo;
	unsigned int ms = sv->cfg->delay_ms[sig];
	siginfo_t held;
	char name[16];

	if (!rp_delay_hold(&held_signals, si, monotonic_ns() +
			   (uint64_t) ms * 1000000u, &held)) {
		forward(sv, &held);
		return false;
	}
	rp_log(&sv->cfg->log, "holding SIG%s for %u ms",
	       rp_signals_name(sig, name), ms);
	return true;
}

/* The earliest deadline (0: none): the grace period's end, a held
 * signal's. */
static uint64_t
next_deadline(const struct sv *sv)
{
	uint64_t due = rp_delay_next(&held_signals);

	if (sv->phase == TERM_SENT && (!due || sv->grace_end_ns < due))
		due = sv->grace_end_ns;
	return due;
}

/* Deadlines up to now: held signals go out; true when the grace period
 * is over (then leftovers have had SIGKILL). */
static bool
deadlines(struct sv *sv, uint64_t now)
{
	siginfo_t si;

	while (rp_delay_take_due(&held_signals, now, &si))
		forward(sv, &si);
	if (sv->phase == TERM_SENT && now >= sv->grace_end_ns) {
		grace_over(sv);
		return true;
	}
	return false;
}

/* The next signal while the kernel reaps: 1 (in si), 0 when the
 * application is gone (then back to reaping ourselves), -ETIME when
 * timeout_ms passed. */
static int
wait_kernel_reaping(struct sv *sv, siginfo_t *si, int timeout_ms)
{
	int r = rp_handover_wait(&sv->ho, si, timeout_ms);

	if (r > 0 || r == -ETIME)
		return r;
	if (r < 0) {
		rp_log_always(sv->cfg->log.prefix, "poll: %s", strerror(-r));
		_exit(125);
	}
	app_gone(sv);
	return 0;
}

/* Take the next signal into si; false when the grace period ran out
 * instead (then leftovers have had SIGKILL) or the application was
 * reaped by the kernel. Held signals due meanwhile are forwarded here.
 * The raw system call, with the kernel's set: C libraries reserve 32-34
 * (glibc's sigtimedwait() drops its own from the set), and those are
 * forwarded too. */
static bool
wait_event(struct sv *sv, siginfo_t *si)
{
	for (;;) {
		struct timespec left, *timeout = NULL;
		uint64_t due = next_deadline(sv);

		if (due) {
			uint64_t now = monotonic_ns();

			if (now >= due) {
				if (deadlines(sv, now))
					return false;
				continue;
			}
			left.tv_sec = (time_t) ((due - now) / 1000000000u);
			left.tv_nsec = (long) ((due - now) % 1000000000u);
			timeout = &left;
		}
		if (sv->ho.sigfd >= 0) {
			/* poll() counts in ms: round up, never spin. */
			int r = wait_kernel_reaping(sv, si, !timeout ? -1 :
				(int) (left.tv_sec * 1000 +
				       (left.tv_nsec + 999999) / 1000000));

			if (r != -ETIME)
				return r > 0;
			continue;
		}
		if (syscall(SYS_rt_sigtimedwait, &sv->waited, si, timeout,
			    RP_KSIGSET_BYTES) > 0)
			return true;
		if (errno == EINTR || (errno == EAGAIN && timeout))
			continue;
		/* Cannot happen with valid arguments; spinning would be
		 * worse than dying loudly. */
		rp_log_always(sv->cfg->log.prefix, "sigtimedwait: %s",
			      strerror(errno));
		_exit(125);
	}
}

static __attribute__((noreturn)) void
loop(struct sv *sv)
{
	siginfo_t si;

	for (;;) {
		/* After the grace period's end, as after a SIGCHLD or the
		 * kernel's reap of the application: sweep. */
		if (!wait_event(sv, &si) || si.si_signo == SIGCHLD) {
			int r = drain(sv);

			if (!sv->handover_tried && sv->phase == RUNNING &&
			    sv->orphans >= KERNEL_REAPS_AFTER &&
			    start_kernel_reaping(sv)) {
				r = drain(sv);
				if (sv->phase != RUNNING)
					rp_handover_stop(&sv->ho);
			}
			after_drain(sv, r);
		} else if (!sv->cfg->delay_ms[si.si_signo] ||
			   (sv->phase != RUNNING && sv->phase != LEFTOVERS) ||
			   !hold(sv, &si)) {
			forward(sv, &si);
		}
	}
}

static void
set_title(const char *title)
{
	int argc;
	char **argv, **envp;

	rp_selfexe_startup(&argc, &argv, &envp);
	if (!title || argc <= 0)
		return;
	/* libbsd moves environ away with setenv(), entry by entry, and an
	 * entry with an empty name ("=x", which execve() allows) is EINVAL
	 * there: it gives up, leaves environ on a copy it malloc()ed, and
	 * setproctitle() then warns on stderr. Keep the name instead. */
	for (char **e = envp; e && *e; e++)
		if (**e == '=')
			return;
	setproctitle_init(argc, argv, envp);
	setproctitle("-%s", title);
}

int
rp_supervise_run(const struct rp_config *cfg, struct rp_spawn *req,
		 const char *title)
{
	struct rp_sigstate saved;
	struct sv sv = {
		.cfg = cfg, .self = getpid(), .phase = RUNNING,
		.tty_fd = req->tty_fd, .ho = { .app_pidfd = -1, .sigfd = -1 },
	};
	int was_subreaper = 0, old_pdeathsig = 0, r;

	r = rp_signals_block(&saved, req->fresh_exec, &sv.waited);
	if (r < 0)
		return r;
	/* cppcheck-suppress autoVariables ; cleared before we return */
	req->sig = &saved;
	if (cfg->subreaper) {
		if (prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper) < 0 ||
		    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
			r = -errno;
			goto fail;
		}
	}
	if (cfg->reaper_pdeathsig) {
		/* Set while the signal is blocked, so that it waits in the
		 * blocked set for the application; then re-check the parent,
		 * which may have died before prctl(). */
		pid_t parent = getppid();

		if (prctl(PR_GET_PDEATHSIG, &old_pdeathsig) < 0 ||
		    prctl(PR_SET_PDEATHSIG, cfg->reaper_pdeathsig) < 0) {
			r = -errno;
			goto fail;
		}
		if (getppid() != parent)
			(void) kill(sv.self, cfg->reaper_pdeathsig);
	}
	r = rp_spawn(req, &sv.app);
	if (r < 0)
		goto fail;

	/* From here on we are the reaper and never return. */
	/* Every fd but 0-2: inherited sockets and pipes must not be held
	 * open by the reaper once the application has them. */
	rp_closefrom(3);
	set_title(title);
	rp_log(&cfg->log, "reaper of %ld", (long) sv.app);
	loop(&sv);

fail:
	if (cfg->reaper_pdeathsig)
		(void) prctl(PR_SET_PDEATHSIG, old_pdeathsig);
	if (cfg->subreaper)
		(void) prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
	rp_signals_restore(&saved);
	req->sig = NULL;	/* saved dies with this frame */
	return r;
}
