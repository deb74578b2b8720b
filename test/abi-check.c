/*
 * Freezes the ABI of release 0.1: the layout of struct reaper_options, the
 * flag values and the entry points' types. A released field is never
 * moved, resized or re-meant (new fields go at the end, behind size), so
 * any change that trips an assertion here is a break for programs already
 * built, not a test to update. Later releases add their own block below.
 *
 * Everything is checked at compile time; main() only exercises the
 * macros a caller compiles into their program.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>

#include <reaper.h>

#define FIELD_SIZE(f) sizeof(((struct reaper_options *) 0)->f)
#define OFF(f) offsetof(struct reaper_options, f)

#if __SIZEOF_POINTER__ == 8 && defined(__x86_64__)
/* ---- 0.1, x86_64 LP64: exact offsets and sizes ---- */
_Static_assert(OFF(size) == 0, "size moved");
_Static_assert(OFF(flags) == 8, "flags moved");
_Static_assert(OFF(marker) == 16, "marker moved");
_Static_assert(OFF(rewrite) == 24, "rewrite moved");
_Static_assert(OFF(grace_ms) == 32, "grace_ms moved");
_Static_assert(OFF(pdeathsig) == 36, "pdeathsig moved");
_Static_assert(OFF(exit_zero) == 40, "exit_zero moved");
_Static_assert(OFF(on_reap) == 72, "on_reap moved");
_Static_assert(OFF(on_reap_data) == 80, "on_reap_data moved");
_Static_assert(sizeof(struct reaper_options) == 88,
	       "struct reaper_options changed size");

_Static_assert(FIELD_SIZE(size) == 8, "size resized");
_Static_assert(FIELD_SIZE(flags) == 4, "flags resized");
_Static_assert(FIELD_SIZE(marker) == 8, "marker resized");
_Static_assert(FIELD_SIZE(rewrite) == 8, "rewrite resized");
_Static_assert(FIELD_SIZE(grace_ms) == 4, "grace_ms resized");
_Static_assert(FIELD_SIZE(pdeathsig) == 4, "pdeathsig resized");
_Static_assert(FIELD_SIZE(on_reap) == 8, "on_reap resized");
_Static_assert(FIELD_SIZE(on_reap_data) == 8, "on_reap_data resized");
#else
/* ---- elsewhere: the order of the fields, and nothing after them ---- */
_Static_assert(OFF(size) == 0, "size must come first");
_Static_assert(OFF(flags) > OFF(size), "field order changed");
_Static_assert(OFF(marker) > OFF(flags), "field order changed");
_Static_assert(OFF(rewrite) > OFF(marker), "field order changed");
_Static_assert(OFF(grace_ms) > OFF(rewrite), "field order changed");
_Static_assert(OFF(pdeathsig) > OFF(grace_ms), "field order changed");
_Static_assert(OFF(exit_zero) > OFF(pdeathsig), "field order changed");
_Static_assert(OFF(on_reap) > OFF(exit_zero), "field order changed");
_Static_assert(OFF(on_reap_data) > OFF(on_reap), "field order changed");
_Static_assert(sizeof(struct reaper_options) >=
	       OFF(on_reap_data) + sizeof(void *), "struct too small");
#endif

/* ---- 0.1, every architecture: field types, values, prototypes ---- */
_Static_assert(FIELD_SIZE(exit_zero) == 32, "exit_zero resized");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->size), size_t), "size retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->flags), unsigned int), "flags retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->marker), const char *),
	       "marker retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->rewrite), const char *),
	       "rewrite retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->grace_ms), unsigned int),
	       "grace_ms retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->pdeathsig), int),
	       "pdeathsig retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->exit_zero), unsigned char[32]),
	       "exit_zero retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->on_reap),
	void (*)(pid_t, int, unsigned int, void *)), "on_reap retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_options *) 0)->on_reap_data), void *),
	       "on_reap_data retyped");

/* Flag bits are part of the ABI: a caller built against 0.1 sends them. */
_Static_assert(REAPER_SPLIT_ALWAYS == 1u, "flag value changed");
_Static_assert(REAPER_SUBREAPER == 2u, "flag value changed");
_Static_assert(REAPER_DEBUG == 4u, "flag value changed");
_Static_assert(REAPER_SIGNAL_GROUP == 8u, "flag value changed");
_Static_assert(REAPER_REAPED_APPLICATION == 1u, "flag value changed");

/* The entry points' types; __typeof__ does not reference the symbols, so
 * this file needs no library to link. */
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_fork_self),
					    int (void)),
	       "reaper_fork_self retyped");
_Static_assert(__builtin_types_compatible_p(
	__typeof__(reaper_fork_self_opts),
	int (const struct reaper_options *)), "reaper_fork_self_opts retyped");

int
main(void)
{
	REAPER_OPTIONS(o, .flags = REAPER_SUBREAPER, .grace_ms = 5);

	/* REAPER_OPTIONS sets size and zeroes what is not named ... */
	if (o.size != sizeof(struct reaper_options) ||
	    o.flags != REAPER_SUBREAPER || o.grace_ms != 5 || o.marker ||
	    o.rewrite || o.pdeathsig || o.on_reap || o.on_reap_data)
		return 1;
	for (size_t i = 0; i < sizeof(o.exit_zero); i++)
		if (o.exit_zero[i])
			return 2;
	/* ... and REAPER_EXIT_ZERO sets bit (code % 8) of byte (code / 8). */
	REAPER_EXIT_ZERO(&o, 0);
	REAPER_EXIT_ZERO(&o, 3);
	REAPER_EXIT_ZERO(&o, 255);
	if (o.exit_zero[0] != 0x09 || o.exit_zero[31] != 0x80)
		return 3;
	for (size_t i = 1; i < 31; i++)
		if (o.exit_zero[i])
			return 4;
	return 0;
}
