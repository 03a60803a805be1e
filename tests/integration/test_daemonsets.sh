#!/bin/bash
# asan: yes
# DaemonSets through the controllers step: one pod on this node, named
# NAME-xxxxx, with controller-revision-hash and pod-template-generation;
# `get ds` in kubectl's columns; a nodeSelector this node does not match
# runs none (desired 0, an event saying why) until the DaemonSet is edited
# to match; a template change rolls the pod (old gone before the new
# starts; with maxSurge 1 the new is ready before the old goes); OnDelete
# keeps the old pod until it is deleted; a restarted daemon adopts the
# same pod; logs ds/NAME; deleting the file stops it; many: 34 DaemonSets.
. "$(dirname "$0")/lib_pods.sh"

start_daemon --node-name node-a && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# ds_yaml NAME GREETING [SPEC-EXTRA] [POD-SPEC-EXTRA]
ds_yaml() {
	cat <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: $1
spec:
  selector:
    matchLabels:
      app: $1
${3:-}
  template:
    metadata:
      labels:
        app: $1
    spec:
${4:-}
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "echo greeting \$GREETING; trap 'sleep 1; exit 0' TERM; while true; do sleep 0.2; done"]
        env:
        - name: GREETING
          value: "$2"
YAML
}

# pods_of APP: "name status ready/total revision generation" of its pods.
pods_of() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    l = p.get("labels") or {}
    if l.get("app") == sys.argv[1]:
        print(p["name"], p["status"], "%d/%d" % (p["ready"], p["total"]),
              l.get("controller-revision-hash", "-"), l.get("pod-template-generation", "-"))' "$1"
}
# running APP: how many of its pods run with every container ready
running() { pods_of "$1" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }'; }
# wait_one APP [NOT-NAME] [SECONDS]: exactly one pod, Running and ready (not NOT-NAME)
wait_one() {
	local i=0 out end=$((SECONDS + 2 * ${3:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		out=$(pods_of "$1")
		[ "$(echo -n "$out" | grep -c .)" = 1 ] && [ "$(running "$1")" = 1 ] \
			&& [ "$(echo "$out" | awk '{print $1}')" != "${2:-}" ] && return 0
		nap $((i++))
	done
	return 1
}
# ds_events NAME: the reasons of daemonset/default/NAME's events, with their counts
ds_events() {
	"$PVQ" get events "daemonset/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # grep -q may stop reading
for e in json.load(sys.stdin):
    print(e["reason"], e["count"], e["message"])'
}
name_of() { pods_of "$1" | awk 'NR == 1 { print $1 }'; }

# --- one pod on this node -----------------------------------------------------
ds_yaml agent one >"$T_TMP/agent.yaml"
drop agent.yaml "$T_TMP/agent.yaml"
wait_one agent && ok "a DaemonSet runs one pod on this node" || { fail "agent: $(pods_of agent | tr '\n' ';')"; diag "$(tail -20 "$LOG")"; }
A1=$(name_of agent)
[[ "$A1" =~ ^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$ ]] && ok "the pod is named agent-xxxxx ($A1)" || fail "name: $A1"
read -r _ _ _ REV1 GEN1 <<<"$(pods_of agent)"
[ "${#REV1}" = 10 ] && [ "$GEN1" = 1 ] && ok "labels controller-revision-hash=$REV1, pod-template-generation=1" \
	|| fail "labels: $(pods_of agent)"
[ "$(pod_json "$A1" "p['annotations']['podvisor.io/created-by']")" = daemonset/default/agent ] \
	&& ok "the pod says which DaemonSet created it" || fail "annotations: $(pod_json "$A1" "p['annotations']")"
"$PODVISOR" get ds 2>&1 | grep -Eq "^agent +1 +1 +1 +1 +1 +<none> +[0-9]+s$" \
	&& ok "get ds: agent 1 1 1 1 1 <none>" || fail "get ds: $("$PODVISOR" get ds 2>&1)"
"$PODVISOR" get ds 2>&1 | head -1 | grep -Eq "^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE$" \
	&& ok "get ds has kubectl's columns" || fail "header: $("$PODVISOR" get ds 2>&1 | head -1)"
ds_events agent | grep -q "^SuccessfulCreate 1 Created pod: $A1$" && ok "event SuccessfulCreate: Created pod: $A1" \
	|| fail "events: $(ds_events agent | tr '\n' ';')"

# --- a restarted daemon adopts the same pod ----------------------------------
uid=$(pod_json "$A1" "p['uid']")
stop_daemon TERM && start_daemon --node-name node-a && wait_one agent \
	&& [ "$(name_of agent)" = "$A1" ] && [ "$(pod_json "$A1" "p['uid']")" = "$uid" ] \
	&& ok "a restarted daemon adopts the same pod (same name, same uid)" \
	|| fail "after restart: $(pods_of agent | tr '\n' ';')"

# --- a nodeSelector this node does not match: no pod, and why -----------------
ds_yaml picky one "" "      nodeSelector:
        kubernetes.io/hostname: node-b
        kubernetes.io/os: linux" >"$T_TMP/picky.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
for _ in $(seq 100); do ds_events picky | grep -q NodeMismatch && break; sleep 0.1; done
ds_events picky | grep -q "^NodeMismatch 1 no pod on this node (node-a): nodeSelector kubernetes.io/hostname=node-b: this node's label kubernetes.io/hostname is node-a$" \
	&& ok "a DaemonSet whose nodeSelector does not match says why, once" || fail "events: $(ds_events picky | tr '\n' ';')"
[ -z "$(pods_of picky)" ] && ok "... and runs no pod" || fail "picky pods: $(pods_of picky | tr '\n' ';')"
"$PODVISOR" get ds picky 2>&1 | grep -Eq "^picky +0 +0 +0 +0 +0 +kubernetes.io/hostname=node-b,kubernetes.io/os=linux +[0-9]+s$" \
	&& ok "get ds: picky 0 0 0 0 0 kubernetes.io/hostname=node-b,kubernetes.io/os=linux" \
	|| fail "get ds picky: $("$PODVISOR" get ds picky 2>&1)"
ds_yaml picky one "" "      nodeSelector:
        disk: ssd" >"$T_TMP/picky.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
for _ in $(seq 100); do ds_events picky | grep -q "disk=ssd" && break; sleep 0.1; done
ds_events picky | grep -q "nodeSelector disk=ssd: this node has no label disk$" && [ -z "$(pods_of picky)" ] \
	&& ok "a label the node lacks: no pod, and the event names the label" || fail "events: $(ds_events picky | tr '\n' ';')"
ds_yaml picky one "" "      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: kubernetes.io/hostname
                operator: In
                values: [node-a, node-c]" >"$T_TMP/picky.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
wait_one picky && ok "edited to match this node (required node affinity): the pod appears" \
	|| fail "picky: $(pods_of picky | tr '\n' ';')"
ds_yaml picky one "" "      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: kubernetes.io/hostname
                operator: NotIn
                values: [node-a]" >"$T_TMP/picky.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
for _ in $(seq 200); do [ -z "$(pods_of picky)" ] && break; sleep 0.1; done
[ -z "$(pods_of picky)" ] && ds_events picky | grep -q "^SuccessfulDelete 1 Deleted pod: picky-" \
	&& ok "no longer matching: the pod is deleted (SuccessfulDelete)" || fail "picky: $(pods_of picky | tr '\n' ';') $(ds_events picky | tr '\n' ';')"
rm "$M/picky.yaml"

# --- a template change rolls the pod: the old stops before the new starts ----
ds_yaml agent two >"$T_TMP/agent.yaml"
drop agent.yaml "$T_TMP/agent.yaml"
both=0
for _ in $(seq 300); do
	out=$(pods_of agent)
	[ "$(echo "$out" | grep -c .)" -gt 1 ] && both=1 # a Terminating one counts
	[ "$(echo "$out" | awk '{print $1}')" != "$A1" ] && [ "$(running agent)" = 1 ] && [ "$(echo "$out" | grep -c .)" = 1 ] && break
	sleep 0.1
done
A2=$(name_of agent)
read -r _ _ _ REV2 GEN2 <<<"$(pods_of agent)"
wait_one agent "$A1" && [ "$REV2" != "$REV1" ] && [ "$GEN2" = 2 ] \
	&& ok "the template change rolls the pod: $A2, a new revision, generation 2" || fail "roll: $(pods_of agent | tr '\n' ';')"
[ "$both" = 0 ] && ok "maxSurge 0: the new pod starts only once the old one is gone" || fail "two agent pods at once"
[ "$("$PODVISOR" exec "$A2" -- sh -c 'echo $GREETING')" = two ] && ok "the new pod has the new environment" \
	|| fail "GREETING in $A2"
ds_events agent | grep -q "^SuccessfulDelete 1 Deleted pod: $A1$" && ds_events agent | grep -q "^SuccessfulCreate 1 Created pod: $A2$" \
	&& ok "events SuccessfulDelete $A1, SuccessfulCreate $A2" || fail "events: $(ds_events agent | tr '\n' ';')"

# --- maxSurge 1: the new pod is ready before the old one goes ------------------
SURGE="  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0"
ds_yaml agent three "$SURGE" >"$T_TMP/agent.yaml"
drop agent.yaml "$T_TMP/agent.yaml"
minr=9 maxn=0
for _ in $(seq 300); do
	out=$(pods_of agent)
	n=$(running agent)
	[ "$n" -lt "$minr" ] && minr=$n
	c=$(echo "$out" | grep -c .)
	[ "$c" -gt "$maxn" ] && maxn=$c
	[ "$(echo "$out" | awk '{print $1}')" != "$A2" ] && [ "$n" = 1 ] && [ "$(echo "$out" | grep -c .)" = 1 ] && break
	sleep 0.1
done
wait_one agent "$A2" && [ "$(pods_of agent | awk '{print $5}')" = 3 ] \
	&& ok "maxSurge 1 rolls the pod too (generation 3)" || fail "surge roll: $(pods_of agent | tr '\n' ';')"
[ "$minr" -ge 1 ] && ok "maxSurge 1: a ready pod all along (min $minr)" || fail "no ready pod at some point"
[ "$maxn" = 2 ] && ok "maxSurge 1: the new pod came beside the old one" || fail "never two pods (max $maxn)"
A3=$(name_of agent)

# --- OnDelete: the old pod stays until it is deleted --------------------------
ONDEL="  updateStrategy:
    type: OnDelete"
ds_yaml agent three "$ONDEL" >"$T_TMP/agent.yaml"
drop agent.yaml "$T_TMP/agent.yaml"
ds_yaml agent four "$ONDEL" >"$T_TMP/agent.yaml"
before=$(file_seen agent.yaml)
drop agent.yaml "$T_TMP/agent.yaml"
wait_read agent.yaml "$before" Updated && for _ in $(seq 30); do
	"$PODVISOR" get ds agent 2>&1 | grep -Eq "^agent +1 +1 +1 +0 +1 " && break; sleep 0.1; done
"$PODVISOR" get ds agent 2>&1 | grep -Eq "^agent +1 +1 +1 +0 +1 " && [ "$(name_of agent)" = "$A3" ] \
	&& ok "OnDelete: the template changed, the old pod stays (UP-TO-DATE 0)" || fail "ondelete: $(pods_of agent | tr '\n' ';') $("$PODVISOR" get ds agent 2>&1)"
"$PODVISOR" delete pod "$A3" >"$T_TMP/del.out" 2>&1
wait_one agent "$A3" && [ "$("$PODVISOR" exec "$(name_of agent)" -- sh -c 'echo $GREETING')" = four ] \
	&& ok "OnDelete: once deleted, the pod of the new template replaces it" || fail "ondelete replace: $(pods_of agent | tr '\n' ';') $(cat "$T_TMP/del.out")"

out=$("$PODVISOR" logs ds/agent 2>"$T_TMP/logs.err")
[ "$out" = "greeting four" ] && [ ! -s "$T_TMP/logs.err" ] \
	&& ok "logs ds/agent: its one pod's log" || fail "logs ds/agent: $out $(cat "$T_TMP/logs.err")"

# --- deleting the file stops the pod -------------------------------------------
rm "$M/agent.yaml"
for _ in $(seq 100); do [ -z "$(pods_of agent)" ] && break; sleep 0.1; done
[ -z "$(pods_of agent)" ] && ok "deleting the file stops the pod" || fail "left: $(pods_of agent | tr '\n' ';')"

# --- many: 34 DaemonSets, one pod each ------------------------------------------
for i in $(seq 34); do ds_yaml "many-$i" one; echo "---"; done >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
for _ in $(seq 600); do
	[ "$("$PODVISOR" get ds 2>/dev/null | grep -cE '^many-[0-9]+ +1 +1 +1 +1 +1 ')" = 34 ] && break
	sleep 0.1
done
[ "$("$PODVISOR" get ds 2>/dev/null | grep -cE '^many-[0-9]+ +1 +1 +1 +1 +1 ')" = 34 ] \
	&& [ "$("$PODVISOR" get pods 2>/dev/null | grep -cE '^many-[0-9]+-[a-z0-9]{5} +1/1 +Running ')" = 34 ] \
	&& ok "34 DaemonSets run a pod each" || fail "many: $("$PODVISOR" get ds 2>&1 | grep -c ' 1 +1 +1 +1 +1 ') ready"
rm "$M/many.yaml"
for _ in $(seq 300); do [ "$("$PODVISOR" get pods 2>/dev/null | grep -c '^many-')" = 0 ] && break; sleep 0.1; done
[ "$("$PODVISOR" get pods 2>/dev/null | grep -c '^many-')" = 0 ] && ok "and all 34 stop with their file" || fail "many left"

! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
stop_daemon TERM
done_testing
