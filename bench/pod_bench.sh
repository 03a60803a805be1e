#!/bin/bash
# Pod start benchmarks, in throwaway namespaces like the tests:
#  1. from the rename of a Pod manifest into the directory until the
#     container's process has exec'd (the shim's startedAt), median of 20;
#  2. 100 pods in one file, from the rename until all are Running.
#   bench/pod_bench.sh build/podvisor
if [ -z "${PV_IN_NS:-}" ]; then
	exec unshare --mount --net --pid --fork --mount-proc --uts env PV_IN_NS=1 PV_TEST_ID=$$ \
		bash "$0" "$(realpath "$1")"
fi
set -eu
PODVISOR=$1
here=$(dirname "$0")/../tests/integration
. "$here/lib_image.sh"
T=$(mktemp -d /tmp/podvisor-bench.XXXXXX)
mount --make-rprivate /
mount -t tmpfs tmpfs "$T"
CG=podvisor-bench-$PV_TEST_ID
trap 'kill -9 -1 2>/dev/null; sleep 0.3; for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG"); do find "$d" -depth -type d -exec rmdir {} \; ; done; umount -l "$T"; rm -rf "$T"' EXIT
export PODVISOR_STATE=$T/state
mkdir -p "$T/m" "$T/state"
make_busybox_oci "$T/oci" busybox:bench >/dev/null 2>&1
"$PODVISOR" image import "$T/oci" busybox:bench >/dev/null 2>&1
"$PODVISOR" daemon --manifests "$T/m" --cgroup-parent "$CG" >"$T/log" 2>&1 &
sleep 0.5
PY=$(command -v /usr/bin/python3 || command -v python3)

pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n  - {name: c, image: "busybox:bench", command: [sleep, "1000"]}\n' "$1"; }

echo "== rename -> container exec'd, 20 pods one at a time (median of 20)"
# One Python process does the renames and watches for the shim's state
# file, so the measurement itself forks nothing.
"$PY" - "$T" <<'PY'
import datetime, glob, json, os, sys, time
T = sys.argv[1]
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
times.sort()
print("median %.1f ms, min %.1f ms, max %.1f ms" % ((times[9] + times[10]) / 2, times[0], times[-1]))
PY
rm -f "$T"/m/p*.yaml
sleep 2

echo "== 100 pods in one file, rename -> all Running"
for i in $(seq 1 100); do pod "many$i"; echo "---"; done >"$T/many.yaml"
t0=$(date +%s%N)
mv "$T/many.yaml" "$T/m/many.yaml"
until [ "$("$PODVISOR" get pods -o internal-json | "$PY" -c 'import json,sys; print(sum(p["status"] == "Running" for p in json.load(sys.stdin)))')" = 100 ]; do sleep 0.05; done
t1=$(date +%s%N)
echo "all 100 Running after $(( (t1 - t0) / 1000000 )) ms ($(( (t1 - t0) / 100000000 )).$(( (t1 - t0) / 10000000 % 10 )) ms per pod)"
