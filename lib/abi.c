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
rp_abi_copy(void *dst, size_t dst_size, const void *src, size_t min_size)
{
	size_t size;

	memcpy(&size, src, sizeof(size));
	if (size < min_size)
		return -EINVAL;
	for (size_t i = dst_size; i < size; i++)
		if (((const unsigned char *) src)[i])
			return -E2BIG;
	memset(dst, 0, dst_size);
	memcpy(dst, src, size < dst_size ? size : dst_size);
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
