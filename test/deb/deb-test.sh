#!/usr/bin/env bash
# The Debian packaging end to end, on this machine: build the packages
# from the working tree (tracked files and untracked ones git does not
# ignore, so that work in progress is what gets tested), run lintian on
# them, install them, use them as a user would, and purge them again.
#
#   deb-test.sh
#
# Needs root and a Debian machine (12 or later) whose apt can reach its
# repositories: it installs what is missing (lintian, man-db, git, the
# build dependencies), and at exit it purges every package it installed,
# its own included, so that the machine is left as it was. Nothing is
# written next to the repository: the build runs in a temporary copy.
# REAPER_DEB_KEEP=1 keeps that copy, the packages and the logs.
#
# One ok/FAIL/skip line per check, then the time taken, then
# "N passed, M failed". Exit: 0 passed, 1 failed, 77 skipped (not root,
# no apt), 99 bad input. CI=true turns every skip into a failure.
#
# SPDX-License-Identifier: MIT
set -euo pipefail

me=deb-test
here=$(cd "$(dirname "$0")" && pwd)
# Fixed collation: comm(1) compares package lists sorted by sort(1), and
# man(1) and lintian then print plain ASCII.
export LC_ALL=C

passed=0
failed=0
skipped=0

ok() {
	printf 'ok   %s\n' "$*"
	passed=$((passed + 1))
}

fail() {
	printf 'FAIL %s\n' "$*"
	failed=$((failed + 1))
}

skip() {
	if [ "${CI:-}" = true ]; then
		fail "$* (a skip, and CI=true)"
		return
	fi
	printf 'skip %s\n' "$*"
	skipped=$((skipped + 1))
}

summary() {
	if [ "$skipped" -gt 0 ]; then
		echo "$me: $skipped skipped"
	fi
	echo "$me: took $((SECONDS - t0)) s"
	echo "$passed passed, $failed failed"
}

bad_input() {
	echo "$me: ERROR: $*" >&2
	exit 99
}

# Indented, so that a command's output stands apart from the check lines.
show() {
	sed 's/^/    | /' "$@"
}

# status_is WANT NAME COMMAND...: COMMAND exits WANT.
status_is() {
	local want=$1 name=$2 st=0
	shift 2
	"$@" >"$work/out" 2>&1 || st=$?
	if [ "$st" -eq "$want" ]; then
		ok "$name"
	else
		fail "$name: exit status $st, want $want"
		show "$work/out"
	fi
}

t0=$SECONDS

# Before anything is installed or created: a run that cannot happen says
# so once, as a skip.
if [ "$(id -u)" -ne 0 ]; then
	skip "everything: apt-get, dpkg and unshare need root"
	summary
	[ "$failed" -eq 0 ] && exit 77
	exit 1
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
	skip "everything: not a Debian machine (no apt-get or dpkg)"
	summary
	[ "$failed" -eq 0 ] && exit 77
	exit 1
fi

native_arch=$(dpkg --print-architecture)
work=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX")
: >"$work/ours"

# Installed packages, one name a line, as apt-get -s names them (no
# ":arch" suffix for the native architecture).
installed_now() {
	dpkg-query -W -f '${db:Status-Abbrev} ${binary:Package}\n' |
		awk '$1 == "ii" { print $2 }' |
		sed "s/:$native_arch\$//" | sort -u
}

apt_updated=0
purged=

# apt_install ARGS...: apt-get ARGS (install or build-dep). A package
# counts as ours, to be purged at exit, when it was not installed before
# and apt's simulation of this very call said it would install it: other
# work on the machine may install packages meanwhile, and those are not
# ours to remove. Lists are refreshed once, on the first failure (a
# fresh machine may have none).
apt_install() {
	local before sim
	while :; do
		before=$(installed_now)
		if sim=$(apt-get -s -o APT::Get::Show-User-Simulation-Note=0 \
				--no-install-recommends "$@" 2>>"$work/apt.log") &&
		   DEBIAN_FRONTEND=noninteractive apt-get -y -q \
				-o DPkg::Lock::Timeout=600 \
				--no-install-recommends "$@" \
				>>"$work/apt.log" 2>&1; then
			break
		fi
		if [ "$apt_updated" -eq 1 ]; then
			return 1
		fi
		apt_updated=1
		apt-get -q update >>"$work/apt.log" 2>&1 || return 1
	done
	sim=$(awk '$1 == "Inst" && $3 !~ /^\[/ { print $2 }' <<<"$sim" |
		sed "s/:$native_arch\$//" | sort -u)
	comm -13 <(echo "$before") <(installed_now) |
		comm -12 - <(echo "$sim") >>"$work/ours"
}

# Purges what apt_install recorded, with dpkg rather than apt: dpkg
# refuses to remove a package that something else still needs, where
# apt would remove that something else too.
purge_ours() {
	local pkgs left
	pkgs=$(sort -u "$work/ours")
	: >"$work/ours"
	purged=${pkgs//$'\n'/ }
	if [ -z "$pkgs" ]; then
		return 0
	fi
	# shellcheck disable=SC2086 # one word per package
	dpkg --purge $pkgs >>"$work/apt.log" 2>&1 || true
	left=$(comm -12 <(echo "$pkgs") <(installed_now))
	if [ -n "$left" ]; then
		echo "$me: still installed: ${left//$'\n'/ }"
		return 1
	fi
}

cleanup() {
	local st=$?
	purge_ours >&2 || st=1
	if [ "${REAPER_DEB_KEEP:-0}" = 1 ]; then
		if [ "$st" -ne 0 ]; then
			echo "$me: kept $work" >&2
		fi
	else
		rm -rf "$work"
	fi
	exit "$st"
}
trap cleanup EXIT

# What the test needs itself, beyond the build dependencies.
need=()
for p in dpkg-dev git lintian man-db; do
	if ! dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null |
			grep -q '^ii'; then
		need+=("$p")
	fi
done
if [ "${#need[@]}" -gt 0 ]; then
	if apt_install install "${need[@]}"; then
		ok "install the test's own tools: ${need[*]}"
	else
		fail "install the test's own tools: ${need[*]}"
		tail -n 20 "$work/apt.log" | show
		summary
		exit 1
	fi
fi

repo=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) ||
	bad_input "$here is not inside a git work tree"
[ -f "$repo/debian/control" ] || bad_input "$repo has no debian/control"

# Versions: the package's must be the project's (meson.build).
meson_version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)',\$/\1/p" \
	"$repo/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
upstream_version=${deb_version#*:}
upstream_version=${upstream_version%-*}
[ -n "$meson_version" ] || bad_input "no version: in $repo/meson.build"
if [ "$upstream_version" = "$meson_version" ]; then
	ok "debian/changelog's version $deb_version is meson.build's"
else
	fail "debian/changelog's version $deb_version, meson.build's $meson_version"
fi

# The copy: what git tracks or would track, minus files deleted from the
# work tree but not yet from the index.
mkdir "$work/src"
git -C "$repo" ls-files -co --exclude-standard -z |
	while IFS= read -r -d '' f; do
		if [ -e "$repo/$f" ] || [ -L "$repo/$f" ]; then
			printf '%s\0' "$f"
		fi
	done |
	tar -C "$repo" --null -T - -cf - | tar -C "$work/src" -xf -

t=$SECONDS
if apt_install build-dep "$work/src"; then
	ok "install the build dependencies ($((SECONDS - t)) s)"
else
	fail "install the build dependencies ($((SECONDS - t)) s)"
	tail -n 20 "$work/apt.log" | show
	summary
	exit 1
fi

# Source and binaries: lintian checks debian/control, copyright and rules
# only on a source package, which -b would not make. DEB_BUILD_OPTIONS
# passes through (nocheck skips the unit tests).
t=$SECONDS
if (cd "$work/src" && dpkg-buildpackage -us -uc) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc ($((SECONDS - t)) s)"
else
	fail "dpkg-buildpackage -us -uc ($((SECONDS - t)) s)"
	tail -n 60 "$work/build.log" | show
	summary
	exit 1
fi
changes=$(ls "$work"/libreaper_*.changes)

# Every tag is printed, overridden ones too; E: and W: fail. lintian's
# own exit status is not used: it fails on errors only.
t=$SECONDS
lintian --pedantic --display-info --show-overrides --fail-on none \
	"$changes" 2>&1 | grep -v '^running with root privileges' \
	>"$work/lintian.out" || true
if [ -s "$work/lintian.out" ]; then
	show "$work/lintian.out"
fi
if grep -q '^[EW]: ' "$work/lintian.out"; then
	fail "lintian: $(grep -c '^[EW]: ' "$work/lintian.out") errors and warnings ($((SECONDS - t)) s)"
else
	ok "lintian: no error or warning, $(grep -c '^[A-Z]: ' "$work/lintian.out" || true) tags in all ($((SECONDS - t)) s)"
fi

# apt, not dpkg -i: apt brings what the packages depend on. --reinstall,
# so that an installed copy of the same version is replaced by this one.
debs=()
for p in libreaper0 libreaper-dev reaper; do
	debs+=("$work/${p}_${deb_version#*:}_$native_arch.deb")
done
t=$SECONDS
if apt_install install --reinstall "${debs[@]}"; then
	ok "apt-get install ${debs[*]##*/} ($((SECONDS - t)) s)"
else
	fail "apt-get install ${debs[*]##*/} ($((SECONDS - t)) s)"
	tail -n 20 "$work/apt.log" | show
	summary
	exit 1
fi

# The command, both builds. /usr/bin spelled out: a copy in /usr/local
# (meson install's default prefix) would come first in PATH.
for cmd in reaper reaper-static; do
	if out=$("/usr/bin/$cmd" --version 2>&1) &&
	   grep -qF "$meson_version" <<<"$out"; then
		ok "$cmd --version prints $meson_version"
	else
		fail "$cmd --version does not print $meson_version"
		show <<<"$out"
	fi
done
# Static: no program interpreter to load it and no library it needs.
hdr=$(readelf -ldW /usr/bin/reaper-static 2>&1) || hdr="readelf: $hdr"
if ! grep -q 'readelf:\|program interpreter\|(NEEDED)' <<<"$hdr"; then
	ok "reaper-static is linked statically"
else
	fail "reaper-static is not linked statically"
	grep 'readelf:\|program interpreter\|(NEEDED)' <<<"$hdr" | show
fi

# Man pages. Minimal images (docker's debian) tell dpkg to drop them:
# that is the machine's choice, not a packaging fault.
if grep -qs '^path-exclude[[:space:]]*=\?[[:space:]]*/usr/share/man' \
		/etc/dpkg/dpkg.cfg.d/*; then
	skip "man pages: dpkg excludes /usr/share/man on this machine"
else
	# -a: every page of that name; ours must be one of them, whatever
	# /usr/local holds. man -w names the target of a symbolic link
	# (the .so pages, which dh_installman turns into links).
	for page in 1:reaper 1:reaper-static 3:reaper_fork_self \
			3:reaper_fork_self_opts 3:reaper_start 3:libreaper; do
		sect=${page%%:*}
		name=${page#*:}
		want=/usr/share/man/man$sect/$name.$sect.gz
		target=$(realpath -e "$want" 2>/dev/null) || target=$want
		what=$want
		if [ "$target" != "$want" ]; then
			what="$want -> ${target##*/}"
		fi
		if [ -e "$want" ] &&
		   man -aw "$sect" "$name" 2>/dev/null | grep -qxF "$target"; then
			ok "man -w $name finds $what"
		else
			fail "man -w $name does not find $what"
		fi
	done
	if man -P cat -M /usr/share/man 1 reaper-static 2>&1 |
			head -n 1 | grep -q '^REAPER(1)'; then
		ok "man reaper-static shows reaper(1)"
	else
		fail "man reaper-static does not show reaper(1)"
	fi
fi

# A user's program, built against the installed package only: pkg-config
# limited to the system's directories, so that a reaper.pc in /usr/local
# cannot stand in for the package's.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
export PKG_CONFIG_LIBDIR=/usr/lib/$multiarch/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig
app=$work/deb-app
flags=()
: >"$work/cc.out"
if out=$(pkg-config --cflags --libs reaper 2>&1) &&
   read -r -a flags <<<"$out" &&
   cc -H -o "$app" "$here/deb-app.c" "${flags[@]}" >"$work/cc.out" 2>&1; then
	ok "cc deb-app.c \$(pkg-config --cflags --libs reaper): ${flags[*]}"
else
	fail "cc deb-app.c \$(pkg-config --cflags --libs reaper): $out"
	show "$work/cc.out"
	app=
fi
if [ -n "$app" ]; then
	# The header and library it used are the packages' files.
	header=$(sed -n 's/^\.* \(.*reaper\.h\)$/\1/p' "$work/cc.out" | head -n 1)
	lib=$(ldd "$app" | sed -n 's/^[[:space:]]*libreaper\.so\.0 => \([^ ]*\) .*/\1/p')
	owner_h=$(dpkg -S "$(realpath "${header:-/nonexistent}")" 2>/dev/null |
		cut -d: -f1) || true
	owner_l=$(dpkg -S "$(realpath "${lib:-/nonexistent}")" 2>/dev/null |
		cut -d: -f1) || true
	if [ "$owner_h" = libreaper-dev ] && [ "$owner_l" = libreaper0 ]; then
		ok "deb-app uses $header (libreaper-dev) and $lib (libreaper0)"
	else
		fail "deb-app uses ${header:-no reaper.h} (${owner_h:-no package}) and ${lib:-no libreaper.so.0} (${owner_l:-no package})"
	fi
fi

# The same program linked statically with libreaper.a: what the -dev
# package's archive and reaper.pc's private requirements must allow.
app_static=$work/deb-app-static
flags=()
: >"$work/cc.out"
if out=$(pkg-config --static --cflags --libs reaper 2>&1) &&
   read -r -a flags <<<"$out" &&
   cc -static -o "$app_static" "$here/deb-app.c" "${flags[@]}" \
		>"$work/cc.out" 2>&1; then
	ok "cc -static deb-app.c \$(pkg-config --static --cflags --libs reaper): ${flags[*]}"
else
	fail "cc -static deb-app.c \$(pkg-config --static --cflags --libs reaper): $out"
	show "$work/cc.out"
	app_static=
fi

# PID 1 of a fresh PID namespace, with its own /proc so that /proc/1 is
# the namespace's init.
if ! unshare -pf --mount-proc true >"$work/out" 2>&1; then
	skip "PID 1 runs: unshare -pf --mount-proc fails here: $(head -n 1 "$work/out")"
else
	# deb-app's 42 is its verdict (split, parent is PID 1, PID 1 is
	# the same program), and arrives only if the reaper mirrored it.
	for a in ${app:+"$app"} ${app_static:+"$app_static"}; do
		status_is 42 "${a##*/} as PID 1: split, exit status 42 mirrored" \
			unshare -pf --mount-proc "$a"
	done
	for cmd in reaper reaper-static; do
		status_is 7 "$cmd as PID 1: sh's exit 7 mirrored" \
			unshare -pf --mount-proc "/usr/bin/$cmd" -- sh -c 'exit 7'
		status_is 143 "$cmd as PID 1: sh killed by SIGTERM gives 143" \
			unshare -pf --mount-proc "/usr/bin/$cmd" -- \
			sh -c 'kill -TERM $$'
	done
fi

# Leave the machine as it was: everything this run installed goes.
t=$SECONDS
if purge_ours >"$work/out" 2>&1; then
	ok "purge what this run installed: $purged ($((SECONDS - t)) s)"
else
	fail "purge what this run installed: $purged ($((SECONDS - t)) s)"
	show "$work/out"
fi

if [ "${REAPER_DEB_KEEP:-0}" = 1 ]; then
	echo "$me: kept $work"
	stat -c '%s %n' "$work"/*.deb "$work"/*.changes | show
fi
summary
[ "$failed" -eq 0 ]
