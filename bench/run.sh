#!/usr/bin/env bash
# Benchmarks (issue #5): libreaper against tini, tini-static, dumb-init and
# catatonit, and against ref-reaper, a minimal correct PID 1 as the limit.
#
#   bash bench/run.sh [--short|--full]      (default --short; root)
#
# Installs what is missing (Debian: apt-get), builds the static musl
# reaper-static, the library-mode program, the workloads and the reference
# into build-bench-musl/, runs bench-driver and writes bench/results/:
# results.md (tables, ratios, targets), samples.csv (raw samples) and
# chart.png. The numbers are reported, never judged: a finished run exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

form=--short
case "${1:-}" in
--short|--full) form=$1 ;;
"") ;;
*) echo "usage: $0 [--short|--full]" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: needs root (PID namespaces)" >&2
	exit 1
fi

start=$(date +%s)
need=()
for p in tini:tini dumb-init:dumb-init catatonit:catatonit \
	 musl-gcc:musl-tools gnuplot:gnuplot-nox meson:meson \
	 ninja:ninja-build pkg-config:pkg-config gcc:gcc strip:binutils; do
	command -v "${p%%:*}" >/dev/null || need+=("${p#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

# musl, static, -Os: the reaper-static README ships (minsize is also the
# faster build here: the binary that starts fastest is the one with the
# fewest pages to map, and the reaper's loop is system calls, not code).
build=build-bench-musl
if [ ! -f $build/build.ninja ]; then
	CC=musl-gcc meson setup $build -Dbuildtype=minsize -Dtests=disabled \
		-Ddocs=disabled >/dev/null
fi
ninja -C $build tools/reaper-static bench/ref-reaper bench/bench-work \
	bench/bench-lib bench/bench-driver >/dev/null

# Stripped, as distributions ship binaries (the peers are stripped too).
bin=$build/bench/stripped
mkdir -p $bin
for f in tools/reaper-static bench/ref-reaper bench/bench-work bench/bench-lib; do
	strip -o $bin/"$(basename $f)" $build/$f
done

out=bench/results
mkdir -p $out
$build/bench/bench-driver $form --out $out \
	--ref $bin/ref-reaper --reaper $bin/reaper-static \
	--work $bin/bench-work --lib $bin/bench-lib \
	--peer tini=/usr/bin/tini --peer tini-static=/usr/bin/tini-static \
	--peer dumb-init=/usr/bin/dumb-init --peer catatonit=/usr/bin/catatonit
(cd $out && gnuplot ../chart.gp)
rm -f $out/ratios.dat $out/chart.inc

cat $out/results.md
echo
echo "bench/run.sh $form: $(( $(date +%s) - start )) s; wrote $out/results.md," \
	"$out/samples.csv, $out/chart.png"
