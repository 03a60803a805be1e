# shellcheck shell=bash
# The churn test's machinery (tests/integration/test_churn.sh, and the
# leak counters test_longrun.sh shares): a model of what the manifests
# directory asks for, a seeded generator of operations on that directory,
# the check that the node runs exactly what the model says, and the
# counters of everything a daemon could leak. Sourced after lib_pods.sh.
#
# The model: one "slot" per file, named after its one object (p03.yaml is
# the Pod p03, d1.yaml the Deployment d1, s2.yaml the Service s2, c0.yaml
# the ConfigMap c0; odd-numbered slots live in the subdirectory team/).
# GOOD[slot] is the last VALID content written (what Kubernetes semantics
# say is in force: a bad edit keeps the last valid version), BAD[slot] says
# the file on disk is currently invalid. UNREAD[slot] is set while the
# daemon may not have read the slot's last valid write yet: what file_seen
# said just before it. "Its last valid version" is the last one the daemon
# read: a bad write that lands before the daemon reads the valid one
# leaves nothing in force, so a bad write (and a kill) first waits for that
# read.

declare -A GOOD=() BAD=() UNREAD=()
CH_IMAGES=(busybox:test busybox:alt)
CH_APPS=(a b c)
CH_V=0 # a version counter: every valid write carries a new value

# rnd N: a number in [0, N) into R, from the seeded $RANDOM. Only ever
# called in the main shell (a subshell's $RANDOM is not the sequence's).
rnd() { R=$((RANDOM % $1)); }

slot_path() { # SLOT: the file of SLOT under DIR (default $M)
	local n=${1//[!0-9]/}
	if [ $((10#$n % 2)) = 1 ]; then echo "${2:-$M}/team/$1.yaml"; else echo "${2:-$M}/$1.yaml"; fi
}
slot_kind() {
	case $1 in p*) echo pod ;; d*) echo deploy ;; s*) echo svc ;; c*) echo cm ;; esac
}

container_yaml() { # INDENT OBJ IMAGE V
	local i=$1
	cat <<YAML
${i}terminationGracePeriodSeconds: 1
${i}containers:
${i}- name: main
${i}  image: $3
${i}  command: [sleep, "3600"]
${i}  env: [{name: CHURN_V, value: "$4"}, {name: CHURN_OBJ, value: "$2"}]
YAML
}

# render SLOT ATTRS...: the YAML of a valid version of SLOT.
#   pod IMAGE APP V; deploy IMAGE APP V REPLICAS; svc TYPE APP; cm V
render() {
	local s=$1
	shift
	case $(slot_kind "$s") in
	pod)
		printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  labels: {app: %s, churn: pod}\nspec:\n' "$s" "$2"
		container_yaml "  " "pod/$s" "$1" "$3"
		;;
	deploy)
		printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s}\nspec:\n  replicas: %s\n' "$s" "$4"
		printf '  selector: {matchLabels: {dep: %s}}\n  template:\n    metadata: {labels: {dep: %s, app: %s}}\n    spec:\n' "$s" "$s" "$2"
		container_yaml "      " "deploy/$s" "$1" "$3"
		;;
	svc)
		printf 'apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  type: %s\n  selector: {app: %s}\n  ports: [{port: 80, targetPort: 8080}]\n' "$s" "$1" "$2"
		;;
	cm)
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {k: "%s"}\n' "$s" "$1"
		;;
	esac
}

# render_bad SLOT HOW: an invalid file for SLOT; HOW 0 malformed YAML,
# 1 an unknown kind, 2 a field of the wrong type. Each is a load error
# (podvisor check exits 1), so nothing of the file may be applied.
render_bad() {
	case $2 in
	0) printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s\nspec: [\n' "$1" ;;
	1) printf 'apiVersion: v1\nkind: Frobnicator\nmetadata: {name: %s}\nspec: {}\n' "$1" ;;
	*) case $(slot_kind "$1") in
		pod) render "$1" busybox:test a 0 | sed 's/command: \[sleep, "3600"\]/command: [sleep, "3600"]\n    ports: [{containerPort: http-ish}]/' ;;
		deploy) render "$1" busybox:test a 0 1 | sed 's/replicas: 1/replicas: many/' ;;
		svc) render "$1" ClusterIP a | sed 's/port: 80,/port: eighty,/' ;;
		cm) printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: [not, a, map]\n' "$1" ;;
		esac ;;
	esac
}

# deliver PATH CONTENT-FILE HOW: write a file the way a tool would.
#   0 truncate and write in place; 1 rsync (.name.XXXXXX, then rename);
#   2 an editor keeping a backup (name~ copied, then truncate+write);
#   3 vim's rename dance (name -> name~, write a new name, remove name~)
deliver() {
	local p=$1 src=$2 d b
	d=$(dirname "$p")
	b=$(basename "$p")
	case $3 in
	0) cat "$src" >"$p" ;;
	1) cp "$src" "$d/.$b.Xq3z9a" && mv "$d/.$b.Xq3z9a" "$p" ;;
	2) [ -e "$p" ] && cp "$p" "$p~"
		cat "$src" >"$p" ;;
	*) [ -e "$p" ] && mv "$p" "$p~"
		cat "$src" >"$p"
		rm -f "$p~" ;;
	esac
}

# new_attrs SLOT: random valid attributes for SLOT into A (main shell).
new_attrs() {
	CH_V=$((CH_V + 1))
	case $(slot_kind "$1") in
	pod) rnd 2; A="${CH_IMAGES[R]}"; rnd 3; A="$A ${CH_APPS[R]} $CH_V" ;;
	deploy) rnd 2; A="${CH_IMAGES[R]}"; rnd 3; A="$A ${CH_APPS[R]} $CH_V"; rnd 4; A="$A $R" ;;
	svc) rnd 2; A=$([ $R = 0 ] && echo ClusterIP || echo NodePort); rnd 3; A="$A ${CH_APPS[R]}" ;;
	cm) A=$CH_V ;;
	esac
}

# modify_attrs SLOT: change one attribute of GOOD[SLOT] into A.
modify_attrs() {
	local -a a
	read -ra a <<<"${GOOD[$1]}"
	CH_V=$((CH_V + 1))
	case $(slot_kind "$1") in
	pod | deploy)
		rnd 4
		case $R in
		0) a[0]=$([ "${a[0]}" = busybox:test ] && echo busybox:alt || echo busybox:test) ;;
		1) rnd 3; a[1]=${CH_APPS[R]} ;; # labels (a label-only edit for a Pod)
		2) a[2]=$CH_V ;;                # env
		*) if [ "$(slot_kind "$1")" = deploy ]; then rnd 4; a[3]=$R; else a[2]=$CH_V; fi ;;
		esac ;;
	svc) rnd 2; if [ $R = 0 ]; then a[0]=$([ "${a[0]}" = NodePort ] && echo ClusterIP || echo NodePort); else rnd 3; a[1]=${CH_APPS[R]}; fi ;;
	cm) a[0]=$CH_V ;;
	esac
	A="${a[*]}"
}

# model_write FILE: the model as lines "KIND NAME ATTRS..." for the checker.
model_write() {
	local s
	: >"$1"
	for s in "${!GOOD[@]}"; do
		echo "$(slot_kind "$s") $s ${GOOD[$s]}" >>"$1"
	done
}

# check_state MODEL-FILE PVC-FILE IPS-SEEN-FILE: compare the node with the
# model; print every difference (nothing when equal) and exit 1 if any.
# What is compared: the pods by name (one Running pod per Pod, REPLICAS
# Running pods per Deployment, none else), their images, their containers'
# processes (exactly one `sleep` per pod whose environment has the model's
# CHURN_V), no two pods with one name or one IP, the Services (names,
# types, distinct cluster IPs and node ports, endpoints = the Running
# pods their selector picks, a nat rule for each cluster IP and node port
# of a port with endpoints, a REJECT rule in the filter table for one
# without, none left for a cluster IP no Service has), the ConfigMaps (names,
# data), and the claims' bindings in PVC-FILE (NAME VOLUME per line).
check_state() {
	local nat filter
	nat=$(iptables-legacy-save -t nat 2>/dev/null || iptables-save -t nat 2>/dev/null)
	filter=$(iptables-legacy-save -t filter 2>/dev/null || iptables-save -t filter 2>/dev/null)
	NAT="$nat" FILTER="$filter" "$PY" - "$PODVISOR" "$1" "$2" "$3" <<'PYEOF'
import json, os, subprocess, sys
pv, model_f, pvc_f, seen_f = sys.argv[1:5]
def get(kind):
    r = subprocess.run([pv, "get", kind, "-A", "-o", "internal-json"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit("get %s: %s" % (kind, r.stderr.strip()))
    return json.loads(r.stdout)
bad = []
model = [l.split() for l in open(model_f) if l.strip()]
pods, svcs, cms = get("pods"), get("svc"), get("cm")
# the containers' processes, by the environment the generator gave them
procs = {}
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        if open("/proc/%s/comm" % p).read().strip() != "sleep":
            continue
        env = dict(kv.split("=", 1) for kv in open("/proc/%s/environ" % p).read().split("\0") if "=" in kv)
    except OSError:
        continue
    if "CHURN_OBJ" in env:
        procs.setdefault(env.get("HOSTNAME", "?"), []).append(env)
names = [p["name"] for p in pods]
for n in set(names):
    if names.count(n) > 1:
        bad.append("pod %s is listed %d times" % (n, names.count(n)))
ips = [p.get("podIP") for p in pods if p.get("podIP")]
for ip in set(ips):
    if ips.count(ip) > 1:
        bad.append("pod IP %s is given to %d pods" % (ip, ips.count(ip)))
def image_of(p):
    cs = p.get("containers") or []
    return cs[0].get("image", "") if cs else ""
def want_pod(p, img, v, what):
    if p["status"] != "Running":
        bad.append("%s: pod %s is %s" % (what, p["name"], p["status"]))
    if not image_of(p).endswith(img):
        bad.append("%s: pod %s runs image %s, the file says %s" % (what, p["name"], image_of(p), img))
    envs = procs.get(p["name"], [])
    if len(envs) != 1:
        bad.append("%s: pod %s has %d container processes, wants 1" % (what, p["name"], len(envs)))
    elif envs[0].get("CHURN_V") != v:
        bad.append("%s: pod %s runs CHURN_V=%s, the file says %s" % (what, p["name"], envs[0].get("CHURN_V"), v))
claimed = set()
for m in model:
    kind, name = m[0], m[1]
    if kind == "pod":
        mine = [p for p in pods if p["name"] == name]
        if not mine:
            bad.append("Pod %s: not running (the directory asks for it)" % name)
            continue
        want_pod(mine[0], m[2], m[4], "Pod " + name)
        if (mine[0].get("labels") or {}).get("app") != m[3]:
            bad.append("Pod %s: label app=%s, the file says %s" % (name, (mine[0].get("labels") or {}).get("app"), m[3]))
        claimed.add(name)
    elif kind == "deploy":
        mine = [p for p in pods if (p.get("labels") or {}).get("dep") == name]
        if len(mine) != int(m[5]):
            bad.append("Deployment %s: %d pods (%s), wants %s" % (name, len(mine), " ".join(sorted(p["name"] + ":" + p["status"] for p in mine)), m[5]))
        for p in mine:
            want_pod(p, m[2], m[4], "Deployment " + name)
            claimed.add(p["name"])
for p in pods:
    if p["name"] not in claimed:
        bad.append("pod %s (%s) runs but the directory does not ask for it" % (p["name"], p["status"]))
for host in procs:
    if host not in claimed:
        bad.append("a container process of %s runs with no pod asked for it" % host)
# Services
want_svc = {m[1]: m for m in model if m[0] == "svc"}
have = {s["name"]: s for s in svcs}
for n in sorted(set(want_svc) | set(have)):
    if n not in have:
        bad.append("Service %s: missing" % n); continue
    if n not in want_svc:
        bad.append("Service %s: listed, the directory does not ask for it" % n); continue
    s, m = have[n], want_svc[n]
    if s.get("type") != m[2]:
        bad.append("Service %s: type %s, the file says %s" % (n, s.get("type"), m[2]))
    if s.get("problem"):
        bad.append("Service %s: problem %s" % (n, s["problem"]))
    port = (s.get("ports") or [{}])[0]
    eps = sorted(e["ip"] for e in port.get("endpoints") or [])
    sel = sorted(p["podIP"] for p in pods if p["status"] == "Running" and p.get("podIP") and (p.get("labels") or {}).get("app") == m[3])
    if eps != sel:
        bad.append("Service %s: endpoints %s, the Running pods with app=%s are %s" % (n, eps, m[3], sel))
    if m[2] == "NodePort" and not port.get("nodePort"):
        bad.append("Service %s: NodePort without a node port" % n)
    if m[2] == "ClusterIP" and port.get("nodePort"):
        bad.append("Service %s: ClusterIP with node port %s" % (n, port.get("nodePort")))
nat = os.environ.get("NAT", "")
cips = [s.get("clusterIP") for s in svcs if s.get("clusterIP")]
nps = [str(p.get("nodePort")) for s in svcs for p in s.get("ports") or [] if p.get("nodePort")]
for what, l in (("cluster IP", cips), ("node port", nps)):
    for x in set(l):
        if l.count(x) > 1:
            bad.append("%s %s is given to %d Services" % (what, x, l.count(x)))
# A port with endpoints has its nat rules (the cluster IP, the node port);
# one without has a REJECT for each in the filter table (kube-proxy does
# the same), and no nat rule.
nat_l = nat.splitlines()
rej_l = [l for l in os.environ.get("FILTER", "").splitlines() if "-j REJECT" in l]
def rule(lines, *words):
    return any(all(w in l for w in words) for l in lines)
for s in svcs:
    for p in s.get("ports") or []:
        sp = "Service %s port %s" % (s.get("name"), p.get("port"))
        has_eps = bool(p.get("endpoints"))
        keys = []
        if s.get("clusterIP"):
            keys.append(("cluster IP %s" % s["clusterIP"], (" -d %s/32 " % s["clusterIP"], "--dport %s " % p.get("port"))))
        if p.get("nodePort"):
            keys.append(("node port %s" % p["nodePort"], ("--dport %s " % p["nodePort"],)))
        for what, words in keys:
            if has_eps and not rule(nat_l, *words):
                bad.append("%s: endpoints but no nat rule for %s" % (sp, what))
            if has_eps and rule(rej_l, *words):
                bad.append("%s: endpoints but a REJECT rule for %s" % (sp, what))
            if not has_eps and not rule(rej_l, *words):
                bad.append("%s: no endpoints and no REJECT rule for %s" % (sp, what))
seen = set(l.strip() for l in open(seen_f)) if os.path.exists(seen_f) else set()
seen |= set(cips)
with open(seen_f, "w") as f:
    f.write("".join(ip + "\n" for ip in sorted(seen)))
for ip in sorted(seen - set(cips)):
    if " -d %s/32 " % ip in nat:
        bad.append("a nat rule is left for cluster IP %s, which no Service has" % ip)
    if rule(rej_l, " -d %s/32 " % ip):
        bad.append("a REJECT rule is left for cluster IP %s, which no Service has" % ip)
# ConfigMaps
want_cm = {m[1]: m[2] for m in model if m[0] == "cm"}
have_cm = {c["name"]: (c.get("data") or {}).get("k") for c in cms}
if want_cm != have_cm:
    bad.append("ConfigMaps %s, the directory says %s" % (sorted(have_cm.items()), sorted(want_cm.items())))
# claims
if os.path.exists(pvc_f):
    have_pvc = {c["name"]: (c.get("volume") or c.get("volumeName") or "") for c in get("pvc")}
    for l in open(pvc_f):
        n, vol = l.split()
        if have_pvc.get(n) != vol:
            bad.append("claim %s: bound to '%s', was bound to %s" % (n, have_pvc.get(n), vol))
print("\n".join(bad[:40]))
sys.exit(1 if bad else 0)
PYEOF
}

# leak_counts: everything the daemon could leak, as "NAME=COUNT" words:
# processes in this PID namespace (but the test's own), zombies, mounts in
# the daemon's mount namespace, cgroups under the test's cgroup parent,
# veth links, addresses on the bridge, nat rules, state files (not the
# status directory: it follows the objects a second after a pass, and
# test_statusdir checks it), and the daemon's open fds.
leak_counts() {
	local procs zombies
	read -r procs zombies < <("$PY" -c '
import os
mine, p = set(), os.getpid()
while p > 1:
    mine.add(p)
    p = int(open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()[1])
mine.add(1)
n = z = 0
for d in os.listdir("/proc"):
    if d.isdigit() and int(d) not in mine:
        try:
            st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        n += 1
        z += st == "Z"
print(n, z)')
	echo "processes=$procs zombies=$zombies" \
		"mounts=$(wc -l <"/proc/$DAEMON/mountinfo")" \
		"cgroups=$(find /sys/fs/cgroup -type d -path "*/$CG/*" 2>/dev/null | wc -l)" \
		"veths=$(ip -o link show type veth | wc -l)" \
		"bridge_addrs=$(ip -o addr show dev pv0 2>/dev/null | wc -l)" \
		"nat_rules=$( (iptables-legacy-save -t nat 2>/dev/null || iptables-save -t nat) | grep -c '^-A')" \
		"filter_rules=$( (iptables-legacy-save -t filter 2>/dev/null || iptables-save -t filter) | grep -c '^-A')" \
		"state_files=$(find "$S" -type f -not -path "$S/status/*" | wc -l)" \
		"daemon_fds=$(ls "/proc/$DAEMON/fd" | wc -l)"
}

# leak_detail: what the counters count, for a diagnosis: the processes
# (but the test's own) and the state files.
leak_detail() {
	"$PY" -c '
import os
mine, p = set(), os.getpid()
while p > 1:
    mine.add(p)
    p = int(open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()[1])
mine.add(1)
for d in sorted(os.listdir("/proc"), key=lambda x: (len(x), x)):
    if d.isdigit() and int(d) not in mine:
        try:
            st = open("/proc/%s/stat" % d).read()
            comm = st[st.index("(") + 1:st.rindex(")")]
            if comm in ("diff", "grep", "head", "sed", "cat", "ls", "wc", "find"):
                continue  # the pipeline printing this
            cg = [l.split(":", 2)[2] for l in open("/proc/%s/cgroup" % d).read().split() if l.startswith("4:") or l.startswith("0:")]
            print("process", d, comm, st.rsplit(")", 1)[1].split()[:2], "cgroup", " ".join(cg), "started", st.rsplit(")", 1)[1].split()[19])
        except OSError:
            pass'
	find "$S" -type f -not -path "$S/images/*" -not -path "$S/status/*" | sed 's/^/state file /'
	find /sys/fs/cgroup -type d -path "*/$CG/*" 2>/dev/null | sed 's/^/cgroup /'
}

# leaks_diff BEFORE AFTER: the counters that differ, "name: before -> after".
leaks_diff() {
	local w b
	for w in $2; do
		for b in $1; do
			[ "${b%%=*}" = "${w%%=*}" ] && [ "$b" != "$w" ] && echo "${w%%=*}: ${b#*=} -> ${w#*=}"
		done
	done
}
