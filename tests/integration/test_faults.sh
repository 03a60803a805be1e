#!/bin/bash
# Faults on a running node, each giving a clear status and event while
# the daemon keeps serving the rest, and each healed without a restart
# of the daemon once it is gone: the pod bridge deleted by hand (made
# again, 20 pods' veths attached again: NodePort, node-to-pod and
# pod-to-pod traffic answer again), the nat table flushed, the state
# disk full (a pod shows FailedCreatePodSandBox, then runs once space is
# freed), a fork bomb stopped at the node's pids limit per pod while
# another pod serves, a hostPath that vanishes and comes back, an image
# missing or broken in the store (re-imported: the pod starts).
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

# events OBJECT: "REASON MESSAGE" lines of OBJECT's events.
events() {
	"$PODVISOR" get events "$1" -o json 2>/dev/null | "$PY" -c '
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

# ---- the nat table flushed ----
iptables-legacy -t nat -F && iptables-legacy -t nat -X 2>/dev/null
within 20 '[ "$(nodeport)" = 1 ]' && ok "the NodePort answers again after the nat table is flushed" \
	|| fail "NodePort after iptables -t nat -F: $(iptables-legacy-save -t nat | head -20)"

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
within 30 '[ -n "$(pod_json bomb "p['uid']")" ]'
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

done_testing
