#!/usr/bin/env bash
# Analysers (issue #6): cppcheck and clang-tidy over every C file of lib/,
# tools/, test/ and demo/ that the build compiles, failing on any finding,
# then the unit suite under valgrind memcheck. Installs what it needs on
# Debian 12 when run as root. Configuration lives in the tree:
# .clang-tidy (and test/, demo/ ones), test/cppcheck.supp,
# test/valgrind.supp and the 'valgrind' setup in test/meson.build.
#
# Usage: test/run-analysers.sh [lint|valgrind]...   (default: both)
#
# A script, not meson tests: the findings depend on the analyser's
# version (cppcheck 2.10, clang-tidy 14 here), so a plain `meson test`
# must not fail on a machine with other versions; and the valgrind run
# needs its own debug build. Build dirs: build-lint/, build-vg/.
set -euo pipefail
cd "$(dirname "$0")/.."

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(lint valgrind)

# shellcheck source=test/lib.sh
. test/lib.sh
need_packages run-analysers meson ninja-build pkg-config gcc g++ check \
	libbsd-dev valgrind cppcheck clang clang-tidy

# The C files the compile database builds, under the directories we own;
# a file the build does not compile has no flags to analyse it with.
sources() {
	python3 - "$1" <<'EOF'
import json, os, sys
seen = set()
for e in json.load(open(os.path.join(sys.argv[1], 'compile_commands.json'))):
    f = os.path.relpath(os.path.join(e['directory'], e['file']))
    if f.endswith('.c') and f.split('/')[0] in ('lib', 'tools', 'test', 'demo'):
        seen.add(f)
print('\n'.join(sorted(seen)))
EOF
}

lint() {
	local db dbs=(build-lint build-lint-nobsd) files=() failed=0

	echo "== cppcheck and clang-tidy (build-lint/, build-lint-nobsd/)"
	setup build-lint -Dbuildtype=debug
	# Without libbsd: lib/bsd-compat.c, as musl builds use it.
	setup build-lint-nobsd -Dbuildtype=debug -Dlibbsd=disabled \
		-Dtests=disabled
	for db in "${dbs[@]}"; do
		mapfile -t files < <(sources "$db")
		[ ${#files[@]} -gt 0 ] || {
			echo "run-analysers: no sources in $db" >&2; exit 99; }
		# Inline suppressions are /* cppcheck-suppress ID ; why */.
		if ! cppcheck --project="$db/compile_commands.json" \
			-ibench -ifuzz \
			--enable=warning,style,performance,portability \
			--inline-suppr --suppressions-list=test/cppcheck.supp \
			--error-exitcode=1 -q -j"$(nproc)" \
			--template='{file}:{line}: {severity}/{id}: {message}'
		then
			failed=1
		fi
		[ "$db" = build-lint ] || files=(lib/bsd-compat.c)
		echo "clang-tidy: ${#files[@]} files from $db"
		if ! printf '%s\n' "${files[@]}" | xargs -P"$(nproc)" -n4 \
			clang-tidy -p "$db" --quiet >"$db/clang-tidy.log" 2>&1
		then
			grep -E -A3 'error:|warning:' "$db/clang-tidy.log" >&2 ||
				cat "$db/clang-tidy.log" >&2
			failed=1
		fi
	done
	if [ $failed -ne 0 ]; then
		echo "run-analysers: lint findings (above)" >&2
		exit 1
	fi
}

valgrind_suite() {
	local logs=build-vg/meson-logs rc=0

	echo "== unit suite under valgrind memcheck (build-vg/)"
	setup build-vg -Dbuildtype=debug
	rm -f "$logs"/valgrind-*.log
	meson test -C build-vg --setup=valgrind --print-errorlogs \
		--num-processes "$(nproc)" || rc=$?
	# Each process logs to valgrind-TAG-PID.log (test/meson.build says
	# why the tag): show what valgrind found.
	# Its warnings about ioctls it cannot decode (TIOCGPTPEER) are not
	# findings; an unhandled syscall (pidfd_open) is logged as "--PID--".
	if cat "$logs"/valgrind-*.log 2>/dev/null |
		grep -E '^==[0-9]+== [^ ]' | grep -qv '== Warning: '
	then
		echo "run-analysers: valgrind reports:" >&2
		grep -hE '^==[0-9]+== ' "$logs"/valgrind-*.log |
			grep -vE '== (Warning: |   This could|   See README)' |
			head -200 >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	return "$rc"
}

for s in "${steps[@]}"; do
	case $s in
	lint) lint ;;
	valgrind) valgrind_suite ;;
	*) echo "usage: $0 [lint|valgrind]..." >&2; exit 2 ;;
	esac
done
echo "run-analysers: all passed"
