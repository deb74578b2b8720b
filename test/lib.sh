# Shell functions shared by the scripts that install and build before they
# test (test/run-tests.sh, test/run-analysers.sh, fuzz/run-fuzz.sh).
# Sourced, never run.
#
# SPDX-License-Identifier: MIT
# shellcheck shell=bash

# need_packages ME PACKAGE...: install, as root, the Debian packages that
# are missing, saying which; anyone else gets one line naming them, and
# the script (ME) exits 1.
need_packages() {
	local me=$1 p
	local missing=()

	shift
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "$me: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	echo "$me: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
}

# setup DIR OPTION...: configure DIR with the options (set up the first
# time, reconfigured after) and build it, quietly.
setup() {
	local dir=$1

	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}
