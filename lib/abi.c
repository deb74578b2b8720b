/*
 * Owns the public ABI's rules (abi.h): the size-first struct copy and the
 * -errno to errno conversion at the boundary.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "abi.h"

int
rp_abi_copy(void *dst, size_t dst_size, const void *src, size_t min_size,
	    unsigned int known_flags)
{
	struct rp_abi_head head;

	memset(dst, 0, dst_size);
	if (!src)
		return 0;
	/* The size alone first: a caller's struct may end right after it,
	 * and nothing past its size is ours to read. */
	memcpy(&head.size, src, sizeof(head.size));
	if (head.size < min_size || head.size < sizeof(head))
		return -EINVAL;
	memcpy(&head, src, sizeof(head));
	/* E2BIG before a flag is judged, as the kernel orders them: a newer
	 * caller's struct is refused for its size, whatever it sets. */
	for (size_t i = dst_size; i < head.size; i++)
		if (((const unsigned char *) src)[i])
			return -E2BIG;
	if (head.flags & ~known_flags)
		return -EINVAL;
	memcpy(dst, src, head.size < dst_size ? head.size : dst_size);
	return 0;
}

int
rp_abi_result(int r)
{
	if (r >= 0)
		return r;
	errno = -r;
	return -1;
}
