#!/bin/bash
# Reaction-time benchmarks, in throwaway namespaces like the tests (the
# README's timing claims):
#  1. Service endpoints following pods: from rename(2) of a Pod manifest
#     (a new pod matching the selector, or a running pod's label edited in
#     or out) until its DNAT rule is in the kernel's nat table, and from
#     unlink(2) of the manifest until it is gone; a TCP connect to the
#     cluster IP is also timed for the label edit (the pod already listens);
#  2. from `iptables-legacy -t nat -F` until podvisor's rules are back;
#  3. from rename(2) of an edited ConfigMap until a running pod's
#     mounted file reads the new value.
# One Python process does the file operations and polls (every 0.5 ms):
# it reads the nat table itself (getsockopt IPT_SO_GET_ENTRIES, what
# iptables-legacy-save reads) and the pod's file through /proc/PID/root,
# so polling forks nothing.
#   bench/latency_bench.sh build/podvisor [REPETITIONS]
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -eu
PODVISOR=$1
N=${2:-15}
bench_setup
bench_image busybox:bench
bench_daemon

"$PY" - "$T" "$PODVISOR" "$N" "$BENCH_OUT/latency.tsv" <<'PY'
import ctypes, datetime, glob, json, os, random, socket, struct, subprocess, sys, time
T, PODVISOR, N, TSV = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
tsv = open(TSV, "w")
tsv.write("what\trep\tms\n")
M = T + "/m"
libc = ctypes.CDLL(None, use_errno=True)
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

def nat():
    """The nat table as the kernel hands it to iptables-legacy-save: the
    DNAT addresses, and the user chains PREROUTING and OUTPUT jump to."""
    for _ in range(10):
        info = ctypes.create_string_buffer(b"nat", 84)  # struct ipt_getinfo
        ln = ctypes.c_uint(84)
        if libc.getsockopt(raw.fileno(), 0, 64, info, ctypes.byref(ln)) < 0:
            return None
        hooks = struct.unpack_from("5I", info, 36)
        under = struct.unpack_from("5I", info, 56)
        size = struct.unpack_from("I", info, 80)[0]
        buf = ctypes.create_string_buffer(40 + size)  # struct ipt_get_entries
        buf[:3] = b"nat"
        struct.pack_into("I", buf, 32, size)
        ln = ctypes.c_uint(40 + size)
        if libc.getsockopt(raw.fileno(), 0, 65, buf, ctypes.byref(ln)) == 0:
            break
    else:
        return None
    b = buf.raw[40:]
    dnat, heads, jumps, o = [], {}, [], 0
    while o < size:
        toff, noff = struct.unpack_from("HH", b, o + 88)
        t = o + toff
        name = b[t + 2:t + 31].split(b"\0")[0]
        if name == b"DNAT":
            dnat.append(socket.inet_ntoa(b[t + 36:t + 40]))
        elif name == b"ERROR":
            heads[o + noff] = b[t + 32:t + 62].split(b"\0")[0].decode()
        elif name == b"":
            v = struct.unpack_from("i", b, t + 32)[0]
            for h in (0, 3):  # PREROUTING, OUTPUT
                if hooks[h] <= o <= under[h] and v > 0:
                    jumps.append(v)
        o += noff
    return {"entries": struct.unpack_from("I", info, 76)[0], "dnat": dnat,
            "jumps": {heads.get(v) for v in jumps}}

def connects(ip, port):
    """A TCP connect to IP:PORT: True if accepted, False if refused or unreachable."""
    s = socket.socket()
    s.settimeout(0.2)
    try:
        s.connect((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()

def wait(t0, cond, limit=10.0):
    """Seconds from T0 (time.monotonic) until cond() holds, polling every
    0.5 ms; None after LIMIT."""
    while not cond():
        if time.monotonic() - t0 > limit:
            return None
        time.sleep(0.0005)
    return time.monotonic() - t0

def put(name, text):  # write aside, rename into the directory; returns when renamed
    with open("%s/%s" % (T, name), "w") as f:
        f.write(text)
    t0 = time.monotonic()
    os.rename("%s/%s" % (T, name), "%s/%s" % (M, name))
    return t0

def pods():
    return json.loads(subprocess.run([PODVISOR, "get", "pods", "-o", "internal-json"],
                                     capture_output=True, text=True).stdout or "[]")

def running(name):
    return any(p["name"] == name and p["status"] == "Running" for p in pods())

def gone(name):
    return not any(p["name"] == name for p in pods())

def slow_wait(cond, limit=20):  # for set-up, not measured
    for _ in range(limit * 20):
        if cond():
            return True
        time.sleep(0.05)
    sys.exit("latency_bench: timed out setting up (%s)\n%s" % (
        cond.__code__.co_firstlineno, open(T + "/log").read()[-2000:]))

def started(st):
    base, frac = st.rstrip("Z").split(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + int(frac) / 1e9

def report(what, xs):
    xs = [x * 1000 for x in xs if x is not None]
    for i, x in enumerate(xs):
        tsv.write("%s\t%d\t%.3f\n" % (what.strip(), i + 1, x))
    tsv.flush()
    misses = N - len(xs) if len(xs) < N else 0
    xs.sort()
    if not xs:
        print("  %-46s all timed out" % what)
        return
    n = len(xs)
    med = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    print("  %-46s median %7.1f ms, min %7.1f, max %7.1f (n=%d%s)"
          % (what, med, xs[0], xs[-1], n, ", %d timed out" % misses if misses else ""))

def pod(name, app, extra=""):
    return ("apiVersion: v1\nkind: Pod\nmetadata: {name: %s, labels: {app: %s}}\nspec:\n"
            "  terminationGracePeriodSeconds: 0\n  containers:\n"
            "  - name: c\n    image: busybox:bench\n"
            "    command: [httpd, -f, -p, \"8080\", -h, /etc]\n"
            "    ports: [{containerPort: 8080}]\n%s" % (name, app, extra))

put("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
    "  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n")
cip = []
def have_cip():
    out = subprocess.run([PODVISOR, "get", "svc", "web", "-o", "internal-json"],
                         capture_output=True, text=True).stdout
    try:
        cip[:] = [json.loads(out)[0]["clusterIP"]]
        return bool(cip[0])
    except (ValueError, IndexError, KeyError):
        return False
slow_wait(have_cip)
CIP = cip[0]
slow_wait(lambda: "PV-SERVICES" in (nat() or {"jumps": ()})["jumps"])

print("== Service endpoints following pods (%d each)" % N)
add, add_st, rm = [], [], []
seen = set(glob.glob(T + "/state/pods/*/containers/c/state.json"))
for i in range(N):
    t0 = put("new.yaml", pod("new-%d" % i, "web"))
    add.append(wait(t0, lambda: nat()["dnat"]))
    t1 = time.time()
    new = [p for p in glob.glob(T + "/state/pods/*/containers/c/state.json") if p not in seen]
    seen.update(new)
    if add[-1] is not None and len(new) == 1:
        st = started(json.load(open(new[0]))["startedAt"])
        add_st.append(t1 - st)  # the poll's 0.5 ms is in both
    slow_wait(lambda: running("new-%d" % i))
    t0 = time.monotonic()
    os.unlink(M + "/new.yaml")
    rm.append(wait(t0, lambda: not nat()["dnat"]))
    slow_wait(lambda: gone("new-%d" % i))
report("new pod: rename -> DNAT rule in the kernel", add)
report("  of which container exec'd -> DNAT rule", add_st)
report("pod deleted: unlink -> DNAT rule gone", rm)

put("flip.yaml", pod("flip", "other"))
slow_wait(lambda: running("flip"))
ip = next(p for p in pods() if p["name"] == "flip").get("podIP") or ""
slow_wait(lambda: connects(ip, 8080))
lab_in, lab_conn, lab_out = [], [], []
for i in range(N):
    t0 = put("flip.yaml", pod("flip", "web"))
    lab_in.append(wait(t0, lambda: ip in nat()["dnat"]))
    lab_conn.append(wait(t0, lambda: connects(CIP, 80)))
    time.sleep(0.05)
    t0 = put("flip.yaml", pod("flip", "other"))
    lab_out.append(wait(t0, lambda: ip not in nat()["dnat"]))
    time.sleep(0.05)
report("label edited in: rename -> DNAT rule", lab_in)
report("label edited in: rename -> TCP connect ok", lab_conn)
report("label edited out: rename -> DNAT rule gone", lab_out)
put("flip.yaml", pod("flip", "web"))
slow_wait(lambda: ip in nat()["dnat"])

print("== nat table flushed (%d; podvisor watches the iptables lock file)" % N)
before = nat()
flush, flush_conn = [], []
for i in range(N):
    time.sleep(random.uniform(0.1, 2.1))  # no lock-step with the check's period
    subprocess.run(["iptables-legacy", "-t", "nat", "-F"], check=True)
    t0 = time.monotonic()
    flush.append(wait(t0, lambda: nat() == before, 5))
    flush_conn.append(wait(t0, lambda: connects(CIP, 80), 5))
report("flush -> every rule back", flush)
report("flush -> TCP connect to the cluster IP ok", flush_conn)

print("== ConfigMap edit -> file in a running pod (%d)" % N)
cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {key: v%d}\n"
put("cm.yaml", cm % 0)
put("cfgpod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: cfgpod}\nspec:\n"
    "  terminationGracePeriodSeconds: 0\n  containers:\n"
    "  - name: c\n    image: busybox:bench\n    command: [sleep, \"100000\"]\n"
    "    volumeMounts: [{name: cfg, mountPath: /cfg}]\n"
    "  volumes: [{name: cfg, configMap: {name: cfg}}]\n")
slow_wait(lambda: running("cfgpod"))
pid = next(p for p in pods() if p["name"] == "cfgpod")["containers"][0]["pid"]
path = "/proc/%d/root/cfg/key" % pid
def reads(v):
    try:
        with open(path) as f:
            return f.read() == v
    except OSError:
        return False
slow_wait(lambda: reads("v0"))
edit = []
for i in range(1, N + 1):
    time.sleep(0.05)
    t0 = put("cm.yaml", cm % i)
    edit.append(wait(t0, lambda: reads("v%d" % i)))
report("rename -> new value in /proc/PID/root/cfg/key", edit)
PY

"$PY" - "$BENCH_OUT/latency.tsv" "$(bench_machine)" "$N" <<'PY' | bench_section latency
import datetime, statistics, sys
tsv, machine, n = sys.argv[1:]
rows = {}
for line in list(open(tsv))[1:]:
    what, _, ms = line.rstrip("\n").split("\t")
    rows.setdefault(what, []).append(float(ms))
print("""## Reaction times: endpoints, a flushed table, ConfigMap edits (`bench/latency_bench.sh`)

In throwaway namespaces: a busybox image, the daemon on a tmpfs state
directory, one ClusterIP Service (`app: web`, port 80 to the pods' busybox
httpd on 8080). One Python process renames the manifests in and polls
every 0.5 ms without forking: it reads the nat table as
`iptables-legacy-save` does (`getsockopt(IPT_SO_GET_ENTRIES)`), connects to
the cluster IP, and reads a pod's file through `/proc/PID/root`. %s
repetitions of each (a timed-out one is left out and counted).

1. **Endpoints.** A new pod labelled `app: web`: from `rename(2)` of its
   manifest until the DNAT rule to it is in the kernel (and from the
   container's exec, the shim's `startedAt`); its file unlinked: until the
   rule is gone. A running pod's label edited to `app: web` and back: until
   its rule is there, until a TCP connect to the cluster IP is accepted,
   and until the rule is gone again.
2. **A flushed nat table.** From the return of `iptables-legacy -t nat -F`
   (at random moments) until every rule is back, and until a connect to the
   cluster IP is accepted.
3. **ConfigMap edit.** From the rename of the edited manifest until the
   running pod's mounted `/cfg/key` reads the new value.

Measured %s on %s:

| what | median | min-max | n |
|---|---|---|---|""" % (n, datetime.date.today().isoformat(), machine))
for what, v in rows.items():
    print("| %s | %.1f ms | %.1f-%.1f ms | %d of %s |" % (what, statistics.median(v), min(v), max(v), len(v), n))
print("""
A new pod's endpoint is nearly all pod start: the rule follows the
container's exec within a millisecond. A label or ConfigMap edit is
applied within a millisecond of the rename. A deleted file takes 300 ms
on purpose: the daemon waits that long before acting on a file that has
gone (`REMOVE_DELAY_MS`), so that an editor saving by renaming the file
away and back does not delete its pods. A flush by the iptables command is
repaired as soon as the command is done, with no period to wait out: the
daemon watches iptables' lock file (`/run/xtables.lock`), which every
iptables command takes and closes as it exits; the time is that of
reading the table and writing it back whole (legacy x_tables).""")
PY
