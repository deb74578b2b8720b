/*
 * Delayed signals (--delay-signal, delay_signal): each held with its
 * deadline until it is due or a copy of it arrives. No allocation: one
 * slot per signal, in the caller's struct.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_DELAY_H
#define RP_DELAY_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rp_delay {
	unsigned int n;			/* slots in use */
	struct {
		uint64_t due_ns;	/* CLOCK_MONOTONIC; 0: not held */
		/* What forwarding needs of the siginfo: who sent it, and
		 * sigqueue()'s payload. */
		int code;
		pid_t pid;
		union sigval value;
	} held[NSIG];
};

/*
 * si arrived and is to be held until due_ns. Returns true when it is.
 * When a copy is held already, returns false with that copy in *out: the
 * caller forwards it, then si, so that N copies in are N copies out, in
 * order, and the next copy starts a new delay.
 */
bool rp_delay_hold(struct rp_delay *d, const siginfo_t *si, uint64_t due_ns,
		   siginfo_t *out);

/* The earliest deadline, 0 when nothing is held. */
uint64_t rp_delay_next(const struct rp_delay *d);

/* Take one held signal whose deadline is at or before now_ns into *out;
 * false when none is. */
bool rp_delay_take_due(struct rp_delay *d, uint64_t now_ns, siginfo_t *out);

#endif
