/*
 * The argv rebuilt from /proc/self/cmdline (lib/selfexe-argv.c,
 * rp_selfexe_parse_cmdline(), what rp_selfexe_argv() runs on the file's
 * bytes). The input is the file: any bytes, as a program may have
 * rewritten its own cmdline.
 *
 * Beyond "no crash": a cmdline is accepted exactly when it is non-empty
 * and ends with a NUL, and the argv given back is those bytes, one string
 * per NUL, nothing lost or added.
 *
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>

#include "fuzz-common.h"
#include "selfexe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nuls = 0, off = 0, i;
	char **argv = NULL;
	int r;

	r = rp_selfexe_parse_cmdline((const char *) data, size, &argv);
	if (size == 0 || data[size - 1] != '\0') {
		FUZZ_CHECK(r == -ENOENT);
		return 0;
	}
	FUZZ_CHECK(r == 0 && argv);
	for (i = 0; i < size; i++)
		nuls += data[i] == '\0';
	for (i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]) + 1;

		FUZZ_CHECK(off + len <= size);
		FUZZ_CHECK(memcmp(argv[i], data + off, len) == 0);
		off += len;
	}
	FUZZ_CHECK(i == nuls && off == size);
	free(argv);
	return 0;
}
