#!/bin/bash
# Benchmark: `podvisor check -q` over 1,000 files x 10 objects (10,000
# objects, ~1,000 documents per kind, 4 MB), beside libyaml's own parse of
# the same bytes (bench/yaml_parse.c: every event pulled, nothing built),
# the floor of any loader on libyaml. Timed interleaved, in rounds, so
# that a busy machine slows both alike.
#   bench/check_bench.sh build/podvisor [build/bench/yaml_parse [FILES [OBJECTS]]]
# Writes $BENCH_OUT/check.md (its section of BENCHMARKS.md) and
# $BENCH_OUT/check.tsv (tool, run, ms). ROUNDS (5) x RUNS (3) runs each.
set -eu
. "$(dirname "$0")/lib.sh"

bin=$(realpath "$1")
yp=$(realpath "${2:-$(dirname "$bin")/bench/yaml_parse}")
files=${3:-1000}
objects=${4:-10}
rounds=${ROUNDS:-5}
runs=${RUNS:-3}
PY=$(command -v /usr/bin/python3 || command -v python3)
BENCH_OUT=${BENCH_OUT:-$PWD/build/bench/out}
mkdir -p "$BENCH_OUT"
[ -x "$yp" ] || { echo "bench: no yaml_parse at $yp (make $yp)" >&2; exit 1; }

T=$(mktemp -d /tmp/podvisor-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$PY" "$BENCH_DIR/gen_manifests.py" "$T/m" "$files" "$objects"
nobj=$((files * objects))
size=$(du -sh "$T/m" | cut -f1)

# Clean, or the numbers mean nothing: every object loaded, no error.
out=$("$bin" check "$T/m" 2>&1 >/dev/null) || { echo "bench: the generated manifests do not check clean:" >&2; echo "$out" | tail -5 >&2; exit 1; }
grep -q "^$files files, $nobj objects, 0 errors" <<<"$out" || { echo "bench: check says: $out" >&2; exit 1; }
"$yp" "$T/m" || { echo "bench: libyaml does not parse the generated manifests" >&2; exit 1; }

# ms_of CMD...: one run's wall time in milliseconds.
ms_of() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 1000000" | bc
}

# Interleaved: ROUNDS rounds, each RUNS runs of check then of yaml_parse
# (hyperfine, after a warmup of each, when installed), into check.tsv.
tsv=$BENCH_OUT/check.tsv
printf 'tool\trun\tms\n' >"$tsv"
n=0
for r in $(seq "$rounds"); do
	if command -v hyperfine >/dev/null; then
		hyperfine -N --style none --warmup 2 --runs "$runs" --export-json "$T/r$r.json" \
			"$bin check -q $T/m" "$yp $T/m" >/dev/null 2>"$T/hf.err" ||
			{ cat "$T/hf.err" >&2; exit 1; }
		"$PY" - "$T/r$r.json" "$n" >>"$tsv" <<-'EOF'
			import json, sys
			res = json.load(open(sys.argv[1]))["results"]
			for name, r in zip(("check", "yaml_parse"), res):
			    for i, t in enumerate(r["times"]):
			        print("%s\t%d\t%.3f" % (name, int(sys.argv[2]) + i + 1, t * 1000))
		EOF
	else
		[ "$r" = 1 ] && { ms_of "$bin" check -q "$T/m"; ms_of "$yp" "$T/m"; } >/dev/null
		for i in $(seq "$runs"); do
			printf 'check\t%d\t%s\n' $((n + i)) "$(ms_of "$bin" check -q "$T/m")" >>"$tsv"
			printf 'yaml_parse\t%d\t%s\n' $((n + i)) "$(ms_of "$yp" "$T/m")" >>"$tsv"
		done
	fi
	n=$((n + runs))
done

# "median min max n" of TOOL's runs.
stats_of() { awk -F'\t' -v t="$1" '$1 == t { print $3 }' "$tsv" | bench_stats; }
read -r cmed cmin cmax cn <<<"$(stats_of check)"
read -r ymed ymin ymax yn <<<"$(stats_of yaml_parse)"
ratio=$(echo "scale=2; $cmed / $ymed" | bc)
rss=$(/usr/bin/time -f %M "$bin" check -q "$T/m" 2>&1 >/dev/null | tail -1)
verdict=$(echo "$cmed < 100" | bc)
[ "$verdict" = 1 ] && verdict=met || verdict="not met"
ms() { printf '%.1f' "$1"; }

echo "check: median $(ms "$cmed") ms ($(ms "$cmin")-$(ms "$cmax")), yaml_parse: median $(ms "$ymed") ms ($(ms "$ymin")-$(ms "$ymax")), ratio $ratio, check max RSS $rss KiB" >&2

bench_section check <<EOF
## Loader: \`podvisor check\` over 10,000 objects (\`bench/check_bench.sh\`)

\`podvisor check -q\` over $files files of $objects objects ($nobj objects, $size on disk;
\`bench/gen_manifests.py\`: Deployments, Services, ConfigMaps, StatefulSets,
Jobs, Secrets, claims, Pods, DaemonSets, CronJobs, all valid), beside
\`bench/yaml_parse\`, libyaml's own parse of the same files (every event
pulled and deleted, nothing built): the floor of a loader on libyaml.
Wall time, the two interleaved: $rounds rounds of $runs runs of each$(command -v hyperfine >/dev/null && echo " (hyperfine, 2 warmup runs of each per round)"), $cn runs of each in all;
max RSS of one more \`check\` (\`/usr/bin/time\`). Raw runs: \`check.tsv\`.

| date | machine | check median (min–max) | libyaml parse median (min–max) | ratio | check max RSS | target |
|---|---|---|---|---|---|---|
| $(date +%F) | $(bench_machine) | $(ms "$cmed") ms ($(ms "$cmin")–$(ms "$cmax")) | $(ms "$ymed") ms ($(ms "$ymin")–$(ms "$ymax")) | ${ratio}x | $((rss / 1024)) MiB | < 100 ms: $verdict |
EOF
