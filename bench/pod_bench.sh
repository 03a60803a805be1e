#!/bin/bash
# Pod start benchmarks, in throwaway namespaces like the tests:
#  1. from the rename of a Pod manifest into the directory until the
#     container's process has exec'd (the shim's startedAt), median of 20;
#  2. 100 pods in one file, from the rename until all are Running.
#   bench/pod_bench.sh build/podvisor
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -eu
PODVISOR=$1
bench_setup
bench_image busybox:bench
bench_daemon

pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n  - {name: c, image: "busybox:bench", command: [sleep, "1000"]}\n' "$1"; }

echo "== rename -> container exec'd, 20 pods one at a time (median of 20)"
# One Python process does the renames and watches for the shim's state
# file, so the measurement itself forks nothing.
"$PY" - "$T" "$BENCH_OUT/pod.tsv" <<'PY'
import datetime, glob, json, os, sys, time
T, TSV = sys.argv[1], sys.argv[2]
pod = ('apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n'
       '  terminationGracePeriodSeconds: 0\n  containers:\n'
       '  - {name: c, image: "busybox:bench", command: [sleep, "1000"]}\n')
def started(st):
    base, frac = st.rstrip("Z").split(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + int(frac) / 1e9
seen, times = set(), []
for i in range(1, 21):
    with open("%s/p%d.yaml" % (T, i), "w") as f:
        f.write(pod % ("p%d" % i))
    t0 = time.time()
    os.rename("%s/p%d.yaml" % (T, i), "%s/m/p%d.yaml" % (T, i))
    while True:
        new = [p for p in glob.glob(T + "/state/pods/*/containers/c/state.json") if p not in seen]
        if new:
            break
        time.sleep(0.0005)
    seen.add(new[0])
    times.append((started(json.load(open(new[0]))["startedAt"]) - t0) * 1000)
with open(TSV, "w") as f:
    f.write("what\trep\tms\n")
    for i, x in enumerate(times):
        f.write("rename -> exec\t%d\t%.3f\n" % (i + 1, x))
times.sort()
print("median %.1f ms, min %.1f ms, max %.1f ms" % ((times[9] + times[10]) / 2, times[0], times[-1]))
PY
rm -f "$T"/m/p*.yaml
sleep 2

echo "== 100 pods in one file, rename -> all Running"
for i in $(seq 1 100); do pod "many$i"; echo "---"; done >"$T/many.yaml"
t0=$(date +%s%N)
mv "$T/many.yaml" "$T/m/many.yaml"
until [ "$(bench_running)" = 100 ]; do sleep 0.05; done
t1=$(date +%s%N)
MANY=$(( (t1 - t0) / 1000000 ))
echo "all 100 Running after $MANY ms" >&2
echo -e "100 pods -> all Running\t1\t$MANY" >>"$BENCH_OUT/pod.tsv"
read -r med min max n <<<"$(awk -F'\t' '$1 == "rename -> exec" {print $3}' "$BENCH_OUT/pod.tsv" | bench_stats)"
bench_section pod <<EOF
## Pod start (\`bench/pod_bench.sh\`)

In throwaway namespaces like the tests: a busybox image, the daemon on a
tmpfs state directory, the pod network (bridge, veth, address, route).
(1) From \`rename(2)\` of a one-Pod manifest into the directory until the
container process has exec'd (the shim's \`startedAt\`), 20 pods one after
another; (2) 100 pods in one file, from the rename until \`get pods\` shows
all 100 Running (polled every 50 ms with the CLI).

| date | machine | rename -> exec (median of $n) | 100 pods -> all Running | target |
|---|---|---|---|---|
| $(date +%F) | $(bench_machine) | $(printf '%.1f' "$med") ms (min $(printf '%.1f' "$min"), max $(printf '%.1f' "$max")) | $MANY ms ($((MANY / 100)) ms per pod) | < 15 ms per pod |

The daemon forks, at startup while it is still small, a spawner
(\`supervisor/runtime/spawner.c\`) that forks pod inits and shims on
request: no exec of the podvisor binary (13 ms each, for its shared
libraries) and no shim holding a copy of the grown daemon's memory. Each
seccomp profile is compiled once, and the container's setup only loads
the filter.
EOF
