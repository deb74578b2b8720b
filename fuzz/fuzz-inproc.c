/*
 * reaper_start()'s size-first config (lib/inproc.c, rp_inproc_load()):
 * a struct reaper_config of any size a caller may pass, with any values,
 * in a heap block of exactly that size (AddressSanitizer: no read past
 * what the caller declared). Nothing is started.
 *
 * Input: byte 0 the size (0 to sizeof + 48), byte 1 whether on_reap is
 * set, then the struct's bytes. on_reap is never taken from the input.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <sys/wait.h>

#include "fuzz-common.h"
#include "inproc.h"
#include "reaper.h"

#define FUZZ_TAIL 48
#define SIZE_V0_1 (offsetof(struct reaper_config, on_reap_data) + \
		   sizeof(void *))

static void
on_reap(pid_t pid, int status, unsigned int flags, void *data)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reaper_config c;
	struct rp_inproc_config cfg;
	size_t csize, alloc, img, off = offsetof(struct reaper_config, on_reap);
	unsigned char *buf;
	bool tail_set = false;
	int r;

	if (size < 2)
		return 0;
	csize = data[0] % (sizeof(c) + FUZZ_TAIL + 1);
	alloc = csize < sizeof(size_t) ? sizeof(size_t) : csize;
	buf = calloc(1, alloc);
	FUZZ_CHECK(buf);
	img = size - 2 < csize ? size - 2 : csize;
	memcpy(buf, data + 2, img);
	memcpy(buf, &csize, sizeof(size_t));
	if (off + sizeof(c.on_reap) <= csize) {
		void (*fn)(pid_t, int, unsigned int, void *) =
			(data[1] & 1) ? on_reap : NULL;

		memcpy(buf + off, &fn, sizeof(fn));
	}

	r = rp_inproc_load((const struct reaper_config *) buf, &cfg);

	for (size_t i = sizeof(c); i < csize; i++)
		tail_set |= buf[i] != 0;
	memset(&c, 0, sizeof(c));
	memcpy(&c, buf, csize < sizeof(c) ? csize : sizeof(c));
	if (csize < SIZE_V0_1)
		FUZZ_CHECK(r == -EINVAL);
	else if (tail_set)
		FUZZ_CHECK(r == -E2BIG);
	else
		FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		FUZZ_CHECK(cfg.pid != 0 && cfg.pid != INT_MIN);
		FUZZ_CHECK(cfg.pid == (c.pid ? c.pid : -1));
		FUZZ_CHECK(!(cfg.options & ~(__WALL | __WCLONE)));
		FUZZ_CHECK(cfg.status_fd == (c.status_fd ? c.status_fd : -1));
		FUZZ_CHECK(cfg.status_fd != 0 && cfg.status_fd >= -1);
		FUZZ_CHECK(cfg.start_always ==
			   (bool) (c.flags & REAPER_START_ALWAYS));
		FUZZ_CHECK(cfg.on_reap == c.on_reap);
	}
	free(buf);
	return 0;
}
