#!/bin/bash
# See libreaper at work: build demo/demo.c, run it as PID 1 of a fresh PID
# namespace (as a container runtime would) and check, from the outside,
# the three things a correct PID 1 must do:
#   zombies are reaped, SIGTERM reaches the application, and the
#   application's exit status (42) comes back out.
# Exits 0 only if all three hold.
#
# Usage (as root, on Debian 12 or similar):  bash demo/run-demo.sh
# Missing build dependencies are installed with apt-get. The build goes to
# build-demo/ in the source tree.
#
# SPDX-License-Identifier: MIT
set -euo pipefail

cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -- bash "$0" "$@"
	fi
	echo "run-demo.sh: needs root (a new PID namespace needs" \
	     "CAP_SYS_ADMIN); run it as root or with sudo" >&2
	exit 1
fi

BUILD=build-demo
DEMO=$BUILD/demo/demo
EXPECT=42
tmp=$(mktemp -d)
log=$tmp/demo.log
unshare_pid=
pid1=

# shellcheck disable=SC2317  # called by the trap
cleanup() {
	# Only what we started: PID 1 of our namespace (the kernel then
	# kills everything else in it), then unshare.
	if [ -n "$pid1" ] && kill -0 "$pid1" 2>/dev/null; then
		kill -KILL "$pid1" 2>/dev/null || true
	fi
	if [ -n "$unshare_pid" ] && kill -0 "$unshare_pid" 2>/dev/null; then
		kill -KILL "$unshare_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }
# Print the demo's output from line $shown on, indented; remember how far.
shown=0
show_log() {
	local n
	n=$(wc -l <"$log")
	if [ "$n" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${n}p" "$log" | sed 's/^/    /'
		shown=$n
	fi
}
fail() {
	say
	say "FAILED: $*"
	exit 1
}

say "libreaper demo"
say "=============="
say "demo/demo.c is an ordinary program whose first line in main() is"
say "reaper_fork_self(). We run it as PID 1 of a fresh PID namespace, as"
say "a container runtime would, and watch it from the outside."
say

# --- dependencies and build ---------------------------------------------
pkgs=(gcc meson ninja-build pkg-config libbsd-dev check procps util-linux)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "Installing build dependencies: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq &&
	       apt-get install -y -qq --no-install-recommends "${missing[@]}"
	     } >"$tmp/apt.log" 2>&1; then
		cat "$tmp/apt.log" >&2
		fail "apt-get could not install ${missing[*]}"
	fi
fi
for c in meson ninja gcc pkg-config unshare nsenter ps pgrep; do
	command -v "$c" >/dev/null 2>&1 || fail "command '$c' not found"
done

say "Building into $BUILD/ (meson + ninja)..."
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Dtests=disabled -Ddocs=disabled \
		>"$tmp/build.log" 2>&1 ||
		{ cat "$tmp/build.log" >&2; fail "meson setup failed"; }
fi
meson compile -C "$BUILD" >>"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log" >&2; fail "the build failed"; }
say

# --- run it as PID 1 -----------------------------------------------------
say "Running:  REAPER_DEBUG=1 unshare --pid --fork --mount-proc $DEMO"
say "Lines from the application start with 'app:'; lines from the reaper"
say "(printed because REAPER_DEBUG=1) start with 'reaper[1]:'."
say
REAPER_DEBUG=1 unshare --pid --fork --mount-proc "$DEMO" >"$log" 2>&1 &
unshare_pid=$!

# Wait for the application's ready line (a short retry loop: at most 10 s).
for _ in $(seq 200); do
	grep -q '^app: ready' "$log" && break
	kill -0 "$unshare_pid" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q '^app: ready' "$log"; then
	show_log
	fail "the demo did not start (can this machine create PID" \
	     "namespaces? a container needs --privileged)"
fi
show_log

# unshare --fork: its child is the demo, PID 1 of the new namespace.
pid1=$(pgrep -P "$unshare_pid" | head -n 1)
[ -n "$pid1" ] || fail "cannot find the demo's process next to unshare"

ok_tree=no ok_zombies=no ok_signal=no ok_status=no
inside() { nsenter --target "$pid1" --pid --mount -- "$@"; }

# 1. The process tree.
say
say "1. The process tree, as ps sees it inside the namespace:"
inside ps -eo pid,ppid,stat,args | sed 's/^/    /'
cmd1=$(inside ps -o args= -p 1 || true)
ppid2=$(inside ps -o ppid= -p 2 | tr -d ' ' || true)
if [[ $cmd1 == reaper\ * ]] && [ "$ppid2" = 1 ]; then
	ok_tree=yes
	say "   PID 1 is the original process, now a pure reaper (it renamed"
	say "   itself 'reaper ...'). PID 2 is the same program re-executed:"
	say "   the application, in a session of its own. (The ps line is"
	say "   this script looking in.)"
else
	say "   Expected PID 1 = 'reaper ...' and PID 2 its child: not so."
fi

# 2. Zombies.
say
say "2. Zombies."
orphans=$(sed -n 's/^app: left \([0-9]*\) orphans.*/\1/p' "$log")
reaped=$(grep -c '^reaper\[1\]: reaped ' "$log" || true)
app_z=$(sed -n 's/^app: zombies in this PID namespace: \([0-9-]*\)$/\1/p' \
	"$log")
ps_z=$(inside ps -eo stat= | grep -c '^Z' || true)
say "   The application left ${orphans:-?} orphans behind. Their parents had"
say "   exited, so the kernel handed them to PID 1, and the reaper reaped"
say "   $reaped processes (the 'reaped' lines above). Zombies left in the"
say "   namespace: ${app_z:-?} by the application's count, $ps_z by ps from"
say "   outside."
if [ -n "$orphans" ] && [ "$orphans" -gt 0 ] &&
   [ "$reaped" -ge "$orphans" ] && [ "$app_z" = 0 ] && [ "$ps_z" = 0 ]; then
	ok_zombies=yes
fi

# 3. SIGTERM, as `docker stop` sends it: to PID 1, from outside.
say
say "3. Sending SIGTERM to PID 1 of the namespace (host pid $pid1), as"
say "   'docker stop' would:"
kill -TERM "$pid1"
# The application exits as soon as the signal arrives; wait at most 10 s.
for _ in $(seq 200); do
	kill -0 "$unshare_pid" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$unshare_pid" 2>/dev/null; then
	show_log
	kill -KILL "$pid1" 2>/dev/null || true
	say "   The application did not exit within 10 s."
fi
status=0
wait "$unshare_pid" || status=$?
unshare_pid=
pid1=
show_log
if grep -q '^app: got SIGTERM (sent by pid 1)' "$log"; then
	ok_signal=yes
	say "   The reaper passed SIGTERM on, and the application's own"
	say "   handler got it (sender: pid 1, the reaper)."
else
	say "   The application never reported SIGTERM."
fi

# 4. Exit status.
say
say "4. Exit status: unshare returned $status."
if [ "$status" = "$EXPECT" ]; then
	ok_status=yes
	say "   The application returned $EXPECT, the reaper exited with the"
	say "   same code, and unshare passed it on: what 'docker wait' would"
	say "   report."
else
	say "   Expected $EXPECT, the application's own exit code."
fi

say
if [ $ok_tree$ok_zombies$ok_signal$ok_status = yesyesyesyes ]; then
	say "OK: zombies reaped, SIGTERM forwarded," \
	    "exit status $EXPECT mirrored"
	exit 0
fi
bad=
[ $ok_tree = yes ] || bad+="; process tree not as expected"
[ $ok_zombies = yes ] || bad+="; zombies not reaped"
[ $ok_signal = yes ] || bad+="; SIGTERM not forwarded"
[ $ok_status = yes ] || bad+="; exit status $status instead of $EXPECT"
fail "${bad#; }"
