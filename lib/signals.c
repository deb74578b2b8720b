/*
 * Owns what the engine knows of signals: their names and numbers, the
 * rewrite table, which are forwarded, and the process's signal state
 * across the split (mask and dispositions saved, blocked, restored).
 * Invariant: between
 * rp_signals_block() and the end of the process (reaper) or
 * rp_signals_restore() (failure path), every forwardable signal is blocked,
 * so nothing sent to the reaper is lost or acted on before the supervise
 * loop takes it with sigtimedwait(). A blocked signal is queued even when its
 * disposition is SIG_IGN and even when the reaper is PID 1 of a namespace
 * (kernel/signal.c sig_ignored(): "Blocked signals are never ignored").
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>


#include "fmt.h"
#include "scan.h"
#include "signals.h"
#include "util.h"

/* Names count real-time signals as glibc and procps do, whatever C library
 * built us (musl's SIGRTMIN is 35): "RTMIN+3" here must be the signal the
 * host's `kill -s RTMIN+3` sends. */
#define RP_RTMIN 34
#define RP_RTMAX 64

static const struct {
	const char *name;
	int sig;
} names[] = {
	{ "HUP", SIGHUP },	{ "INT", SIGINT },	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },	{ "TRAP", SIGTRAP },	{ "ABRT", SIGABRT },
	{ "IOT", SIGIOT },	{ "BUS", SIGBUS },	{ "FPE", SIGFPE },
	{ "KILL", SIGKILL },	{ "USR1", SIGUSR1 },	{ "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	{ "PIPE", SIGPIPE },	{ "ALRM", SIGALRM },
	{ "TERM", SIGTERM },	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },	{ "CONT", SIGCONT },	{ "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN },	{ "TTOU", SIGTTOU },
	{ "URG", SIGURG },	{ "XCPU", SIGXCPU },	{ "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },	{ "WINCH", SIGWINCH },
	{ "IO", SIGIO },	{ "POLL", SIGPOLL },	{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* "+N"/"-N" after RTMIN/RTMAX, or nothing. */
static int
parse_rt(const char *rest, int base)
{
	uint64_t off;

	if (*rest == '\0')
		return base;
	if (*rest != '+' && *rest != '-')
		return -EINVAL;
	if (!rp_scan_whole(rest + 1, RP_RTMAX - RP_RTMIN, &off))
		return -EINVAL;
	base += *rest == '+' ? (int) off : -(int) off;
	if (base < RP_RTMIN || base > RP_RTMAX)
		return -EINVAL;
	return base;
}

int
rp_signals_parse(const char *s, bool allow_zero)
{
	uint64_t n;

	if (!s || !*s)
		return -EINVAL;
	if (*s >= '0' && *s <= '9') {
		if (!rp_scan_whole(s, NSIG - 1, &n) || (n == 0 && !allow_zero))
			return -EINVAL;
		return (int) n;
	}
	if (allow_zero && strcasecmp(s, "NONE") == 0)
		return 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN", 5) == 0)
		return parse_rt(s + 5, RP_RTMIN);
	if (strncasecmp(s, "RTMAX", 5) == 0)
		return parse_rt(s + 5, RP_RTMAX);
	for (size_t i = 0; i < ARRAY_LENGTH(names); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	return -EINVAL;
}

const char *
rp_signals_name(int sig, char buf[16])
{
	for (size_t i = 0; i < ARRAY_LENGTH(names); i++)
		if (names[i].sig == sig) {
			rp_fmt_print(buf, 16, "%s", names[i].name);
			return buf;
		}
	if (sig >= RP_RTMIN && sig <= RP_RTMAX)
		rp_fmt_print(buf, 16, "RTMIN+%d", sig - RP_RTMIN);
	else
		rp_fmt_print(buf, 16, "%d", sig);
	return buf;
}

/*
 * Split "A:B[,A:B...]" and hand each pair to one(), which returns 0 or
 * -errno. An empty item or half, or a trailing comma, is -EINVAL:
 * typos to report, not to skip.
 */
static int
each_pair(const char *spec, int (*one)(const char *a, const char *b,
				       void *data), void *data)
{
	const char *p = spec;

	while (*p) {
		char a[32], b[32];
		const char *colon, *end;
		size_t al, bl;
		int r;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (!colon)
			return -EINVAL;
		al = (size_t)(colon - p);
		bl = (size_t)(end - colon - 1);
		if (al == 0 || bl == 0 || al >= sizeof(a) || bl >= sizeof(b))
			return -EINVAL;
		memcpy(a, p, al);
		a[al] = '\0';
		memcpy(b, colon + 1, bl);
		b[bl] = '\0';
		r = one(a, b, data);
		if (r < 0)
			return r;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -EINVAL;	/* trailing comma */
	}
	return 0;
}

static int
rewrite_one(const char *from, const char *to, void *data)
{
	int *table = data;
	int f = rp_signals_parse(from, false), t = rp_signals_parse(to, true);

	if (f < 0 || t < 0)
		return -EINVAL;
	/* Rewriting what we never receive would silently do nothing. */
	if (!rp_signals_forwardable(f) || f == SIGCHLD)
		return -EINVAL;
	table[f] = t;
	return 0;
}

int
rp_signals_parse_rewrite(const char *spec, int table[NSIG])
{
	int tmp[NSIG], r;

	memcpy(tmp, table, sizeof(tmp));
	r = each_pair(spec, rewrite_one, tmp);
	if (r == 0)
		memcpy(table, tmp, sizeof(tmp));
	return r;
}

struct delay_parse {
	unsigned int *table;
	int refused;
};

static int
delay_one(const char *name, const char *ms, void *data)
{
	struct delay_parse *d = data;
	int sig = rp_signals_parse(name, false);
	uint64_t v;

	if (sig < 0 || !rp_scan_whole(ms, RP_DELAY_MAX_MS, &v))
		return -EINVAL;
	/* SIGKILL and SIGSTOP never reach us, and the fault signals and
	 * SIGCHLD are never forwarded: a delay there would do nothing. */
	if (!rp_signals_forwardable(sig) || sig == SIGCHLD) {
		d->refused = sig;
		return -EPERM;
	}
	d->table[sig] = (unsigned int) v;
	return 0;
}

int
rp_signals_parse_delay(const char *spec, unsigned int table[NSIG],
		       int *refused)
{
	unsigned int tmp[NSIG];
	struct delay_parse d = { .table = tmp };
	int r;

	memcpy(tmp, table, sizeof(tmp));
	r = each_pair(spec, delay_one, &d);
	if (r == 0)
		memcpy(table, tmp, sizeof(tmp));
	if (refused)
		*refused = d.refused;
	return r;
}

bool
rp_signals_forwardable(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
	case SIGSEGV:
	case SIGBUS:
	case SIGFPE:
	case SIGILL:
	case SIGTRAP:
	case SIGSYS:
		return false;
	default:
		/* Also 32-34, which the C library keeps for its threads:
		 * someone may still send them (34 is glibc's SIGRTMIN, which
		 * musl reserves), and unblocked they would kill the reaper. */
		return sig >= 1 && sig <= RP_RTMAX;
	}
}

/* sigaddset() and sigprocmask() refuse or silently drop the C library's
 * reserved signals, so the reaper's set and mask go to the kernel as
 * they are. */
static void
ksig_add(sigset_t *set, int sig)
{
	unsigned long *w = (unsigned long *) (void *) set;
	const unsigned int bits = 8 * sizeof(*w);

	w[(unsigned int)(sig - 1) / bits] |= 1UL << ((unsigned int)(sig - 1) % bits);
}

static int
ksig_mask(int how, const sigset_t *set, sigset_t *old)
{
	if (old)
		memset(old, 0, sizeof(*old));
	return syscall(SYS_rt_sigprocmask, how, set, old, RP_KSIGSET_BYTES) < 0
		       ? -errno : 0;
}

void
rp_signals_unblock(int sig)
{
	sigset_t set;

	memset(&set, 0, sizeof(set));
	ksig_add(&set, sig);
	(void) ksig_mask(SIG_UNBLOCK, &set, NULL);
}

static void
blocked_set(sigset_t *set)
{
	memset(set, 0, sizeof(*set));
	for (int s = 1; s < NSIG; s++)
		if (rp_signals_forwardable(s))
			ksig_add(set, s);
}

int
rp_signals_block(struct rp_sigstate *saved, bool fresh_exec, sigset_t *set)
{
	struct sigaction dfl;
	int r;

	blocked_set(set);
	/* Block first: from here on nothing sent to us can act or be lost. */
	r = ksig_mask(SIG_BLOCK, set, &saved->mask);
	if (r < 0)
		return r;
	sigemptyset(&saved->ignored);
	sigemptyset(&saved->caught);
	/* execve() leaves no handler behind, so after one only SIGCHLD's
	 * disposition is worth a system call, not 64 queries at every
	 * start of the command. */
	for (int s = 1; s < NSIG; s++) {
		struct sigaction sa;

		if (fresh_exec && s != SIGCHLD)
			continue;
		if (!rp_signals_forwardable(s) || sigaction(s, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler == SIG_IGN)
			sigaddset(&saved->ignored, s);
		else if (sa.sa_handler != SIG_DFL)
			sigaddset(&saved->caught, s);
		if (s == SIGCHLD)
			saved->chld = sa;
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, NULL) < 0) {
		r = -errno;
		rp_signals_restore(saved);
		return r;
	}
	return 0;
}

void
rp_signals_restore(const struct rp_sigstate *saved)
{
	(void) sigaction(SIGCHLD, &saved->chld, NULL);
	(void) ksig_mask(SIG_SETMASK, &saved->mask, NULL);
}

