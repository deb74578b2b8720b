#!/usr/bin/env bash
# End-to-end test with a real container engine: the static reaper is the
# ENTRYPOINT of a FROM-scratch image, e2e-app its COMMAND. After the app
# has left an orphan, `podman stop` must bring SIGTERM to the app (sent by
# the container's PID 1, the reaper), the orphan must have been reaped,
# no zombie may be left, and the app's exit code 42 must be what podman
# reports for the container.
#
#   podman-e2e.sh REAPER_STATIC E2E_APP
#
# Exit: 0 passed, 1 failed, 77 skipped (meson's SKIP) with one line on
# stderr saying why, 99 bad input (meson's ERROR). REAPER_E2E_REQUIRE=1
# turns every skip into a failure, for machines known to run podman.
#
# Everything podman writes goes into one private temporary directory
# (removed on exit): its own image store, state, locks, events and network
# config, so the machine's default store and running containers are never
# touched. Podman 4.3 still creates two things outside it, neither a store:
# an empty /run/containers/networks and a blob digest cache in
# /var/lib/containers/cache (both paths are fixed in podman/c-image).
#
# SPDX-License-Identifier: MIT
set -euo pipefail

me=podman-e2e

skip() {
	if [ "${REAPER_E2E_REQUIRE:-0}" = 1 ]; then
		echo "$me: FAIL (REAPER_E2E_REQUIRE=1, would skip): $*" >&2
		exit 1
	fi
	echo "$me: SKIP: $*" >&2
	exit 77
}

bad_input() {
	echo "$me: ERROR: $*" >&2
	exit 99
}

if [ $# -ne 2 ]; then
	bad_input "usage: $0 REAPER_STATIC E2E_APP"
fi
reaper_bin=$1
app_bin=$2
for f in "$reaper_bin" "$app_bin"; do
	if [ ! -f "$f" ] || [ ! -x "$f" ]; then
		bad_input "$f: not an executable file"
	fi
	# FROM scratch has no dynamic loader: a dynamic binary would fail
	# inside the container with a misleading "no such file".
	if command -v readelf >/dev/null; then
		hdr=$(LC_ALL=C readelf -lW "$f") ||
			bad_input "$f: not an ELF file"
		if grep -q 'program interpreter' <<<"$hdr"; then
			bad_input "$f: not statically linked"
		fi
	fi
done

# ---- Can podman run a container here at all?
command -v podman >/dev/null ||
	skip "podman is not installed (apt-get install podman runc)"
PATH=$PATH:/usr/sbin:/sbin command -v runc >/dev/null ||
	skip "runc is not installed (apt-get install runc)"
[ "$(id -u)" -eq 0 ] ||
	skip "needs root (rootless podman needs subordinate ids and a session)"

work=$(mktemp -d "${TMPDIR:-/tmp}/reaper-e2e.XXXXXX")
tag=$$
ctr=reaper-e2e-$tag
image=localhost/reaper-e2e:$tag
ctr_made=0
image_made=0

cleanup() {
	local rc=$?

	trap - EXIT
	if [ "$ctr_made" = 1 ]; then
		podman rm -f -t 0 "$ctr" >/dev/null 2>&1 ||
			echo "$me: warning: cannot remove container $ctr" >&2
	fi
	if [ "$image_made" = 1 ]; then
		podman rmi -f "$image" >/dev/null 2>&1 ||
			echo "$me: warning: cannot remove image $image" >&2
	fi
	case "$work" in
	"${TMPDIR:-/tmp}"/reaper-e2e.*) rm -rf "$work" ;;
	esac
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# runc, not crun: crun fails on a mix of cgroup v1 and v2 hierarchies.
# cgroupfs: no systemd to ask for scopes. events_logger=file: no journald.
# default_ulimits: podman otherwise asks for nofile and nproc limits above
# what this machine's hard limits allow. lock_type=file and the paths put
# the state that would otherwise go to /run/libpod, /dev/shm and
# /etc/cni into our directory.
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
tmp_dir = "$work/tmp"
lock_type = "file"

[network]
network_config_dir = "$work/net"
EOF
# vfs: plain copies, so no mounts on the host to leave behind, and it works
# on any filesystem (overlay does not); the image is two small files.
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/root"
runroot = "$work/run"
EOF
export CONTAINERS_CONF=$work/containers.conf
export CONTAINERS_STORAGE_CONF=$work/storage.conf

mkdir "$work/ctx"
cp "$reaper_bin" "$work/ctx/reaper"
cp "$app_bin" "$work/ctx/app"
cat >"$work/ctx/Containerfile" <<'EOF'
FROM scratch
COPY reaper /reaper
COPY app /app
ENTRYPOINT ["/reaper", "--"]
CMD ["/app"]
EOF

last_line() {
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 || true
}

# A COPY-only build from scratch runs no container and needs no registry,
# so a failure here is the engine's or its storage's, not ours.
echo "$me: building $image (FROM scratch: /reaper, /app)"
podman build --pull=never --layers=false -t "$image" "$work/ctx" \
	>"$work/build.log" 2>&1 ||
	skip "podman cannot build an image here: $(last_line "$work/build.log")"
image_made=1

# The smallest run of this image, through neither the reaper nor the test
# scenario. Nothing printed with 125 (podman failed) or 126 (podman 4.3
# also gives this when runc cannot create the container, e.g. systemd
# cgroups without systemd) means podman cannot run containers here. But
# 127 (the engine ran and found no /app in our image) or wrong output
# from our app are failures of this test, not reasons to skip it.
out=$(podman run --rm --pull=never --network=none --entrypoint /app \
	"$image" --probe 2>"$work/probe.err") && rc=0 || rc=$?
if [ "$rc" -ne 0 ] || [ "$out" != probe ]; then
	if [ -z "$out" ] && [ "$rc" -ne 127 ]; then
		skip "podman cannot run a container here (exit $rc):" \
			"$(last_line "$work/probe.err")"
	fi
	cat "$work/probe.err" >&2
	echo "$me: FAIL: probe run of /app printed '$out', exit $rc" >&2
	exit 1
fi
echo "$me: podman can run containers here (runc, no network)"

# ---- The test proper. From here on every problem is a failure.
show_logs() {
	local fmt='{{.State.Status}} exit={{.State.ExitCode}}'

	fmt+=' error={{.State.Error}}'
	echo "---- container output (podman logs $ctr):"
	podman logs "$ctr" 2>&1 || true
	echo "---- state: $(podman inspect -f "$fmt" "$ctr" 2>&1 || true)"
}

fail() {
	echo "$me: FAIL: $*"
	[ "$ctr_made" = 1 ] && show_logs
	exit 1
}

podman run -d --pull=never --network=none --name "$ctr" "$image" \
	>/dev/null 2>"$work/run.err" || {
	cat "$work/run.err"
	fail "podman run -d failed after the probe run worked"
}
ctr_made=1
echo "$me: started $ctr: reaper -- /app"

# Podman has no event for "the application has printed X": its events
# and `podman wait --condition` know only container states. So poll the
# log, bounded in time, and stop early if the container is no longer
# running.
deadline=$((SECONDS + 30))
while :; do
	logs=$(podman logs "$ctr" 2>/dev/null) || true
	if grep -qx ready <<<"$logs"; then
		break
	fi
	state=$(podman inspect -f '{{.State.Status}}' "$ctr" 2>&1) ||
		fail "podman inspect: $state"
	[ "$state" = running ] || fail "container is '$state' before 'ready'"
	[ "$SECONDS" -lt "$deadline" ] || fail "no 'ready' within 30 s"
	sleep 0.2
done
echo "$me: app is ready: $(grep -E '^(pid|orphan)=' <<<"$logs" | tr '\n' ' ')"

# Default stop signal (SIGTERM); SIGKILL only after a generous timeout,
# which would show as exit code 137 instead of 42.
echo "$me: podman stop (SIGTERM, SIGKILL after 30 s)"
t0=$SECONDS
podman stop -t 30 "$ctr" >/dev/null 2>"$work/stop.err" || {
	cat "$work/stop.err"
	fail "podman stop failed"
}
code=$(podman wait "$ctr" 2>&1) || fail "podman wait: $code"
# Nothing says the log is complete once `podman wait` returns: give the
# app's last line a bounded moment to show up.
for _ in $(seq 25); do
	logs=$(podman logs "$ctr" 2>/dev/null) || true
	if grep -q '^exit=' <<<"$logs"; then
		break
	fi
	sleep 0.2
done
echo "$me: stopped in $((SECONDS - t0)) s, exit code $code"

failed=0
check() {
	local what=$1

	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		failed=1
	fi
}
has() {
	grep -Eq "$1" <<<"$logs"
}
check "the app is the reaper's child (ppid=1)" has '^pid=[0-9]+ ppid=1$'
check "the app left an orphan" has '^orphan=[0-9]+$'
check "SIGTERM reached the app, sent by PID 1 (the reaper)" \
	has '^sigterm from pid=1 '
check "the orphan was reaped" has '^orphan-reaped=yes$'
check "no zombie in the container" has '^zombies=0$'
check "podman reports the app's exit code 42 (got $code)" \
	test "$code" = 42
if [ "$failed" -ne 0 ]; then
	fail "see above"
fi
echo "$me: all passed in $SECONDS s"
