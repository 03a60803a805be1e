#!/bin/bash
# Manifest to first HTTP 200, podvisor against podman kube play, in one
# run, interleaved (issue #16, item 2). The same Pod YAML for both: busybox
# httpd on 8080 with hostPort 18080, from the same OCI image the tests
# build. For podvisor the clock starts at rename(2) of the manifest into
# its directory; for podman at the start of `podman kube play FILE`.
# bench/httpprobe (a small C prober, no curl in a loop) connects to
# $NODE:18080 until it gets a 200 (and, for podvisor, also through a
# NodePort Service). ROUNDS rounds (default 20), each peer once a round.
#
#   bench/start_bench.sh build/podvisor build/bench/httpprobe
#
# Runs in throwaway namespaces (mount, net, PID), like the tests; podman
# gets a configuration of its own there: runc, cgroupfs, file events,
# storage on a tmpfs, its network backend's default. Writes one line per
# measurement to $BENCH_OUT/start.tsv (peer, path, round, ms) and its
# section of BENCHMARKS.md to $BENCH_OUT/start.md.
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -u
PODVISOR=$1 PROBE=$2
OUT=$BENCH_OUT/start.tsv
ROUNDS=${ROUNDS:-20}
bench_setup
bench_cleanup_hook() {
	podman_cmd pod rm -af -t 0 >/dev/null 2>&1
	kill -9 -1 2>/dev/null
	sleep 0.3
	for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "libpod_parent" 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
# The node's address, on a veth (no dummy driver here) with a default route through
# it: hostPorts and NodePorts answer on the node's address (both peers
# find it by the default route).
NODE=192.168.77.1
ip link add pvb0 type veth peer name pvb1 && ip addr add "$NODE/24" dev pvb0 && ip link set pvb0 up && ip link set pvb1 up \
	&& ip route add default via 192.168.77.254 dev pvb0 || { echo "start_bench: no node address" >&2; exit 1; }
IMG=localhost/busybox:bench
bench_image "$IMG"

# --- podman, configured for this sandbox (lib.sh) ------------------------------
bench_podman || true

bench_daemon

pod_yaml() { # NAME
	cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: $1}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: httpd
    image: $IMG
    command: [/bin/sh, -c, "mkdir -p /w && echo ok >/w/index.html && exec /bin/busybox httpd -f -p 8080 -h /w"]
    ports: [{containerPort: 8080, hostPort: 18080}]
EOF
}
svc_yaml() { # NAME NODEPORT
	cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: $1}
spec:
  type: NodePort
  selector: {app: $1}
  ports: [{port: 80, targetPort: 8080, nodePort: $2}]
EOF
}
gone() { # until no pod is listed and the port is free
	for _ in $(seq 200); do
		[ -z "$("$PODVISOR" get pods --no-headers 2>/dev/null)" ] && ! "$PROBE" --timeout 0.05 $NODE:18080 >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
# The Service is there all the time; only the pod comes and goes.
svc_yaml web 30080 >"$T/m/svc.yaml"

echo -e "peer\tpath\tround\tms" >"$OUT.tmp"
for r in $(seq "$ROUNDS"); do
	# podvisor, hostPort
	pod_yaml web >"$T/in/web.yaml"
	ms=$("$PROBE" --rename "$T/in/web.yaml" "$T/m/web.yaml" $NODE:18080) && echo -e "podvisor\thostPort\t$r\t$ms" >>"$OUT.tmp"
	rm -f "$T/m/web.yaml"
	gone
	# podvisor, NodePort Service
	pod_yaml web >"$T/in/web.yaml"
	ms=$("$PROBE" --rename "$T/in/web.yaml" "$T/m/web.yaml" $NODE:30080) && echo -e "podvisor\tNodePort\t$r\t$ms" >>"$OUT.tmp"
	rm -f "$T/m/web.yaml"
	gone
	# podman kube play, hostPort
	if [ -n "$HAVE_PODMAN" ]; then
		pod_yaml web >"$T/podman/web.yaml"
		ms=$("$PROBE" --run "CONTAINERS_CONF=$T/podman/containers.conf CONTAINERS_STORAGE_CONF=$T/podman/storage.conf podman kube play $T/podman/web.yaml >>$T/podman/play.log 2>&1" $NODE:18080) \
			&& echo -e "podman\thostPort\t$r\t$ms" >>"$OUT.tmp" \
			|| echo "start_bench: podman round $r: no answer: $(tail -3 "$T/podman/play.log")" >&2
		podman_cmd kube down "$T/podman/web.yaml" >/dev/null 2>&1
		podman_cmd pod rm -af -t 0 >/dev/null 2>&1
	fi
done
mv "$OUT.tmp" "$OUT"
[ -n "${KEEP:-}" ] && cp "$T/log" "$OUT.daemon.log"
# What one move of a process into a cgroup costs here (the container's
# process joins its cgroup so, once per start): a write of its PID to
# cgroup.procs, 10 times, 50 ms apart, in a cgroup of our own.
MIGRATE_MS=$("$PY" - "$CG" <<'PY'
import os, signal, statistics, sys, time
# the memory controller's hierarchy on v1 (the container's first join),
# the one hierarchy on v2
procs = [p for p in ("/sys/fs/cgroup/memory/cgroup.procs", "/sys/fs/cgroup/cgroup.procs")
         if os.path.exists(p)]
base = os.path.dirname(procs[0]) if procs else None
if not base:
    print("?"); sys.exit()
d = os.path.join(base, sys.argv[1] + "-migrate")
os.makedirs(d, exist_ok=True)
ts = []
for _ in range(10):
    pid = os.fork()
    if pid == 0:
        time.sleep(5)
        os._exit(0)
    time.sleep(0.05)
    t = time.perf_counter()
    with open(d + "/cgroup.procs", "w") as f:
        f.write(str(pid))
    ts.append((time.perf_counter() - t) * 1000)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
os.rmdir(d)
print("%.1f ms (%s)" % (statistics.median(ts), base))
PY
)
PODMAN_VERSION=$(podman --version 2>/dev/null | awk '{print $3}')
RUNC_VERSION=$(runc --version 2>/dev/null | awk 'NR == 1 {print $3}')
"$PY" - "$OUT" "$(bench_machine)" "$ROUNDS" "${PODMAN_VERSION:-absent}" "${RUNC_VERSION:-?}" "$MIGRATE_MS" <<'PY' | bench_section start
import datetime, statistics, sys
out, machine, rounds, podman, runc, migrate = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(out)][1:]
by = {}
for peer, path, _, ms in rows:
    by.setdefault((peer, path), []).append(float(ms))
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]
def cell(k):
    v = by.get(k)
    if not v:
        return "no answer"
    return "%.1f ms (%.1f-%.1f, p90 %.1f, n=%d)" % (statistics.median(v), min(v), max(v), q(v, 0.9), len(v))
pv, pm = by.get(("podvisor", "hostPort")), by.get(("podman", "hostPort"))
ratio = "**%.1fx**" % (statistics.median(pm) / statistics.median(pv)) if pv and pm else "-"
print("""## Manifest to first HTTP 200, against podman kube play (`bench/start_bench.sh`)

One Pod YAML for both peers: busybox httpd on 8080 (its command writes an
index.html first) with hostPort 18080, from the same OCI image the tests
build (`podman load` of it as an OCI archive). For podvisor the clock
starts at `rename(2)` of the manifest into its directory, and the same pod
is also measured through a NodePort Service (30080); for podman at the
start of `podman kube play FILE` (runc, cgroupfs, file events, overlay
storage on a tmpfs, the CNI plugins Debian ships). `bench/httpprobe`, a
small C prober, does the rename (or starts podman) and connects to the
node's address every 100 us until an answer says 200: no curl in a loop.
Both peers in one run, in throwaway namespaces, interleaved round by
round; each pod is removed (and gone) before the next round.

| date | machine | podvisor, hostPort | podvisor, NodePort | podman kube play %s + runc %s, hostPort | ratio (medians) | target |
|---|---|---|---|---|---|---|
| %s | %s | %s | %s | %s | %s | >= 20x |

Medians of %s rounds (min-max, 90th percentile, answered rounds).

![start latency distribution, both peers](bench/plots/start.svg)

podman's time is mostly its own: the infra (pause) container, conmon per
container, the CNI plugins run as programs, runc exec'd twice. podvisor
forks nothing but the container (`test_startpath` checks that in `make
check`, and that nothing on the start path sleeps or polls with a
timeout).

Where podvisor's own time goes (the daemon's log with `-v`, and `strace
-f -ttt` of the daemon, its spawner, the shim and the container): the
rename is read and the file loaded within 1 ms; the pod's record and
files, its init cloned by the spawner with its namespaces, and its
network (the veth made in the pod's namespace over rtnetlink, address,
route) take 2-3 ms; then the shim and the container's process, which
joins its cgroups and mounts its root (overlayfs, /proc, /dev: 2 ms),
loads its seccomp filter and execs. **The largest single cost is that
join**: moving a process into a cgroup (a write to `cgroup.procs`) waits
for an RCU grace period on this machine's cgroup v1 hierarchies, %s
measured here, 10 times, in a cgroup of the benchmark's own. What would
remove it: on cgroup v2, `clone3(CLONE_INTO_CGROUP)` starts the
container's process in its cgroup with no move at all; on v1, the
`favordynmods` cgroup mount option (Linux 6.0) lets a move skip the
grace period. The rest is the container's own work: `sh` runs `mkdir`
(a fork and exec), writes index.html and execs httpd, which binds and
answers (3-5 ms).
""" % (podman, runc, datetime.date.today().isoformat(), machine,
       cell(("podvisor", "hostPort")), cell(("podvisor", "NodePort")), cell(("podman", "hostPort")),
       ratio, rounds, migrate))
PY
