#!/bin/bash
# asan: yes
# Deployments and ReplicaSets through the controllers step: a Deployment
# of 4 behind a ClusterIP Service (pods NAME-HASH-xxxxx, Running, all
# endpoints); scaled by editing the file; a template change rolled out
# with maxSurge 1 / maxUnavailable 1 (sampled every 100 ms: never fewer
# than 3 ready, never more than 5); Recreate; the file deleted; a
# standalone ReplicaSet; the examples' hello Deployment; 40 replicas.
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# deploy_yaml NAME REPLICAS GREETING [STRATEGY-YAML]
deploy_yaml() {
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
spec:
  replicas: $2
  selector:
    matchLabels:
      app: $1
${4:-  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 1}
  template:
    metadata:
      labels:
        app: $1
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:test
        command: ["sleep", "100000"]
        env:
        - name: GREETING
          value: "$3"
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: $1
spec:
  selector:
    app: $1
  ports:
  - port: 80
    targetPort: 8080
YAML
}

# pods_of APP: "name status ready/total hash" of the app's pods, sorted.
pods_of() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    l = p.get("labels") or {}
    if l.get("app") == sys.argv[1]:
        print(p["name"], p["status"], "%d/%d" % (p["ready"], p["total"]), l.get("pod-template-hash", "-"))' "$1"
}
# ready_count APP: pods Running with every container ready.
ready_count() {
	pods_of "$1" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }'
}
# wait_pods APP N [HASH] [SECONDS]: exactly N pods, all Running and ready (of HASH).
wait_pods() {
	local i=0 out end=$((SECONDS + 2 * ${4:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		out=$(pods_of "$1")
		if [ "$(echo -n "$out" | grep -c .)" = "$2" ] && [ "$(ready_count "$1")" = "$2" ] \
			&& { [ -z "${3:-}" ] || [ "$(echo -n "$out" | awk -v h="$3" '$4 != h' | grep -c .)" = 0 ]; }; then
			return 0
		fi
		nap $((i++))
	done
	return 1
}
endpoints() { # SVC: how many endpoints
	"$PVQ" get svc "$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(len(json.load(sys.stdin)[0]["ports"][0]["endpoints"]))
except Exception:
    print(0)'
}
hash_of() { pods_of "$1" | awk 'NR == 1 { print $4 }'; }

# --- four replicas, named as Kubernetes names them ------------------------
deploy_yaml web 4 one >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
if wait_pods web 4; then
	ok "a Deployment of 4 runs 4 pods, Running and ready"
else
	fail "pods: $(pods_of web | tr '\n' ';')"; diag "$(tail -20 "$LOG")"
fi
H1=$(hash_of web)
[ "$(pods_of web | awk '{print $1}' | grep -cE "^web-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$")" = 4 ] \
	&& [ "${#H1}" = 10 ] && ok "pods are named web-HASH-xxxxx, with the pod-template-hash label ($H1)" \
	|| fail "names: $(pods_of web | tr '\n' ';')"
NAMES1=$(pods_of web | awk '{print $1}' | sort)
p=$(pods_of web | awk 'NR == 1 {print $1}')
[ "$(pod_json "$p" "p['annotations']['podvisor.io/created-by']")" = deployment/default/web ] \
	&& ok "a pod says which Deployment created it" || fail "no created-by annotation: $(pod_json "$p" "p['annotations']")"
for _ in $(seq 50); do [ "$(endpoints web)" = 4 ] && break; sleep 0.1; done
[ "$(endpoints web)" = 4 ] && ok "the Service has the 4 pods as endpoints" || fail "endpoints: $(endpoints web)"
"$PODVISOR" get deploy 2>&1 | grep -Eq "^web +4/4 +4 +4 +[0-9]+s$" && ok "get deploy: web 4/4 4 4" \
	|| fail "get deploy: $("$PODVISOR" get deploy 2>&1)"
"$PODVISOR" get rs 2>&1 | grep -Eq "^web-$H1 +4 +4 +4 +[0-9]+s$" && ok "get rs: web-$H1 4 4 4" \
	|| fail "get rs: $("$PODVISOR" get rs 2>&1)"

# --- a restarted daemon wants the same pods --------------------------------
uids=$("$PODVISOR" get pods -o internal-json | "$PY" -c 'import json,sys; print(" ".join(sorted(p["uid"] for p in json.load(sys.stdin))))')
stop_daemon TERM && start_daemon && wait_pods web 4 "$H1" \
	&& [ "$(pods_of web | awk '{print $1}' | sort)" = "$NAMES1" ] \
	&& [ "$("$PODVISOR" get pods -o internal-json | "$PY" -c 'import json,sys; print(" ".join(sorted(p["uid"] for p in json.load(sys.stdin))))')" = "$uids" ] \
	&& ok "a restarted daemon adopts the same 4 pods (same names, same uids)" \
	|| fail "after restart: $(pods_of web | tr '\n' ';')"

# --- scale by editing the file ---------------------------------------------
deploy_yaml web 6 one >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_pods web 6 "$H1" && [ -z "$(comm -23 <(echo "$NAMES1") <(pods_of web | awk '{print $1}' | sort))" ] \
	&& ok "replicas 6: two more pods, the first four untouched" || fail "scale up: $(pods_of web | tr '\n' ';')"
deploy_yaml web 2 one >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_pods web 2 "$H1" && [ -z "$(comm -13 <(echo "$NAMES1") <(pods_of web | awk '{print $1}' | sort))" ] \
	&& ok "replicas 2: the higher slots go first" || fail "scale down: $(pods_of web | tr '\n' ';')"
deploy_yaml web 4 one >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_pods web 4 "$H1" && [ "$(pods_of web | awk '{print $1}' | sort)" = "$NAMES1" ] \
	&& ok "replicas 4 again: the same four names" || fail "scale back: $(pods_of web | tr '\n' ';')"

# --- a rolling update: never fewer than 3 ready nor more than 5 ------------
deploy_yaml web 4 two >"$T_TMP/web.yaml"
min=99 max=0 H2=""
drop web.yaml "$T_TMP/web.yaml"
for _ in $(seq 400); do
	out=$(pods_of web)
	n=$(echo "$out" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }')
	[ "$n" -lt "$min" ] && min=$n
	[ "$n" -gt "$max" ] && max=$n
	H2=$(echo "$out" | awk -v h="$H1" '$4 != h && $4 != "-" { print $4; exit }')
	if [ -n "$H2" ] && [ "$(echo "$out" | grep -c .)" = 4 ] && [ "$n" = 4 ] \
		&& [ "$(echo "$out" | awk -v h="$H2" '$4 != h' | grep -c .)" = 0 ]; then
		break
	fi
	sleep 0.1
done
[ -n "$H2" ] && [ "$H2" != "$H1" ] && wait_pods web 4 "$H2" 1 \
	&& ok "the template change rolls out: 4 pods of the new hash $H2" || fail "rollout: $(pods_of web | tr '\n' ';')"
[ "$min" -ge 3 ] && ok "never fewer than 3 ready pods during the rollout (min $min)" || fail "ready fell to $min"
[ "$max" -le 5 ] && ok "never more than 5 ready pods during the rollout (max $max)" || fail "ready rose to $max"
[ "$("$PODVISOR" exec "$(pods_of web | awk 'NR == 1 {print $1}')" -- sh -c 'echo $GREETING')" = two ] \
	&& ok "the new pods have the new environment" || fail "GREETING in the new pods"
for _ in $(seq 50); do [ "$(endpoints web)" = 4 ] && break; sleep 0.1; done
[ "$(endpoints web)" = 4 ] && ok "the Service has the 4 new pods as endpoints" || fail "endpoints after rollout: $(endpoints web)"

# --- Recreate: every old pod goes before a new one starts ------------------
deploy_yaml re 3 one "  strategy:
    type: Recreate" >"$T_TMP/re.yaml"
drop re.yaml "$T_TMP/re.yaml"
wait_pods re 3 && ok "a Recreate Deployment of 3 runs" || fail "recreate: $(pods_of re | tr '\n' ';')"
R1=$(hash_of re)
deploy_yaml re 3 two "  strategy:
    type: Recreate" >"$T_TMP/re.yaml"
drop re.yaml "$T_TMP/re.yaml"
mixed=0
for _ in $(seq 300); do
	out=$(pods_of re)
	[ "$(echo "$out" | awk -v h="$R1" '$4 == h' | grep -c .)" -gt 0 ] \
		&& [ "$(echo "$out" | awk -v h="$R1" '$4 != h && $4 != "-"' | grep -c .)" -gt 0 ] && mixed=1
	[ "$(echo "$out" | awk -v h="$R1" '$4 != h' | grep -c .)" = 3 ] && [ "$(echo "$out" | grep -c .)" = 3 ] && break
	sleep 0.1
done
wait_pods re 3 && [ "$(hash_of re)" != "$R1" ] && ok "Recreate ends with 3 pods of the new template" \
	|| fail "recreate rollout: $(pods_of re | tr '\n' ';')"
[ "$mixed" = 0 ] && ok "Recreate never runs old and new pods together" || fail "old and new pods ran together"

# --- deleting the file deletes its pods ------------------------------------
rm "$M/re.yaml"
for _ in $(seq 100); do [ -z "$(pods_of re)" ] && break; sleep 0.1; done
[ -z "$(pods_of re)" ] && ok "deleting the file stops all its pods" || fail "left: $(pods_of re | tr '\n' ';')"

# --- a standalone ReplicaSet ------------------------------------------------
cat >"$T_TMP/rs.yaml" <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: solo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: solo
  template:
    metadata:
      labels:
        app: solo
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:test
        command: ["sleep", "100000"]
YAML
drop rs.yaml "$T_TMP/rs.yaml"
wait_pods solo 2 && [ "$(pods_of solo | awk '{print $1}' | grep -cE '^solo-[bcdfghjklmnpqrstvwxz2456789]{5}$')" = 2 ] \
	&& ok "a standalone ReplicaSet runs its 2 pods, solo-xxxxx" || fail "rs: $(pods_of solo | tr '\n' ';')"
rm "$M/rs.yaml"

# --- the examples' hello Deployment -----------------------------------------
if [ -f "$(dirname "$0")/../../examples/hello.yaml" ]; then
	sed 's/busybox:stable/busybox:test/' "$(dirname "$0")/../../examples/hello.yaml" >"$T_TMP/hello.yaml"
	drop hello.yaml "$T_TMP/hello.yaml"
	want=$(awk '/kind: Deployment/ {d=1} d && /replicas:/ {print $2; exit}' "$T_TMP/hello.yaml")
	wait_pods hello "$want" && ok "the examples' hello Deployment runs its $want pods" \
		|| fail "hello: $(pods_of hello | tr '\n' ';')"
	rm "$M/hello.yaml"
fi

# --- many: 40 replicas -------------------------------------------------------
deploy_yaml many 40 one "  revisionHistoryLimit: 10" >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_pods many 40 "" 90 && ok "a Deployment of 40 runs 40 pods" || fail "many: $(pods_of many | grep -c .) pods, $(ready_count many) ready"
[ "$(pods_of many | awk '{print $1}' | sort -u | grep -c .)" = 40 ] && ok "40 distinct names" || fail "names not distinct"
deploy_yaml many 40 two "  revisionHistoryLimit: 10" >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
M1=$(hash_of many) minm=99
for _ in $(seq 900); do
	out=$(pods_of many)
	n=$(echo "$out" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }')
	[ "$n" -lt "$minm" ] && minm=$n
	[ "$(echo "$out" | awk -v h="$M1" '$4 != h' | grep -c .)" = 40 ] && [ "$n" = 40 ] && break
	sleep 0.1
done
wait_pods many 40 "" 60 && [ "$(pods_of many | awk '{print $4}' | sort -u)" != "$M1" ] \
	&& [ "$(pods_of many | awk '{print $4}' | sort -u | grep -c .)" = 1 ] \
	&& ok "40 replicas roll to the new template (25%/25% defaults)" || fail "many rollout: $(pods_of many | awk '{print $4}' | sort | uniq -c | tr '\n' ';')"
[ "$minm" -ge 30 ] && ok "never fewer than 30 of 40 ready during the rollout (min $minm)" || fail "ready fell to $minm of 40"
rm "$M/many.yaml" "$M/web.yaml"
for _ in $(seq 200); do [ -z "$(pods_of many)$(pods_of web)" ] && break; sleep 0.1; done
[ -z "$(pods_of many)$(pods_of web)" ] && ok "deleting the files stops all their pods" || fail "left: $(pods_of many | grep -c .) many"

# --- an unreadable revision history is left as it is, never written over ---------
deploy_yaml hist 1 one >"$T_TMP/hist.yaml"
drop hist.yaml "$T_TMP/hist.yaml"
wait_pods hist 1 || fail "hist: $(pods_of hist)"
deploy_yaml hist 1 two >"$T_TMP/hist.yaml"
drop hist.yaml "$T_TMP/hist.yaml"
wait_pods hist 1 "" 30 || fail "hist two: $(pods_of hist)"
for _ in $(seq 50); do grep -q '"two"\|two' "$S/rollouts/default.hist.json" 2>/dev/null && break; sleep 0.1; done
stop_daemon TERM >/dev/null
printf '{"revisions": [' >"$S/rollouts/default.hist.json"
cp "$S/rollouts/default.hist.json" "$T_TMP/hist.corrupt"
start_daemon || fail "daemon restart"
for _ in $(seq 100); do
	"$PODVISOR" get events deployment/default/hist 2>/dev/null | grep -q HistoryNotRead && break
	sleep 0.1
done
"$PODVISOR" get events deployment/default/hist 2>&1 | grep -q "Warning.*HistoryNotRead.*not written until it is repaired" \
	&& ok "an unreadable revision history: a HistoryNotRead warning on the Deployment" \
	|| fail "no HistoryNotRead: $("$PODVISOR" get events deployment/default/hist 2>&1)"
H3=$(hash_of hist)
deploy_yaml hist 1 three >"$T_TMP/hist.yaml"
drop hist.yaml "$T_TMP/hist.yaml"
for _ in $(seq 300); do [ -n "$(hash_of hist)" ] && [ "$(hash_of hist)" != "$H3" ] && break; sleep 0.1; done
wait_pods hist 1 "" 30 && [ "$(hash_of hist)" != "$H3" ] && cmp -s "$S/rollouts/default.hist.json" "$T_TMP/hist.corrupt" \
	&& ok "a later rollout leaves the unreadable file as it was" || fail "hist file: $(head -c 200 "$S/rollouts/default.hist.json")"
rm -f "$M/hist.yaml"

# A Deployment deleted while the daemon is down: its revision history
# goes at the next start (the others' stay).
for n in gone stay; do deploy_yaml "$n" 1 one >"$T_TMP/$n.yaml"; drop "$n.yaml" "$T_TMP/$n.yaml"; done
wait_for 30 "[ -f '$S/rollouts/default.gone.json' ] && [ -f '$S/rollouts/default.stay.json' ]" || fail "no history files: $(ls "$S/rollouts")"
stop_daemon TERM >/dev/null
rm -f "$M/gone.yaml"
start_daemon || fail "daemon restart"
wait_for 30 "[ ! -e '$S/rollouts/default.gone.json' ]" && [ -f "$S/rollouts/default.stay.json" ] \
	&& ok "the history of a Deployment deleted while the daemon was down is removed at start; the others stay" \
	|| fail "rollouts: $(ls "$S/rollouts")"
rm -f "$M/stay.yaml"

grep -E "ERROR|runtime error|AddressSanitizer" "$LOG" | head -5 | while read -r l; do diag "$l"; done
! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
stop_daemon TERM
done_testing
