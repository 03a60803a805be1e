#!/bin/bash
# describe and the tables as kubectl lays them out (issue #15 items 12 and
# the golden test): `describe pod` of a pod with labels, annotations, a
# port, a command, resources, a probe, a claim and a ConfigMap mounted is
# compared with golden/describe_pod.txt, kubectl's layout for the same
# object (times, addresses, digests and ages made neutral first);
# `describe pvc` says which pod uses the claim; `get pods`, `get svc` and
# `get events` have kubectl's headers and kubectl's tabwriter columns
# (each column as wide as its widest cell plus 3, at least 6).
# The pod's events are compared too: kubectl's Type/Reason/Age/From/
# Message with a line of dashes.
. "$(dirname "$0")/lib_pods.sh"
G=$(dirname "$0")/golden
ip link set lo up
mkdir -p "$T_TMP/host/data"
cat >"$T_TMP/app.yaml" <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: $T_TMP/host/data, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim1}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c1}
data: {k: v}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
  annotations: {example.com/owner: team-a}
spec:
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: claim1}}
  - {name: cfg, configMap: {name: c1}}
  - {name: scratch, emptyDir: {}}
  containers:
  - name: httpd
    image: busybox:test
    command: [sh, -c, "exec httpd -f -p 8080 -h /cfg"]
    ports: [{name: http, containerPort: 8080}]
    env: [{name: MODE, value: demo}, {name: KEY, valueFrom: {configMapKeyRef: {name: c1, key: k}}}]
    resources: {limits: {memory: 64Mi}, requests: {memory: 32Mi, cpu: 100m}}
    readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2}
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: cfg, mountPath: /cfg, readOnly: true}
    - {name: scratch, mountPath: /scratch}
YAML
drop app.yaml "$T_TMP/app.yaml"
start_daemon --host-path-allow "$T_TMP/host" --node-name golden-node ||
	{ fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_for 60 '"$PODVISOR" get pods web 2>/dev/null | grep -q " 1/1 *Running "' || fail "web not ready: $("$PODVISOR" get pods 2>&1)"

# neutral: times, addresses, digests, the temporary directory, pids, ages
neutral() {
	sed -E -e "s#$T_TMP#<TMP>#g" \
		-e 's/[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000/<TIME>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z/<TIME>/g' \
		-e 's/10\.[0-9]+\.[0-9]+\.[0-9]+/<IP>/g' -e 's/sha256:[0-9a-f]{64}/sha256:<DIGEST>/g' \
		-e 's/\(pid [0-9]+\)/(pid <PID>)/g' \
		-e '/^  (Type +Reason|----|Normal|Warning) /{s/ [0-9]+[smhd]( \(x[0-9]+\))? / <AGE> /;s/ +/ /g}'
}
"$PODVISOR" describe pod web >"$T_TMP/describe" 2>&1
# probes may have failed once before the server listened: those lines go
grep -v "Unhealthy" "$T_TMP/describe" | neutral >"$T_TMP/describe.n"
if diff -u "$G/describe_pod.txt" "$T_TMP/describe.n" >"$T_TMP/diff"; then
	ok "describe pod: kubectl's layout (labels, annotations, node, IP, ports, command, state, resources, probe, env, mounts, conditions, volumes, QoS, events)"
else
	fail "describe pod differs from golden/describe_pod.txt"
	diag "$(cat "$T_TMP/diff")"
fi

"$PODVISOR" describe pvc claim1 2>&1 | grep -q "^Used By: *web$" && ok "describe pvc: Used By names the pod that mounts the claim" ||
	fail "describe pvc: $("$PODVISOR" describe pvc claim1 2>&1)"

"$PODVISOR" describe ep web >"$T_TMP/ep" 2>&1
grep -qE "^  Addresses: +10\.[0-9.]+$" "$T_TMP/ep" && grep -qE "^    http +8080 +TCP$" "$T_TMP/ep" && grep -q "^Name: *web$" "$T_TMP/ep" &&
	ok "describe ep web: the ready address and the port it serves (8080, the targeted one), as kubectl" ||
	fail "describe ep: $(cat "$T_TMP/ep")"

# layout TABLE-FILE HEADER...: the header's names as given, each column
# starting where kubectl's tabwriter puts it.
layout() {
	"$PY" - "$@" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
want = sys.argv[2:]
head = lines[0]
starts, at = [], 0
for name in want:
    i = head.find(name, at)
    if i < 0 or (i and head[i - 1] != " "):
        print("header %r lacks %r" % (head, name)); sys.exit(1)
    starts.append(i); at = i + len(name)
if re.sub(" +", " ", head).strip() != " ".join(want):
    print("header %r is not %r" % (head, " ".join(want))); sys.exit(1)
for c in range(len(want) - 1):
    width = max(len(l[starts[c]:starts[c + 1]].rstrip()) for l in lines)
    if starts[c + 1] - starts[c] != max(width + 3, 6):
        print("column %r is %d wide, kubectl's would be %d" % (want[c], starts[c + 1] - starts[c], max(width + 3, 6))); sys.exit(1)
    for l in lines:
        if len(l) > starts[c + 1] and l[starts[c + 1] - 1] != " ":
            print("row %r does not start column %r at %d" % (l, want[c + 1], starts[c + 1])); sys.exit(1)
PY
}
"$PODVISOR" get pods >"$T_TMP/t" 2>&1 && r=$(layout "$T_TMP/t" NAME READY STATUS RESTARTS AGE) &&
	ok "get pods: kubectl's header and columns" || fail "get pods: $r $(cat "$T_TMP/t")"
"$PODVISOR" get svc >"$T_TMP/t" 2>&1 && r=$(layout "$T_TMP/t" NAME TYPE CLUSTER-IP EXTERNAL-IP "PORT(S)" AGE) &&
	ok "get svc: kubectl's header and columns" || fail "get svc: $r $(cat "$T_TMP/t")"
"$PODVISOR" get events >"$T_TMP/t" 2>&1 && r=$(layout "$T_TMP/t" "LAST SEEN" TYPE REASON OBJECT MESSAGE) &&
	ok "get events: kubectl's header and columns" || fail "get events: $r $(cat "$T_TMP/t")"
"$PODVISOR" get pods -o wide >"$T_TMP/t" 2>&1 && r=$(layout "$T_TMP/t" NAME READY STATUS RESTARTS AGE IP NODE "NOMINATED NODE" "READINESS GATES") &&
	ok "get pods -o wide: kubectl's header and columns" || fail "get pods -o wide: $r $(cat "$T_TMP/t")"

# many: 20 pods and 20 Services, names of every length up to 40: the
# columns still line up as kubectl's do
for i in $(seq 1 20); do
	n=$(printf 'p%0*d' "$((i * 2))" "$i")
	printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: busybox:test, command: [sleep, "3600"]}\n' "$n"
	printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: s%0*d}\nspec:\n  ports: [{port: %d}]\n' "$i" "$i" "$((1000 + i))"
done >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_for 90 '[ "$("$PODVISOR" get pods --no-headers 2>/dev/null | grep -c " Running ")" = 21 ]' || fail "many: $("$PODVISOR" get pods 2>&1 | tail -3)"
"$PODVISOR" get pods -A >"$T_TMP/t" 2>&1 && r=$(layout "$T_TMP/t" NAMESPACE NAME READY STATUS RESTARTS AGE) &&
	"$PODVISOR" get svc >"$T_TMP/t2" 2>&1 && r2=$(layout "$T_TMP/t2" NAME TYPE CLUSTER-IP EXTERNAL-IP "PORT(S)" AGE) &&
	ok "21 pods (get pods -A) and 21 Services: the columns line up as kubectl's" || fail "many: $r $r2"

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
done_testing
