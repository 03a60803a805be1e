#!/bin/bash
# asan: yes
# long: yes
# StatefulSets, the Kubernetes walk-through: `web` of 2 behind the
# headless Service `nginx`, claim template `www` (the default
# StorageClass, local-path): pods start in order (web-1 only once web-0
# is Ready), named web-N with hostname web-N and DNS name web-N.nginx;
# `get pvc -l app=nginx` lists www-web-0/1 Bound; each pod serves its own
# claim's data; after `delete pod -l app=nginx` both come back with the
# same data; scaled to 3 and down to 1 (highest ordinal first) the claims
# stay Bound; a daemon restart keeps pods and claims; a restart with a
# corrupt STATE/statefulsets.json warns how to repair it and deletes no
# volume (the claims kept after the scale down survive); a RollingUpdate with
# a partition (web-0 deleted below it comes back at the old revision);
# RollingUpdate with maxUnavailable 2 over 4 pods (2 replaced at once,
# never 3, sampled every 100 ms); the StatefulSet deleted: its claims
# retained; a claim manifest of the same name takes one over, and removing
# it deletes the claim and its volume. Many: 20 replicas, Parallel, persistentVolumeClaimRetentionPolicy
# Delete, updated with maxUnavailable 25% (never more than 5 at once), then
# scaled to 17 and deleted. A Pod named as a StatefulSet's pod keeps the
# name (FailedCreate for the StatefulSet's), with no recreating back and forth.
. "$(dirname "$0")/lib_pods.sh"

LP=$T_TMP/local-path
# --claim-grace 1000: a missing claim keeps its volume 1 s, not 5
start() { start_daemon --local-path-root "$LP" --claim-grace 1000; }
start && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

cat >"$T_TMP/base.yaml" <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-path
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: podvisor.io/local-path
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: instant}
provisioner: podvisor.io/local-path
---
apiVersion: v1
kind: Service
metadata: {name: nginx, labels: {app: nginx}}
spec:
  clusterIP: None
  selector: {app: nginx}
  ports: [{port: 80, name: web}]
---
apiVersion: v1
kind: Pod
metadata: {name: cli}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: "busybox:test", command: [sleep, "100000"]}
YAML

# sts_yaml NAME REPLICAS [GREETING] [EXTRA SPEC YAML]: the walk-through's
# StatefulSet (busybox httpd for nginx), ready a second after it starts.
sts_yaml() {
	cat <<YAML
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: $1}
spec:
  serviceName: nginx
  replicas: $2
  selector:
    matchLabels: {app: $1}
${4:-}
  template:
    metadata:
      labels: {app: $1}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: nginx
        image: busybox:test
        command: [httpd, -f, -p, "80", -h, /usr/share/nginx/html]
        env: [{name: GREETING, value: "${3:-one}"}]
        ports: [{containerPort: 80, name: web}]
        readinessProbe:
          tcpSocket: {port: 80}
          initialDelaySeconds: 1
          periodSeconds: 1
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
YAML
}
# The nginx Service selects app=nginx: the StatefulSet is named nginx's app.
web_yaml() { sts_yaml web "$@" | sed 's/app: web/app: nginx/'; }

# pods_of PREFIX: "name status ready/total revision uid" of pods PREFIX-N.
pods_of() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, re, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    if re.fullmatch(sys.argv[1] + r"-[0-9]+", p["name"]):
        l = p.get("labels") or {}
        print(p["name"], p["status"], "%d/%d" % (p["ready"], p["total"]),
              l.get("controller-revision-hash", "-"), p["uid"])' "$1"
}
ready_names() { pods_of "$1" | awk '$2 == "Running" && $3 == "1/1" { print $1 }' | tr '\n' ' '; }
# wait_ready PREFIX "NAMES" [SECONDS]: exactly these pods, all ready.
wait_ready() {
	local i=0 end=$((SECONDS + 2 * ${3:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(ready_names "$1")" = "$2" ] && [ "$(pods_of "$1" | awk '{print $1}' | tr '\n' ' ')" = "$2" ] && return 0
		nap $((i++))
	done
	return 1
}
# claims SELECTOR: "name status" of `get pvc -l SELECTOR`, one line each.
claims() { "$PODVISOR" get pvc -l "$1" 2>/dev/null | awk 'NR > 1 { print $1, $2 }' | tr '\n' ';'; }
wait_claims() { # SELECTOR WANT [SECONDS]
	local i=0 end=$((SECONDS + 2 * ${3:-20} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(claims "$1")" = "$2" ] && return 0
		nap $((i++))
	done
	return 1
}
sts_events() { # NAME: "REASON MESSAGE" of the StatefulSet's events, oldest first
	"$PVQ" get events "statefulset/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["reason"], e["message"], "x%d" % e["count"])'
}
# serves I WANT: web-I.nginx answers WANT, within 90 s (a pod made again
# may be given its old address, which the node and the client reach only
# once their stale neighbour entries expire).
serves() {
	local i
	for i in $(seq 90); do
		r=$("$PODVISOR" exec cli -- timeout 3 wget -qO- "http://web-$1.nginx/" 2>&1)
		[ "$r" = "$2" ] && return 0
		sleep 1
	done
	return 1
}
# Proof that storage has had its grace for a missing claim (1 s: --claim-grace) and
# acted, before checking that the StatefulSet's claims were NOT released:
# a control claim of a file, bound at once (class instant), is removed
# with the change under test; its volume is deleted once the grace ends.
control_add() { # NAME
	printf 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: %s}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: instant\n  resources: {requests: {storage: 1Mi}}\n' "$1" >"$T_TMP/$1.yaml"
	drop "$1.yaml" "$T_TMP/$1.yaml"
	wait_claims "!app" "$1 Bound;" && CONTROL_VOL=$("$PODVISOR" get pvc "$1" 2>/dev/null | awk 'NR == 2 {print $3}')
}
control_gone() { # NAME: remove it, and wait until its volume is deleted
	local i
	rm "$M/$1.yaml"
	for i in $(seq 300); do
		[ -n "$CONTROL_VOL" ] && ! "$PODVISOR" get pv 2>/dev/null | grep -q "^$CONTROL_VOL " && return 0
		sleep 0.1
	done
	return 1
}

# --- the walk-through: pods in order --------------------------------------
drop base.yaml "$T_TMP/base.yaml"
wait_status cli Running 30 || fail "the client pod: $(pod_json cli "p['status']")"
web_yaml 2 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
order_ok=1 seen0=0
for _ in $(seq 300); do
	out=$(pods_of web)
	# web-1 exists only once web-0 is Running and Ready
	if [ "$order_ok" = 1 ] && echo "$out" | grep -q '^web-1 ' && ! echo "$out" | grep -q '^web-0 Running 1/1 '; then
		order_ok=0 bad="$out"
	fi
	echo "$out" | grep -q '^web-0 ' && seen0=1
	[ "$(ready_names web)" = "web-0 web-1 " ] && break
	sleep 0.1
done
[ "$(ready_names web)" = "web-0 web-1 " ] && ok "StatefulSet web runs web-0 and web-1, Running and Ready" \
	|| { fail "pods: $(pods_of web | tr '\n' ';')"; diag "$(tail -20 "$LOG")"; }
[ "$order_ok" = 1 ] && [ "$seen0" = 1 ] && ok "OrderedReady: web-1 was not created before web-0 was Ready (sampled every 100 ms)" \
	|| { fail "ordering"; diag "web-1 before web-0 was Ready: $(echo "${bad:-}" | tr '\n' ';')"; }
ev=$(sts_events web)
[ "$(echo "$ev" | grep 'SuccessfulCreate create Pod' | awk '{print $4}' | tr '\n' ' ')" = "web-0 web-1 " ] \
	&& echo "$ev" | grep -qx "SuccessfulCreate create Pod web-0 in StatefulSet web successful x1" \
	&& echo "$ev" | grep -qx "SuccessfulCreate create Pod web-1 in StatefulSet web successful x1" \
	&& echo "$ev" | grep -qx "SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success x1" \
	&& ok "events, once each: create Claim www-web-0 Pod web-0, create Pod web-0, then web-1" \
	|| { fail "events"; diag "$ev"; }
"$PODVISOR" get sts 2>&1 | grep -Eq "^web +2/2 +[0-9]+s$" && ok "get sts: web 2/2" || fail "get sts: $("$PODVISOR" get sts 2>&1)"
"$PODVISOR" describe sts web 2>&1 | grep -q "SuccessfulCreate.*create Pod web-1 in StatefulSet web successful" \
	&& ok "describe sts web: its events" || { fail "describe sts"; diag "$("$PODVISOR" describe sts web 2>&1)"; }
[ "$(pod_json web-1 "p['labels']['statefulset.kubernetes.io/pod-name'], p['labels']['apps.kubernetes.io/pod-index'], p['labels']['controller-revision-hash'].startswith('web-')")" = "('web-1', '1', True)" ] \
	&& ok "a pod's labels: pod-name web-1, pod-index 1, controller-revision-hash web-HASH" \
	|| fail "labels: $(pod_json web-1 "p['labels']")"
[ "$("$PODVISOR" exec web-1 -- hostname)" = web-1 ] && ok "web-1's hostname is web-1" || fail "hostname: $("$PODVISOR" exec web-1 -- hostname 2>&1)"

# --- claims: made by the controller, from the default StorageClass ---------
wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;" \
	&& ok "get pvc -l app=nginx: www-web-0 and www-web-1 Bound" || fail "get pvc -l app=nginx: $(claims app=nginx)"
"$PODVISOR" get pvc -l 'app in (nginx),!missing' 2>/dev/null | grep -q "^www-web-1 .*local-path" \
	&& ok "get pvc -l with a set-based selector; the claim has the default class local-path" \
	|| fail "set-based: $("$PODVISOR" get pvc -l 'app in (nginx),!missing' 2>&1)"
[ "$("$PODVISOR" get pvc -l app=other 2>&1)" = "No resources found in default namespace." ] \
	&& ok "get pvc -l app=other: none" || fail "app=other: $("$PODVISOR" get pvc -l app=other 2>&1)"
[ "$("$PODVISOR" get pods -l 'statefulset.kubernetes.io/pod-name=web-0' 2>/dev/null | awk 'NR > 1 {print $1}')" = web-0 ] \
	&& ok "get pods -l statefulset.kubernetes.io/pod-name=web-0: web-0" || fail "get pods -l"
expect_rc 1 "get pods -l 'app in nginx': refused as kubectl does" "$PODVISOR" get pods -l 'app in nginx'

# --- each pod serves its own claim's data, by its DNS name -----------------
for i in 0 1; do
	"$PODVISOR" exec web-$i -- sh -c 'echo hello $(hostname) > /usr/share/nginx/html/index.html'
done
r=$("$PODVISOR" exec cli -- nslookup web-0.nginx.default.svc.cluster.local 2>&1)
echo "$r" | grep -q "$(pod_json web-0 "p['podIP']")" && ok "web-0.nginx.default.svc.cluster.local resolves to web-0's address" \
	|| { fail "nslookup web-0.nginx"; diag "$r"; }
for i in 0 1; do
	r=$("$PODVISOR" exec cli -- wget -qO- "http://web-$i.nginx/" 2>&1)
	[ "$r" = "hello web-$i" ] && ok "web-$i.nginx serves 'hello web-$i'" || fail "web-$i.nginx: '$r'"
done

# --- deleted pods come back with their data ------------------------------
uids=$(pods_of web | awk '{print $5}' | tr '\n' ' ')
"$PODVISOR" delete pod -l app=nginx >/dev/null && ok "delete pod -l app=nginx" || fail "delete pod -l app=nginx"
new_uids() { # none of the old uids left, and both ready
	[ "$(ready_names web)" = "web-0 web-1 " ] || return 1
	for u in $uids; do pods_of web | grep -q " $u$" && return 1; done
	return 0
}
for _ in $(seq 900); do new_uids && break; sleep 0.1; done
new_uids && ok "both deleted: a new web-0 and web-1 run" || fail "after delete: $(pods_of web | tr '\n' ';')"
serves 0 "hello web-0" && serves 1 "hello web-1" \
	&& ok "the new pods serve the same data ('hello web-0', 'hello web-1')" || fail "new pods: '$r'"

# --- scale to 3 and down to 1: the claims stay -----------------------------
web_yaml 3 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_ready web "web-0 web-1 web-2 " 90 && wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" \
	&& ok "replicas 3: web-2 and its claim www-web-2" || fail "scale up: $(pods_of web | tr '\n' ';') $(claims app=nginx)"
vols=$("$PODVISOR" get pvc -l app=nginx 2>/dev/null | awk 'NR > 1 { print $1, $3 }')
web_yaml 1 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_ready web "web-0 " && ok "replicas 1: web-2 and web-1 go, web-0 stays" || fail "scale down: $(pods_of web | tr '\n' ';')"
ev=$(sts_events web | grep "SuccessfulDelete delete Pod")
[ "$(echo "$ev" | awk '{print $4}' | tr '\n' ' ')" = "web-2 web-1 " ] \
	&& ok "scale down from the highest ordinal: web-2, then web-1" || { fail "deletion order"; diag "$ev"; }
wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" 8 \
	&& [ "$("$PODVISOR" get pvc -l app=nginx 2>/dev/null | awk 'NR > 1 { print $1, $3 }')" = "$vols" ] \
	&& ok "the claims of web-1 and web-2 stay Bound to their volumes (whenScaled: Retain)" \
	|| fail "claims after scale down: $(claims app=nginx)"

# --- a restarted daemon keeps pods and claims ------------------------------
uid0=$(pod_json web-0 "p['uid']")
control_add control1 || fail "control claim: $(claims '!app')"
stop_daemon TERM && start && wait_ready web "web-0 " && [ "$(pod_json web-0 "p['uid']")" = "$uid0" ] \
	&& ok "a restarted daemon adopts web-0 (same uid)" || fail "after restart: $(pods_of web | tr '\n' ';')"
control_gone control1 || fail "the control claim's volume was not deleted"
wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" \
	&& [ "$("$PODVISOR" get pvc -l app=nginx 2>/dev/null | awk 'NR > 1 { print $1, $3 }')" = "$vols" ] \
	&& ok "after the restart the 3 claims are still Bound to the same volumes" || fail "claims after restart: $(claims app=nginx)"

# --- a corrupt STATE/statefulsets.json: the claims kept after the scale
# down (www-web-1/2) are not known; nothing is released or deleted ---------
state_warned() { # the count of the warning on the state file
	"$PVQ" get events "file:$S/statefulsets.json" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(e["count"] for e in json.load(sys.stdin) if e["reason"] == "FailedLoad"))' 2>/dev/null || echo 0
}
stop_daemon TERM
cp "$S/statefulsets.json" "$T_TMP/sts-state.json"
printf '{"claims": ' >"$S/statefulsets.json"
start || fail "start with a corrupt state"
for _ in $(seq 200); do [ "$(state_warned)" -gt 0 ] && break; sleep 0.1; done
n=$(state_warned)
[ "$n" -gt 0 ] && "$PODVISOR" get events "file:$S/statefulsets.json" 2>/dev/null | grep -q "until it is repaired" \
	&& ok "a corrupt statefulsets.json: a warning event on the file says how to repair it" \
	|| { fail "no warning on the state file"; diag "$(tail -5 "$LOG")"; }
sleep 2 # more than storage's grace for a missing claim (1 s); then proof of a pass after it
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: poke}\n' >"$T_TMP/poke.yaml"
drop poke.yaml "$T_TMP/poke.yaml"
for _ in $(seq 200); do [ "$(state_warned)" -gt "$n" ] && break; sleep 0.1; done
[ "$(state_warned)" -gt "$n" ] && [ "$(ls "$LP" | grep -c '_www-web-[12]$')" = 2 ] \
	&& ok "a pass more than the grace later: the data of www-web-1 and www-web-2 is still there" \
	|| fail "after a corrupt state: $(ls "$LP" | tr '\n' ' '); $(grep VolumeDeleted "$LOG" | head -2)"
rm "$M/poke.yaml"
stop_daemon TERM
mv "$T_TMP/sts-state.json" "$S/statefulsets.json"
start && wait_ready web "web-0 " && wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" \
	&& [ "$("$PODVISOR" get pvc -l app=nginx 2>/dev/null | awk 'NR > 1 { print $1, $3 }')" = "$vols" ] \
	&& ok "the file repaired and the daemon restarted: the 3 claims Bound to the same volumes" \
	|| fail "after the repair: $(claims app=nginx)"
web_yaml 2 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_ready web "web-0 web-1 " 90 && serves 1 "hello web-1" && ok "replicas 2 again: web-1 comes back with its old claim ('hello web-1')" || fail "web-1 back: '$r'"

# --- RollingUpdate with a partition ----------------------------------------
rev0=$(pods_of web | awk '$1 == "web-0" {print $4}')
web_yaml 2 two "  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}" >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
for _ in $(seq 900); do
	rev1=$(pods_of web | awk '$1 == "web-1" {print $4}')
	[ -n "$rev1" ] && [ "$rev1" != "$rev0" ] && [ "$(ready_names web)" = "web-0 web-1 " ] && break
	sleep 0.1
done
[ "$rev1" != "$rev0" ] && [ "$(ready_names web)" = "web-0 web-1 " ] \
	&& [ "$("$PODVISOR" exec web-1 -- sh -c 'echo $GREETING')" = two ] \
	&& ok "partition 1: web-1 is updated to the new revision $rev1" || fail "partition: $(pods_of web | tr '\n' ';')"
[ "$(pods_of web | awk '$1 == "web-0" {print $4}')" = "$rev0" ] \
	&& [ "$("$PODVISOR" exec web-0 -- sh -c 'echo $GREETING')" = one ] \
	&& ok "partition 1: web-0 keeps the old revision $rev0" || fail "web-0 changed: $(pods_of web | tr '\n' ';')"
"$PODVISOR" delete pod web-0 >/dev/null
for _ in $(seq 900); do [ "$(ready_names web)" = "web-0 web-1 " ] && [ "$(pod_json web-0 "p['uid']")" != "$uid0" ] && break; sleep 0.1; done
[ "$(pods_of web | awk '$1 == "web-0" {print $4}')" = "$rev0" ] && [ "$(ready_names web)" = "web-0 web-1 " ] \
	&& ok "web-0 deleted below the partition: made again at the old revision" || fail "web-0 again: $(pods_of web | tr '\n' ';')"
web_yaml 2 two "  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 0}}" >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
for _ in $(seq 900); do
	[ "$(pods_of web | awk '$1 == "web-0" {print $4}')" = "$rev1" ] && [ "$(ready_names web)" = "web-0 web-1 " ] && break
	sleep 0.1
done
[ "$(pods_of web | awk '{print $4}' | sort -u)" = "$rev1" ] && [ "$(ready_names web)" = "web-0 web-1 " ] \
	&& ok "partition 0: web-0 is updated too" || fail "partition 0: $(pods_of web | tr '\n' ';')"
serves 0 "hello web-0" && ok "the updated web-0 serves the same data" || fail "updated web-0: '$r'"

# --- RollingUpdate with maxUnavailable 2 ----------------------------------
# unavailable_max PREFIX N REV0 SECONDS: sample every 100 ms until the N
# pods PREFIX-0..N-1 all run ready at a revision other than REV0; prints
# the most pods seen at once not Running and Ready (missing, Terminating,
# starting). Fails when they do not all end updated.
unavailable_max() {
	local most=0 out n i
	for i in $(seq $(($4 * 10))); do
		out=$(pods_of "$1")
		n=$(($2 - $(echo "$out" | awk '$2 == "Running" && $3 == "1/1"' | grep -c .)))
		[ "$n" -gt "$most" ] && most=$n
		[ "$(echo "$out" | awk -v r="$3" '$2 == "Running" && $3 == "1/1" && $4 != r' | grep -c .)" = "$2" ] \
			&& [ "$(echo "$out" | grep -c .)" = "$2" ] && { echo "$most"; return 0; }
		sleep 0.1
	done
	echo "$most"
	return 1
}
mu_names() { for i in $(seq 0 $(($1 - 1))); do echo "mu-$i"; done | tr '\n' ' '; }
sts_yaml mu 4 one "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}" >"$T_TMP/mu.yaml"
drop mu.yaml "$T_TMP/mu.yaml"
wait_ready mu "$(mu_names 4)" 60 && ok "StatefulSet mu of 4 (maxUnavailable 2) runs" \
	|| fail "mu: $(pods_of mu | tr '\n' ';')"
rev0=$(pods_of mu | awk '$1 == "mu-0" {print $4}')
sts_yaml mu 4 two "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 2}}" >"$T_TMP/mu.yaml"
drop mu.yaml "$T_TMP/mu.yaml"
most=$(unavailable_max mu 4 "$rev0" 120) && [ "$most" = 2 ] \
	&& [ "$("$PODVISOR" exec mu-0 -- sh -c 'echo $GREETING')" = two ] \
	&& ok "maxUnavailable 2 (OrderedReady): 2 pods replaced at once, never more; all 4 end on the new revision" \
	|| fail "maxUnavailable 2: at most $most replaced at once; $(pods_of mu | tr '\n' ';')"
ev=$(sts_events mu | grep "SuccessfulDelete delete Pod" | awk '{print $4}' | tr '\n' ' ')
[ "$ev" = "mu-3 mu-2 mu-1 mu-0 " ] || [ "$ev" = "mu-2 mu-3 mu-0 mu-1 " ] \
	&& ok "updated from the highest ordinals down: mu-3 and mu-2, then mu-1 and mu-0" || fail "deletions: $ev"
rm "$M/mu.yaml"
for _ in $(seq 200); do [ -z "$(pods_of mu)" ] && break; sleep 0.1; done
for v in 0 '"0%"' '"150%"'; do
	sts_yaml bad 1 one "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: $v}}" >"$T_TMP/bad.yaml"
	r=$("$PODVISOR" check "$T_TMP/bad.yaml" 2>&1)
	echo "$r" | grep -q "bad.yaml:[0-9]*:[0-9]*: error: spec.updateStrategy.rollingUpdate.maxUnavailable: must" \
		&& ok "check refuses maxUnavailable $v, at its line and column" || { fail "maxUnavailable $v"; diag "$r"; }
done
[ -z "$(pods_of mu)" ] || fail "mu left: $(pods_of mu | tr '\n' ';')"

# --- the StatefulSet deleted: its claims are retained ----------------------
control_add control2 || fail "control claim: $(claims '!app')"
rm "$M/web.yaml"
for _ in $(seq 200); do [ -z "$(pods_of web)" ] && break; sleep 0.1; done
[ -z "$(pods_of web)" ] && ok "the file removed: its pods go" || fail "left: $(pods_of web | tr '\n' ';')"
control_gone control2 || fail "the control claim's volume was not deleted"
wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" \
	&& ok "its claims stay Bound (whenDeleted: Retain)" || fail "claims: $(claims app=nginx)"
"$PODVISOR" describe pvc www-web-0 2>&1 | grep -q "Retained.*StatefulSet of the same name takes it back" \
	&& ok "describe pvc www-web-0: a Retained event says how to remove it" \
	|| { fail "describe pvc"; diag "$("$PODVISOR" describe pvc www-web-0 2>&1)"; }
# The documented way to delete it: a claim manifest of the same name takes
# it over (the StatefulSet forgets it); removing that file deletes it.
vol0=$("$PODVISOR" get pvc www-web-0 2>/dev/null | awk 'NR == 2 {print $3}')
printf 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: www-web-0, labels: {app: nginx}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n' >"$T_TMP/pvc.yaml"
drop pvc.yaml "$T_TMP/pvc.yaml"
for _ in $(seq 200); do sts_events web | grep -q "Claim www-web-0 .*taken over" && break; sleep 0.1; done
sts_events web | grep -q "Claim www-web-0 .*taken over" && wait_claims app=nginx "www-web-0 Bound;www-web-1 Bound;www-web-2 Bound;" \
	&& [ "$("$PODVISOR" get pvc www-web-0 2>/dev/null | awk 'NR == 2 {print $3}')" = "$vol0" ] \
	&& ok "a claim manifest www-web-0 takes the retained claim over (same volume); the StatefulSet forgets it" \
	|| { fail "take over: $(claims app=nginx)"; diag "$(sts_events web | tail -3)"; }
rm "$M/pvc.yaml"
for _ in $(seq 300); do [ -n "$vol0" ] && ! "$PODVISOR" get pv 2>/dev/null | grep -q "^$vol0 " && break; sleep 0.1; done
[ -n "$vol0" ] && ! "$PODVISOR" get pv 2>/dev/null | grep -q "^$vol0 " && wait_claims app=nginx "www-web-1 Bound;www-web-2 Bound;" \
	&& [ "$(ls "$LP" | grep -c '_www-web-0$')" = 0 ] \
	&& ok "that file removed: www-web-0 and its volume are deleted (reclaim Delete)" \
	|| fail "after removing pvc.yaml: $(claims app=nginx); $("$PODVISOR" get pv 2>&1 | tr '\n' ';')"

# --- many: 20 replicas, Parallel, 20 claims; retention Delete -------------
many_yaml() { # REPLICAS [GREETING]
	sts_yaml many "$1" "${2:-one}" "  podManagementPolicy: Parallel
  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Delete}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%}}"
}
many_claims() { for i in $(seq 0 $(($1 - 1))); do echo "www-many-$i Bound"; done | tr '\n' ';'; }
many_names() { for i in $(seq 0 $(($1 - 1))); do echo "many-$i"; done | sort | tr '\n' ' '; }
many_yaml 20 >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_ready many "$(many_names 20)" 120 && ok "a Parallel StatefulSet of 20 runs many-0 .. many-19" \
	|| fail "many: $(ready_names many | wc -w) ready"
wait_claims app=many "$(many_claims 20)" 30 && ok "20 claims www-many-N Bound" || fail "many claims: $(claims app=many)"
rev0=$(pods_of many | awk '$1 == "many-0" {print $4}')
many_yaml 20 two >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
most=$(unavailable_max many 20 "$rev0" 180) && [ "$most" = 5 ] \
	&& ok "maxUnavailable 25% of 20 (Parallel): 5 replaced at once, never more; all 20 updated" \
	|| fail "many maxUnavailable: at most $most at once; $(ready_names many | wc -w) ready"
many_yaml 17 two >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_ready many "$(many_names 17)" 60 && wait_claims app=many "$(many_claims 17)" 30 \
	&& ok "replicas 17 (whenScaled: Delete): 3 pods and their 3 claims go at once" \
	|| fail "many scaled: $(ready_names many | wc -w) ready; $(claims app=many)"
rm "$M/many.yaml"
for _ in $(seq 300); do [ -z "$(pods_of many)" ] && break; sleep 0.1; done
[ -z "$(pods_of many)" ] && ok "the file removed: the 17 pods go" || fail "many left: $(pods_of many | wc -l)"
wait_claims app=many "" 30 && ok "whenDeleted: Delete: the claims go with their StatefulSet" \
	|| fail "many claims left: $(claims app=many)"
for _ in $(seq 200); do [ "$(ls "$LP" | grep -c _www-many-)" = 0 ] && break; sleep 0.1; done
[ "$(ls "$LP" | grep -c _www-many-)" = 0 ] && [ "$(ls "$LP" | grep -c _www-web-)" = 2 ] \
	&& ok "their volumes' directories are deleted (local-path reclaims Delete); web's 2 stay" \
	|| fail "local-path: $(ls "$LP" | tr '\n' ' ')"

# A Pod named as a StatefulSet's pod: the name is the Pod's (the API
# server refuses a second pod of one name), the StatefulSet's is not
# started, and neither recreates the other pass after pass.
cat >"$T_TMP/clash.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: clash}
spec:
  serviceName: clash
  replicas: 1
  selector: {matchLabels: {app: clash}}
  template:
    metadata: {labels: {app: clash}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: c, image: busybox:test, command: [sleep, "1000"]}
---
apiVersion: v1
kind: Pod
metadata: {name: clash-0}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: busybox:test, command: [sleep, "999"]}
YAML
cp "$T_TMP/clash.yaml" "$M/.clash.tmp" && mv "$M/.clash.tmp" "$M/clash.yaml"
# clash_refused: how many times the StatefulSet's clash-0 was refused
clash_refused() {
	"$PVQ" get events pod/default/clash-0 -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    ev = json.load(sys.stdin)
except Exception:
    ev = []
print(sum(e["count"] for e in ev if e["reason"] == "FailedCreate" and "statefulset/default/clash" in e["message"]))'
}
for _ in $(seq 150); do [ "$(pod_json clash-0 "p['status']")" = Running ] && break; sleep 0.2; done
uid=$(pod_json clash-0 "p['uid']")
for _ in $(seq 150); do [ "$(clash_refused)" -ge 3 ] && break; sleep 0.2; done
[ "$(clash_refused)" -ge 3 ] && [ "$(pod_json clash-0 "p['uid']")" = "$uid" ] &&
	tr '\0' ' ' <"/proc/$(pod_json clash-0 "p['containers'][0].get('pid', 0)")/cmdline" 2>/dev/null | grep -q "^sleep 999 $" &&
	[ "$(pod_json clash-0 "p['status']")" = Running ] &&
	ok "a Pod named as a StatefulSet's keeps its name and runs on, the same pod ($(clash_refused) passes)" ||
	fail "clash-0: $(clash_refused) refusals, uid $uid -> $(pod_json clash-0 "p['uid']"), $(pod_json clash-0 "p['status']")"
"$PODVISOR" get events pod/default/clash-0 2>/dev/null | grep -q 'pods "clash-0" already exists, from .*clash.yaml: the one statefulset/default/clash wants is not started' &&
	ok "a FailedCreate event says whose name it is and whose pod is not started" ||
	fail "clash events: $("$PODVISOR" get events pod/default/clash-0 2>&1)"
ev=$("$PODVISOR" get events statefulset/default/clash 2>&1)
grep -q 'FailedCreate.*create Pod clash-0 in StatefulSet clash failed error: pods "clash-0" already exists (from .*clash.yaml)' <<<"$ev" &&
	! grep -q 'SuccessfulCreate.*Pod clash-0 ' <<<"$ev" &&
	ok "the StatefulSet's events: FailedCreate for clash-0 (AlreadyExists), never SuccessfulCreate" ||
	fail "statefulset clash events: $ev"
! grep -q "pod default/clash-0: spec changed; recreating" "$LOG" && ok "and no recreating back and forth" ||
	fail "clash-0 recreated: $(grep -c 'clash-0: spec changed' "$LOG") times"
rm "$M/clash.yaml"
for _ in $(seq 150); do [ -z "$(pod_json clash-0 "p['status']")" ] && break; sleep 0.2; done

grep -E "ERROR|runtime error|AddressSanitizer" "$LOG" | head -5 | while read -r l; do diag "$l"; done
! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
stop_daemon TERM
done_testing
