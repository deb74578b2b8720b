#!/usr/bin/env bash
# Builds tools/reaper-static for every architecture Debian 12 can
# cross-build on amd64, strips each into dist/reaper-static-ARCH (ARCH as
# `uname -m` names it on that machine), and writes dist/SHA256SUMS and
# dist/SIZES.md (the size table, also printed).
#
#   cross/build-dist.sh [DEBIAN_ARCH...]      (default: all of them)
#
# As root it first installs what is missing: the foreign architectures,
# the cross compilers, musl-dev for each architecture, qemu-user-static
# (meson runs its sanity checks through it), meson and ninja. Anyone else
# gets one line naming the packages instead. Every architecture asked for
# must build: one that does not makes the script fail, with one line
# naming it, after the others have been tried; none is ever skipped.
#
# Reruns are incremental: each architecture keeps its configured build
# directory, build-cross-DEBIAN_ARCH/, set up again only when its cross
# file or the options below change. dist/ holds exactly this run's output.
#
# Exit: 0 built, 1 a build failed, 2 bad usage or missing packages.
#
# SPDX-License-Identifier: MIT
set -euo pipefail

me=build-dist
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Debian arch, `uname -m`, the GNU triplet of the cross gcc, the C library,
# and readelf's name for the machine. riscv64 has no musl-dev in bookworm
# (not a release architecture): its binary links glibc's libc.a, from the
# cross toolchain's libc6-dev-riscv64-cross. i386 runs natively on amd64.
arches=(
	"amd64   x86_64  x86_64-linux-gnu      musl  X86-64"
	"arm64   aarch64 aarch64-linux-gnu     musl  AArch64"
	"armhf   armv7l  arm-linux-gnueabihf   musl  ARM"
	"ppc64el ppc64le powerpc64le-linux-gnu musl  PowerPC64"
	"s390x   s390x   s390x-linux-gnu       musl  S/390"
	"riscv64 riscv64 riscv64-linux-gnu     glibc RISC-V"
	"i386    i686    i686-linux-gnu        musl  80386"
)
options=(-Dbuildtype=minsize -Dtests=disabled -Ddocs=disabled
	-Dstatic_command=enabled)

# die STATUS MESSAGE...
die() {
	local status=$1

	shift
	echo "$me: FAIL: $*" >&2
	exit "$status"
}

# Which rows were asked for, by Debian arch or by `uname -m` name.
want=()
if [ $# -eq 0 ]; then
	want=("${arches[@]}")
else
	for a in "$@"; do
		found=
		for row in "${arches[@]}"; do
			read -r deb m _ <<<"$row"
			if [ "$a" = "$deb" ] || [ "$a" = "$m" ]; then
				want+=("$row")
				found=1
			fi
		done
		[ -n "$found" ] || {
			echo "usage: $0 [DEBIAN_ARCH...]; known:" \
				"$(printf '%s\n' "${arches[@]}" | cut -d' ' -f1 |
					tr '\n' ' ')" >&2
			exit 2
		}
	done
fi

# The C library's package for a row: its version goes into the table.
libc_pkg() {
	if [ "$2" = glibc ]; then
		echo "libc6-dev-$1-cross"
	else
		echo "musl-dev:$1"
	fi
}

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

# ---- What is missing, installed when we can.
need=(meson ninja-build qemu-user-static binutils musl-tools)
foreign=()
# Read once: `dpkg ... | grep -q` would fail under pipefail when grep
# leaves early.
have_foreign=$(dpkg --print-foreign-architectures)
for row in "${want[@]}"; do
	read -r deb _ triplet libc _ <<<"$row"
	if [ "$deb" = amd64 ]; then
		need+=(gcc)
	else
		need+=("gcc-$triplet")
	fi
	need+=("$(libc_pkg "$deb" "$libc")")
	# A libc6-dev-*-cross package is amd64's own: no foreign architecture
	# (bookworm has no riscv64 archive to add).
	if [ "$libc" = musl ] && [ "$deb" != amd64 ] &&
	   ! grep -qx "$deb" <<<"$have_foreign"; then
		foreign+=("$deb")
	fi
done
missing=()
for p in "${need[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		hint="apt-get install ${missing[*]}"
		[ ${#foreign[@]} -eq 0 ] ||
			hint="dpkg --add-architecture ${foreign[*]}; $hint"
		die 2 "missing packages (as root: $hint)"
	fi
	for deb in "${foreign[@]}"; do
		dpkg --add-architecture "$deb"
	done
	echo "$me: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>/dev/null
fi

# ---- Build, one architecture at a time (ninja uses every core).
# Called as an `if` condition, where set -e does not apply: every step
# says itself how it failed.
build_one() {
	local deb=$1 m=$2 triplet=$3 libc=$4 machine=$5
	local dir=build-cross-$deb cross=cross/$deb.ini log opts hdr
	local -a o=("${options[@]}")

	# No libbsd for a foreign glibc (no libbsd-dev:riscv64 in bookworm);
	# lib/bsd-compat.c stands in, as with musl.
	[ "$libc" = glibc ] && o+=(-Dlibbsd=disabled)
	opts="$cross ${o[*]}"
	log=$dir/build-dist.log
	if [ ! -f "$dir/build.ninja" ] || [ "$cross" -nt "$dir/build.ninja" ] ||
	   [ "$(cat "$dir/build-dist.opts" 2>/dev/null)" != "$opts" ]; then
		rm -rf "$dir"
		mkdir "$dir"
		if ! meson setup --cross-file "$cross" "${o[@]}" "$dir" \
			>"$log.setup" 2>&1; then
			tail -n 30 "$log.setup" >&2
			echo "$me: $deb: meson setup failed ($log.setup)" >&2
			return 1
		fi
		echo "$opts" >"$dir/build-dist.opts"
	fi
	if ! ninja -C "$dir" tools/reaper-static >"$log" 2>&1; then
		grep -v '^\[[0-9]*/[0-9]*\] ' "$log" | tail -n 40 >&2
		echo "$me: $deb: ninja failed ($log)" >&2
		return 1
	fi
	# A mixed-up toolchain shows here, not only when qemu refuses it.
	hdr=$(LC_ALL=C readelf -hl "$dir/tools/reaper-static") || return 1
	if ! grep -q "Machine: .*$machine" <<<"$hdr"; then
		echo "$me: $deb: not a $machine binary:" \
			"$(grep Machine: <<<"$hdr")" >&2
		return 1
	fi
	if grep -q 'program interpreter' <<<"$hdr"; then
		echo "$me: $deb: not linked statically" >&2
		return 1
	fi
	if ! "$triplet-strip" -o "dist/reaper-static-$m" \
		"$dir/tools/reaper-static"; then
		echo "$me: $deb: strip failed" >&2
		return 1
	fi
}

start=$SECONDS
mkdir -p dist
rm -f dist/reaper-static-* dist/SHA256SUMS dist/SIZES.md
failed=()
table="| arch | Debian arch | C library | stripped bytes |
|---|---|---|---:|"
for row in "${want[@]}"; do
	read -r deb m triplet libc machine <<<"$row"
	echo "$me: $deb ($m, $libc)"
	if ! build_one "$deb" "$m" "$triplet" "$libc" "$machine"; then
		failed+=("$deb")
		continue
	fi
	v=$(dpkg-query -W -f='${Version}' "$(libc_pkg "$deb" "$libc")")
	bytes=$(stat -c %s "dist/reaper-static-$m" |
		sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
	table+="
| $m | $deb | $libc ${v%%-*} | $bytes |"
done

if [ ${#failed[@]} -gt 0 ]; then
	die 1 "did not build: ${failed[*]}" \
		"(logs: build-cross-ARCH/build-dist.log*)"
fi
(cd dist && sha256sum reaper-static-* >SHA256SUMS)
echo "$table" >dist/SIZES.md
echo
echo "$table"
echo
echo "$me: dist/ has ${#want[@]} binaries and their SHA256SUMS" \
	"($((SECONDS - start)) s)"
