/*
 * Owns the held signals of delay.h: their slots, their deadlines, and
 * giving them back as the siginfo they arrived with.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <string.h>

#include "delay.h"

static void
take(struct rp_delay *d, int sig, siginfo_t *out)
{
	memset(out, 0, sizeof(*out));
	out->si_signo = sig;
	out->si_code = d->held[sig].code;
	out->si_pid = d->held[sig].pid;
	out->si_value = d->held[sig].value;
	d->held[sig].due_ns = 0;
	d->n--;
}

bool
rp_delay_hold(struct rp_delay *d, const siginfo_t *si, uint64_t due_ns,
	      siginfo_t *out)
{
	int sig = si->si_signo;

	if (d->held[sig].due_ns) {
		take(d, sig, out);
		return false;
	}
	d->held[sig].due_ns = due_ns ? due_ns : 1;
	d->held[sig].code = si->si_code;
	d->held[sig].pid = si->si_pid;
	d->held[sig].value = si->si_value;
	d->n++;
	return true;
}

uint64_t
rp_delay_next(const struct rp_delay *d)
{
	uint64_t due = 0;

	for (int s = 1; d->n && s < NSIG; s++)
		if (d->held[s].due_ns && (!due || d->held[s].due_ns < due))
			due = d->held[s].due_ns;
	return due;
}

bool
rp_delay_take_due(struct rp_delay *d, uint64_t now_ns, siginfo_t *out)
{
	for (int s = 1; d->n && s < NSIG; s++)
		if (d->held[s].due_ns && d->held[s].due_ns <= now_ns) {
			take(d, s, out);
			return true;
		}
	return false;
}
