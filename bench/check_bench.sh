#!/bin/bash
# Benchmark: `podvisor check` over 1,000 files x 10 objects (10,000
# objects, ~1,000 documents per kind). Prints the timings; copy them into
# BENCHMARKS.md with the machine they ran on.
#   bench/check_bench.sh build/podvisor [FILES] [OBJECTS]
set -eu
bin=$(realpath "$1")
files=${2:-1000}
objects=${3:-10}
dir=$(mktemp -d /tmp/podvisor-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
python3 "$(dirname "$0")/gen_manifests.py" "$dir/m" "$files" "$objects"
echo "== $files files x $objects objects, $(du -sh "$dir/m" | cut -f1) on disk"
"$bin" check -q "$dir/m" 2>&1 | tail -5 # must be valid, or the numbers mean nothing
[ "${PIPESTATUS[0]}" = 0 ] || { echo "generated manifests do not check clean" >&2; exit 1; }
if command -v hyperfine >/dev/null; then
	hyperfine --warmup 2 --runs 10 "$bin check -q $dir/m"
else
	for i in 1 2 3 4 5; do
		/usr/bin/time -f "run $i: %e s wall, %U s user, %M KiB max RSS" "$bin" check -q "$dir/m"
	done
fi
/usr/bin/time -f "max RSS: %M KiB" "$bin" check -q "$dir/m"
