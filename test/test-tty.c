/*
 * reaper(1) on a pseudo-terminal, driven from the master side as a user at
 * a keyboard would: job control in an interactive shell run by the reaper,
 * who owns the terminal's foreground, ^C to a plain COMMAND, ^Z then fg or
 * bg through a job-control shell that runs the reaper as a job, no
 * terminal at all, and ^Z where no shell could continue the reaper.
 *
 * Process tree of each test:
 *   test -> relay (unshare) -> anchor (PID 1) -> session leader -> ...
 * The session leader has the pty slave as its controlling terminal; it is
 * the reaper itself, or an "outer shell" that runs the reaper as a job.
 * The anchor is a PID 1 of our own, so that the reaper is not PID 1 (as
 * under a login shell) and nothing outlives the test: everything below the
 * anchor calls setsid() or setpgid(), out of reach of Check's killpg(), but
 * the kernel kills a PID namespace whose init dies, and relay and anchor
 * die with their parent (PR_SET_PDEATHSIG).
 *
 * The terminal echoes what we type, so a match is on text only a program
 * prints (the prompt, dash's job reports, the reaper's log), or on a typed
 * line seen twice (its echo, then cat's copy). Every wait is on the master
 * or on a pipe, against one deadline per test; nothing sleeps, and nothing
 * asserts in a forked child: children report by pipe.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "test-common.h"

/* For a whole test, not per wait: a hang fails with what was read, well
 * before Check's own timeout (set in suite()) cuts the message off. */
#define DEADLINE_MS 10000

/* The control characters of the kernel's default termios. */
#define KEY_INTR "\x03"
#define KEY_EOF "\x04"
#define KEY_SUSP "\x1a"

/* Typed text never contains it, so seeing it means the shell prompted. */
#define PROMPT "PROMPT> "

struct pty_run {
	int master;
	int status_fd;		/* read: session leader's wait status */
	pid_t anchor;		/* host pid of the namespace's PID 1 */
	struct timespec deadline;
	bool master_eof;
	char out[1 << 16];	/* everything the master read, NUL-ended */
	size_t len;
	size_t mark;		/* matches start here; see expect() */
};

/* What the session leader runs: argv, or fn (which must not return) in
 * its place, as the outer shell that runs argv as a job. */
struct session {
	const char *const *argv;
	void (*fn)(const struct session *);
	int stdin_fd;		/* -1: the pty */
	int report_fd;		/* outer shell: reports to the test */
	int go_fd;		/* outer shell: fg or bg from the test */
};

static const char *const base_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"TERM=dumb",
	"PS1=" PROMPT,	/* NOLINT(bugprone-suspicious-missing-comma) */
	/* The debug log shows every signal the reaper gets and what it did
	 * with it, and when it exits: program-only text to match on. */
	"REAPER_VERBOSITY=2",
	NULL,
};

/* ------------------------------------------------------------------ */
/* The processes below the test                                        */

/* base_env through rt_exec_env(), set before the first fork. */
static const char *const *session_env;

static void __attribute__((noreturn))
exec_session(const struct session *s)
{
	execve(s->argv[0], (char *const *) s->argv,
	       (char *const *) session_env);
	_exit(127);
}

/* Becomes the session leader with the slave as controlling terminal and
 * standard streams, then runs s. */
static void __attribute__((noreturn))
session_leader(const struct session *s, int slave)
{
	int in = s->stdin_fd >= 0 ? s->stdin_fd : slave;

	/* Above 2 first: dup2() onto 0-2 must not close the other one. */
	if ((slave = fcntl(slave, F_DUPFD_CLOEXEC, 10)) < 0 ||
	    (in = fcntl(in, F_DUPFD_CLOEXEC, 10)) < 0)
		_exit(120);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		_exit(121);
	if (dup2(in, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		_exit(122);
	(void) close(in);
	(void) close(slave);
	if (s->fn)
		s->fn(s);
	exec_session(s);
}

/* PID 1 of the namespace: reaps everything and reports the session
 * leader's status; when it exits, the kernel kills what is left. */
static void __attribute__((noreturn))
anchor(const struct session *s, int master, int slave, int status_wr)
{
	pid_t leader;
	int ws;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(110);
	(void) close(master);
	leader = fork();
	if (leader < 0)
		_exit(111);
	if (leader == 0)
		session_leader(s, slave);
	/* Our slave fd would keep the terminal open after the session. */
	(void) close(slave);
	for (;;) {
		pid_t p = waitpid(-1, &ws, 0);

		if (p == leader) {
			(void) !write(status_wr, &ws, sizeof(ws));
			_exit(0);
		}
		if (p < 0 && errno != EINTR)
			_exit(112);
	}
}

static void __attribute__((noreturn))
relay(const struct session *s, int master, int slave, int pid_wr,
      int status_wr)
{
	pid_t a;
	int ws;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(100);
	if (unshare(CLONE_NEWPID) < 0)
		_exit(101);
	a = fork();
	if (a < 0)
		_exit(102);
	if (a == 0)
		anchor(s, master, slave, status_wr);
	(void) close(master);
	(void) close(slave);
	(void) !write(pid_wr, &a, sizeof(a));
	while (waitpid(a, &ws, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* The test's side                                                      */

static int
remaining_ms(const struct pty_run *run)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (run->deadline.tv_sec - now.tv_sec) * 1000LL +
	     (run->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int) ms;
}

/* The last part of what was read, control characters made visible, for
 * failure messages (Check cuts long ones). */
static const char *
shown(const struct pty_run *run)
{
	static char buf[3000];
	size_t from = run->len > 700 ? run->len - 700 : 0, n = 0;

	for (size_t i = from; i < run->len && n < sizeof(buf) - 5; i++) {
		unsigned char c = (unsigned char) run->out[i];

		if (c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (c == '\r') {
			buf[n++] = '\\';
			buf[n++] = 'r';
		} else if (c < 32 || c == 127) {
			buf[n++] = '^';
			buf[n++] = (char) (c ^ 64);
		} else {
			buf[n++] = (char) c;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Read what the master has, waiting at most ms for the first byte. */
static void
pump(struct pty_run *run, int ms)
{
	struct pollfd p = { .fd = run->master, .events = POLLIN };
	ssize_t n;

	if (run->master_eof || poll(&p, 1, ms) <= 0)
		return;
	ck_assert_msg(run->len < sizeof(run->out) - 1, "pty output overflow");
	n = read(run->master, run->out + run->len,
		 sizeof(run->out) - 1 - run->len);
	/* EIO: every slave fd is closed. */
	if (n <= 0 && !(n < 0 && errno == EINTR)) {
		run->master_eof = true;
		return;
	}
	if (n > 0) {
		run->len += (size_t) n;
		run->out[run->len] = '\0';
	}
}

/* Wait for needle after the mark, then move the mark past it: a second
 * call finds the next occurrence, and later text is never matched by what
 * came before. */
static void
expect(struct pty_run *run, const char *needle)
{
	for (;;) {
		const char *p = strstr(run->out + run->mark, needle);

		if (p) {
			run->mark = (size_t) (p - run->out) + strlen(needle);
			return;
		}
		ck_assert_msg(!run->master_eof && remaining_ms(run) > 0,
			      "%s waiting for \"%s\"; the pty showed: %s",
			      run->master_eof ? "terminal closed" : "timed out",
			      needle, shown(run));
		pump(run, remaining_ms(run));
	}
}

static void
type(struct pty_run *run, const char *s)
{
	size_t len = strlen(s);

	ck_assert_int_eq(write(run->master, s, len), (ssize_t) len);
}

static void
pty_start(struct pty_run *run, const struct session *s)
{
	int master, slave, pid_pipe[2], status_pipe[2];
	struct pollfd p;
	pid_t r;

	memset(run, 0, sizeof(*run));
	clock_gettime(CLOCK_MONOTONIC, &run->deadline);
	run->deadline.tv_sec += DEADLINE_MS / 1000;
	/* NULL termios: the kernel's defaults, with ISIG, ICANON, ECHO. */
	ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	ck_assert_int_eq(fcntl(master, F_SETFD, FD_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(slave, F_SETFD, FD_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pid_pipe, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(status_pipe, O_CLOEXEC), 0);
	session_env = rt_exec_env(base_env);
	r = fork();
	ck_assert_int_ge(r, 0);
	if (r == 0) {
		(void) close(pid_pipe[0]);
		(void) close(status_pipe[0]);
		relay(s, master, slave, pid_pipe[1], status_pipe[1]);
	}
	(void) close(slave);
	(void) close(pid_pipe[1]);
	(void) close(status_pipe[1]);
	run->master = master;
	run->status_fd = status_pipe[0];
	p = (struct pollfd){ .fd = pid_pipe[0], .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, remaining_ms(run)), 1);
	ck_assert_int_eq(read(pid_pipe[0], &run->anchor, sizeof(run->anchor)),
			 sizeof(run->anchor));
	(void) close(pid_pipe[0]);
}

/* The session leader's wait status, reading the master meanwhile so that
 * a full terminal buffer cannot block the writer. */
static int
pty_wait(struct pty_run *run)
{
	struct pollfd p = { .fd = run->status_fd, .events = POLLIN };
	int ws;

	while (poll(&p, 1, 0) == 0) {
		ck_assert_msg(remaining_ms(run) > 0,
			      "timed out waiting for the session leader to "
			      "exit; the pty showed: %s", shown(run));
		if (run->master_eof)
			(void) poll(&p, 1, remaining_ms(run));
		else
			pump(run, 10);
	}
	ck_assert_msg(read(run->status_fd, &ws, sizeof(ws)) == sizeof(ws),
		      "the anchor died without a status; the pty showed: %s",
		      shown(run));
	return ws;
}

/* The fields of /proc/<pid>/stat that job control is about; pids as the
 * test's namespace numbers them. */
struct pstat {
	char state;
	pid_t ppid, pgrp, session;
	int tty_nr;
	pid_t tpgid;
};

static struct pstat
proc_stat(pid_t pid)
{
	struct pstat st = { 0 };
	char path[64], buf[1024], *p = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long) pid);
	f = fopen(path, "re");
	ck_assert_msg(f, "no %s", path);
	/* comm may hold spaces and parentheses: the fields start after the
	 * last ')'. */
	if (fgets(buf, sizeof(buf), f))
		p = strrchr(buf, ')');
	fclose(f);
	ck_assert_msg(p && sscanf(p + 1, " %c %d %d %d %d %d", &st.state,
				  &st.ppid, &st.pgrp, &st.session, &st.tty_nr,
				  &st.tpgid) == 6, "cannot parse %s", path);
	return st;
}

/* what: the child's role, for the failure message. */
static pid_t
child_of(pid_t parent, const char *what)
{
	pid_t c = rt_host_child_of(parent);

	ck_assert_msg(c > 0, "no %s: process %ld has no child", what,
		      (long) parent);
	return c;
}

/* ------------------------------------------------------------------ */
/* 1. An interactive shell under the reaper keeps job control           */

START_TEST(shell_job_control)
{
	const char *argv[] = { rt_command_path(), "--", "sh", "-i", NULL };
	struct session s = { .argv = argv, .stdin_fd = -1 };
	struct pty_run run;
	pid_t reaper, shell, job;
	size_t after_intr;
	int ws;

	pty_start(&run, &s);
	expect(&run, PROMPT);
	reaper = child_of(run.anchor, "reaper");
	shell = child_of(reaper, "shell");

	/* cat runs in the foreground: it reads what we type. */
	type(&run, "cat\n");
	type(&run, "line-one\n");
	expect(&run, "line-one");
	expect(&run, "line-one");
	job = child_of(shell, "job");

	type(&run, KEY_SUSP);
	expect(&run, "Stopped");
	expect(&run, PROMPT);
	ck_assert_int_eq(proc_stat(job).state, 'T');
	/* A job of the shell stopped, not COMMAND: the reaper carries on. */
	ck_assert_int_ne(proc_stat(reaper).state, 'T');
	ck_assert_int_eq(tcgetpgrp(run.master), proc_stat(shell).pgrp);

	type(&run, "jobs\n");
	expect(&run, "Stopped");
	expect(&run, PROMPT);

	/* fg names the job it continues. */
	type(&run, "fg\n");
	expect(&run, "cat");
	type(&run, "line-two\n");
	expect(&run, "line-two");
	expect(&run, "line-two");
	ck_assert_int_eq(tcgetpgrp(run.master), job);

	type(&run, KEY_INTR);
	after_intr = run.mark;
	expect(&run, PROMPT);
	type(&run, "echo rc=$?\n");
	expect(&run, "rc=130");
	/* One prompt between ^C and the answer: had the reaper got ^C too
	 * and forwarded it to the shell, the shell would have prompted
	 * again. */
	{
		const char *p = run.out + after_intr;
		int prompts = 0;

		while ((p = strstr(p, PROMPT)) &&
		       p < run.out + run.mark) {
			prompts++;
			p += strlen(PROMPT);
		}
		ck_assert_msg(prompts == 1, "%d prompts after ^C: %s",
			      prompts, shown(&run));
	}
	ck_assert_int_ne(proc_stat(reaper).state, 'T');
	ck_assert_int_eq(proc_stat(shell).ppid, reaper);

	type(&run, "exit 7\n");
	expect(&run, "application exited with 7");
	ws = pty_wait(&run);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 7,
		      "reaper wait status 0x%x; the pty showed: %s", ws,
		      shown(&run));
	/* The reaper's log names every signal it got: ^C never reached it. */
	ck_assert_msg(!strstr(run.out, "SIGINT"), "the reaper got ^C: %s",
		      shown(&run));
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. COMMAND owns the terminal's foreground, in the reaper's session    */

START_TEST(command_owns_foreground)
{
	const char *argv[] = { rt_command_path(), "--", "sh", "-c",
			       "echo READY; read x; exit 5", NULL };
	struct session s = { .argv = argv, .stdin_fd = -1 };
	struct pty_run run;
	struct pstat r, c;
	pid_t reaper, cmd;
	int ws;

	pty_start(&run, &s);
	expect(&run, "READY");
	reaper = child_of(run.anchor, "reaper");
	cmd = child_of(reaper, "COMMAND");
	r = proc_stat(reaper);
	c = proc_stat(cmd);

	ck_assert_int_eq(c.pgrp, cmd);
	ck_assert_int_ne(c.pgrp, r.pgrp);
	ck_assert_int_eq(c.session, r.session);
	ck_assert_int_eq(c.tpgid, c.pgrp);
	ck_assert_int_eq(tcgetpgrp(run.master), cmd);

	type(&run, "\n");
	ws = pty_wait(&run);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 5,
		      "reaper wait status 0x%x; the pty showed: %s", ws,
		      shown(&run));
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. ^C kills COMMAND; outside PID 1 the reaper dies of it as well     */

START_TEST(interrupt_plain_command)
{
	const char *argv[] = { rt_command_path(), "--", "cat", NULL };
	struct session s = { .argv = argv, .stdin_fd = -1 };
	struct pty_run run;
	int ws;

	pty_start(&run, &s);
	/* Seen twice once cat runs, and so has the terminal. */
	type(&run, "line-three\n");
	expect(&run, "line-three");
	expect(&run, "line-three");

	type(&run, KEY_INTR);
	expect(&run, "application killed by SIGINT");
	ws = pty_wait(&run);
	/* reaper(1), EXIT STATUS: outside PID 1 the reaper dies of the signal
	 * that killed COMMAND, without a core of its own. */
	ck_assert_msg(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGINT &&
		      !WCOREDUMP(ws),
		      "reaper wait status 0x%x; the pty showed: %s", ws,
		      shown(&run));
	/* cat alone got ^C: the reaper would log one it got itself. */
	ck_assert_msg(!strstr(run.out, "forwarded SIGINT") &&
		      !strstr(run.out, "not forwarding SIGINT"),
		      "the reaper got ^C: %s", shown(&run));
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. ^Z stops COMMAND and then the reaper; fg and bg continue both     */

/* What the outer shell reports: how the reaper's last wait ended. */
enum outer_event { OUTER_STOPPED, OUTER_EXITED, OUTER_FAILED };

struct outer_msg {
	int event;
	int value;	/* wait status, or errno for OUTER_FAILED */
};

static void
outer_report(const struct session *s, int event, int value)
{
	struct outer_msg m = { event, value };

	(void) !write(s->report_fd, &m, sizeof(m));
}

static void __attribute__((noreturn))
outer_fail(const struct session *s)
{
	outer_report(s, OUTER_FAILED, errno);
	_exit(1);
}

/*
 * What a job-control shell does for "reaper -- cat" typed at its prompt,
 * then for each 'f' (fg) or 'b' (bg) the test sends: reports every stop
 * and the end of the job.
 */
static void __attribute__((noreturn))
outer_shell(const struct session *s)
{
	static const int job_signals[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	pid_t job;
	char cmd;
	int ws;

	/* Else tcsetpgrp() from a background group would stop us. */
	for (size_t i = 0; i < sizeof(job_signals) / sizeof(*job_signals); i++)
		(void) sigaction(job_signals[i], &ign, NULL);
	job = fork();
	if (job < 0)
		outer_fail(s);
	if (job == 0) {
		/* The job takes the foreground before exec, as dash's and
		 * bash's children do, so the reaper finds itself there. Not
		 * the parent as well: done late, it would take the terminal
		 * back from cat, to which the reaper had handed it on. */
		if (setpgid(0, 0) < 0 || tcsetpgrp(0, getpid()) < 0)
			_exit(126);
		for (size_t i = 0;
		     i < sizeof(job_signals) / sizeof(*job_signals); i++)
			(void) sigaction(job_signals[i], &dfl, NULL);
		exec_session(s);
	}
	/* Both sides set the group, so that it exists whichever runs
	 * first; EACCES once the job has exec'd: it did it itself. */
	if (setpgid(job, job) < 0 && errno != EACCES)
		outer_fail(s);
	for (;;) {
		if (waitpid(job, &ws, WUNTRACED) != job)
			outer_fail(s);
		if (!WIFSTOPPED(ws)) {
			outer_report(s, OUTER_EXITED, ws);
			_exit(0);
		}
		/* The shell takes the terminal back, then reports the
		 * stopped job. */
		if (tcsetpgrp(0, getpgrp()) < 0)
			outer_fail(s);
		outer_report(s, OUTER_STOPPED, ws);
		if (read(s->go_fd, &cmd, 1) != 1)
			outer_fail(s);
		if (cmd == 'f' && tcsetpgrp(0, job) < 0)
			outer_fail(s);
		if (kill(-job, SIGCONT) < 0)
			outer_fail(s);
	}
}

static struct outer_msg
outer_next(struct pty_run *run, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct outer_msg m;

	while (poll(&p, 1, 0) == 0) {
		ck_assert_msg(remaining_ms(run) > 0,
			      "timed out waiting for the outer shell; the pty "
			      "showed: %s", shown(run));
		if (run->master_eof)
			(void) poll(&p, 1, remaining_ms(run));
		else
			pump(run, 10);
	}
	ck_assert_int_eq(read(fd, &m, sizeof(m)), sizeof(m));
	ck_assert_msg(m.event != OUTER_FAILED, "outer shell failed: %s",
		      strerror(m.value));
	return m;
}

/* The reaper stopped itself, as it does when COMMAND stops. */
static void
expect_reaper_stopped(struct pty_run *run, int report)
{
	struct outer_msg m = outer_next(run, report);

	ck_assert_msg(m.event == OUTER_STOPPED && WIFSTOPPED(m.value) &&
		      WSTOPSIG(m.value) == SIGSTOP,
		      "outer shell saw event %d status 0x%x, not a stop by "
		      "SIGSTOP; the pty showed: %s", m.event, m.value,
		      shown(run));
}

struct outer_run {
	struct pty_run pty;
	int report;	/* read: struct outer_msg */
	int go;		/* write: 'f' or 'b' */
	pid_t outer, reaper, cat;
};

/* The outer shell runs "reaper -- cat"; returns once cat answers. */
static void
outer_start(struct outer_run *o)
{
	const char *argv[] = { rt_command_path(), "--", "cat", NULL };
	struct session s = { .argv = argv, .fn = outer_shell, .stdin_fd = -1 };
	int report[2], go[2];

	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	s.report_fd = report[1];
	s.go_fd = go[0];
	pty_start(&o->pty, &s);
	(void) close(report[1]);
	(void) close(go[0]);
	o->report = report[0];
	o->go = go[1];

	type(&o->pty, "line-start\n");
	expect(&o->pty, "line-start");
	expect(&o->pty, "line-start");
	o->outer = child_of(o->pty.anchor, "outer shell");
	o->reaper = child_of(o->outer, "reaper");
	o->cat = child_of(o->reaper, "cat");
	ck_assert_int_eq(proc_stat(o->reaper).pgrp, o->reaper);
	ck_assert_int_eq(proc_stat(o->cat).pgrp, o->cat);
	ck_assert_int_eq(tcgetpgrp(o->pty.master), o->cat);
}

/* cat has the terminal: it reads a line and answers; then ^D ends it and
 * the reaper exits 0. */
static void
outer_finish(struct outer_run *o, const char *line)
{
	char typed[64];
	struct outer_msg m;

	snprintf(typed, sizeof(typed), "%s\n", line);
	type(&o->pty, typed);
	expect(&o->pty, line);
	expect(&o->pty, line);
	ck_assert_int_eq(tcgetpgrp(o->pty.master), o->cat);
	ck_assert_int_ne(proc_stat(o->reaper).state, 'T');

	type(&o->pty, KEY_EOF);
	m = outer_next(&o->pty, o->report);
	ck_assert_msg(m.event == OUTER_EXITED && WIFEXITED(m.value) &&
		      WEXITSTATUS(m.value) == 0,
		      "outer shell saw event %d status 0x%x, not exit 0; the "
		      "pty showed: %s", m.event, m.value, shown(&o->pty));
	ck_assert_int_eq(WEXITSTATUS(pty_wait(&o->pty)), 0);
}

START_TEST(stop_and_fg_through_outer_shell)
{
	struct outer_run o;

	outer_start(&o);
	type(&o.pty, KEY_SUSP);
	expect_reaper_stopped(&o.pty, o.report);
	ck_assert_int_eq(proc_stat(o.cat).state, 'T');
	ck_assert_int_eq(proc_stat(o.reaper).state, 'T');

	ck_assert_int_eq(write(o.go, "f", 1), 1);
	outer_finish(&o, "line-after-fg");
}
END_TEST

/*
 * A wrapper that shares the reaper's process group (sh -c 'reaper -- cat;
 * ...', the shell's job) must stop with it: the shell waits for its own
 * child, the wrapper, and would otherwise hang with the terminal. The
 * reaper stops its whole group with one SIGSTOP, so the shell sees the
 * wrapper stopped and the reaper is stopped by then; fg continues all.
 */
START_TEST(stop_and_fg_with_wrapper_in_group)
{
	const char *argv[] = { "/bin/sh", "-c", "\"$0\" -- cat; echo wrapper-done",
			       rt_command_path(), NULL };
	struct session s = { .argv = argv, .fn = outer_shell, .stdin_fd = -1 };
	struct outer_run o;
	struct outer_msg m;
	int report[2], go[2];
	pid_t wrapper;

	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	s.report_fd = report[1];
	s.go_fd = go[0];
	pty_start(&o.pty, &s);
	(void) close(report[1]);
	(void) close(go[0]);
	o.report = report[0];
	o.go = go[1];
	type(&o.pty, "line-start\n");
	expect(&o.pty, "line-start");
	expect(&o.pty, "line-start");
	o.outer = child_of(o.pty.anchor, "outer shell");
	wrapper = child_of(o.outer, "wrapper");
	o.reaper = child_of(wrapper, "reaper");
	o.cat = child_of(o.reaper, "cat");
	ck_assert_int_eq(proc_stat(o.reaper).pgrp, wrapper);
	ck_assert_int_eq(tcgetpgrp(o.pty.master), o.cat);

	type(&o.pty, KEY_SUSP);
	m = outer_next(&o.pty, o.report);
	ck_assert_msg(m.event == OUTER_STOPPED && WIFSTOPPED(m.value) &&
		      WSTOPSIG(m.value) == SIGSTOP,
		      "outer shell saw event %d status 0x%x, not the wrapper "
		      "stopped by SIGSTOP; the pty showed: %s", m.event,
		      m.value, shown(&o.pty));
	/* The one SIGSTOP reached the reaper with the wrapper, but it may
	 * still be on its way to stopping: no event tells a non-parent. */
	while (proc_stat(o.reaper).state != 'T' && remaining_ms(&o.pty) > 0)
		pump(&o.pty, 10);
	ck_assert_int_eq(proc_stat(o.reaper).state, 'T');
	ck_assert_int_eq(proc_stat(o.cat).state, 'T');

	ck_assert_int_eq(write(o.go, "f", 1), 1);
	type(&o.pty, "line-after-fg\n");
	expect(&o.pty, "line-after-fg");
	expect(&o.pty, "line-after-fg");
	ck_assert_int_eq(tcgetpgrp(o.pty.master), o.cat);
	type(&o.pty, KEY_EOF);
	expect(&o.pty, "wrapper-done");
	m = outer_next(&o.pty, o.report);
	ck_assert_msg(m.event == OUTER_EXITED && WIFEXITED(m.value) &&
		      WEXITSTATUS(m.value) == 0,
		      "outer shell saw event %d status 0x%x, not exit 0; the "
		      "pty showed: %s", m.event, m.value, shown(&o.pty));
	ck_assert_int_eq(WEXITSTATUS(pty_wait(&o.pty)), 0);
}
END_TEST

/* bg continues the reaper in the background: it must not take the
 * terminal, so cat's next read stops it with SIGTTIN, and the reaper
 * again; fg then gives cat the terminal. */
START_TEST(bg_leaves_terminal_to_shell)
{
	struct outer_run o;

	outer_start(&o);
	type(&o.pty, KEY_SUSP);
	expect_reaper_stopped(&o.pty, o.report);

	ck_assert_int_eq(write(o.go, "b", 1), 1);
	expect_reaper_stopped(&o.pty, o.report);
	expect(&o.pty, "application stopped by SIGTTIN");
	ck_assert_int_eq(proc_stat(o.cat).state, 'T');

	ck_assert_int_eq(write(o.go, "f", 1), 1);
	outer_finish(&o, "line-after-bg-fg");
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. Without a terminal on stdin, COMMAND leads a session of its own   */

START_TEST(no_terminal_new_session)
{
	const char *argv[] = { rt_command_path(), "--", "sh", "-c",
			       "echo READY; read x; exit 4", NULL };
	int in[2];
	struct session s = { .argv = argv };
	struct pty_run run;
	struct pstat r, c;
	pid_t reaper, cmd;
	int ws;

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	s.stdin_fd = in[0];
	pty_start(&run, &s);
	(void) close(in[0]);
	expect(&run, "READY");
	reaper = child_of(run.anchor, "reaper");
	cmd = child_of(reaper, "COMMAND");
	r = proc_stat(reaper);
	c = proc_stat(cmd);

	/* The reaper has a terminal, in the foreground even: only stdin
	 * decides. */
	ck_assert_int_ne(r.tty_nr, 0);
	ck_assert_int_eq(r.tpgid, r.pgrp);
	ck_assert_int_eq(c.session, cmd);
	ck_assert_int_eq(c.pgrp, cmd);
	ck_assert_int_eq(c.tty_nr, 0);
	ck_assert_int_eq(c.tpgid, -1);

	ck_assert_int_eq(write(in[1], "\n", 1), 1);
	ws = pty_wait(&run);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 4,
		      "reaper wait status 0x%x; the pty showed: %s", ws,
		      shown(&run));
}
END_TEST

/* ------------------------------------------------------------------ */
/* 6. ^Z where no shell could continue the reaper                       */

/*
 * Here the reaper leads the session (as under ssh -t, docker exec -it,
 * setsid -c or a terminal emulator): its process group is orphaned, so
 * the kernel discards ^Z for it (POSIX: nobody could continue it), and a
 * plain "cat" in its place would go on reading. COMMAND's own group is
 * not orphaned (its parent, the reaper, is in the session), so ^Z does
 * stop COMMAND; the terminal must still work afterwards, not be left to
 * a stopped COMMAND and a reaper that stopped itself.
 */
START_TEST(stop_without_job_control_shell)
{
	const char *argv[] = { rt_command_path(), "--", "cat", NULL };
	struct session s = { .argv = argv, .stdin_fd = -1 };
	struct pty_run run;
	pid_t reaper;
	int ws;

	pty_start(&run, &s);
	type(&run, "line-before\n");
	expect(&run, "line-before");
	expect(&run, "line-before");
	reaper = child_of(run.anchor, "reaper");
	ck_assert_int_eq(proc_stat(reaper).session, reaper);

	type(&run, KEY_SUSP);
	type(&run, "line-after\n");
	expect(&run, "line-after");
	expect(&run, "line-after");
	ck_assert_int_ne(proc_stat(reaper).state, 'T');

	type(&run, KEY_EOF);
	ws = pty_wait(&run);
	ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		      "reaper wait status 0x%x; the pty showed: %s", ws,
		      shown(&run));
}
END_TEST

RT_TEST_SUITE(tty, "tty",
	      RT_NEEDS_PIDNS | RT_NEEDS_COMMAND)
{
	TCase *tc = tcase_create("pty");

	tcase_add_checked_fixture(tc, rt_reset_signals, NULL);
	/* Past DEADLINE_MS, so that a hang fails with what the pty showed. */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, shell_job_control);
	tcase_add_test(tc, command_owns_foreground);
	tcase_add_test(tc, interrupt_plain_command);
	tcase_add_test(tc, stop_and_fg_through_outer_shell);
	tcase_add_test(tc, stop_and_fg_with_wrapper_in_group);
	tcase_add_test(tc, bg_leaves_terminal_to_shell);
	tcase_add_test(tc, no_terminal_new_session);
	tcase_add_test(tc, stop_without_job_control_shell);
	suite_add_tcase(s, tc);
}
