#!/bin/bash
# The status directory (#18 item 3): a file per object in the shape kubectl
# get -o yaml prints, node.yaml, files removed with their objects, written
# only on change (an unchanged pod's file is not rewritten when something
# else changes), no Secrets; many objects (a Deployment of 30 and 20
# Services: past every list's first capacity); exported during a long
# burst of passes; --status-dir none.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

SD=$S/status
start_daemon --node-label disk=ssd || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
# field FILE PYTHON-EXPRESSION: a value of the YAML file's object, o
field() {
	"$PY" - "$1" "$2" <<'PY' 2>/dev/null
import sys, yaml
o = yaml.safe_load(open(sys.argv[1]))
print(eval(sys.argv[2]))
PY
}
# wait_file PATH [SECONDS]
wait_file() {
	local i=0 end=$((SECONDS + 2 * ${2:-10} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -s "$1" ] && return 0
		nap $((i++))
	done
	return 1
}

wait_file "$SD/node.yaml" && [ "$(field "$SD/node.yaml" "o['kind'] + ' ' + o['metadata']['labels']['disk'] + ' ' + o['status']['conditions'][0]['type']")" = "Node ssd Ready" ] &&
	ok "node.yaml: a Node with this node's labels and a Ready condition" ||
	fail "node.yaml: $(cat "$SD/node.yaml" 2>&1 | head -20)"

cat >"$T_TMP/app.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - {name: c, image: busybox:test, command: [sleep, "1000"]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: hunter2}
YAML
mv "$T_TMP/app.yaml" "$M/app.yaml"
wait_status web Running 20
for _ in $(seq 100); do
	[ "$(field "$SD/pods/default/web.yaml" "o['status']['phase']")" = Running ] && break
	sleep 0.1
done
[ "$(field "$SD/pods/default/web.yaml" "o['kind'] + ' ' + o['status']['phase'] + ' ' + o['spec']['containers'][0]['image']")" = "Pod Running busybox:test" ] &&
	ok "pods/default/web.yaml: the Pod, Running, with its spec" || fail "web.yaml: $(head -30 "$SD/pods/default/web.yaml" 2>&1)"
"$PVQ" get pod web -o yaml >"$T_TMP/get.yaml" 2>&1
diff <(grep -v 'imageID' "$T_TMP/get.yaml") <(grep -v 'imageID' "$SD/pods/default/web.yaml") >/dev/null &&
	ok "it is what podvisor get pod web -o yaml prints" || fail "differs from get -o yaml: $(diff "$T_TMP/get.yaml" "$SD/pods/default/web.yaml" | head)"
[ "$(field "$SD/services/default/web.yaml" "o['kind'] + ' ' + o['spec']['clusterIP'][:3]")" = "Service 10." ] &&
	[ -s "$SD/endpoints/default/web.yaml" ] && ok "services/default/web.yaml and endpoints/default/web.yaml" ||
	fail "service: $(ls -R "$SD")"
[ -z "$(find "$SD" -path '*secret*')" ] && ! grep -rq hunter2 "$SD" && ok "no Secret leaves the node" || fail "secrets in $SD"

# Written on change only: a new Service changes nothing of web's pod. The
# new Service's file is the proof that an export ran after it.
before=$(stat -c '%Y.%y %i' "$SD/pods/default/web.yaml")
sleep 1.1
cat >"$T_TMP/other.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: other}
spec:
  selector: {app: other}
  ports: [{port: 81}]
YAML
mv "$T_TMP/other.yaml" "$M/other.yaml"
wait_file "$SD/services/default/other.yaml" && [ "$(stat -c '%Y.%y %i' "$SD/pods/default/web.yaml")" = "$before" ] &&
	ok "an unchanged pod's file is not rewritten when another object changes" ||
	fail "web.yaml rewritten: $before -> $(stat -c '%Y.%y %i' "$SD/pods/default/web.yaml")"
# A pod's status moves on while its spec stays: its file follows (an
# export does not make a pod's object again unless its record changed,
# and a restart is such a change).
"$PVQ" exec web -- sh -c 'kill -9 $(pidof sleep)' >/dev/null 2>&1
for _ in $(seq 200); do
	[ "$(field "$SD/pods/default/web.yaml" "o['status']['containerStatuses'][0]['restartCount']")" = 1 ] && break
	sleep 0.1
done
"$PVQ" get pod web -o yaml >"$T_TMP/get.yaml" 2>&1
[ "$(field "$SD/pods/default/web.yaml" "o['status']['containerStatuses'][0]['restartCount']")" = 1 ] &&
	diff <(grep -v 'imageID' "$T_TMP/get.yaml") <(grep -v 'imageID' "$SD/pods/default/web.yaml") >/dev/null &&
	ok "a container restarted: the pod's file says restartCount 1, as get -o yaml does" ||
	fail "after the restart: $(grep -A12 containerStatuses "$SD/pods/default/web.yaml" 2>&1 | head -14)"
find "$SD" -name '*.tmp.*' | grep -q . && fail "temporary files left: $(find "$SD" -name '*.tmp.*')" || ok "no temporary file left behind"

# A Service that gets no cluster IP (it asks for the one web holds; its
# record's clusterIP is null): it is exported, and the daemon lives on.
WEBIP=$(grep -A3 '^spec:' "$SD/services/default/web.yaml" | awk '/clusterIP:/ {print $2; exit}')
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: thief}\nspec:\n  clusterIP: %s\n  selector: {app: web}\n  ports: [{port: 80}]\n' "$WEBIP" >"$T_TMP/thief.yaml"
mv "$T_TMP/thief.yaml" "$M/thief.yaml"
wait_file "$SD/services/default/thief.yaml" && kill -0 "$DAEMON" 2>/dev/null &&
	[ "$(field "$SD/services/default/thief.yaml" "o['kind']")" = Service ] &&
	ok "a Service given no cluster IP (its address taken) is exported; the daemon lives on" ||
	fail "thief ($WEBIP): $(cat "$SD/services/default/thief.yaml" 2>&1 | head -12); daemon $(kill -0 "$DAEMON" 2>&1 && echo alive || echo dead)"
rm -f "$M/thief.yaml"

# Many: a Deployment of 30 pods, 20 Services.
{
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 30
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: c, image: busybox:test, command: [sleep, "1000"]}
YAML
	for i in $(seq 20); do printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec:\n  selector: {app: many}\n  ports: [{port: 80}]\n' "$i"; done
} >"$T_TMP/many.yaml"
mv "$T_TMP/many.yaml" "$M/many.yaml"
for _ in $(seq 200); do
	[ "$(ls "$SD/pods/default" 2>/dev/null | grep -c '^many-')" = 30 ] && [ "$(ls "$SD/services/default" | grep -c '^s[0-9]')" = 20 ] &&
		[ -s "$SD/deployments/default/many.yaml" ] && [ -s "$SD/replicasets/default/"many-*.yaml ] && break
	sleep 0.2
done
[ "$(ls "$SD/pods/default" | grep -c '^many-')" = 30 ] && [ "$(ls "$SD/services/default" | grep -c '^s[0-9]')" = 20 ] &&
	[ -s "$SD/deployments/default/many.yaml" ] && ok "30 pods, 20 Services, the Deployment and its ReplicaSet, each a file" ||
	fail "many: $(ls "$SD/pods/default" | grep -c '^many-') pods, $(ls "$SD/services/default" | wc -l) services"
for _ in $(seq 200); do [ "$(field "$SD/deployments/default/many.yaml" "o['status'].get('readyReplicas', 0)")" = 30 ] && break; sleep 0.2; done
[ "$(field "$SD/deployments/default/many.yaml" "o['status'].get('readyReplicas', 0)")" = 30 ] &&
	ok "deployments/default/many.yaml follows: readyReplicas 30" || fail "many: $(grep -A8 '^status' "$SD/deployments/default/many.yaml")"

# Deleted with their objects.
rm -f "$M/many.yaml" "$M/app.yaml"
for _ in $(seq 200); do [ -z "$(ls "$SD/pods/default" 2>/dev/null)" ] && [ ! -e "$SD/services/default/s1.yaml" ] && break; sleep 0.2; done
[ -z "$(ls "$SD/pods/default" 2>/dev/null)" ] && [ ! -e "$SD/services/default/s1.yaml" ] && [ ! -e "$SD/deployments/default/many.yaml" ] &&
	[ -e "$SD/services/default/other.yaml" ] && ok "files go with their objects; the others stay" ||
	fail "left: $(ls -R "$SD" | head -20)"

# A burst of passes: six pods whose readiness flips every second, each a
# pass, so passes never stop for the second an export waits for. The
# export comes all the same, at most 5 s after the burst's first pass: a
# Service made during it is in the directory within 8 s.
for i in 1 2 3 4 5 6; do
	cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: flap$i}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: busybox:test
    command: [sh, -c, "sleep 0.$i; while :; do touch /tmp/r; sleep 1; rm -f /tmp/r; sleep 1; done"]
    readinessProbe: {exec: {command: [test, -e, /tmp/r]}, periodSeconds: 1, failureThreshold: 1}
YAML
done >"$T_TMP/flap.yaml"
mv "$T_TMP/flap.yaml" "$M/flap.yaml"
for i in 1 2 3 4 5 6; do wait_status "flap$i" Running 30 || fail "flap$i: $(pod_json "flap$i" "p['status']")"; done
sleep 2 # the flips under way
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: burst}\nspec:\n  selector: {app: burst}\n  ports: [{port: 83}]\n' >"$T_TMP/burst.yaml"
mv "$T_TMP/burst.yaml" "$M/burst.yaml"
t0=$SECONDS
for _ in $(seq 80); do [ -s "$SD/services/default/burst.yaml" ] && break; sleep 0.1; done
[ -s "$SD/services/default/burst.yaml" ] && ok "exported during a burst of passes ($((SECONDS - t0)) s after the change)" ||
	fail "not exported during the burst: $(ls "$SD/services/default")"
rm -f "$M/flap.yaml" "$M/burst.yaml"
for _ in $(seq 100); do [ -z "$("$PVQ" get pods 2>/dev/null | grep flap)" ] && break; sleep 0.2; done

# A restart writes nothing that has not changed; --status-dir none keeps none.
node_before=$(stat -c '%y %i' "$SD/node.yaml")
stop_daemon TERM
start_daemon --status-dir none || fail "restart with --status-dir none"
# meanwhile Service other goes and other2 comes, which this daemon saw
rm -f "$M/other.yaml"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: other2}\nspec:\n  selector: {app: other}\n  ports: [{port: 82}]\n' >"$T_TMP/o2.yaml"
mv "$T_TMP/o2.yaml" "$M/other2.yaml"
for _ in $(seq 100); do "$PVQ" get svc other2 >/dev/null 2>&1 && break; sleep 0.1; done
[ -e "$SD/services/default/other.yaml" ] && [ ! -e "$SD/services/default/other2.yaml" ] &&
	ok "--status-dir none: the directory is left alone" || fail "--status-dir none: $(ls "$SD/services/default")"
stop_daemon TERM
start_daemon --node-label disk=ssd || fail "restart"
wait_file "$SD/services/default/other2.yaml" 20
# (other's removal may still be due: a file gone is acted on after 300 ms)
for _ in $(seq 100); do [ ! -e "$SD/services/default/other.yaml" ] && break; sleep 0.1; done
[ -e "$SD/services/default/other2.yaml" ] && [ ! -e "$SD/services/default/other.yaml" ] &&
	ok "after a restart: a file the last daemon left for a gone object is removed, a new one written" ||
	fail "after restart: $(ls "$SD/services/default")"
[ "$(stat -c '%y %i' "$SD/node.yaml")" = "$node_before" ] && ok "after a restart, node.yaml (unchanged) is not rewritten" ||
	fail "node.yaml rewritten by the restart: $node_before -> $(stat -c '%y %i' "$SD/node.yaml")"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
