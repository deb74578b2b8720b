#!/usr/bin/env bash
# The release tarball stands on its own: `meson dist` packs what git
# tracks at HEAD, and the unpacked tarball must configure, build and pass
# the unit and ABI suites with nothing of the checkout around it (a file
# the build needs but git does not track shows up here, and nowhere else).
#
#   dist-test.sh [BUILD_DIR]     default: build-dist/
#
# Leaves the tarball and its .sha256sum in BUILD_DIR/meson-dist/. Exit 0
# passed, 1 failed. Uncommitted changes are not in the tarball: meson
# warns, and this tests HEAD.
#
# SPDX-License-Identifier: MIT
set -euo pipefail
cd "$(dirname "$0")/.."
me=dist-test
build=${1:-build-dist}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dtests=disabled -Ddocs=disabled >/dev/null
fi
# --no-tests: meson would run every suite, podman and stress included;
# the suites that need nothing but the tarball are run below instead.
meson dist -C "$build" --no-tests --allow-dirty --formats xztar
version=$(meson introspect "$build" --projectinfo |
	sed -n 's/.*"version": "\([^"]*\)".*/\1/p')
tarball=$build/meson-dist/libreaper-$version.tar.xz
[ -f "$tarball" ] || { echo "$me: FAIL: no $tarball" >&2; exit 1; }
(cd "$build/meson-dist" && sha256sum -c "libreaper-$version.tar.xz.sha256sum")

work=$(mktemp -d "${TMPDIR:-/tmp}/reaper-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xJf "$tarball" -C "$work"
src=$work/libreaper-$version
[ -f "$src/meson.build" ] ||
	{ echo "$me: FAIL: the tarball has no libreaper-$version/" >&2; exit 1; }

echo "$me: building $(basename "$tarball") ($(stat -c %s "$tarball") bytes)"
meson setup "$work/b" "$src" -Dbuildtype=debugoptimized >/dev/null
ninja -C "$work/b" >/dev/null
meson test -C "$work/b" --suite unit --suite abi --num-processes 2 \
	--print-errorlogs
echo "$me: the tarball builds and passes the unit and ABI suites"
