#!/bin/bash
# Puts one run of the benchmarks together: BENCHMARKS.md at the top of the
# checkout, from the sections and samples the scripts of bench/ left in
# $BENCH_OUT, with the plots drawn by gnuplot into bench/plots/.
#
#   bench/report.sh [BENCH_OUT (build/bench/out)] [BENCHMARKS.md]
#
# What is not this run's (earlier measurements, how numbers moved, what
# was tried) is kept by hand in bench/HISTORY.md and appended as it is.
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
. "$BENCH_DIR/lib.sh"
OUT=$(realpath "${1:-build/bench/out}")
DOC=${2:-$ROOT/BENCHMARKS.md}
PLOTS=$ROOT/bench/plots
PY=$(command -v /usr/bin/python3 || command -v python3)
mkdir -p "$PLOTS"

# --- plots --------------------------------------------------------------------
plot() { # NAME: gnuplot script on stdin, data files prepared in $OUT
	if ! command -v gnuplot >/dev/null; then
		echo "report: gnuplot is not installed (scripts/deps.sh bench): no $1.svg" >&2
		return 0
	fi
	gnuplot >"$PLOTS/$1.svg" || { echo "report: gnuplot failed on $1" >&2; rm -f "$PLOTS/$1.svg"; }
}

# Start latency: each peer's samples as a distribution (the fraction of
# rounds answered within x ms), on a log scale: the peers are 30x apart.
if [ -s "$OUT/start.tsv" ]; then
	"$PY" - "$OUT/start.tsv" "$OUT" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
by = {}
for peer, path, _, ms in rows:
    by.setdefault("%s-%s" % (peer, path), []).append(float(ms))
for k, v in by.items():
    v.sort()
    with open("%s/start-%s.dat" % (sys.argv[2], k), "w") as f:
        f.write("%g 0\n" % v[0])
        for i, x in enumerate(v):
            f.write("%g %g\n" % (x, (i + 1) / len(v)))
PY
	{
		echo "set terminal svg size 800,450 dynamic noenhanced font 'sans,12'"
		echo "set title 'Manifest to first HTTP 200 (bench/start_bench.sh)'"
		echo "set xlabel 'ms from rename(2) / podman kube play (log scale)'"
		echo "set ylabel 'fraction of rounds answered'"
		echo "set logscale x; set grid; set key bottom right; set yrange [0:1.02]"
		sep="plot"
		for f in "$OUT"/start-podvisor-hostPort.dat "$OUT"/start-podvisor-NodePort.dat "$OUT"/start-podman-hostPort.dat; do
			[ -s "$f" ] || continue
			t=$(basename "$f" .dat); t=${t#start-}; t=${t/-/, }
			printf "%s '%s' using 1:2 with steps lw 2 title '%s'" "$sep" "$f" "$t"
			sep=","
		done
		echo
	} | plot start
fi

# Rule update time against the number of Services: the medians of
# svc.tsv (backend, services, operation, round, ms), one line per backend
# and operation.
if [ -s "$OUT/svc.tsv" ]; then
	"$PY" - "$OUT/svc.tsv" "$OUT" >"$OUT/svc-series.txt" <<'PY'
import re, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
by = {}
for backend, n, op, _, ms in rows:
    by.setdefault((backend, op), {}).setdefault(int(n), []).append(float(ms))
for i, ((backend, op), pts) in enumerate(sorted(by.items())):
    name = "%s/svc-%d.dat" % (sys.argv[2], i)
    with open(name, "w") as f:
        for n in sorted(pts):
            f.write("%d %g\n" % (n, statistics.median(pts[n])))
    print("%s\t%s, %s" % (name, backend, op))
PY
	{
		echo "set terminal svg size 800,450 dynamic noenhanced font 'sans,12'"
		echo "set title 'Service rules: time to apply against the number of Services (bench/svc_bench.sh)'"
		echo "set xlabel 'Services (x 5 endpoints)'; set ylabel 'ms (median)'"
		echo "set logscale xy; set grid; set key top left"
		sep="plot"
		while IFS=$'\t' read -r f t; do
			printf "%s '%s' using 1:2 with linespoints lw 2 title '%s'" "$sep" "$f" "${t//\'/}"
			sep=","
		done <"$OUT/svc-series.txt"
		echo
	} | plot svc
fi

# --- the summary: each of #16's targets against this run -------------------------
"$PY" - "$OUT" >"$OUT/summary.md" <<'PY'
import csv, os, statistics, sys
out = sys.argv[1]
def rows(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))
def med(v):
    return statistics.median(v) if v else None
lines = []
def add(item, result, target, met):
    verdict = "-" if met is None else ("met" if met else "**not met**")
    lines.append("| %s | %s | %s | %s |" % (item, result, target, verdict))

st = rows("start.tsv")
pv = med([float(r["ms"]) for r in st if r["peer"] == "podvisor" and r["path"] == "hostPort"])
pn = med([float(r["ms"]) for r in st if r["peer"] == "podvisor" and r["path"] == "NodePort"])
pm = med([float(r["ms"]) for r in st if r["peer"] == "podman"])
if pv and pm:
    add("Manifest to first HTTP 200 (hostPort), against podman kube play",
        "%.1f ms against %.0f ms: **%.1fx** (NodePort: %.1f ms)" % (pv, pm, pm / pv, pn or 0),
        ">= 20x faster", pm / pv >= 20)

de = rows("density.tsv")
cpu = {r["metric"]: float(r["value"]) for r in rows("density-cpu.tsv")}
def dmetric(peer, metric):
    return med([float(r["value"]) for r in de if r["peer"] == peer and r["metric"] == metric])
DENSITY = [  # metric in density.tsv, what, unit, scale, target, limit, podman's per pod
    ("running_s", "500 pods from one Deployment: rename -> all Running", "s", 1, "< 1.5 s", 1.5, True),
    ("ready_s", "500 pods: rename -> all Ready behind one Service", "s", 1, "-", None, False),
    ("daemon_rss_kib", "daemon RSS with 500 pods", "MiB", 1 / 1024, "< 16 MiB", 16, False),
    ("own_pss_per_pod_kib", "podvisor's own memory per pod (PSS: pod init, shim)", "KiB", 1, "< 300 KiB", 300, True),
]
for metric, what, unit, scale, target, limit, peer_too in DENSITY:
    v = dmetric("podvisor", metric)
    if v is None:
        continue
    v *= scale
    res = "%.1f %s" % (v, unit)
    peer = dmetric("podman", metric) if peer_too else None
    if peer is not None and metric == "running_s":
        res += " (%.1f ms a pod; podman, 50 pods: %.1f s, %.0f ms a pod)" % (v * 2, peer, peer * 20)
    if metric == "running_s" and cpu:
        res += ("; its busy CPU time makes %.2f s on %d cores: podvisor's processes %.1f ms a "
                "pod, the workload's programs %.1f; the kernel's work for each pod's isolation "
                "(not fork's copies) and the workload alone make %.2f s" % (
                    cpu["floor_s"], cpu["cores"], cpu["podvisor_ms_per_pod"],
                    cpu["workload_ms_per_pod"], cpu.get("inherent_floor_s", 0)))
    elif peer is not None:
        res += " (podman: %.0f %s)" % (peer, unit)
    add(what, res, target, None if limit is None else v < limit)

dd = rows("density-disk.tsv")
v = med([float(r["value"]) for r in dd if r["peer"] == "podvisor" and r["metric"] == "running_s"])
if v is not None:
    n = int(dd[0]["pods"])
    add("%d pods, the daemon's state on the node's disk (`--disk`): rename -> all Running" % n,
        "%.1f s (%.1f ms a pod)" % (v, v * 1000 / n), "-", None)

sv = rows("svc.tsv")
def svc(backend_prefix, n, op):
    return med([float(r["ms"]) for r in sv if r["backend"].startswith(backend_prefix)
                and int(r["services"]) == n and r["operation"] == op])
for n in (1000, 5000):
    for be in sorted({r["backend"] for r in sv if not r["backend"].startswith("iptables")}):
        a, b = svc(be, n, "endpoint change"), svc("iptables", n, "endpoint change")
        i = svc(be, n, "initial sync")
        if a is None:
            continue
        add("Service rules, %s Services x 5: one endpoint change, %s" % (format(n, ","), be),
            "%.1f ms (iptables-restore: %s ms); initial sync %.0f ms" % (a, "%.1f" % b if b else "-", i or 0),
            "-", None)
pk = rows("svc_packet.tsv")
def pkt(b, n, target):
    return med([float(r["us"]) for r in pk if r.get("backend", "iptables") == b
                and int(r["services"]) == n and r["target"] == target])
def pkt_p10(b, n, target):
    v = sorted(float(r["us"]) for r in pk if r.get("backend", "iptables") == b
               and int(r["services"]) == n and r["target"] == target)
    return v[len(v) // 10] if v else None
for b in sorted({r.get("backend", "iptables") for r in pk} - {"none"}):
    p10, p5k = pkt(b, 10, "clusterip"), pkt(b, 5000, "clusterip")
    f10, f5k = pkt_p10(b, 10, "clusterip"), pkt_p10(b, 5000, "clusterip")
    if p10 and p5k:
        add("First packet through a ClusterIP, %s: 10 against 5,000 Services" % b,
            "median %.1f us against %.1f us (%+.0f%%); 10th percentile %.1f against %.1f us (%+.0f%%)"
            % (p10, p5k, 100 * (p5k / p10 - 1), f10, f5k, 100 * (f5k / f10 - 1)),
            "reported (#17, nftables: flat within 10%, on the medians)",
            (p5k / p10 <= 1.1) if b == "nftables" else None)

npt = rows("nodeport.tsv")
for m in sorted({r["mode"] for r in npt}):
    v = med([float(r["ms"]) for r in npt if r["mode"] == m])
    n = max(int(r["services"]) for r in npt if r["mode"] == m)
    add("Moving one Service's nodePort with %s Services loaded, %s: rename -> the new port answers"
        % (format(n, ","), m), "%.1f ms" % v, "< 10 ms (#17, nftables)",
        (v < 10) if m == "nftables" else None)

idle = {r["process"]: r for r in rows("idle.tsv")}
if "podvisor" in idle:
    d = idle["podvisor"]
    own = sum(int(idle[k]["wakeups"]) for k in idle if k not in ("podvisor", "podvisor-traced"))
    traced = idle.get("podvisor-traced")
    add("Idle, 50 pods, 60 s: daemon CPU and wakeups",
        "%s ms, %s context switches; traced: %s wakeup(s), the 60 s rules check "
        "(`--rules-check-period 0`: none); pods' own processes: %d"
        % (d["cpu_ms"], d["wakeups"], traced["wakeups"] if traced else "?", own),
        "no periodic wakeup beyond what manifests ask",
        None if not traced else int(traced["wakeups"]) <= 1 and own == 0)

ck = rows("check.tsv")
c = med([float(r["ms"]) for r in ck if r["tool"] == "check"])
y = med([float(r["ms"]) for r in ck if r["tool"] != "check"])
if c:
    add("`podvisor check` of 10,000 objects", "%.0f ms (libyaml's own parse: %s ms)" % (c, "%.0f" % y if y else "-"),
        "< 100 ms", c < 100)

fp = {r["metric"]: float(r["value"]) for r in rows("footprint.tsv") if r["round"] in ("0", "1")}
boot = med([float(r["value"]) for r in rows("footprint.tsv") if r["metric"] == "cold_boot_20_ms"])
if fp.get("binary_bytes"):
    add("Footprint (#18): the binary; daemon RSS idle and with 50 pods; cold boot of 20 pods",
        "%.1f MiB (%.1f stripped); %.1f MiB, %.1f MiB; %s" % (
            fp["binary_bytes"] / 2**20, fp.get("stripped_bytes", 0) / 2**20,
            fp.get("rss_idle_kib", 0) / 1024, fp.get("rss_50_pods_kib", 0) / 1024,
            "%.0f ms" % boot if boot else "-"), "reported", None)

print("## This run against the targets of issue #16\n")
print("| what | this run (medians) | target | |")
print("|---|---|---|---|")
print("\n".join(lines))
PY

# --- the document ---------------------------------------------------------------
# "-dirty" for changed code, not for this run's own outputs (the plots,
# the document itself, the history kept by hand), which are written before
# the report
VERSION=$(git -C "$ROOT" describe --always 2>/dev/null || echo unknown)
git -C "$ROOT" status --porcelain --untracked-files=no -- . ':!BENCHMARKS.md' ':!bench/plots' ':!bench/HISTORY.md' 2>/dev/null |
	grep -q . && VERSION=$VERSION-dirty
{
	cat <<EOF
# Benchmarks

Written by \`make bench\` (\`bench/report.sh\`) from one run on one machine:
every comparison runs podvisor and its peer interleaved, in the same run,
in throwaway namespaces, and reports medians and spreads, never a single
sample. Timings are not tests; \`make check\` asserts behaviour only
(\`test_startpath\` checks that nothing on the start path sleeps or polls).

- **Run**: $(date -u '+%Y-%m-%d %H:%M UTC'), podvisor $VERSION
- **Machine**: $(bench_machine)
- **Peers**: $(podman --version 2>/dev/null || echo 'podman: not installed'), $(runc --version 2>/dev/null | head -1 || echo 'runc: not installed'), $(iptables-legacy --version 2>/dev/null || echo 'iptables: not installed')
- **Reproduce**: \`make check && make bench\` as root (it installs podman,
  runc, conmon, catatonit, the CNI plugins, gnuplot and hyperfine with
  \`scripts/deps.sh bench\`); one benchmark alone:
  \`BENCH_OUT=build/bench/out bench/start_bench.sh build/podvisor build/bench/httpprobe\`,
  then \`bench/report.sh\`.

EOF
	[ -s "$OUT/summary.md" ] && cat "$OUT/summary.md" && echo
	for s in start density density-disk svc nodeport idle check pod latency footprint; do
		if [ -s "$OUT/$s.md" ]; then
			cat "$OUT/$s.md"
			echo
		fi
	done
	if [ -s "$BENCH_DIR/HISTORY.md" ]; then
		cat "$BENCH_DIR/HISTORY.md"
	fi
} >"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
echo "report: wrote $DOC" >&2
