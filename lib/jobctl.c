/*
 * Owns job control (jobctl.h): when the application stops, the reaper
 * stops with it (one SIGSTOP to its own group); when it is continued, the
 * application gets the terminal back and continues too.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobctl.h"
#include "log.h"
#include "proc.h"
#include "signals.h"

/*
 * POSIX: a process group is orphaned when none of its members has a parent
 * in another group of the same session. Nobody could continue such a
 * group, so the kernel discards ^Z for it. Ours holds the reaper and
 * possibly ancestors that share its group (sh -c 'reaper ...'): follow
 * them up. Unsure (no /proc, a chain too long) counts as orphaned, which
 * errs towards never stopping.
 */
static bool
own_group_orphaned(void)
{
	pid_t pgrp = getpgrp(), sid = getsid(0), p = getppid();

	for (int depth = 0; depth < 64 && p > 0; depth++) {
		pid_t psid = getsid(p), ppgrp = getpgid(p);

		if (psid < 0 || ppgrp < 0 || psid != sid)
			return true;
		if (ppgrp != pgrp)
			return false;
		p = rp_proc_parent_of(p);
	}
	return true;
}

/*
 * Job control: the application stopped (^Z on its terminal, SIGTTIN...).
 * The terminal's foreground was its group instead of ours, so the shell
 * that started us is waiting for our group to stop: stop all of it, a
 * wrapper sharing it (sh -c 'reaper ...') included, with one SIGSTOP. One
 * signal to the group leaves no window in which the shell sees a member
 * stopped and continues the group before the rest has stopped. fg or bg
 * continue us (rp_jobctl_continue()). When our group is orphaned (we
 * lead the session, or are PID 1) no shell could continue us: do what the
 * kernel does for an orphaned group and let the application go on.
 */
void
rp_jobctl_stopped(const struct rp_log *log, pid_t app, int sig)
{
	char name[16];

	if (own_group_orphaned()) {
		rp_log(log, "application stopped by SIG%s; nobody to hand "
		       "the terminal to, continuing it",
		       rp_signals_name(sig, name));
		(void) kill(-app, SIGCONT);
		return;
	}
	rp_log(log, "application stopped by SIG%s, stopping",
	       rp_signals_name(sig, name));
	(void) kill(0, SIGSTOP);
}

int
rp_jobctl_continue(int tty_fd, pid_t app)
{
	/* fg gave us the terminal: hand it on. ^Z stopped the whole group,
	 * so the whole group continues. */
	if (tcgetpgrp(tty_fd) == getpgrp())
		(void) tcsetpgrp(tty_fd, app);
	return kill(-app, SIGCONT) < 0 ? -errno : 0;
}

bool
rp_jobctl_is_stopped(pid_t app)
{
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(P_PID, (id_t) app, &si, WSTOPPED | WNOHANG | WNOWAIT) < 0)
		return false;
	return si.si_pid == app && si.si_code == CLD_STOPPED;
}
