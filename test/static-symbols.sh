#!/bin/sh
# Usage: static-symbols.sh LIBREAPER_A
#
# A static libreaper.a is linked straight into the user's program, where
# the version script cannot hide anything: every global symbol it defines
# lands in the program's namespace. So each one must be reaper_* (API) or
# rp_* (internal, STYLE.md section 3); anything else is a missing static.
#
# Exit 0 clean, 1 on a stray global, 99 (meson: hard error) when the input
# is missing or unreadable, so the check can never pass on nothing.

NM=${NM:-nm}
lib=$1

if [ -z "$lib" ] || [ ! -f "$lib" ]; then
	echo "static-symbols: archive '$lib' not found" >&2
	exit 99
fi
if ! out=$("$NM" -g --defined-only "$lib"); then
	echo "static-symbols: $NM -g failed on $lib" >&2
	exit 99
fi

# nm on an archive: "member.o:" headers, blank lines, VALUE TYPE NAME.
syms=$(printf '%s\n' "$out" | awk 'NF >= 2 && $NF !~ /:$/')
if [ -z "$syms" ]; then
	echo "static-symbols: $lib defines no global symbol at all" >&2
	exit 1
fi
bad=$(printf '%s\n' "$syms" | awk '$NF !~ /^(reaper|rp)_/')
if [ -n "$bad" ]; then
	echo "static-symbols: $lib defines globals outside reaper_*/rp_*:" >&2
	printf '%s\n' "$bad" >&2
	exit 1
fi
exit 0
