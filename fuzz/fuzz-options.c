/*
 * The size-first options ABI (lib/options.c, rp_options_load()): a struct
 * reaper_options of any size a caller may pass, older, current or newer,
 * with any field values. The library reads exactly opts->size bytes; the
 * struct is a heap block of that size, so AddressSanitizer catches a read
 * past what the caller declared.
 *
 * Input: byte 0 the size (0 to sizeof + 48), byte 1 which pointers are
 * set (marker, rewrite, on_reap), then the struct's bytes as the caller's
 * memory holds them, then "marker\nrewrite". Pointer fields are never
 * taken from the input: they point at the strings (or are NULL).
 *
 * Beyond "no crash": the errors are the documented ones for the
 * documented reasons, and an accepted configuration holds what was asked.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>

#include "fuzz-common.h"
#include "signals.h"
#include "options.h"
#include "reaper.h"

#define FUZZ_TAIL 48
#define SIZE_V0_1 (offsetof(struct reaper_options, on_reap_data) + \
		   sizeof(void *))

static void
on_reap(pid_t pid, int status, unsigned int flags, void *data)
{
}

/* Store a pointer field only where the caller's struct has it. */
#define PUT(buf, size, field, value)					\
	do {								\
		__typeof__(((struct reaper_options *) 0)->field) _v = (value); \
		size_t _off = offsetof(struct reaper_options, field);	\
		if (_off + sizeof(_v) <= (size))			\
			memcpy((buf) + _off, &_v, sizeof(_v));		\
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reaper_options o;
	struct rp_config cfg;
	size_t osize, alloc, img, n;
	unsigned char *buf;
	char **strs;
	bool tail_set = false;
	int r;

	if (size < 2)
		return 0;
	osize = data[0] % (sizeof(o) + FUZZ_TAIL + 1);
	alloc = osize < sizeof(size_t) ? sizeof(size_t) : osize;
	buf = calloc(1, alloc);
	FUZZ_CHECK(buf);
	img = size - 2 < osize ? size - 2 : osize;
	memcpy(buf, data + 2, img);
	strs = fuzz_split(data + 2 + img, size - 2 - img, '\n', 3, &n);

	memcpy(buf, &osize, sizeof(size_t));
	PUT(buf, osize, marker, (data[1] & 1) && n > 0 ? strs[0] : NULL);
	PUT(buf, osize, rewrite, (data[1] & 2) && n > 1 ? strs[1] : NULL);
	PUT(buf, osize, on_reap, (data[1] & 4) ? on_reap : NULL);
	PUT(buf, osize, delay_signal, (data[1] & 8) && n > 2 ? strs[2] : NULL);

	r = rp_options_load((const struct reaper_options *) buf, &cfg);

	for (size_t i = sizeof(o); i < osize; i++)
		tail_set |= buf[i] != 0;
	memset(&o, 0, sizeof(o));
	memcpy(&o, buf, osize < sizeof(o) ? osize : sizeof(o));
	if (osize < SIZE_V0_1)
		FUZZ_CHECK(r == -EINVAL);
	else if (tail_set)
		FUZZ_CHECK(r == -E2BIG);
	else
		FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		FUZZ_CHECK(!(o.flags & ~(REAPER_SPLIT_ALWAYS | REAPER_SUBREAPER |
					 REAPER_DEBUG | REAPER_SIGNAL_GROUP |
					 REAPER_NO_CONTINUE |
					 REAPER_WAIT_LEFTOVERS)));
		FUZZ_CHECK(strcmp(cfg.marker, o.marker ? o.marker
						       : "REAPER") == 0);
		FUZZ_CHECK(cfg.pdeathsig == o.pdeathsig);
		FUZZ_CHECK(cfg.pdeathsig >= 0 && cfg.pdeathsig < NSIG);
		FUZZ_CHECK(cfg.grace_ms == o.grace_ms);
		FUZZ_CHECK(cfg.subreaper == (bool) (o.flags & REAPER_SUBREAPER ||
						    o.flags &
						    REAPER_WAIT_LEFTOVERS ||
						    o.grace_ms));
		/* A pointer the caller's size cuts short is no pointer. */
		FUZZ_CHECK(cfg.delay_from_env ==
			   (osize < offsetof(struct reaper_options,
					     delay_signal) + sizeof(char *) ||
			    !o.delay_signal));
		for (int s = 0; s < NSIG; s++)
			FUZZ_CHECK(cfg.delay_ms[s] <= RP_DELAY_MAX_MS);
		FUZZ_CHECK(memcmp(cfg.exit_zero, o.exit_zero,
				  sizeof(o.exit_zero)) == 0);
		FUZZ_CHECK(cfg.on_reap == o.on_reap);
		for (int s = 0; s < NSIG; s++)
			FUZZ_CHECK(cfg.rewrite[s] >= 0 && cfg.rewrite[s] < NSIG);
	}
	fuzz_free(strs, n);
	free(buf);
	return 0;
}
