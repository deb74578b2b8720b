/*
 * The public ABI's two rules, kept in one place for every entry point
 * (reaper_fork_self*() in reaper.c, reaper_start() and the rest in
 * inproc.c):
 *  - a size-first struct (struct reaper_options, struct reaper_config) is
 *    copied as the kernel's copy_struct_from_user() copies: an older,
 *    shorter struct takes zeros (the defaults) for the fields it lacks; a
 *    newer, longer one is accepted only if every byte we do not know is
 *    zero. Each starts with its size and its flags (struct rp_abi_head),
 *    and a flag we do not know is refused;
 *  - inside lib/ a call returns >= 0 or -errno; a public call returns -1
 *    with errno set, and rp_abi_result() is where one becomes the other.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RP_ABI_H
#define RP_ABI_H

#include <stddef.h>

/* How every public options struct starts; each checks its own layout
 * against it (RP_ABI_HEAD_CHECK()). */
struct rp_abi_head {
	size_t size;
	unsigned int flags;
};

#define RP_ABI_HEAD_CHECK(type)						\
	_Static_assert(offsetof(type, size) == 0 &&			\
		       offsetof(type, flags) ==				\
		       offsetof(struct rp_abi_head, flags),		\
		       #type " starts with size and flags")

/* The size of TYPE up to and including FIELD: a release's struct size. */
#define RP_ABI_SIZE_TO(type, field) \
	(offsetof(type, field) + sizeof(((type *) 0)->field))

/*
 * Copy the caller's struct src (NULL: all defaults) into dst (dst_size
 * bytes, ours), zero-filling what src lacks.
 * Errors: -EINVAL (src smaller than min_size, the first release's size,
 * or a flag outside known_flags), -E2BIG (a non-zero byte past dst_size).
 */
int rp_abi_copy(void *dst, size_t dst_size, const void *src,
		size_t min_size, unsigned int known_flags);

/* r as a public call returns it: r itself when >= 0, else -1 with
 * errno = -r. */
int rp_abi_result(int r);

#endif
