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
/* 0.2 */
_Static_assert(OFF(delay_signal) == 88, "delay_signal moved");
_Static_assert(sizeof(struct reaper_options) == 96,
	       "struct reaper_options changed size");

_Static_assert(FIELD_SIZE(size) == 8, "size resized");
_Static_assert(FIELD_SIZE(flags) == 4, "flags resized");
_Static_assert(FIELD_SIZE(marker) == 8, "marker resized");
_Static_assert(FIELD_SIZE(rewrite) == 8, "rewrite resized");
_Static_assert(FIELD_SIZE(grace_ms) == 4, "grace_ms resized");
_Static_assert(FIELD_SIZE(pdeathsig) == 4, "pdeathsig resized");
_Static_assert(FIELD_SIZE(on_reap) == 8, "on_reap resized");
_Static_assert(FIELD_SIZE(on_reap_data) == 8, "on_reap_data resized");
_Static_assert(FIELD_SIZE(delay_signal) == 8, "delay_signal resized");
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
_Static_assert(OFF(delay_signal) > OFF(on_reap_data), "field order changed");
_Static_assert(sizeof(struct reaper_options) >=
	       OFF(delay_signal) + sizeof(char *), "struct too small");
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
_Static_assert(REAPER_NO_CONTINUE == 16u, "flag value changed");
_Static_assert(REAPER_WAIT_LEFTOVERS == 32u, "flag value changed");
_Static_assert(REAPER_REAPED_APPLICATION == 1u, "flag value changed");

/* The entry points' types; __typeof__ does not reference the symbols, so
 * this file needs no library to link. */
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_fork_self),
					    int (void)),
	       "reaper_fork_self retyped");
_Static_assert(__builtin_types_compatible_p(
	__typeof__(reaper_fork_self_opts),
	int (const struct reaper_options *)), "reaper_fork_self_opts retyped");

/* ---- 0.1, in-process reaping: struct reaper_config, struct reaper_status,
 * REAPER_START_ALWAYS and the reaper_start() family ---- */
#define CFIELD_SIZE(f) sizeof(((struct reaper_config *) 0)->f)
#define COFF(f) offsetof(struct reaper_config, f)
#define CTYPE(f, t) __builtin_types_compatible_p(__typeof__(		\
	((struct reaper_config *) 0)->f), t)

#if __SIZEOF_POINTER__ == 8 && defined(__x86_64__)
_Static_assert(COFF(size) == 0, "config size moved");
_Static_assert(COFF(flags) == 8, "config flags moved");
_Static_assert(COFF(pid) == 12, "config pid moved");
_Static_assert(COFF(options) == 16, "config options moved");
_Static_assert(COFF(status_fd) == 20, "config status_fd moved");
_Static_assert(COFF(on_reap) == 24, "config on_reap moved");
_Static_assert(COFF(on_reap_data) == 32, "config on_reap_data moved");
_Static_assert(sizeof(struct reaper_config) == 40,
	       "struct reaper_config changed size");
_Static_assert(CFIELD_SIZE(size) == 8, "config size resized");
_Static_assert(CFIELD_SIZE(on_reap) == 8, "config on_reap resized");
_Static_assert(CFIELD_SIZE(on_reap_data) == 8, "config on_reap_data resized");
#else
_Static_assert(COFF(size) == 0, "config size must come first");
_Static_assert(COFF(flags) > COFF(size), "config field order changed");
_Static_assert(COFF(pid) > COFF(flags), "config field order changed");
_Static_assert(COFF(options) > COFF(pid), "config field order changed");
_Static_assert(COFF(status_fd) > COFF(options), "config field order changed");
_Static_assert(COFF(on_reap) > COFF(status_fd), "config field order changed");
_Static_assert(COFF(on_reap_data) > COFF(on_reap),
	       "config field order changed");
_Static_assert(sizeof(struct reaper_config) >=
	       COFF(on_reap_data) + sizeof(void *), "config struct too small");
#endif
_Static_assert(CFIELD_SIZE(flags) == 4, "config flags resized");
_Static_assert(CFIELD_SIZE(pid) == 4, "config pid resized");
_Static_assert(CFIELD_SIZE(options) == 4, "config options resized");
_Static_assert(CFIELD_SIZE(status_fd) == 4, "config status_fd resized");
_Static_assert(CTYPE(size, size_t), "config size retyped");
_Static_assert(CTYPE(flags, unsigned int), "config flags retyped");
_Static_assert(CTYPE(pid, pid_t), "config pid retyped");
_Static_assert(CTYPE(options, int), "config options retyped");
_Static_assert(CTYPE(status_fd, int), "config status_fd retyped");
_Static_assert(CTYPE(on_reap, void (*)(pid_t, int, unsigned int, void *)),
	       "config on_reap retyped");
_Static_assert(CTYPE(on_reap_data, void *), "config on_reap_data retyped");

/* The record a reader gets from status_fd: its bytes are the ABI. */
_Static_assert(offsetof(struct reaper_status, pid) == 0, "status pid moved");
_Static_assert(offsetof(struct reaper_status, status) == sizeof(pid_t),
	       "status status moved");
_Static_assert(sizeof(struct reaper_status) == sizeof(pid_t) + sizeof(int),
	       "struct reaper_status changed size");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_status *) 0)->pid), pid_t), "status pid retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(
	((struct reaper_status *) 0)->status), int), "status status retyped");

_Static_assert(REAPER_START_ALWAYS == 1u, "flag value changed");

_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_reap),
					    int (void)), "reaper_reap retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_start),
	int (const struct reaper_config *)), "reaper_start retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_stop),
					    int (void)), "reaper_stop retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_hold),
					    int (void)), "reaper_hold retyped");
_Static_assert(__builtin_types_compatible_p(__typeof__(reaper_release),
					    int (void)),
	       "reaper_release retyped");

/* REAPER_CONFIG sets size and zeroes what is not named. */
static int
check_config_macro(void)
{
	REAPER_CONFIG(c, .flags = REAPER_START_ALWAYS, .pid = -7);
	REAPER_CONFIG(d);

	if (c.size != sizeof(struct reaper_config) ||
	    c.flags != REAPER_START_ALWAYS || c.pid != -7 || c.options ||
	    c.status_fd || c.on_reap || c.on_reap_data)
		return 5;
	if (d.size != sizeof(struct reaper_config) || d.flags || d.pid)
		return 6;
	return 0;
}

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
	return check_config_macro();
}
