#!/bin/sh
# Usage: symbols-leak.sh LIBREAPER_SO [LIBREAPER_SYM]
#
# The shared library exports its public API and nothing else: every
# defined dynamic symbol is reaper_* bound to a LIBREAPER_x.y version node
# (or is such a node itself). With the version script, each name it lists
# must really be exported: GNU ld silently ignores a listed name that no
# object defines, and the first user would find out at link time.
#
# Exit 0 clean, 1 leak or missing export, 99 (meson: hard error) when the
# input is missing or unreadable, so the check can never pass on nothing.

NM=${NM:-nm}
so=$1
map=$2

if [ -z "$so" ] || [ ! -f "$so" ]; then
	echo "symbols-leak: shared library '$so' not found" >&2
	exit 99
fi
if [ -n "$map" ] && [ ! -f "$map" ]; then
	echo "symbols-leak: version script '$map' not found" >&2
	exit 99
fi
if ! out=$("$NM" -D --defined-only "$so"); then
	echo "symbols-leak: $NM -D failed on $so" >&2
	exit 99
fi

# nm -D lines: VALUE TYPE NAME[@@VERSION]
bad=$(printf '%s\n' "$out" | awk '
	NF == 0 { next }
	{ type = $(NF - 1); name = $NF }
	type == "A" && name ~ /^LIBREAPER_[0-9]+\.[0-9]+$/ { next }
	name ~ /^reaper_[A-Za-z0-9_]+@@?LIBREAPER_[0-9]+\.[0-9]+$/ { next }
	{ print }')
if [ -n "$bad" ]; then
	echo "symbols-leak: $so exports symbols outside the API:" >&2
	printf '%s\n' "$bad" >&2
	exit 1
fi

exported=$(printf '%s\n' "$out" | awk 'NF { n = $NF; sub(/@.*/, "", n);
	if (n ~ /^reaper_/) print n }' | sort -u)
if [ -z "$exported" ]; then
	echo "symbols-leak: $so exports no reaper_* symbol at all" >&2
	exit 1
fi

if [ -n "$map" ]; then
	# Names in the script: indented "name;" lines outside local:.
	listed=$(sed -n 's/^[[:space:]]*\(reaper_[A-Za-z0-9_]*\);.*/\1/p' \
		"$map" | sort -u)
	missing=$(printf '%s\n' "$listed" | while read -r n; do
		printf '%s\n' "$exported" | grep -qx "$n" || echo "$n"
	done)
	if [ -n "$missing" ]; then
		echo "symbols-leak: listed in $map but not exported:" >&2
		printf '%s\n' "$missing" >&2
		exit 1
	fi
fi
exit 0
