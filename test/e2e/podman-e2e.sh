#!/usr/bin/env bash
# End-to-end test with a real container engine: every way podman starts
# an init, each with the static reaper as the container's PID 1 and
# e2e-app as its application (e2e-paths.sh has one function per way):
#
#   entrypoint  the reaper in the image, ENTRYPOINT ["/reaper", "--"]
#   init-path   podman run --init --init-path=REAPER_STATIC, image of the
#               app alone (podman mounts the reaper at /run/podman-init)
#   init-conf   init_path in containers.conf and a plain --init
#   kube        podman kube play of a Pod whose command is the reaper of
#               the image with --grace, then podman pod stop
#
# In each, the app must be PID 1's child and PID 1 our reaper; a SIGUSR1
# sent by podman to the container, and the SIGTERM of the stop, must
# reach the app from PID 1; the app's orphan must be reaped, no zombie
# left, and podman must record the app's exit code (42). The init-path
# way also checks codes 3, 126 and 127, the kube way the grace period.
# One "ok" or "FAIL" line per check, then "N passed, M failed".
#
#   podman-e2e.sh REAPER_STATIC E2E_APP
#
# Exit: 0 passed, 1 failed, 77 skipped (meson's SKIP) with one line on
# stderr saying why, 99 bad input (meson's ERROR). REAPER_E2E_REQUIRE=1,
# or CI=true, turns every skip into a failure, for machines known to run
# podman. REAPER_E2E_PATHS="kube init-path" runs only those ways.
#
# Run as root where podman or runc is missing, it installs them with
# apt-get (a CI machine starts bare); REAPER_E2E_INSTALL=0 skips instead.
#
# Everything podman writes goes into one private temporary directory
# (removed on exit): its own image store, state, locks, events and network
# config, so the machine's default store and running containers are never
# touched, and removing "all" containers, pods and images at the end
# means ours. Podman 4.3 still creates two things outside it, neither a
# store: an empty /run/containers/networks and a blob digest cache in
# /var/lib/containers/cache (both paths are fixed in podman/c-image).
#
# SPDX-License-Identifier: MIT
set -euo pipefail

me=podman-e2e
here=$(cd "$(dirname "$0")" && pwd)
all_paths="entrypoint init-path init-conf kube"

strict=0
if [ "${REAPER_E2E_REQUIRE:-0}" = 1 ] || [ "${CI:-}" = true ]; then
	strict=1
fi

skip() {
	if [ "$strict" = 1 ]; then
		echo "$me: FAIL (REAPER_E2E_REQUIRE=1 or CI=true," \
			"would skip): $*" >&2
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
for p in ${REAPER_E2E_PATHS:-$all_paths}; do
	case " $all_paths " in
	*" $p "*) ;;
	*) bad_input "REAPER_E2E_PATHS: no way '$p' (ways: $all_paths)" ;;
	esac
done
# --init-path is read by podman, not resolved against our directory.
reaper_abs=$(cd "$(dirname "$reaper_bin")" && pwd)/$(basename "$reaper_bin")
reaper_size=$(stat -c %s "$reaper_bin")

# ---- Can podman run a container here at all?
[ "$(id -u)" -eq 0 ] ||
	skip "needs root (rootless podman needs subordinate ids and a session)"
have_runc() {
	PATH=$PATH:/usr/sbin:/sbin command -v runc >/dev/null
}
missing=()
command -v podman >/dev/null || missing+=(podman)
have_runc || missing+=(runc)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "${REAPER_E2E_INSTALL:-1}" = 0 ] ||
		! command -v apt-get >/dev/null; then
		skip "${missing[*]} not installed (apt-get install podman runc)"
	fi
	echo "$me: installing ${missing[*]} (apt-get)"
	inst_log=$(mktemp "${TMPDIR:-/tmp}/reaper-e2e-apt.XXXXXX")
	if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			"${missing[@]}"; } >"$inst_log" 2>&1; then
		tail -n 5 "$inst_log" >&2
		rm -f "$inst_log"
		skip "cannot install ${missing[*]} with apt-get"
	fi
	rm -f "$inst_log"
	if ! command -v podman >/dev/null || ! have_runc; then
		skip "podman or runc still missing after apt-get install"
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/reaper-e2e.XXXXXX")
tag=$$
image_entry=localhost/reaper-e2e:$tag
image_app=localhost/reaper-e2e-app:$tag
image_pause=localhost/reaper-e2e-pause:$tag
store_used=0

cleanup() {
	local rc=$?

	trap - EXIT
	# The store is ours alone: "all" is what this test made.
	if [ "$store_used" = 1 ]; then
		podman pod rm -a -f -t 0 >/dev/null 2>&1 ||
			echo "$me: warning: cannot remove the pods" >&2
		podman rm -a -f -t 0 >/dev/null 2>&1 ||
			echo "$me: warning: cannot remove the containers" >&2
		podman rmi -a -f >/dev/null 2>&1 ||
			echo "$me: warning: cannot remove the images" >&2
	fi
	# A mount left in it (a container's /dev/shm) would make rm -rf
	# fail half-way, or worse reach through it: keep the directory.
	if grep -qF " $work/" /proc/self/mounts 2>/dev/null; then
		echo "$me: warning: mounts left under $work, not removed" >&2
	else
		case "$work" in
		"${TMPDIR:-/tmp}"/reaper-e2e.*) rm -rf "$work" ;;
		esac
	fi
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
# /etc/cni into our directory. infra_image: a pod's infra container is
# our own FROM-scratch pause; without it Podman 4.3 builds one from
# /usr/libexec/podman/catatonit (that works offline too, but needs
# Debian's catatonit package, which nothing else here does).
# write_conf FILE [LINE]: LINE goes into [containers].
write_conf() {
	cat >"$1" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
log_driver = "k8s-file"
${2:-}

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
tmp_dir = "$work/tmp"
lock_type = "file"
infra_image = "$image_pause"

[network]
network_config_dir = "$work/net"
EOF
}
write_conf "$work/containers.conf"
# The same engine, state and store: only `podman run` of the init-conf
# way reads it.
write_conf "$work/containers-init.conf" "init_path = \"$reaper_abs\""
# vfs: plain copies, so no mounts on the host to leave behind, and it works
# on any filesystem (overlay does not); the images are small files.
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/root"
runroot = "$work/run"
EOF
export CONTAINERS_CONF=$work/containers.conf
export CONTAINERS_STORAGE_CONF=$work/storage.conf
store_used=1

last_line() {
	grep -v '^[[:space:]]*$' "$1" | tail -n 1 || true
}

# build IMAGE CONTAINERFILE-LINES...: a COPY-only build from scratch runs
# no container and needs no registry, so a failure here is the engine's
# or its storage's, not ours.
build() {
	local image=$1 ctx

	shift
	ctx=$work/ctx-${image##*/}
	mkdir "$ctx"
	cp "$reaper_bin" "$ctx/reaper"
	cp "$app_bin" "$ctx/app"
	printf '%s\n' 'FROM scratch' "$@" >"$ctx/Containerfile"
	podman build --pull=never --layers=false -t "$image" "$ctx" \
		>"$work/build.log" 2>&1 ||
		skip "podman cannot build an image here:" \
			"$(last_line "$work/build.log")"
}
echo "$me: building 3 images FROM scratch: the reaper and the app," \
	"the app alone, a pause"
build "$image_entry" 'COPY reaper /reaper' 'COPY app /app' \
	'ENTRYPOINT ["/reaper", "--"]' 'CMD ["/app"]'
build "$image_app" 'COPY app /app' 'CMD ["/app"]'
build "$image_pause" 'COPY app /app' 'ENTRYPOINT ["/app", "--pause"]'

# The smallest run of an image, through neither the reaper nor the test
# scenario. Nothing printed with 125 (podman failed) or 126 (podman 4.3
# also gives this when runc cannot create the container, e.g. systemd
# cgroups without systemd) means podman cannot run containers here. But
# 127 (the engine ran and found no /app in our image) or wrong output
# from our app are failures of this test, not reasons to skip it.
out=$(podman run --rm --pull=never --network=none "$image_app" \
	/app --probe 2>"$work/probe.err") && rc=0 || rc=$?
if [ "$rc" -ne 0 ] || [ "$out" != probe ]; then
	if [ -z "$out" ] && [ "$rc" -ne 127 ]; then
		skip "podman cannot run a container here (exit $rc):" \
			"$(last_line "$work/probe.err")"
	fi
	cat "$work/probe.err" >&2
	echo "$me: FAIL: probe run of /app printed '$out', exit $rc" >&2
	exit 1
fi
version=$(podman version -f '{{.Client.Version}}' 2>/dev/null) || true
echo "$me: podman ${version:-?} can run containers here (runc, no network)"

# ---- The test proper. From here on every problem is a failure.
# shellcheck source=e2e-lib.sh
. "$here/e2e-lib.sh"
# shellcheck source=e2e-paths.sh
. "$here/e2e-paths.sh"
: >"$work/results"

# Each way in a subshell: an unexpected error (set -e) ends that way with
# a FAIL and the line it came from, and the next way still runs.
for p in ${REAPER_E2E_PATHS:-$all_paths}; do
	echo "$me: -- $p"
	before=$(grep -c '^FAIL$' "$work/results" || true)
	set +e
	(
		set -eE
		path=$p
		trap 'unexpected "$?" "$LINENO" "$BASH_COMMAND"' ERR
		"path_${p//-/_}"
	)
	rc=$?
	set -e
	after=$(grep -c '^FAIL$' "$work/results" || true)
	if [ "$rc" -ne 0 ] && [ "$after" -eq "$before" ]; then
		echo "FAIL $p: ended with exit $rc"
		record FAIL
	fi
done

passed=$(grep -c '^ok$' "$work/results" || true)
failed=$(grep -c '^FAIL$' "$work/results" || true)
echo "$me: $passed passed, $failed failed in $SECONDS s"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
	exit 1
fi
