/*
 * What bench-work's storm writes back to bench-driver, through a pipe
 * between two processes built by the same compiler.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef BENCH_WORK_H
#define BENCH_WORK_H

#include <stdint.h>

struct storm_report {
	uint64_t start_ns;	/* CLOCK_MONOTONIC, first fork */
	uint64_t forked_ns;	/* last orphan made */
	uint64_t done_ns;	/* last orphan reaped */
	uint32_t orphans;
	uint32_t peak_unreaped;	/* orphans made but not yet reaped, at most */
};

#endif
