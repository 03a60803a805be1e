#!/bin/bash
# Faults on a running node, each giving a clear status and event while
# the daemon keeps serving the rest, and each healed without a restart
# of the daemon once it is gone: the pod bridge deleted by hand (made
# again, 20 pods' veths attached again: NodePort, node-to-pod and
# pod-to-pod traffic answer again), the nat table flushed, the state
# disk full (a pod shows FailedCreatePodSandBox, then runs once space is
# freed), a fork bomb stopped at the node's pids limit per pod while
# another pod serves, a hostPath that vanishes and comes back, an image
# missing or broken in the store (re-imported: the pod starts), the
# spawner unable to fork a shim (the container's StartError says so; it
# runs once the limit is lifted) or killed (pods start by exec).
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

ip link set lo up
# The pods' state on a small disk of its own, to fill (images stay beside).
mkdir -p "$S/pods" && mount -t tmpfs -o size=16m tmpfs "$S/pods"
H=$T_TMP/host
mkdir -p "$H/data" && echo first >"$H/data/f"
PIDS=64
start_daemon --host-path-allow "$H" --pod-pids-limit "$PIDS" \
	|| { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# within SECONDS EXPR: until the bash expression EXPR holds (0), or 1
# after SECONDS of wall time (EXPR may itself take seconds).
within() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do eval "$2" && return 0; sleep 0.2; done
	return 1
}

st() { pod_json "$1" "p['status']"; }
# wmsg POD: the waiting message of its first container
wmsg() { pod_json "$1" "p['containers'][0]['state'].get('waiting', {}).get('message', '')"; }

# events OBJECT: "REASON MESSAGE" lines of OBJECT's events.
events() {
	"$PVQ" get events "$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["reason"], e["message"])
except Exception:
    pass'
}

# ---- the bridge deleted by hand, 20 pods on it ----
N=20
for i in $(seq 0 $((N - 1))); do
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: w-$i, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: httpd, image: "busybox:test", command: [httpd, -f, -p, "8080", -h, /etc]}
---
YAML
done >"$T_TMP/web.yaml"
cat >>"$T_TMP/web.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: v1
kind: Pod
metadata: {name: cli}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: "busybox:test", command: [sleep, "1000"]}
YAML
drop web.yaml "$T_TMP/web.yaml"
up=0
for i in $(seq 0 $((N - 1))) cli; do
	p=w-$i; [ "$i" = cli ] && p=cli
	wait_status "$p" Running 60 && up=$((up + 1))
done
[ "$up" = $((N + 1)) ] && ok "$N web pods and a client Running" || fail "only $up of $((N + 1)) pods Running: $("$PODVISOR" get pods)"
NODE_NAME=$(pod_json w-0 "p['node']")

# answers: how many of the web pods answer HTTP by their own address
answers() {
	local i n=0 ip
	for i in $(seq 0 $((N - 1))); do
		ip=$(pod_json "w-$i" "p['podIP']")
		[ "$(curl -s --max-time 2 "http://$ip:8080/hostname")" = "w-$i" ] && n=$((n + 1))
	done
	echo $n
}
nodeport() { curl -s --max-time 2 http://127.0.0.1:30080/hostname | grep -c '^w-'; }
within 20 '[ "$(nodeport)" = 1 ]' && ok "the NodePort answers" || fail "NodePort before the fault"
[ "$(answers)" = "$N" ] && ok "all $N pods answer by their address" || fail "before the fault: $(answers) of $N answer"

ip link del pv0
wait_for 20 'events "node/$NODE_NAME" | grep -q "^BridgeLost .*deleted"' \
	&& ok "a deleted bridge is a Warning event on the node: $(events "node/$NODE_NAME" | grep BridgeLost | tail -1)" \
	|| fail "no BridgeLost event: $(events "node/$NODE_NAME")"
wait_for 10 'ip link show pv0 >/dev/null 2>&1' && ip -4 addr show pv0 | grep -q 'inet 10.88.0.1/16' \
	&& [ "$(ip link show pv0 | awk '/link\/ether/ {print $2}')" = 0a:58:0a:58:00:01 ] \
	&& ok "the bridge is made again, with its address and MAC" || fail "bridge: $(ip addr show pv0 2>&1)"
attached=$(ip -o link show master pv0 2>/dev/null | grep -c 'pv0a58')
[ "$attached" = $((N + 1)) ] && ok "every pod's veth is attached again ($attached)" || fail "$attached veths on pv0: $(ip -o link show master pv0)"
within 20 '[ "$(nodeport)" = 1 ]' && ok "the NodePort answers again after the bridge was deleted" || fail "NodePort after ip link del pv0"
r=$(answers)
[ "$r" = "$N" ] && ok "all $N pods answer by their address again" || fail "after the fault: $r of $N answer"
ip=$(pod_json w-7 "p['podIP']")
r=$("$PODVISOR" exec cli -- timeout 5 wget -qO- "http://$ip:8080/hostname" 2>&1)
[ "$r" = w-7 ] && ok "pod-to-pod HTTP works again" || fail "cli -> w-7: $r"
"$PODVISOR" exec cli -- ping -c 1 -W 3 "$ip" >/dev/null 2>&1 && ok "pod-to-pod ping works again" || fail "ping cli -> w-7"
events pod/default/w-3 | grep -q "^NetworkNotReady .*unreachable" \
	&& ok "each pod cut off says so in an event" || fail "w-3 events: $(events pod/default/w-3)"

# taken down, its address removed: put right the same way
ip link set pv0 down
within 20 'events "node/$NODE_NAME" | grep -q "^BridgeLost .*taken down"' && within 20 '[ "$(nodeport)" = 1 ]' \
	&& ok "the bridge taken down is brought up again, the NodePort answers" || fail "after ip link set pv0 down: $(ip link show pv0)"
ip addr flush dev pv0
within 20 'events "node/$NODE_NAME" | grep -q "^BridgeLost .*lost its address"' && within 20 '[ "$(nodeport)" = 1 ]' \
	&& ip -4 addr show pv0 | grep -q 'inet 10.88.0.1/16' \
	&& ok "the bridge's address flushed is put back, the NodePort answers" || fail "after ip addr flush dev pv0: $(ip addr show pv0)"

# the bridge's name taken by a link that is no bridge: the pods cannot be
# attached and each says it is unreachable; that link gone, all heal
ip link add pvx type veth peer name pvy
for _ in $(seq 50); do ip link set pvx name pv0 2>/dev/null && break; ip link del pv0 2>/dev/null; done
within 20 'events pod/default/w-5 | grep -q "^NetworkNotReady .*is unreachable$"' \
	&& ok "a bridge that cannot be made whole: each pod says it is unreachable ($(events pod/default/w-5 | grep 'is unreachable$' | tail -1))" \
	|| fail "w-5 events: $(events pod/default/w-5)"
"$PODVISOR" get pods >/dev/null && ok "get pods answers meanwhile" || fail "get pods with a veth as pv0"
ip link del pv0
within 20 '[ "$(ip -o link show master pv0 2>/dev/null | grep -c pv0a58)" = $((N + 1)) ]' && within 20 '[ "$(nodeport)" = 1 ]' \
	&& ok "that link gone, the bridge is made and every pod attached again" || fail "after the veth pv0: $(ip -o link show master pv0 2>&1 | wc -l) attached"
r=$("$PODVISOR" exec cli -- timeout 5 wget -qO- http://web:80/hostname 2>&1)
case "$r" in w-*) ok "a pod reaches the Service by name again (cluster DNS on the bridge address)" ;; *) fail "cli -> http://web: $r" ;; esac

# ---- the nat table flushed ----
iptables-legacy -t nat -F && iptables-legacy -t nat -X 2>/dev/null
within 20 '[ "$(nodeport)" = 1 ]' && ok "the NodePort answers again after the nat table is flushed" \
	|| fail "NodePort after iptables -t nat -F: $(iptables-legacy-save -t nat | head -20)"

# ---- the state disk full ----
dd if=/dev/zero of="$S/pods/filler" bs=64k 2>/dev/null # until no space is left
pod_yaml late Always sleep 1000 >"$T_TMP/late.yaml"
drop late.yaml "$T_TMP/late.yaml"
# many: 20 more in one file, all failing, all started once space is back
for i in $(seq 0 19); do pod_yaml "late-$i" Always sleep 1000; echo ---; done >"$T_TMP/lates.yaml"
drop lates.yaml "$T_TMP/lates.yaml"
within 20 '[ "$(st late)" = FailedCreatePodSandBox ]' \
	&& pod_json late "p['message']" | grep -q "No space left on device" \
	&& ok "a pod that cannot start on a full disk is in get pods: FailedCreatePodSandBox, $(pod_json late "p['message']")" \
	|| fail "late on a full disk: $("$PODVISOR" get pods late 2>&1) $(pod_json late "p.get('message')")"
"$PODVISOR" get pods late | grep -q "^late .*FailedCreatePodSandBox" && ok "get pods shows the reason" || fail "get pods late: $("$PODVISOR" get pods late 2>&1)"
events pod/default/late | grep -q "^FailedCreatePodSandBox .*No space left on device" \
	&& ok "and an event says why" || fail "late events: $(events pod/default/late)"
[ "$(curl -s --max-time 5 "http://$(pod_json w-2 "p['podIP']"):8080/hostname")" = w-2 ] \
	&& ok "the other pods keep serving while the disk is full" || fail "w-2 while the disk is full"
failing() { "$PODVISOR" get pods | grep -c '^late-.* FailedCreatePodSandBox '; }
within 20 '[ "$(failing)" = 20 ]' && ok "so are 20 more pods" || fail "$(failing) of 20 more pods FailedCreatePodSandBox"
rm -f "$S/pods/filler"
within 30 '[ "$(st late)" = Running ]' \
	&& ok "once space is freed the pod starts by itself" || fail "late after freeing: $("$PODVISOR" get pods late 2>&1)"
running() { "$PODVISOR" get pods | grep -c '^late-.* Running '; }
within 30 '[ "$(running)" = 20 ]' && ok "and so do the 20 others" || fail "$(running) of 20 more pods Running: $("$PODVISOR" get pods)"

# ---- a hostPath that vanishes under a running pod, and comes back ----
cat >"$T_TMP/hp.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:test
    command: [sh, -c, "while [ -e /d/f ]; do sleep 0.2; done; exit 3"]
    volumeMounts: [{name: d, mountPath: /d}]
  volumes: [{name: d, hostPath: {path: $H/data, type: Directory}}]
YAML
drop hp.yaml "$T_TMP/hp.yaml"
within 30 '[ "$(st hp)" = Running ]' && ok "a pod with a hostPath runs" || fail "hp: $("$PODVISOR" get pods hp 2>&1)"
rm -rf "$H/data"
within 20 '[ "$(st hp)" = CreateContainerConfigError ]' \
	&& wmsg hp | grep -q "$H/data" \
	&& ok "its hostPath gone, the container waits: CreateContainerConfigError, naming the path" \
	|| fail "hp without its path: $("$PODVISOR" get pods hp 2>&1)"
events pod/default/hp | grep -q "^FailedMount .*$H/data" && ok "and a FailedMount event" || fail "hp events: $(events pod/default/hp)"
mkdir -p "$H/data" && echo back >"$H/data/f"
within 30 '[ "$(st hp)" = Running ]' \
	&& ok "the path back, the container starts again by itself" || fail "hp after the path came back: $("$PODVISOR" get pods hp 2>&1)"

# ---- an image missing, a corrupted one refused, a store with a layer gone ----
pod_yaml img Always sleep 1000 | sed 's/^\( *\)image: busybox:test/\1image: busybox:later\n\1imagePullPolicy: Never/' >"$T_TMP/img.yaml"
drop img.yaml "$T_TMP/img.yaml"
within 20 '[ "$(st img)" = ErrImageNeverPull ]' && events pod/default/img | grep -q "^ErrImageNeverPull" \
	&& ok "a missing image: ErrImageNeverPull and an event" || fail "img: $("$PODVISOR" get pods img 2>&1)"
cp -a "$T_TMP/oci" "$T_TMP/bad"
# its manifest changed by a byte (the layers are in the store already: not read again)
blob=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$T_TMP/bad/index.json")
sed -i 's/"schemaVersion":2/"schemaVersion":3/' "$T_TMP/bad/blobs/sha256/$blob"
r=$("$PODVISOR" image import "$T_TMP/bad" busybox:later 2>&1)
[ $? != 0 ] && echo "$r" | grep -qi "digest\|sha256" && ok "a corrupted image is refused at import: $(echo "$r" | tail -1)" || fail "corrupted import: $r"
[ "$(pod_json img "p['status']")" = ErrImageNeverPull ] && ok "and the pod still waits for its image" || fail "img: $("$PODVISOR" get pods img 2>&1)"
"$PODVISOR" image import "$T_TMP/oci" busybox:later >/dev/null 2>&1
within 30 '[ "$(st img)" = Running ]' && ok "the image imported, the pod starts" || fail "img after import: $("$PODVISOR" get pods img 2>&1)"

before=$(ls "$S/images/layers/sha256")
make_deep_oci "$T_TMP/deep" 2 >/dev/null && "$PODVISOR" image import "$T_TMP/deep/oci" deep:1 >/dev/null 2>&1 || fail "import deep:1"
gone=$(ls "$S/images/layers/sha256" | grep -vxF "$before" | head -1)
rm -rf "${S:?}/images/layers/sha256/$gone"
pod_yaml img2 Always sleep 1000 | sed 's/busybox:test/deep:1/' >"$T_TMP/img2.yaml"
drop img2.yaml "$T_TMP/img2.yaml"
within 20 '[ "$(st img2)" = CreateContainerError ]' \
	&& wmsg img2 | grep -q "missing from the store" \
	&& ok "a layer gone from the store: CreateContainerError, $(wmsg img2)" \
	|| fail "img2: $("$PODVISOR" get pods img2 2>&1) $(pod_json img2 "p['containers'][0]['state']")"
events pod/default/img2 | grep -q "missing from the store" && ok "and an event" || fail "img2 events: $(events pod/default/img2)"
"$PODVISOR" image import "$T_TMP/deep/oci" deep:1 >/dev/null 2>&1
within 30 '[ "$(st img2)" = Running ]' && ok "imported again, the pod starts" || fail "img2 after import: $("$PODVISOR" get pods img2 2>&1)"

# ---- a fork bomb stopped at the pids limit per pod ----
cat >"$T_TMP/bomb.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: bomb}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: b
    image: busybox:test
    # awk's system() goes on when a fork fails, as a bomb would
    command:
    - sh
    - -c
    - awk 'BEGIN { for (i = 0; i < 10000; i++) system("sleep 30 &") }'; exec sleep 1000
YAML
drop bomb.yaml "$T_TMP/bomb.yaml"
within 30 '[ -n "$(st bomb)" ]'
BOMB=/sys/fs/cgroup/pids/$CG/pod-$(pod_json bomb "p['uid']")
[ -d "$BOMB" ] || BOMB=/sys/fs/cgroup/$CG/pod-$(pod_json bomb "p['uid']")
# (v1 counts the refusals in the container's cgroup, v2 in the pod's too)
hits() { cat "$BOMB/pids.events" "$BOMB/b/pids.events" 2>/dev/null | awk '/^max/ {n += $2} END {print n + 0}'; }
within 30 '[ "$(hits)" -gt 0 ]' && ok "the fork bomb hit the pod's pids limit ($(hits) forks refused)" \
	|| fail "pids.events: $(cat "$BOMB/pids.events" "$BOMB/b/pids.events" 2>&1)"
[ "$(cat "$BOMB/pids.max")" = "$PIDS" ] && ok "the pod's cgroup has pids.max $PIDS (--pod-pids-limit)" || fail "pids.max: $(cat "$BOMB/pids.max" 2>&1)"
cur=$(cat "$BOMB/pids.current" 2>/dev/null || echo 0)
[ "$cur" -le "$PIDS" ] && ok "the pod holds at most $PIDS processes ($cur)" || fail "pids.current $cur"
"$PODVISOR" get pods >/dev/null && ok "get pods answers during the fork bomb" || fail "get pods during the fork bomb"
[ "$(curl -s --max-time 5 "http://$(pod_json w-1 "p['podIP']"):8080/hostname")" = w-1 ] \
	&& ok "another pod serves HTTP during the fork bomb" || fail "w-1 during the fork bomb"

# ---- the spawner cannot fork: the shim's exit record says why ----
# The daemon does not wait for the spawner's forks of shims: a fork that
# fails must still reach the container's status, through the record the
# spawner leaves. Its pids cgroup full, then lifted.
SPAWNER=$(pgrep -P "$DAEMON" "^podvisor-spawn" | head -1)
SCG=/sys/fs/cgroup/pids/$CG/spawner
[ -d "/sys/fs/cgroup/pids/$CG" ] || SCG=/sys/fs/cgroup/$CG/spawner
mkdir -p "$SCG" && echo "$SPAWNER" >"$SCG/cgroup.procs" && echo 1 >"$SCG/pids.max" \
	&& ok "the spawner (pid $SPAWNER) in a pids cgroup that holds it alone" \
	|| fail "spawner cgroup $SCG: $(cat "$SCG/cgroup.procs" 2>&1)"
cat >"$T_TMP/nofork.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: nofork}
spec:
  containers:
  - {name: c, image: busybox:test, command: [sleep, "1000"]}
YAML
drop nofork.yaml "$T_TMP/nofork.yaml"
lastmsg() { pod_json nofork "p['containers'][0].get('lastState', {}).get('terminated', {}).get('message', '')"; }
within 30 'lastmsg | grep -q "the shim could not be forked"' \
	&& ok "its shim not forked: the container's last state says \"$(lastmsg)\"" \
	|| fail "nofork: $("$PODVISOR" get pods nofork 2>&1) $(pod_json nofork "p['containers'][0]")"
events pod/default/nofork | grep -q "StartError.*the shim could not be forked" && ok "and an event" \
	|| fail "nofork events: $(events pod/default/nofork)"
echo max >"$SCG/pids.max"
within 30 '[ "$(st nofork)" = Running ]' && ok "the spawner's limit lifted, the pod runs" \
	|| fail "nofork after the limit: $("$PODVISOR" get pods nofork 2>&1)"

# ---- the spawner gone: pods start all the same (exec) ----
kill -9 "$SPAWNER"
sed 's/nofork/nospawner/' "$T_TMP/nofork.yaml" >"$T_TMP/nospawner.yaml"
drop nospawner.yaml "$T_TMP/nospawner.yaml"
within 30 '[ "$(st nospawner)" = Running ]' && ok "the spawner killed, a new pod starts and runs" \
	|| fail "nospawner: $("$PODVISOR" get pods nospawner 2>&1) $(tail -5 "$LOG")"
# the daemon's own ignored signals (its SIGPIPE; a background job's
# SIGINT, SIGQUIT) do not reach the container through the exec'd shim
pid=$(pod_json nospawner "p['containers'][0].get('pid', 0)")
sigs=$(awk '$1 == "SigIgn:" || $1 == "SigBlk:" {printf "%s%s;", $1, $2}' "/proc/${pid:-0}/status" 2>&1)
[ "$(awk '$1 == "SigIgn:" {print $2}' "/proc/$DAEMON/status")" != 0000000000000000 ] &&
	[ "$sigs" = "SigBlk:0000000000000000;SigIgn:0000000000000000;" ] &&
	ok "and its container ignores and blocks no signal, though the daemon ignores some" ||
	fail "nospawner signals: main $sigs, daemon $(grep SigIgn "/proc/$DAEMON/status")"

done_testing
