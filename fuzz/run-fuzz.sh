#!/usr/bin/env bash
# Usage: fuzz/run-fuzz.sh [SECONDS_PER_TARGET]     (default 6: CI's short run)
#
# Build the libFuzzer targets with clang, ASan and UBSan (build-fuzz/), then
# run each one for SECONDS_PER_TARGET on a scratch copy of its seed corpus
# (fuzz/corpus/TARGET), so the repository is never written to. Fails on the
# first crash, leak, sanitizer report or failed check, keeping the input in
# build-fuzz/fuzz-artifacts/. Prints each target's executions and the total.
# Installs clang and its fuzzer runtime first when missing (Debian 12, root).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-6}
case $secs in
'' | *[!0-9]* | 0) echo "run-fuzz: '$secs' is not a number of seconds" >&2
	exit 2 ;;
esac
targets=(command inproc marker options selfexe signals)
builddir=${FUZZ_BUILDDIR:-build-fuzz}

# shellcheck source=test/lib.sh
. test/lib.sh
need_packages run-fuzz clang libclang-rt-14-dev meson ninja-build \
	pkg-config libbsd-dev

# -fno-sanitize-recover: a UBSan report must stop the run, or libFuzzer
# would count it as a normal execution.
opts=(-Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false
	-Dbuildtype=debugoptimized -Dc_args=-fno-sanitize-recover=all
	-Dtests=disabled -Ddocs=disabled -Dstatic_command=disabled)
if [ -f "$builddir/build.ninja" ]; then
	meson configure "$builddir" "${opts[@]}" >/dev/null
else
	CC=clang meson setup "$builddir" "${opts[@]}" >/dev/null
fi
ninja -C "$builddir" >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts=$builddir/fuzz-artifacts
mkdir -p "$artifacts"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
total=0
printf '%-10s %14s\n' target executions
for t in "${targets[@]}"; do
	corpus=$scratch/$t
	mkdir -p "$corpus"
	cp fuzz/corpus/"$t"/* "$corpus"/
	dict=()
	[ -f fuzz/"$t".dict ] && dict=(-dict=fuzz/"$t".dict)
	log=$scratch/$t.log
	if ! "$builddir"/fuzz/fuzz-"$t" -max_total_time="$secs" \
			-print_final_stats=1 -max_len=4096 -timeout=10 \
			-artifact_prefix="$artifacts/$t-" "${dict[@]}" \
			"$corpus" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "run-fuzz: fuzz-$t failed; input kept in $artifacts/" >&2
		exit 1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ -z "$execs" ]; then
		tail -n 20 "$log" >&2
		echo "run-fuzz: fuzz-$t printed no statistics" >&2
		exit 1
	fi
	printf '%-10s %14s\n' "$t" "$execs"
	total=$((total + execs))
done
printf '%-10s %14s\n' total "$total"
echo "run-fuzz: ${#targets[@]} targets, ${secs}s each, no crash"
