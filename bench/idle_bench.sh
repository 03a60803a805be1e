#!/bin/bash
# Idle cost (issue #16, item 5): N pods (default 50) Running with no
# probes, then IDLE seconds (default 60) of nothing: the daemon's CPU time
# and its wakeups (voluntary context switches, every thread), and the
# same for its spawner and for the pods' own processes of podvisor (pod
# inits, shims). Target: no periodic wakeups beyond what the manifests ask
# for (here: nothing).
#
#   bench/idle_bench.sh build/podvisor [PODS] [IDLE-SECONDS]
if [ -z "${PV_IN_NS:-}" ]; then
	exec unshare --mount --net --pid --fork --mount-proc --uts env PV_IN_NS=1 PV_TEST_ID=$$ \
		bash "$0" "$(realpath "$1")" "${2:-50}" "${3:-60}"
fi
set -u
PODVISOR=$1 PODS=$2 IDLE=$3
here=$(dirname "$0")/../tests/integration
. "$here/lib_image.sh"
T=$(mktemp -d /tmp/podvisor-bench.XXXXXX)
mount --make-rprivate /
mount -t tmpfs tmpfs "$T"
mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
CG=podvisor-bench-$PV_TEST_ID
trap 'kill -9 -1 2>/dev/null; sleep 0.3; for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null); do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done; umount -l "$T"; rm -rf "$T"' EXIT
ip link set lo up
export PODVISOR_STATE=$T/state
mkdir -p "$T/m" "$T/state"
PY=$(command -v /usr/bin/python3 || command -v python3)
make_busybox_oci "$T/oci" busybox:bench >/dev/null 2>&1
"$PODVISOR" image import "$T/oci" busybox:bench >/dev/null 2>&1
"$PODVISOR" daemon --manifests "$T/m" --cgroup-parent "$CG" >"$T/log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do "$PODVISOR" get pods >/dev/null 2>&1 && break; sleep 0.1; done

for i in $(seq "$PODS"); do
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: idle%d}\nspec:\n  containers:\n  - {name: c, image: "busybox:bench", command: [sleep, "100000"]}\n---\n' "$i"
done >"$T/pods.yaml"
mv "$T/pods.yaml" "$T/m/pods.yaml"
running() {
	"$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(sum(p["status"] == "Running" for p in json.load(sys.stdin)))'
}
for _ in $(seq 600); do [ "$(running)" = "$PODS" ] && break; sleep 0.2; done
[ "$(running)" = "$PODS" ] || { echo "idle_bench: only $(running) of $PODS pods Running" >&2; exit 1; }
sleep 5 # settled: the last starts' events and writes are done

# sample: "TICKS CTXSW" of the processes whose comm matches PATTERN
sample() {
	local pid ticks=0 sw=0 t s
	for pid in $(pgrep "$1"); do
		t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
		s=$(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n + 0}')
		ticks=$((ticks + ${t:-0}))
		sw=$((sw + ${s:-0}))
	done
	echo "$ticks $sw"
}
HZ=$(getconf CLK_TCK)
declare -A before
for who in '^podvisor$' '^podvisor-spawn' '^pod-init' '^podvisor-shim'; do before[$who]=$(sample "$who"); done
sleep "$IDLE"
echo "== $PODS pods Running, $IDLE s idle"
printf '%-16s %6s %12s %12s\n' process count "cpu (ms)" wakeups
for who in '^podvisor$' '^podvisor-spawn' '^pod-init' '^podvisor-shim'; do
	read -r t0 s0 <<<"${before[$who]}"
	read -r t1 s1 <<<"$(sample "$who")"
	printf '%-16s %6d %12d %12d\n' "${who//[\^\$]/}" "$(pgrep -c "$who")" $(((t1 - t0) * 1000 / HZ)) $((s1 - s0))
done
echo "daemon RSS: $(awk '/^VmRSS/ {print $2, $3}' /proc/$DAEMON/status)"
