/*
 * The installed header from C++ (-std=c++11 -pedantic -Werror): extern "C"
 * linkage (the link fails on a mangled name), no C-only syntax, the struct
 * and REAPER_EXIT_ZERO() usable. REAPER_OPTIONS() is C99 only; C++ zeroes
 * the struct and sets size by hand, as the header documents.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cstring>

#include <reaper.h>

int
main()
{
	struct reaper_options o;
	int (*fork_self)(void) = reaper_fork_self;
	int (*fork_opts)(const struct reaper_options *) =
		reaper_fork_self_opts;

	std::memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = REAPER_SUBREAPER | REAPER_SIGNAL_GROUP;
	o.marker = "MY_MARK";
	o.rewrite = "TERM:QUIT";
	o.on_reap = 0;
	REAPER_EXIT_ZERO(&o, 3);
	/* Addresses only: calling could split and re-execute this program. */
	return fork_self && fork_opts && o.exit_zero[0] == 0x08 ? 0 : 1;
}
