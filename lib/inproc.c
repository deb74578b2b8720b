/*
 * In-process reaping (spec section 2): reaper_reap(), reaper_start(),
 * reaper_stop(), reaper_hold(), reaper_release(). Owns the reaper thread
 * and the process-wide state it shares with its callers; its SIGCHLD
 * handler is sigchld.c's, and the public boundary's rules are abi.h's.
 *
 * Invariants:
 *  - The thread sleeps in one blocking read() of an eventfd, with no
 *    timeout: zero wake-ups while idle. The SIGCHLD handler, reaper_stop()
 *    and reaper_release() wake it by writing to that eventfd.
 *  - It needs nothing of the program's signal mask, before or after the
 *    program starts threads: its own mask blocks every signal but SIGCHLD,
 *    so a SIGCHLD always finds a thread to run the handler in, even when
 *    every thread of the program blocks it, and no other signal meant for
 *    the program is ever handled in the reaper thread.
 *  - The SIGCHLD handler (sigchld.c) does no real work: it writes to the
 *    eventfd and chains to the handler the program had.
 *  - Nothing is lost: a child's exit is peeked (waitid WNOWAIT), delivered
 *    (status_fd, then on_reap), and only then reaped. A slow consumer makes
 *    reaping wait: zombies wait, no record is dropped. A stop while a
 *    record cannot be written leaves that child a zombie, so its status
 *    still goes to the next reaper, or to the program's own wait.
 *  - Every wake-up drains until nothing is ready: the kernel coalesces
 *    SIGCHLDs (catatonit#4).
 *  - No allocation and no stdio in the loop; the mutex is only ever held
 *    around one waitid(WNOHANG), never while blocking.
 *  - Holds: the hold count is checked and the next child peeked under one
 *    mutex, so once reaper_hold() has returned the thread picks up no child
 *    that exits later. A child peeked before stays pinned by a pidfd, so
 *    the reap that follows its delivery can never hit a recycled pid.
 *  - fork() copies this state but not the thread: every entry point first
 *    notices a changed pid and drops what the child inherited
 *    (forget_parent()), so a child never believes its parent's thread runs.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reaper.h"
#include "abi.h"
#include "inproc.h"
#include "log.h"
#include "pidfd.h"
#include "sigchld.h"
#include "util.h"

/* The struct as released in 0.1; smaller sizes are not a valid caller. */
#define RP_CONFIG_SIZE_V0_1 RP_ABI_SIZE_TO(struct reaper_config, on_reap_data)

RP_ABI_HEAD_CHECK(struct reaper_config);

#define RP_START_FLAGS (REAPER_START_ALWAYS | REAPER_SUBREAPER | REAPER_DEBUG)

/* wait4() options a reaper can honour. WUNTRACED and WCONTINUED report
 * events that are not exits: a stop's status can change before it is
 * consumed, which the peek-deliver-reap order (see the file comment) cannot
 * allow. __WNOTHREAD would limit the wait to the reaper thread's own
 * children, of which it has none. */
#define RP_WAIT_OPTIONS (WNOHANG | __WALL | __WCLONE)

/* waitid(P_PIDFD, ...), Linux 5.4: an enumerator, not a macro, in glibc,
 * and missing from older headers. */
#define RP_P_PIDFD ((idtype_t) 3)

int
rp_inproc_load(const struct reaper_config *config,
	       struct rp_inproc_config *cfg)
{
	struct reaper_config c;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	rp_log_defaults(&cfg->log);
	cfg->pid = -1;
	cfg->status_fd = -1;
	r = rp_abi_copy(&c, sizeof(c), config, RP_CONFIG_SIZE_V0_1,
			RP_START_FLAGS);
	if (r < 0)
		return r;
	/* First, so that a failure below is logged as the caller asked. */
	if (c.flags & REAPER_DEBUG)
		cfg->log.debug = true;
	cfg->start_always = c.flags & REAPER_START_ALWAYS;
	cfg->subreaper = c.flags & REAPER_SUBREAPER;
	/* -INT_MIN, the process group, does not exist. 0 is the default,
	 * which is -1 and not wait4's "my process group": zero must mean the
	 * default in every field (reaper.h). */
	if (c.pid == INT_MIN)
		return -EINVAL;
	if (c.pid)
		cfg->pid = c.pid;
	if (c.options & ~RP_WAIT_OPTIONS)
		return -EINVAL;
	cfg->options = c.options & ~WNOHANG;
	/* 0 means none: a write end is never fd 0 unless dup2()ed there, as
	 * pipe2() and socketpair() give the lower number to the first fd. */
	if (c.status_fd < 0)
		return -EINVAL;
	if (c.status_fd > 0)
		cfg->status_fd = c.status_fd;
	cfg->on_reap = c.on_reap;
	cfg->on_reap_data = c.on_reap_data;
	return 0;
}

enum state {
	IDLE,
	RUNNING,
	STOPPING,	/* reaper_stop() is joining the thread */
};

static struct {
	/* Guards state and holds, and makes "check holds, peek" one step.
	 * Never held while blocking (not in delivery, not in join). */
	pthread_mutex_t lock;
	enum state state;
	unsigned int holds;	/* of every thread of this process */
	/* Set by start() before the thread exists, read by it, reset by
	 * stop() after the join: no lock needed. */
	pthread_t thread;
	struct rp_inproc_config cfg;
	idtype_t idtype;	/* cfg.pid as waitid() wants it */
	id_t id;
	int wake_fd;		/* eventfd, -1 when idle */
	int status_fd;		/* our duplicate of cfg.status_fd, or -1 */
	bool status_broken;	/* written only by the thread */
	bool set_subreaper;	/* we turned PR_SET_CHILD_SUBREAPER on */
	sem_t running;		/* posted by the thread once it runs our code */
} rs = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake_fd = -1,
	.status_fd = -1,
};

/* Holds taken by the calling thread: the part of rs.holds that survives
 * fork(), which copies only the calling thread. */
static _Thread_local unsigned int my_holds;

/* The process the state above belongs to; 0 before the first call. */
static atomic_int home;
static atomic_bool stopping;

static void
wake(int fd)
{
	uint64_t one = 1;

	/* An eventfd write fails only when the counter would overflow
	 * 2^64 - 2, which one wake-up per event cannot reach. */
	if (write(fd, &one, sizeof(one)) < 0) {
		/* nothing to do: the thread is already due to wake */
	}
}

/* Forget the fd first, close it second: a fork() in between leaves the
 * child a leaked CLOEXEC copy rather than the number of a reused fd that
 * its forget_parent() would close. */
static void
drop_fd(int *fd)
{
	int f = *fd;

	*fd = -1;
	if (f >= 0)
		(void) close(f);
}

/* The wait status the kernel will give wait4() for this exited child. */
static int
wait_status(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	case CLD_KILLED:
	default:		/* only exits are waited for */
		return si->si_status & 0x7f;
	}
}

/*
 * Write one record to status_fd, waiting while the consumer is slow.
 * Returns 0 (written, or the channel is dead and said so), or -ECANCELED
 * when reaper_stop() came first: the child is then left unreaped.
 */
static int
write_record(const struct reaper_status *rec)
{
	for (;;) {
		ssize_t n = write(rs.status_fd, rec, sizeof(*rec));

		if (n == (ssize_t) sizeof(*rec))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p[2] = {
				{ .fd = rs.status_fd, .events = POLLOUT },
				{ .fd = rs.wake_fd, .events = POLLIN },
			};
			uint64_t ticks;

			if (TEMP_FAILURE_RETRY_NEG(poll(p, 2, -1)) < 0) {
				n = -1;	/* ENOMEM: give up on the channel */
				goto broken;
			}
			if (p[1].revents & POLLIN) {
				/* SIGCHLDs too: the drain goes on after. */
				(void) TEMP_FAILURE_RETRY_NEG(read(rs.wake_fd,
					&ticks, sizeof(ticks)));
				if (atomic_load(&stopping))
					return -ECANCELED;
			}
			continue;	/* also POLLERR: write says why */
		}
broken:
		/* The reader closed its end (EPIPE: SIGPIPE stays pending in
		 * this thread, which blocks it) or a record was split. Keep
		 * reaping, since a reaper that stopped would fill the process
		 * table, but never silently. */
		rs.status_broken = true;
		rp_log_always(rs.cfg.log.prefix, "status_fd: %s; no more "
			      "records are written there",
			      n < 0 ? strerror(errno) : "short write");
		return 0;
	}
}

static int
deliver(const struct reaper_status *rec)
{
	int r;

	/* The fd first: it is the one that can wait, and be cancelled, and
	 * the callback must not see a child twice. */
	if (rs.status_fd >= 0 && !rs.status_broken) {
		r = write_record(rec);
		if (r < 0)
			return r;
	}
	if (rs.cfg.on_reap)
		rs.cfg.on_reap(rec->pid, rec->status, 0, rs.cfg.on_reap_data);
	return 0;
}

/* Reap the delivered child, through its pidfd when we have one. */
static void
reap(const struct reaper_status *rec, int pidfd)
{
	int flags = WEXITED | WNOHANG | rs.cfg.options;
	siginfo_t si;
	int r = -1;

	memset(&si, 0, sizeof(si));
	if (pidfd >= 0) {
		r = TEMP_FAILURE_RETRY_NEG(waitid(RP_P_PIDFD, (id_t) pidfd,
						  &si, flags));
		(void) close(pidfd);
	}
	/* No pidfd, or a 5.3 kernel that has pidfd_open() but not P_PIDFD:
	 * the pid is still ours, as its zombie was not reaped. */
	if (r < 0 && (pidfd < 0 || errno == EINVAL))
		r = TEMP_FAILURE_RETRY_NEG(waitid(P_PID, (id_t) rec->pid, &si,
						  flags));
	if (r < 0 || si.si_pid != rec->pid)
		rp_log(&rs.cfg.log, "%ld was reaped by the program's own wait",
		       (long) rec->pid);
	else
		rp_log(&rs.cfg.log, "reaped %ld (status 0x%x)", (long) rec->pid,
		       rec->status);
}

/* Reap and report every child that is ready, unless held or stopping. */
static void
drain(void)
{
	while (!atomic_load(&stopping)) {
		struct reaper_status rec;
		siginfo_t si;
		int r, pidfd;

		pthread_mutex_lock(&rs.lock);
		if (rs.holds) {
			pthread_mutex_unlock(&rs.lock);
			rp_log(&rs.cfg.log, "held: not reaping");
			return;
		}
		memset(&si, 0, sizeof(si));
		r = TEMP_FAILURE_RETRY_NEG(waitid(rs.idtype, rs.id, &si,
			WEXITED | WNOHANG | WNOWAIT | rs.cfg.options));
		r = r < 0 ? -errno : 0;
		pthread_mutex_unlock(&rs.lock);
		if (r < 0) {
			/* ECHILD: none (left) of the children we wait for. */
			if (r != -ECHILD)
				rp_log(&rs.cfg.log, "waitid: %s", strerror(-r));
			return;
		}
		if (si.si_pid == 0)
			return;		/* children, none of them exited */
		rec.pid = si.si_pid;
		rec.status = wait_status(&si);
		/* Pin the zombie: should the program's own wait take it
		 * while we deliver (the caveat), the pid could be reused. */
		pidfd = rp_pidfd_open(rec.pid);
		if (deliver(&rec) < 0) {
			if (pidfd >= 0)
				(void) close(pidfd);
			return;
		}
		reap(&rec, pidfd);
	}
}

static void *
reaper_thread(void *arg)
{
	sigset_t chld;
	uint64_t ticks;
	ssize_t n;

	(void) arg;
	/* Created with every signal blocked (see start()). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	(void) pthread_sigmask(SIG_UNBLOCK, &chld, NULL);
	(void) sem_post(&rs.running);
	/* Children that exited before our handler was there. */
	drain();
	while (!atomic_load(&stopping)) {
		/* The handler may interrupt this very read (SIGCHLD is
		 * unblocked here): EINTR, and the counter is set anyway. */
		n = TEMP_FAILURE_RETRY_NEG(read(rs.wake_fd, &ticks,
						sizeof(ticks)));
		if (n < 0) {
			/* Cannot happen on an eventfd with an 8-byte
			 * buffer; spinning would be worse than stopping. */
			rp_log_always(rs.cfg.log.prefix, "reaper thread: "
				      "eventfd: %s; no longer reaping",
				      strerror(errno));
			break;
		}
		drain();
	}
	return NULL;
}

/*
 * In a child made by fork(), the state is a copy and the thread is not:
 * drop what was inherited (the parent's SIGCHLD handler, its fd copies,
 * the lock another thread may have held) so that the child starts from
 * scratch, keeping only the holds of the thread that forked. fork() does
 * not pass the subreaper attribute on, so there is nothing to undo there.
 * The first call of the child does this; later ones see their own pid.
 */
static void
forget_parent(void)
{
	int me = (int) getpid();
	int was = atomic_load(&home);

	if (was == me)
		return;
	if (!atomic_compare_exchange_strong(&home, &was, me) || was == 0)
		return;		/* first call ever, or another thread's */
	/* Re-initialising a mutex that may be locked is what fork() leaves
	 * us: its owner does not exist in this process. */
	pthread_mutex_init(&rs.lock, NULL);
	rp_sigchld_forget(rs.state != IDLE);
	if (rs.state != IDLE) {
		drop_fd(&rs.wake_fd);
		drop_fd(&rs.status_fd);
	}
	atomic_store(&stopping, false);
	rs.state = IDLE;
	rs.set_subreaper = false;
	rs.holds = my_holds;
}

bool
rp_inproc_running(void)
{
	bool running;

	forget_parent();
	pthread_mutex_lock(&rs.lock);
	running = rs.state != IDLE;
	pthread_mutex_unlock(&rs.lock);
	return running;
}

/* The thread of a running reaper, for the checks in reaper_stop(). */
static bool
in_reaper_thread(void)
{
	return rs.state != IDLE && pthread_equal(pthread_self(), rs.thread);
}

/* Errors: -EBUSY, -errno of eventfd, fcntl, prctl, sigaction,
 * pthread_create (-EAGAIN), -EBADF for a status_fd not open for writing. */
static int
start(const struct rp_inproc_config *cfg)
{
	sigset_t all, old;
	int was_subreaper = 0, r;

	pthread_mutex_lock(&rs.lock);
	if (rs.state != IDLE) {
		r = -EBUSY;
		goto unlock;
	}
	/* Also when nothing starts: a failing reaper_stop() then logs as
	 * this call asked. */
	rs.cfg.log = cfg->log;
	/* go-reaper's Reap(): outside PID 1, nothing to do. */
	if (!cfg->start_always && getpid() != 1) {
		rp_log(&rs.cfg.log, "not PID 1 (pid %ld): reaper thread not "
		       "started (REAPER_START_ALWAYS starts it anyway)",
		       (long) getpid());
		r = 0;
		goto unlock;
	}
	rs.cfg = *cfg;
	if (cfg->pid == -1) {
		rs.idtype = P_ALL;
		rs.id = 0;
	} else if (cfg->pid < -1) {
		rs.idtype = P_PGID;
		rs.id = (id_t) -cfg->pid;
	} else {
		rs.idtype = P_PID;
		rs.id = (id_t) cfg->pid;
	}
	rs.status_broken = false;
	rs.set_subreaper = false;

	rs.wake_fd = eventfd(0, EFD_CLOEXEC);
	if (rs.wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	if (cfg->status_fd >= 0) {
		int fl = fcntl(cfg->status_fd, F_GETFL);

		if (fl < 0) {
			r = -errno;
			goto fail;
		}
		if ((fl & O_ACCMODE) == O_RDONLY) {
			r = -EBADF;
			goto fail;
		}
		/* Our own copy: the caller may close theirs, so that the
		 * reader sees EOF once we stop. Non-blocking, so that a stop
		 * can interrupt a wait for a slow reader. */
		rs.status_fd = fcntl(cfg->status_fd, F_DUPFD_CLOEXEC, 3);
		if (rs.status_fd < 0 ||
		    fcntl(rs.status_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			r = -errno;
			goto fail;
		}
	}
	if (cfg->subreaper) {
		if (prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper) < 0 ||
		    (!was_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)) {
			r = -errno;
			goto fail;
		}
		rs.set_subreaper = !was_subreaper;
	}

	atomic_store(&stopping, false);
	r = rp_sigchld_install(rs.wake_fd);
	if (r < 0)
		goto fail;
	/* The thread inherits this mask and opens SIGCHLD alone: no signal
	 * of the program's can reach it in between. The caller's own mask is
	 * back as it was before we return. */
	sigfillset(&all);
	(void) sem_init(&rs.running, 0, 0);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&rs.thread, NULL, reaper_thread, NULL);
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		(void) rp_sigchld_remove();
		goto fail;
	}
	/* Return only once the thread runs our code (which allocates
	 * nothing): its start-up in the C library or a sanitizer runtime
	 * may hold allocator locks, which a fork() right after our return
	 * would leave locked forever in the child (seen with ASan). Posted
	 * before the thread takes rs.lock, which we hold. */
	while (sem_wait(&rs.running) < 0 && errno == EINTR)
		;
	(void) sem_destroy(&rs.running);
	rs.state = RUNNING;
	rp_log(&rs.cfg.log, "reaper thread started (wait4 pid %ld, options "
	       "0x%x%s%s%s)", (long) cfg->pid, (unsigned) cfg->options,
	       rs.set_subreaper ? ", subreaper" : "",
	       rs.status_fd >= 0 ? ", status_fd" : "",
	       cfg->on_reap ? ", on_reap" : "");
	pthread_mutex_unlock(&rs.lock);
	return 0;

fail:
	if (rs.set_subreaper)
		(void) prctl(PR_SET_CHILD_SUBREAPER, 0);
	rs.set_subreaper = false;
	drop_fd(&rs.status_fd);
	drop_fd(&rs.wake_fd);
unlock:
	pthread_mutex_unlock(&rs.lock);
	return r;
}

/* Errors: -EINVAL (not running in this process), -EDEADLK (from the
 * reaper thread: it would join itself). */
static int
stop(void)
{
	pthread_mutex_lock(&rs.lock);
	if (rs.state != RUNNING) {
		pthread_mutex_unlock(&rs.lock);
		return -EINVAL;
	}
	if (in_reaper_thread()) {
		pthread_mutex_unlock(&rs.lock);
		return -EDEADLK;
	}
	rs.state = STOPPING;
	atomic_store(&stopping, true);
	pthread_mutex_unlock(&rs.lock);

	wake(rs.wake_fd);
	/* Returns once the thread has finished the reap it was in, or given
	 * up a delivery it was waiting for: no wait for a slow consumer. */
	(void) pthread_join(rs.thread, NULL);
	if (!rp_sigchld_remove())
		rp_log(&rs.cfg.log, "SIGCHLD handler replaced by the program: "
		       "left as it is");
	drop_fd(&rs.wake_fd);
	drop_fd(&rs.status_fd);
	if (rs.set_subreaper)
		(void) prctl(PR_SET_CHILD_SUBREAPER, 0);
	rs.set_subreaper = false;

	pthread_mutex_lock(&rs.lock);
	rs.state = IDLE;
	pthread_mutex_unlock(&rs.lock);
	rp_log(&rs.cfg.log, "reaper thread stopped");
	return 0;
}

/* Errors: -EOVERFLOW. */
static int
hold(void)
{
	int r = 0;

	pthread_mutex_lock(&rs.lock);
	if (rs.holds == UINT_MAX)
		r = -EOVERFLOW;
	else
		rs.holds++;
	pthread_mutex_unlock(&rs.lock);
	if (r == 0)
		my_holds++;
	return r;
}

/* Errors: -EINVAL (this thread holds nothing). */
static int
release(void)
{
	if (!my_holds)
		return -EINVAL;
	my_holds--;
	pthread_mutex_lock(&rs.lock);
	/* Whatever exited meanwhile was only counted by the eventfd, or not
	 * at all (a SIGCHLD while held was consumed): drain now. */
	if (--rs.holds == 0 && rs.state == RUNNING)
		wake(rs.wake_fd);
	pthread_mutex_unlock(&rs.lock);
	return 0;
}

/* The public boundary: a failure is logged (with debug on), then
 * returned as -1 with errno; success is 0. */
static int
public_result(int r, const struct rp_log *log, const char *what)
{
	if (r >= 0)
		return 0;
	rp_log(log, "%s: %s", what, strerror(-r));
	return rp_abi_result(r);
}

REAPER_EXPORT int
reaper_start(const struct reaper_config *config)
{
	struct rp_inproc_config cfg;
	int r;

	forget_parent();
	r = rp_inproc_load(config, &cfg);
	if (r >= 0)
		r = start(&cfg);
	return public_result(r, &cfg.log, "cannot start the reaper thread");
}

REAPER_EXPORT int
reaper_reap(void)
{
	return reaper_start(NULL);
}

REAPER_EXPORT int
reaper_stop(void)
{
	forget_parent();
	return public_result(stop(), &rs.cfg.log, "reaper_stop");
}

REAPER_EXPORT int
reaper_hold(void)
{
	forget_parent();
	return public_result(hold(), &rs.cfg.log, "reaper_hold");
}

REAPER_EXPORT int
reaper_release(void)
{
	forget_parent();
	return public_result(release(), &rs.cfg.log, "reaper_release");
}
