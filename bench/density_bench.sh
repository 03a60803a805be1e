#!/bin/bash
# Density (issue #16, item 3): 500 pods from one manifest, a Deployment
# (busybox httpd with a readinessProbe) behind one ClusterIP Service.
# From rename(2) of the manifest into the directory: until every
# container has exec'd (the shims' startedAt), until `get pods` shows all
# Running, until the Service lists all 500 ready endpoints. The daemon's
# peak RSS (VmHWM, reset at the start of the round) and CPU time
# (utime + stime) over that ramp, its RSS once settled; the PSS of
# podvisor's own processes per pod (pod inits and shims, from
# smaps_rollup), the daemon's and the spawner's PSS apart. Then the file
# goes, and the time until every pod is gone. Peer in the same run,
# interleaved round by round: podman kube play of 50 Pods (one YAML, 50
# documents, the same container), from its start until all 50 containers
# run; the PSS of podman's own processes per pod (conmon, the infra
# container's catatonit, anything else of podman's that stays).
#
#   bench/density_bench.sh [--disk] build/podvisor [PODS (500)] [PODMAN_PODS (50)]
#
# ROUNDS (default 3) rounds; PODMAN=0 leaves podman out. Raw samples: $BENCH_OUT/density.tsv (peer,
# pods, round, metric, value); the Markdown section: density.md.
# --disk (or BENCH_DISK=1): the same ramp with the daemon's state (its records, the
# containers' layers) on /tmp's own filesystem, a node's disk, not a
# tmpfs: podvisor alone, 2 rounds unless ROUNDS, no profile; written to
# density-disk.tsv and density-disk.md.
. "$(dirname "$0")/lib.sh"
if [ "${1:-}" = --disk ]; then
	export BENCH_DISK=1 # before bench_setup, in the namespaces too
	shift
fi
bench_ns "$0" "$@"
set -u
PODVISOR=$1 PODS=${2:-500} PM_PODS=${3:-50}
DISK=
if [ "${BENCH_DISK:-0}" = 1 ]; then
	DISK=-disk PODMAN=0 PERF=0 ROUNDS=${ROUNDS:-2}
fi
ROUNDS=${ROUNDS:-3}
OUT=$BENCH_OUT/density$DISK.tsv
BENCH_T0=$(date +%s)
bench_setup
bench_cleanup_hook() {
	[ -n "${HAVE_PODMAN:-}" ] && podman_cmd pod rm -af -t 0 >/dev/null 2>&1
	kill -9 -1 2>/dev/null
	sleep 0.3
	for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "libpod_parent" 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
IMG=localhost/busybox:bench
bench_image "$IMG"

# --- podman, configured for this sandbox (lib.sh) ------------------------------
bench_podman || true

bench_daemon

CONTAINER="      - name: httpd
        image: $IMG
        command: [/bin/sh, -c, \"mkdir -p /w && echo ok >/w/index.html && exec /bin/busybox httpd -f -p 8080 -h /w\"]
        ports: [{containerPort: 8080}]"
deploy_yaml() { # REPLICAS
	cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: $1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
$CONTAINER
        readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
EOF
}
podman_yaml() { # PODS: the same container, one Pod a document
	local i
	for i in $(seq "$1"); do
		printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: web%d, labels: {app: web}}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers:\n' "$i"
		echo "$CONTAINER" | sed -e 's/^    //' -e '/ports:/d' # podman would publish it
	done
}
# The Service is there all the time; only the Deployment comes and goes.
cat >"$T/m/svc.yaml" <<EOF
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
EOF

# One Python process a round does the rename and watches: the shims'
# state files while the pods start (no request to the daemon), then `get
# pods` until all are Running, then the Service's endpoints. It prints
# "metric value" lines.
cat >"$T/ramp.py" <<'PY'
import json, os, subprocess, sys, time, datetime
T, pv, daemon, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
HZ = os.sysconf("SC_CLK_TCK")
def cpu_ms():
    f = open("/proc/%d/stat" % daemon).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000 / HZ
def status(key):
    for l in open("/proc/%d/status" % daemon):
        if l.startswith(key + ":"):
            return int(l.split()[1])
def started(path):
    try:
        st = json.load(open(path))["startedAt"]
    except (OSError, ValueError, KeyError):
        return None
    base, frac = st.rstrip("Z").split(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + int(frac) / 1e9
def get(*args):
    r = subprocess.run([pv, "get"] + list(args) + ["-o", "internal-json"], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else []
open("/proc/%d/clear_refs" % daemon, "w").write("5")  # VmHWM = VmRSS
c0 = cpu_ms()
t0 = time.time()
m0 = time.monotonic()
os.rename(T + "/in/web.yaml", T + "/m/web.yaml")
deadline = t0 + 120
# 1. every container exec'd: the shims' state files, read by us alone
# (only the pods not seen yet are looked at again: the watcher's own CPU
# is taken from the pods')
seen = {}
while len(seen) < n and time.time() < deadline:
    for pod in os.listdir(T + "/state/pods") if os.path.isdir(T + "/state/pods") else []:
        if pod not in seen:
            s = started(T + "/state/pods/" + pod + "/containers/httpd/state.json")
            if s:
                seen[pod] = s
    time.sleep(0.05)
if len(seen) < n:
    sys.exit("only %d of %d containers started" % (len(seen), n))
print("exec_all_s %.3f" % (max(seen.values()) - t0))
with open(T + "/ramp.mono", "w") as f:  # for the profiled round's window
    f.write("%.6f %.6f\n" % (m0, m0 + max(seen.values()) - t0))
# 2. the daemon says Running
while time.time() < deadline:
    pods = get("pods")
    if sum(p["status"] == "Running" for p in pods) >= n:
        break
    time.sleep(0.02)
else:
    sys.exit("not all Running")
t1 = time.time()
print("running_s %.3f" % (t1 - t0))
print("daemon_cpu_running_ms %d" % (cpu_ms() - c0))
# 3. the Service lists them all, ready
while time.time() < deadline:
    svc = get("svc", "web")
    eps = svc[0]["ports"][0].get("endpoints") or [] if svc else []
    if len(eps) >= n:
        break
    time.sleep(0.05)
else:
    sys.exit("not all ready behind the Service")
print("ready_s %.3f" % (time.time() - t0))
print("daemon_cpu_ms %d" % (cpu_ms() - c0))
print("daemon_peak_rss_kib %d" % status("VmHWM"))
PY

# pss PATTERN: "COUNT TOTAL-KiB" of the Pss of the processes whose comm
# matches PATTERN.
# One awk for all of them: a program started per process, 1,000 of them
# on a machine busy with 500 pods' probes, took 20 minutes on a slow VM.
pss() {
	local pid files=()
	for pid in $(pgrep "$1"); do
		files+=("/proc/$pid/smaps_rollup")
	done
	[ ${#files[@]} -gt 0 ] || { echo "0 0"; return; }
	awk '/^Pss:/ { n++; kib += $2 } END { print n + 0, kib + 0 }' "${files[@]}" 2>/dev/null
}
sample() { # PEER PODS ROUND METRIC VALUE
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT.tmp"
}
no_pods() {
	[ -z "$("$PODVISOR" get pods --no-headers 2>/dev/null)" ] && [ -z "$(pgrep '^pod-init')" ]
}

podvisor_round() { # ROUND
	local r=$1 m v n kib t0 t1 ni ki ns ks
	deploy_yaml "$PODS" >"$T/in/web.yaml"
	"$PY" "$T/ramp.py" "$T" "$PODVISOR" "$DAEMON" "$PODS" >"$T/ramp.out" \
		|| { echo "density_bench: podvisor round $r: $(tail -1 "$T/ramp.out")" >&2; return 1; }
	while read -r m v; do sample podvisor "$PODS" "$r" "$m" "$v"; done <"$T/ramp.out"
	sleep 3 # settled: the last events, writes and probes' first results
	sample podvisor "$PODS" "$r" daemon_rss_kib "$(awk '/^VmRSS/ {print $2}' /proc/$DAEMON/status)"
	read -r ni ki <<<"$(pss '^pod-init')"
	read -r ns ks <<<"$(pss '^podvisor-shim')"
	[ "$ni" = "$PODS" ] && [ "$ns" = "$PODS" ] || echo "density_bench: round $r: $ni pod inits, $ns shims" >&2
	sample podvisor "$PODS" "$r" pod_init_pss_kib "$ki"
	sample podvisor "$PODS" "$r" shim_pss_kib "$ks"
	sample podvisor "$PODS" "$r" own_pss_per_pod_kib "$(((ki + ks) / PODS))"
	read -r n kib <<<"$(pss '^podvisor$')"
	sample podvisor "$PODS" "$r" daemon_pss_kib "$kib"
	read -r n kib <<<"$(pss '^podvisor-spawn')"
	sample podvisor "$PODS" "$r" spawner_pss_kib "$kib"
	t0=$(date +%s%N)
	rm -f "$T/m/web.yaml"
	for _ in $(seq 1200); do no_pods && break; sleep 0.05; done
	no_pods || { echo "density_bench: podvisor round $r: pods left after 60 s" >&2; return 1; }
	t1=$(date +%s%N)
	sample podvisor "$PODS" "$r" gone_s "$("$PY" -c "print('%.3f' % (($t1 - $t0) / 1e9))")"
}

podman_round() { # ROUND
	local r=$1 t0 t1 n c kc k kt nc
	podman_yaml "$PM_PODS" >"$T/podman/web.yaml"
	t0=$(date +%s%N)
	podman_cmd kube play "$T/podman/web.yaml" >>"$T/podman/play.log" 2>&1
	for _ in $(seq 600); do
		n=$(podman_cmd ps --filter status=running --format '{{.Names}}' 2>/dev/null | grep -c -- '-httpd$')
		[ "$n" -ge "$PM_PODS" ] && break
		sleep 0.05
	done
	t1=$(date +%s%N)
	if [ "$n" -lt "$PM_PODS" ]; then
		echo "density_bench: podman round $r: $n of $PM_PODS running: $(tail -3 "$T/podman/play.log")" >&2
	else
		sample podman "$PM_PODS" "$r" running_s "$("$PY" -c "print('%.3f' % (($t1 - $t0) / 1e9))")"
		sleep 3
		read -r nc kc <<<"$(pss '^conmon$')"
		read -r n k <<<"$(pss '^catatonit$')"
		kt=$((kc + k))
		for c in aardvark-dns netavark slirp4netns; do
			read -r n k <<<"$(pss "^$c\$")"
			kt=$((kt + k))
		done
		sample podman "$PM_PODS" "$r" conmon_pss_kib "$kc"
		sample podman "$PM_PODS" "$r" conmons "$nc"
		sample podman "$PM_PODS" "$r" own_pss_per_pod_kib "$((kt / PM_PODS))"
	fi
	podman_cmd pod rm -af -t 0 >/dev/null 2>&1
}

echo -e "peer\tpods\tround\tmetric\tvalue" >"$OUT.tmp"
echo "density_bench: setup $(($(date +%s) - BENCH_T0)) s" >&2
START=$(date +%s)
for r in $(seq "$ROUNDS"); do
	podvisor_round "$r" || exit 1
	[ -n "$HAVE_PODMAN" ] && podman_round "$r"
	echo "density_bench: round $r done ($(($(date +%s) - START)) s)" >&2
done
mv "$OUT.tmp" "$OUT"

# One more podvisor round under perf, for where the CPU goes
# (bench/cpu_split.py); its times are not among the samples above.
# perf_ramp DATA NAME PERF-RECORD-ARGS...: one more round under perf record
# (-a, into DATA), the pods gone after it; its window in $T/ramp.mono.
perf_ramp() {
	local data=$1 name=$2 perf_pid
	shift 2
	deploy_yaml "$PODS" >"$T/in/web.yaml"
	rm -f "$T/ramp.mono"
	perf record "$@" -a -k CLOCK_MONOTONIC -o "$data" >"$data.log" 2>&1 &
	perf_pid=$!
	sleep 1 # perf is recording
	"$PY" "$T/ramp.py" "$T" "$PODVISOR" "$DAEMON" "$PODS" >"$T/ramp.out" \
		|| echo "density_bench: $name round: $(tail -1 "$T/ramp.out")" >&2
	kill -INT "$perf_pid"
	wait "$perf_pid"
	rm -f "$T/m/web.yaml"
	for _ in $(seq 1200); do no_pods && break; sleep 0.05; done
}
profiled_round() {
	local t0 t1
	[ -z "$DISK" ] || return 0 # the tmpfs run's split stays
	rm -f "$BENCH_OUT/density-cpu.md" "$BENCH_OUT/density-cpu.tsv"
	if [ "${PERF:-1}" = 0 ]; then
		return 0
	elif ! perf record -e cpu-clock -a -o /dev/null true >/dev/null 2>&1; then
		echo "density_bench: perf is not usable here (scripts/deps.sh bench installs linux-perf): no CPU split" >&2
		return 0
	fi
	perf_ramp "$T/perf.data" profiled -e cpu-clock -F 997 -g
	read -r t0 t1 <"$T/ramp.mono" || return 0
	"$PY" "$BENCH_DIR/cpu_split.py" "$T/perf.data" "$t0" "$t1" "$PODS" "$(nproc)" \
		"$BENCH_OUT/density-cpu.tsv" "$(cat "/proc/$DAEMON/comm")" >"$BENCH_OUT/density-cpu.md" \
		|| rm -f "$BENCH_OUT/density-cpu.md" "$BENCH_OUT/density-cpu.tsv"
	[ -z "${KEEP_PERF:-}" ] || cp "$T/perf.data" "$KEEP_PERF"
	rm -f "$T/perf.data"
	[ -s "$BENCH_OUT/density-cpu.md" ] && exec_cost >>"$BENCH_OUT/density-cpu.md"
}
# What one exec of the workload's program costs on this machine, apart
# from any pod: the workload execs the image's static busybox three
# times a pod (sh, mkdir, httpd). Most of it is user time before main.
exec_cost() {
	local ms
	local faults out
	out=$(perf stat -r 300 -x, -e task-clock -e page-faults /bin/busybox true 2>&1 >/dev/null)
	ms=$(awk -F, '$3 == "task-clock" { print $1 }' <<<"$out")
	faults=$(awk -F, '$3 == "page-faults" { printf "%.0f", $1 }' <<<"$out")
	[ -n "$ms" ] || return 0
	printf '%s\t%s\n' exec_static_busybox_ms "$ms" >>"$BENCH_OUT/density-cpu.tsv"
	cat <<EOF

The workload's share is mostly the start of its programs: one exec of
the static busybox \`true\` on this machine, outside any pod, takes
**$ms ms** of CPU (\`perf stat -r 300\`), most of it before \`main\`:
the kernel maps the program and faults its pages in ($faults page faults
a run), and static glibc's start probes the CPU with \`cpuid\` many
times, an instruction a virtual machine may trap to its hypervisor. The
workload runs three such execs a pod, and busybox httpd forks one child
a readiness probe.
EOF
}
profiled_round

# And one more counting, not timing, what podvisor's processes ask of the
# kernel (bench/count_split.py), with what a syscall, a page fault and a
# fork cost on this machine (bench/costs.c, beside the binary's build).
counted_round() {
	local t0 t1 spawner costs
	[ -z "$DISK" ] || return 0
	rm -f "$BENCH_OUT/density-count.md" "$BENCH_OUT/density-count.tsv"
	[ "${PERF:-1}" != 0 ] || return 0
	perf record -e raw_syscalls:sys_enter -a -o /dev/null true >/dev/null 2>&1 || {
		echo "density_bench: perf cannot count system calls here: no counts" >&2
		return 0
	}
	spawner=$(pgrep -P "$DAEMON" '^podvisor-spawn' | head -1)
	perf_ramp "$T/count.data" counted -c 1 -e raw_syscalls:sys_enter -e page-faults
	read -r t0 t1 <"$T/ramp.mono" || return 0
	"$PY" "$BENCH_DIR/count_split.py" "$T/count.data" "$t0" "$t1" "$PODS" "$DAEMON" \
		"${spawner:-0}" "$BENCH_OUT/density-count.tsv" >"$BENCH_OUT/density-count.md" \
		|| rm -f "$BENCH_OUT/density-count.md" "$BENCH_OUT/density-count.tsv"
	rm -f "$T/count.data"
	costs=$(dirname "$PODVISOR")/bench/costs
	[ -s "$BENCH_OUT/density-count.md" ] && [ -x "$costs" ] || return 0
	"$costs" | tr ' ' '\t' >>"$BENCH_OUT/density-count.tsv"
	"$costs" | awk '
		{ v[$1] = $2 }
		END { printf "\nOn this machine (bench/costs.c, medians of 5) a system call costs %.2f us, a page fault of fresh memory %.1f us, a fork of a small process with its exit and wait %.0f us.\n", v["syscall_us"], v["page_fault_us"], v["fork_us"] }' \
		>>"$BENCH_OUT/density-count.md"
}
counted_round
[ -n "${KEEP:-}" ] && cp "$T/log" "$OUT.daemon.log"

# --- the section --------------------------------------------------------------
"$PY" - "$OUT" "$(bench_machine)" "$PODS" "$PM_PODS" "${PODMAN_VERSION:-}" "$ROUNDS" "$DISK" "$(df -T /tmp | awk 'NR == 2 { print $2 }')" <<'PY' | bench_section "density$DISK"
import statistics, sys, datetime
out, machine, pods, pm_pods, pm_version, rounds, disk, fstype = sys.argv[1:9]
pods, pm_pods = int(pods), int(pm_pods)
by = {}
for l in list(open(out))[1:]:
    peer, n, r, m, v = l.rstrip("\n").split("\t")
    by.setdefault((peer, m), []).append(float(v))
def st(peer, m):
    v = sorted(by.get((peer, m), []))
    return (statistics.median(v), v[0], v[-1]) if v else None
def cell(peer, m, fmt, scale=1.0):
    s = st(peer, m)
    if not s:
        return "-"
    med, lo, hi = (x * scale for x in s)
    num, unit = fmt.split(" ", 1)
    return "**%s** (%s–%s)" % (fmt % med, num % lo, fmt % hi)
def verdict(peer, m, target, unit, scale=1.0):
    s = st(peer, m)
    if not s:
        return "-"
    med = s[0] * scale
    if med < target:
        return "met (%.0f%% under)" % ((target - med) * 100 / target)
    return "not met (%.0f%% over)" % ((med - target) * 100 / target)
rows = [
    ("all containers exec'd (shims' startedAt)", cell("podvisor", "exec_all_s", "%.2f s"), "", ""),
    ("all Running (`get pods`)", cell("podvisor", "running_s", "%.2f s"), "< 1.5 s", verdict("podvisor", "running_s", 1.5, "s")),
    ("all Ready behind the Service (%d endpoints)" % pods, cell("podvisor", "ready_s", "%.2f s"), "", ""),
    ("daemon CPU, rename to all Ready", cell("podvisor", "daemon_cpu_ms", "%.0f ms"), "", ""),
    ("daemon peak RSS over the ramp (VmHWM)", cell("podvisor", "daemon_peak_rss_kib", "%.1f MiB", 1 / 1024), "", ""),
    ("daemon RSS, settled at %d pods" % pods, cell("podvisor", "daemon_rss_kib", "%.1f MiB", 1 / 1024), "< 16 MiB", verdict("podvisor", "daemon_rss_kib", 16, "MiB", 1 / 1024)),
    ("own PSS per pod (pod init + shim)", cell("podvisor", "own_pss_per_pod_kib", "%.0f KiB"), "< 300 KiB", verdict("podvisor", "own_pss_per_pod_kib", 300, "KiB")),
    ("daemon PSS", cell("podvisor", "daemon_pss_kib", "%.1f MiB", 1 / 1024), "", ""),
    ("spawner PSS", cell("podvisor", "spawner_pss_kib", "%.0f KiB"), "", ""),
    ("file deleted to all pods gone", cell("podvisor", "gone_s", "%.2f s"), "", ""),
]
if disk:
    print("### The same, with the state on the node's disk (`bench/density_bench.sh --disk`)\n")
    print("""The same Deployment and measures, podvisor alone, with the daemon's
state directory (its records, the containers' overlay layers) on
/tmp's own filesystem (%s here, on this machine's virtual disk), where a
node keeps /var/lib, instead of a tmpfs. %s, %s, %s rounds. Medians
(min–max).
""" % (fstype, datetime.date.today(), machine, rounds))
    print("| podvisor, %d pods, state on %s | this run |" % (pods, fstype))
    print("|---|---|")
    for r in rows:
        if r[1] != "-" and not r[0].startswith(("daemon peak", "daemon PSS", "spawner")):
            print("| %s | %s |" % r[:2])
    sys.exit(0)
print("## Density: %d pods from one Deployment (`bench/density_bench.sh`)\n" % pods)
print("""One Deployment of %d replicas (busybox httpd with an httpGet
readinessProbe, periodSeconds 1) behind one ClusterIP Service, in
throwaway namespaces on a tmpfs. The clock starts at `rename(2)` of the
manifest into the directory; one Python process watches the shims' state
files while the pods start (every container exec'd: the last `startedAt`),
then polls `get pods` until all are Running and `get svc` until the
Service lists %d ready endpoints. The daemon's peak RSS is its VmHWM
(reset through `clear_refs` at the start of each round), its CPU time
utime + stime from the rename to all Ready; its RSS and every PSS
(`smaps_rollup`) are read 3 s after. Per pod: the PSS of all pod inits
and shims divided by the pods. Then the file is deleted and every pod is
gone before the next round. Peer in the same run, interleaved round by
round: podman kube play of %d Pods (one YAML, one Pod a document, the
same container; runc, cgroupfs, overlay on a tmpfs), from its start until
all %d app containers run; its own processes per pod: conmon (two per
pod, infra and app) and the infra container's catatonit.
""" % (pods, pods, pm_pods, pm_pods))
print("%s, %s, %s rounds. Medians (min–max).\n" % (datetime.date.today(), machine, rounds))
print("| podvisor, %d pods | this run | target | verdict |" % pods)
print("|---|---|---|---|")
for r in rows:
    print("| %s | %s | %s | %s |" % r)
s = st("podman", "running_s")
if s:
    print("\n| podman %s, %d pods | this run | per pod | podvisor per pod |" % (pm_version, pm_pods))
    print("|---|---|---|---|")
    pv = st("podvisor", "running_s")
    print("| kube play to all running | %s | %.1f ms | %.1f ms |" % (
        cell("podman", "running_s", "%.2f s"), s[0] * 1000 / pm_pods, pv[0] * 1000 / pods if pv else 0))
    o = st("podman", "own_pss_per_pod_kib")
    po = st("podvisor", "own_pss_per_pod_kib")
    print("| own PSS (conmon x2, catatonit) | %s total | %s | %s |" % (
        "%.1f MiB" % (o[0] * pm_pods / 1024) if o else "-",
        cell("podman", "own_pss_per_pod_kib", "%.0f KiB"),
        "%.0f KiB" % po[0] if po else "-"))
PY
if [ -z "$DISK" ] && [ -s "$BENCH_OUT/density-cpu.md" ]; then
	{ echo; cat "$BENCH_OUT/density-cpu.md"; } >>"$BENCH_OUT/density.md"
fi
if [ -z "$DISK" ] && [ -s "$BENCH_OUT/density-count.md" ]; then
	{ echo; cat "$BENCH_OUT/density-count.md"; } >>"$BENCH_OUT/density.md"
fi
cat "$BENCH_OUT/density$DISK.md" >&2
echo "density_bench: $(($(date +%s) - START)) s" >&2
