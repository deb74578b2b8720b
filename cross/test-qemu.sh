#!/usr/bin/env bash
# Runs every dist/reaper-static-ARCH as PID 1 of a fresh PID namespace:
# through qemu-ARCH-static where the machine cannot run ARCH itself,
# directly where it can. No binfmt_misc needed: qemu is named on the
# command line, and the emulated reaper's execve() of a host program (sh)
# runs that program natively, so each application below is the host's.
#
#   cross/test-qemu.sh [DIST_DIR]             (default: dist/)
#
# Per architecture: the exit code is mirrored; death by signal N gives
# 128+N; 127 for a missing command, 126 for one that cannot run; SIGTERM
# to PID 1 reaches the application, sent from outside the namespace (as
# `docker stop` does) and from inside it; orphans are reaped; a storm of
# orphans leaves no zombie (past 256 the kernel may reap: the -v log says
# whether it took over); --version's first line is tini's, for Docker.
# Plus, once, dist/SHA256SUMS must match.
#
# Prints one ok/FAIL line per check and architecture, then "N passed, M
# failed". Exit: 0 all passed, 1 a check failed, 99 no binary to test
# (nothing is ever skipped: a missing qemu is installed when we are root,
# a failure otherwise, CI or not).
#
# Every wait is bounded: each run has a deadline (REAPER_QEMU_TIMEOUT,
# seconds, 60) and a run that misses it is a failure that says so. The
# runs synchronise through FIFOs and exit statuses; the one poll left
# waits for a reap, which has no event a non-parent could wait for.
#
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # the applications' $ are for their shell
set -euo pipefail

me=test-qemu
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$root/dist}
limit=${REAPER_QEMU_TIMEOUT:-60}
# The applications' own polls give up first (sleep 0.01 each, or longer
# when loaded), so that what they saw is what the failure says.
polls=$((limit * 25))

# die STATUS MESSAGE...
die() {
	local status=$1

	shift
	echo "$me: FAIL: $*" >&2
	exit "$status"
}

[ -d "$dist" ] ||
	die 99 "$dist: no such directory (run cross/build-dist.sh)"
shopt -s nullglob
bins=("$dist"/reaper-static-*)
shopt -u nullglob
[ ${#bins[@]} -gt 0 ] ||
	die 99 "no reaper-static-* in $dist (run cross/build-dist.sh)"

# qemu's name for a `uname -m` name; empty where this machine runs it.
qemu_name() {
	local host

	host=$(uname -m)
	if [ "$1" = "$host" ] ||
	   { [ "$1" = i686 ] && [ "$host" = x86_64 ]; }; then
		return 0
	fi
	case $1 in
	armv7l) echo arm ;;
	i686) echo i386 ;;
	aarch64 | ppc64le | riscv64 | s390x | x86_64) echo "$1" ;;
	*) return 1 ;;
	esac
}

# ---- Tools. util-linux (unshare) and coreutils (timeout) are essential.
missing=
for bin in "${bins[@]}"; do
	m=${bin##*/reaper-static-}
	q=$(qemu_name "$m") || die 99 "$bin: unknown architecture $m"
	if [ -n "$q" ] && ! command -v "qemu-$q-static" >/dev/null; then
		missing=qemu-user-static
	fi
done
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] ||
		die 1 "qemu-user-static is missing (apt-get install" \
			"qemu-user-static, as root)"
	echo "$me: installing qemu-user-static"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends qemu-user-static >/dev/null
fi

# A user namespace first when we are not root, if the kernel lets us.
ns=(unshare --pid --fork --mount-proc --kill-child)
[ "$(id -u)" -eq 0 ] || ns=(unshare --user --map-root-user --pid --fork
	--mount-proc --kill-child)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reaper-qemu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass=0
fail=0
ok() {
	printf 'ok   %-8s %s\n' "$arch" "$*"
	pass=$((pass + 1))
}
# FAIL, with what the run wrote to stderr, indented.
bad() {
	printf 'FAIL %-8s %s\n' "$arch" "$*"
	if [ -s "$tmp/err" ]; then
		sed 's/^/	| /' "$tmp/err"
	fi
	fail=$((fail + 1))
}

# run ARGS...: the reaper under test as PID 1 of a new PID namespace,
# with ARGS, stdout to $tmp/out, stderr to $tmp/err; its exit status in
# $rc. timeout's SIGTERM reaches the whole group (unshare ignores it, the
# reaper forwards it); -k then kills unshare, and --kill-child the
# namespace with it.
run() {
	rc=0
	timeout -k 5 "$limit" "${ns[@]}" "${wrap[@]}" "$bin" "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

# expect NAME WANT WHAT: one line for the last run's status.
expect() {
	if [ "$rc" -eq "$2" ]; then
		ok "$1 ($3: $rc)"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		bad "$1 ($3): no exit within ${limit} s"
	else
		bad "$1 ($3): exit $rc, want $2"
	fi
}

# The pid of the one child of single-threaded process $1. Asked once the
# application has said it runs, so the whole chain exists by then.
child_of() {
	local c

	c=$(cat "/proc/$1/task/$1/children") || return 1
	c=${c%% *}
	[ -n "$c" ] && echo "$c"
}

# The application for the orphan check (dash or bash). Each orphan holds
# only the read end of a FIFO, opened before it is forked, so it leaves
# exactly when the application closes the one write end: no race with
# its start. The application checks that each orphan's parent is PID 1
# (its own parent, the subshell, has exited), releases them, then waits
# for them to go from /proc and finds no zombie there.
orphan_app='
f=$1 polls=$2 n=3 pids= i=0
exec 4<>"$f" 5<"$f"
while [ $i -lt $n ]; do
	p=$(cat <&5 >/dev/null 2>&1 4>&- 5<&- & echo $!)
	read -r st </proc/"$p"/stat
	set -- ${st##*) }
	[ "$2" = 1 ] || { echo "orphan $p has parent $2, not 1" >&2; exit 3; }
	pids="$pids $p" i=$((i + 1))
done
exec 4>&- 5<&-
for p in $pids; do
	t=0
	while [ -e /proc/"$p" ]; do
		read -r st </proc/"$p"/stat 2>/dev/null || break
		t=$((t + 1))
		[ $t -lt $polls ] || { echo "orphan $p: ${st##*) }" >&2; exit 4; }
		sleep 0.01
	done
done
for s in /proc/[0-9]*/stat; do
	read -r st <"$s" 2>/dev/null || continue
	case ${st##*) } in
	Z*) echo "zombie: $st" >&2; exit 5 ;;
	esac
done
echo "reaped$pids"
'

# A storm: orphans made as fast as sh can fork, more than the 256 the
# reaper reaps itself before it asks the kernel to. Then until none is
# left (bounded), and no zombie.
storm_app='
n=$1 polls=$2 i=0
while [ $i -lt $n ]; do
	( true & )
	i=$((i + 1))
done
t=0
while :; do
	left=0
	for s in /proc/[0-9]*/stat; do
		read -r st <"$s" 2>/dev/null || continue
		set -- ${st##*) }
		case $1 in Z*) left=$((left + 1)); continue ;; esac
		[ "$2" != 1 ] || [ "${s#/proc/}" = "$$/stat" ] ||
			left=$((left + 1))
	done
	[ $left -gt 0 ] || break
	t=$((t + 1))
	[ $t -lt $polls ] || { echo "$left orphans or zombies left" >&2; exit 4; }
	sleep 0.01
done
echo "none left of $n"
'

check_arch() {
	local q f spid tpid upid pid1 line why log first

	q=$(qemu_name "$arch")
	wrap=()
	[ -z "$q" ] || wrap=("qemu-$q-static")

	run -- /bin/sh -c 'exit 7'
	expect exit-code 7 "sh exits 7"

	run -- /bin/sh -c 'kill -USR1 $$'
	expect signal $((128 + $(kill -l USR1))) "sh dies of SIGUSR1"
	run -- /bin/sh -c 'kill -TERM $$'
	expect signal $((128 + $(kill -l TERM))) "sh dies of SIGTERM"

	run -- /nonexistent/reaper-test-command
	expect not-found 127 "no such command"
	run -- "$tmp/not-executable"
	expect not-executable 126 "mode 644 file"

	# From outside, to the namespace's PID 1 by its pid here, as `docker
	# stop` does. One FIFO brings both the application's word that its
	# trap is set and the run's end, so a run that fails early is not
	# waited for.
	f=$tmp/ready
	rm -f "$f"
	mkfifo "$f"
	exec 3<>"$f"
	(
		rc=0
		timeout -k 5 "$limit" "${ns[@]}" "${wrap[@]}" "$bin" -- \
			/bin/sh -c 'trap "kill \$!; exit 42" TERM
			sleep 1000 & echo ready >"$0"; wait' "$f" \
			>"$tmp/out" 2>"$tmp/err" </dev/null 3<&- || rc=$?
		echo "exit $rc" >&3
	) &
	spid=$!
	line=
	why=
	read -r -t $((limit + 10)) line <&3 || true
	if [ "$line" != ready ]; then
		why="the application never said ready"
	elif ! tpid=$(child_of "$spid") || ! upid=$(child_of "$tpid") ||
	     ! pid1=$(child_of "$upid"); then
		why="no PID 1 found under pid $spid"
	else
		kill -TERM "$pid1"
	fi
	if [ "$line" = ready ]; then
		line=
		read -r -t $((limit + 10)) line <&3 || true
	fi
	wait "$spid" || true
	exec 3<&-
	rc=${line#exit }
	if [ -n "$why" ]; then
		bad "term-from-host: $why (${line:-no exit})"
	elif [ "$rc" = "$line" ]; then
		bad "term-from-host: no exit within $((limit + 10)) s"
	else
		expect term-from-host 42 "trap exit 42"
	fi

	# From inside, where PID 1 only gets signals it handles or blocks.
	run -- /bin/sh -c 'trap "kill \$!; exit 43" TERM; sleep 1000 &
		kill -TERM 1; wait'
	expect term-from-ns 43 "trap exit 43"

	rm -f "$f"
	mkfifo "$f"
	run -- /bin/sh -c "$orphan_app" orphan "$f" "$polls"
	if [ "$rc" -eq 0 ] && grep -q '^reaped [0-9]* [0-9]* [0-9]*$' \
		"$tmp/out"; then
		ok "orphans ($(cat "$tmp/out"), no zombie)"
	else
		expect orphans 0 "3 orphans reaped, no zombie"
	fi

	run -v -- /bin/sh -c "$storm_app" storm 400 "$polls"
	log=$(grep -o 'the kernel .*' "$tmp/err" | head -n 1) || true
	if [ "$rc" -eq 0 ]; then
		ok "storm ($(cat "$tmp/out"); ${log:-no hand-over logged})"
	else
		expect storm 0 "400 orphans, none left"
	fi

	rc=0
	timeout -k 5 "$limit" "${wrap[@]}" "$bin" --version >"$tmp/out" \
		2>"$tmp/err" </dev/null || rc=$?
	first=$(head -n 1 "$tmp/out")
	# Docker reads "tini version X": anything else shows as N/A.
	if [ "$rc" -eq 0 ] && [[ $first =~ ^tini\ version\ [0-9.]+_reaper ]] &&
	   grep -q libreaper "$tmp/out"; then
		ok "version ($first)"
	else
		bad "version: exit $rc, printed: $(tr '\n' '|' <"$tmp/out")"
	fi
}

: >"$tmp/not-executable"
chmod 644 "$tmp/not-executable"
start=$SECONDS

arch=sums
if [ ! -f "$dist/SHA256SUMS" ]; then
	bad "no $dist/SHA256SUMS"
elif (cd "$dist" && sha256sum --quiet -c SHA256SUMS) >"$tmp/err" 2>&1; then
	: >"$tmp/err"
	ok "$dist/SHA256SUMS matches"
else
	bad "$dist/SHA256SUMS does not match"
fi

for bin in "${bins[@]}"; do
	arch=${bin##*/reaper-static-}
	check_arch
done

echo "$pass passed, $fail failed ($((SECONDS - start)) s)"
[ "$fail" -eq 0 ]
