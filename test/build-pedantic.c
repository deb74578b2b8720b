/*
 * The installed header must build in the strictest C a user may pick:
 * compiled twice, -std=c89 -pedantic -Werror and -std=c99 -pedantic
 * -Werror, with the project's warnings (-Wundef, -Wstrict-prototypes...).
 * C89 has no //, no variadic macros and no designated initialisers, so
 * REAPER_OPTIONS() exists only from C99 on; C89 fills the struct by hand.
 * Only <reaper.h> is on the include path here: no config.h, no lib/.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <reaper.h>

int
main(void)
{
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
	REAPER_OPTIONS(o, .flags = REAPER_SUBREAPER | REAPER_SIGNAL_GROUP,
		       .marker = "MY_MARK", .grace_ms = 100);
	int (*fork_self)(void) = reaper_fork_self;
	int (*fork_opts)(const struct reaper_options *) =
		reaper_fork_self_opts;
#else
	struct reaper_options o;
	int (*fork_self)(void) = reaper_fork_self;
	int (*fork_opts)(const struct reaper_options *) =
		reaper_fork_self_opts;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = REAPER_SUBREAPER | REAPER_SIGNAL_GROUP;
	o.marker = "MY_MARK";
	o.grace_ms = 100;
#endif
#ifdef BUILD_PEDANTIC_NO_INIT
	/* "All defaults" must not need a dummy initialiser (test-time only:
	 * see build-pedantic-c99-no-init in meson.build). */
	REAPER_OPTIONS(defaults);

	(void) defaults;
#endif
	REAPER_EXIT_ZERO(&o, 3);
	/* Taking the addresses links the entry points without calling them:
	 * a split would re-execute this program. */
	return fork_self && fork_opts && o.exit_zero[0] == 0x08 ? 0 : 1;
}
