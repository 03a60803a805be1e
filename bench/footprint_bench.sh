#!/bin/bash
# Footprint (issue #18, item 12): what podvisor costs a small node.
#  - the binary: its size on disk, stripped, and the shared libraries it
#    loads at start (a static build's size too, when given one);
#  - the daemon's RSS idle with no pods, and with 50 pods Running (5 s
#    after the last one), VmRSS of the daemon alone;
#  - cold boot: a manifests directory of 20 pods already in place, the
#    image in the store, no pod running; from the daemon's exec to all 20
#    Running (get pods polled every 20 ms). ROUNDS rounds (default 5),
#    each with a new state directory but the same image store.
#
#   bench/footprint_bench.sh build/podvisor [STATIC-BINARY]
#
# Writes $BENCH_OUT/footprint.tsv (metric, round, value) and its section
# of BENCHMARKS.md, footprint.md.
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -u
PODVISOR=$1 STATIC=${2:-}
ROUNDS=${ROUNDS:-5}
OUT=$BENCH_OUT/footprint.tsv
bench_setup
bench_image busybox:bench
echo -e "metric\tround\tvalue" >"$OUT.tmp"
sample() { printf '%s\t%s\t%s\n' "$@" >>"$OUT.tmp"; }

# --- the binary ---------------------------------------------------------------
sample binary_bytes 0 "$(stat -c %s "$PODVISOR")"
strip -o "$T/stripped" "$PODVISOR" && sample stripped_bytes 0 "$(stat -c %s "$T/stripped")"
sample shared_libraries 0 "$(ldd "$PODVISOR" | grep -c '=>')"
if [ -n "$STATIC" ] && [ -x "$STATIC" ]; then
	sample static_bytes 0 "$(stat -c %s "$STATIC")"
	strip -o "$T/static-stripped" "$STATIC" && sample static_stripped_bytes 0 "$(stat -c %s "$T/static-stripped")"
fi

rss() { awk '/^VmRSS/ {print $2}' "/proc/$DAEMON/status"; }
running() { # how many pods get pods lists as Running
	"$PODVISOR" get pods --no-headers 2>/dev/null | awk '$3 == "Running"' | wc -l
}
pods_yaml() { # N NAME-PREFIX
	local i
	for i in $(seq "$1"); do
		printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s%d}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n  - {name: c, image: "busybox:bench", command: [sleep, "100000"]}\n---\n' "$2" "$i"
	done
}
wait_running() { # N SECONDS
	local _
	for _ in $(seq $(($2 * 50))); do
		[ "$(running)" -ge "$1" ] && return 0
		sleep 0.02
	done
	return 1
}
stop_all() { # every pod gone, then the daemon
	local _
	rm -f "$T"/m/*.yaml
	for _ in $(seq 600); do
		[ -z "$("$PODVISOR" get pods --no-headers 2>/dev/null)" ] && [ -z "$(pgrep '^pod-init')" ] && break
		sleep 0.05
	done
	kill "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null
}

# --- RSS idle, then with 50 pods ------------------------------------------------
bench_daemon
sleep 3
sample rss_idle_kib 1 "$(rss)"
pods_yaml 50 idle >"$T/in/pods.yaml"
mv "$T/in/pods.yaml" "$T/m/pods.yaml"
wait_running 50 60 || { echo "footprint_bench: only $(running) of 50 pods Running" >&2; exit 1; }
sleep 5
sample rss_50_pods_kib 1 "$(rss)"
stop_all

# --- cold boot: 20 pods in the directory, the daemon started ----------------------
for r in $(seq "$ROUNDS"); do
	rm -rf "$T/state/pods" "$T/state/status"
	pods_yaml 20 boot >"$T/m/pods.yaml"
	t0=$(date +%s%N)
	"$PODVISOR" daemon --manifests "$T/m" --cgroup-parent "$CG" >>"$T/log" 2>&1 &
	DAEMON=$!
	wait_running 20 60 || { echo "footprint_bench: round $r: only $(running) of 20 Running" >&2; exit 1; }
	t1=$(date +%s%N)
	sample cold_boot_20_ms "$r" "$(((t1 - t0) / 1000000))"
	stop_all
done
mv "$OUT.tmp" "$OUT"

"$PY" - "$OUT" "$(bench_machine)" "$ROUNDS" <<'PY' | bench_section footprint
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def vals(m):
    return [float(r["value"]) for r in rows if r["metric"] == m]
def one(m):
    v = vals(m)
    return v[0] if v else None
print("## Footprint (`bench/footprint_bench.sh`)\n")
print("What podvisor costs a small node (#18, item 12). The daemon's RSS is its")
print("VmRSS alone (not its spawner's, nor the pods' inits and shims: see the")
print("density section for their PSS), read 3 s after it answers with no pods")
print("and 5 s after 50 pods (`sleep`) are Running. Cold boot: 20 pods' manifests")
print("already in the directory, the image in the store, a new state directory;")
print("from the daemon's exec to all 20 Running (`get pods` every 20 ms), %s rounds.\n" % sys.argv[3])
print("%s.\n" % sys.argv[2])
print("| what | this run |")
print("|---|---|")
b, s = one("binary_bytes"), one("stripped_bytes")
if b:
    print("| the binary (dynamically linked) | %.2f MiB, %.2f MiB stripped, %d shared libraries |"
          % (b / 2**20, (s or 0) / 2**20, one("shared_libraries") or 0))
if one("static_bytes"):
    print("| the static binary | %.2f MiB, %.2f MiB stripped |"
          % (one("static_bytes") / 2**20, (one("static_stripped_bytes") or 0) / 2**20))
print("| daemon RSS, idle, no pods | %.1f MiB |" % (one("rss_idle_kib") / 1024))
print("| daemon RSS, 50 pods Running | %.1f MiB |" % (one("rss_50_pods_kib") / 1024))
v = sorted(vals("cold_boot_20_ms"))
if v:
    print("| cold boot: daemon start -> 20 pods Running | **%.0f ms** (%.0f-%.0f ms, n=%d) |"
          % (statistics.median(v), v[0], v[-1], len(v)))
print()
PY
