#!/usr/bin/env bash
# README's test command: install what the suite needs (Debian 12), build,
# run the whole suite (unit, stress in its short form, abi, e2e), the
# command's tests against the musl static build, reaper-static for every
# architecture under qemu, the Debian packages (lintian, then installed
# and used), the meson dist tarball on its own, the suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under valgrind
# memcheck, cppcheck and clang-tidy, and each fuzz target for a few
# seconds. Run as root: the tests create PID namespaces (as another user
# they are skipped with a reason, never passed).
set -euo pipefail
cd "$(dirname "$0")/.."

# One install for every step (the analyser and fuzz scripts check again).
# shellcheck source=test/lib.sh
. test/lib.sh
need_packages run-tests meson ninja-build pkg-config gcc g++ check \
	libbsd-dev podman runc musl-tools valgrind cppcheck clang clang-tidy \
	libclang-rt-14-dev

echo "== build and test (build-test/)"
setup build-test -Dbuildtype=debugoptimized
meson test -C build-test --print-errorlogs --num-processes 2

echo "== the musl static command against the command's tests (build-musl/)"
# The smallest build we ship: no libbsd (lib/bsd-compat.c), another libc,
# its own getopt and signal numbering. The glibc test binaries drive it.
CC=musl-gcc setup build-musl -Dbuildtype=minsize -Dtests=disabled \
	-Ddocs=disabled
for t in test-command test-command-run test-signals test-exit test-fds \
	test-grace test-tty test-faults test-shutdown test-stress; do
	REAPER_TEST_COMMAND=$PWD/build-musl/tools/reaper-static \
	REAPER_TEST_HELPER=$PWD/build-test/test/helper-app \
	CK_DEFAULT_TIMEOUT=60 build-test/test/$t
done
bash test/e2e/podman-e2e.sh build-musl/tools/reaper-static \
	build-test/test/e2e/e2e-app

echo "== every architecture: reaper-static cross-built, run under qemu as PID 1"
bash cross/build-dist.sh
bash cross/test-qemu.sh dist

echo "== the Debian packages: built, linted, installed, used, purged"
bash test/deb/deb-test.sh

echo "== the release tarball (meson dist) builds and passes on its own"
bash test/dist-test.sh build-test

echo "== again under ASan + UBSan (build-asan/)"
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined \
	-Dc_args=-fno-sanitize-recover=all
ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2

echo "== cppcheck, clang-tidy, and the suite under valgrind memcheck"
bash test/run-analysers.sh lint valgrind

echo "== fuzzing, a few seconds per target (longer: fuzz/README.md)"
bash fuzz/run-fuzz.sh
echo "run-tests: all passed"
