#!/bin/bash
# `get KIND [NAME] -o json|yaml` prints Kubernetes objects, not the
# daemon's records: apiVersion, kind, metadata (uid, RFC 3339 UTC
# creationTimestamp, resourceVersion, labels, ownerReferences: a
# Deployment's pods name their ReplicaSet, which names the Deployment),
# spec as loaded with its defaults, status as Kubernetes spells it (a
# pod's phase, conditions, containerStatuses with restartCount and
# lastState after a crash, initContainerStatuses, podIP = the address the
# pod really has). One object with NAME, else a v1 List; JSON indented
# by 4 without \/; YAML that reads back to the same object. Every kind's
# output goes back through `podvisor check -` (stdin) clean: status and
# read-only metadata load without a word. Many: 30 pods and 20 Services
# in one List each. The daemon's own records stay at -o internal-json.
. "$(dirname "$0")/lib_pods.sh"

H=$T_TMP/host
mkdir -p "$H/pv1"
printf 'nodeName: node-a\nhostPathAllow:\n- %s\nlocalPathRoot: %s\n' "$H" "$T_TMP/lp" >"$T_TMP/node.yaml"
start_daemon --config "$T_TMP/node.yaml" && ok "daemon starts" \
	|| { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

cat >"$T_TMP/all.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}, annotations: {note: "see http://example.com/a"}}
spec:
  initContainers:
  - {name: prep, image: busybox:test, command: ["true"], resources: {limits: {cpu: 50m, memory: 32Mi}}}
  containers:
  - name: main
    image: busybox:test
    command: ["sh", "-c", "sleep 1000"]
    resources: {limits: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: main, image: busybox:test, command: ["sh", "-c", "exit 3"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {tier: front}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: main, image: busybox:test, command: ["sh", "-c", "sleep 1000"]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {url: "http://x/y"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {pw: hunter2}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: $H/pv1, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c1}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "sleep 1000"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: local-path
      resources: {requests: {storage: 10Mi}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path}
provisioner: podvisor.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: main, image: busybox:test, command: ["sh", "-c", "sleep 1000"]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox:test, command: ["true"]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: busybox:test, command: ["true"]}
YAML
drop all.yaml "$T_TMP/all.yaml"

running() { # NAME-PREFIX N: N pods named so are Running
	[ "$("$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(p["name"].startswith(sys.argv[1]) and p["status"] == "Running" for p in json.load(sys.stdin)))' "$1")" = "$2" ]
}
wait_for 60 'running solo 1 && running web- 2 && running db-0 1 && running agent- 1' \
	&& ok "the pods run" || fail "pods: $("$PODVISOR" get pods 2>&1)"
wait_for 30 '[ "$(pod_json crash "p[\"restarts\"]")" -ge 1 ] 2>/dev/null' || fail "crash never restarted"
wait_job once Complete 30 || fail "job: $("$PODVISOR" get jobs 2>&1)"
wait_for 20 '[ "$(pod_json solo "p[\"podIP\"]")" != "" ]' || fail "no podIP"

# check_py KIND NAME PYTHON: run PYTHON with o = `get KIND NAME -o json`
# (NAME '' lists the kind) and t = its text; it prints what is wrong.
check_py() {
	local out
	"$PODVISOR" get $1 $2 -o json >"$T_TMP/out.json" 2>"$T_TMP/err.txt"
	out=$("$PY" - "$T_TMP/out.json" <<PY 2>&1
import json, re, sys
t = open(sys.argv[1]).read()
o = json.loads(t)
RFC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
def meta_ok(x, ns=True):
    m = x["metadata"]
    assert m["name"] and m["uid"] and m["resourceVersion"], m
    assert RFC.match(m["creationTimestamp"]), m["creationTimestamp"]
    assert ("namespace" in m) == ns, m
$3
PY
)
	[ -z "$out" ] || { echo "$out"; head -c 3000 "$T_TMP/out.json"; cat "$T_TMP/err.txt"; }
}
expect_ok() { # WHAT OUTPUT
	[ -z "$2" ] && ok "$1" || { fail "$1"; diag "$2"; }
}

# --- pods ------------------------------------------------------------------
ip_in_pod=$(nsenter -t "$(pod_json solo "p['initPid']")" -n ip -o -4 addr show eth0 2>/dev/null \
	| awk '{print $4}' | cut -d/ -f1)
[ -n "$ip_in_pod" ] || fail "the address in pod solo's network namespace"
r=$(check_py pod solo "
assert o['apiVersion'] == 'v1' and o['kind'] == 'Pod', o.get('kind')
meta_ok(o)
assert o['metadata']['labels'] == {'app': 'solo'} and o['metadata']['annotations'] == {'note': 'see http://example.com/a'}
s = o['spec']
assert s['containers'][0]['image'] == 'busybox:test' and s['containers'][0]['command'] == ['sh', '-c', 'sleep 1000']
assert s['restartPolicy'] == 'Always' and s['terminationGracePeriodSeconds'] == 30 and s['dnsPolicy'] == 'ClusterFirst', s
assert s['containers'][0]['imagePullPolicy'] == 'IfNotPresent' and s['nodeName'] == 'node-a', s
st = o['status']
assert st['phase'] == 'Running', st['phase']
assert st['podIP'] == '$ip_in_pod' and st['podIPs'] == [{'ip': '$ip_in_pod'}], (st['podIP'], '$ip_in_pod')
assert st['hostIP'] and st['hostIPs'][0]['ip'] == st['hostIP'] and RFC.match(st['startTime'])
assert st['qosClass'] == 'Guaranteed', st['qosClass']
c = {x['type']: x for x in st['conditions']}
assert set(c) == {'PodScheduled', 'Initialized', 'ContainersReady', 'Ready'}, c
assert all(x['status'] == 'True' and RFC.match(x['lastTransitionTime']) for x in c.values()), c
cs = st['containerStatuses'][0]
assert cs['name'] == 'main' and cs['image'] == 'busybox:test' and cs['ready'] is True and cs['started'] is True, cs
assert cs['restartCount'] == 0 and RFC.match(cs['state']['running']['startedAt']) and cs['lastState'] == {}, cs
assert cs['imageID'].startswith('docker.io/library/busybox@sha256:'), cs['imageID']
ic = st['initContainerStatuses'][0]
assert ic['name'] == 'prep' and ic['state']['terminated']['exitCode'] == 0 and ic['state']['terminated']['reason'] == 'Completed', ic
assert RFC.match(ic['state']['terminated']['finishedAt']), ic
assert '\\\\/' not in t, 'an escaped slash'
assert t.startswith('{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",'), t[:60]
")
expect_ok "get pod solo -o json: the Pod, spec as loaded with defaults, status as Kubernetes (podIP $ip_in_pod as in the pod)" "$r"

r=$(check_py pod crash "
cs = o['status']['containerStatuses'][0]
assert cs['restartCount'] >= 1, cs
assert cs['lastState']['terminated']['exitCode'] == 3 and cs['lastState']['terminated']['reason'] == 'Error', cs
assert RFC.match(cs['lastState']['terminated']['finishedAt']), cs
assert cs['ready'] is False and o['status']['qosClass'] == 'BestEffort'
c = {x['type']: x for x in o['status']['conditions']}
assert c['Ready']['status'] == 'False' and c['Ready']['reason'] == 'ContainersNotReady', c
")
expect_ok "a crashing container: restartCount, lastState.terminated (exit 3, Error), Ready False" "$r"

rs=$("$PODVISOR" get rs -o internal-json | "$PY" -c 'import json,sys; print([r["name"] for r in json.load(sys.stdin) if r["owner"]][0])')
"$PODVISOR" get rs "$rs" -o json >"$T_TMP/rs.json"
"$PODVISOR" get deploy web -o json >"$T_TMP/dep.json"
r=$(check_py pods "" "
web = [p for p in o['items'] if p['metadata']['name'].startswith('web-')]
assert o['kind'] == 'List' and o['apiVersion'] == 'v1' and o['metadata'] == {'resourceVersion': ''}, o.get('kind')
assert len(web) == 2 and {'solo', 'crash'} <= {p['metadata']['name'] for p in o['items']}
for p in web:
    meta_ok(p)
    ref = p['metadata']['ownerReferences'][0]
    assert ref['kind'] == 'ReplicaSet' and ref['name'] == '$rs' and ref['controller'] is True and ref['uid'], ref
rs = json.load(open('$T_TMP/rs.json'))
assert rs['kind'] == 'ReplicaSet' and rs['apiVersion'] == 'apps/v1', rs.get('kind')
assert rs['metadata']['uid'] == web[0]['metadata']['ownerReferences'][0]['uid'], rs['metadata']
dref = rs['metadata']['ownerReferences'][0]
dep = json.load(open('$T_TMP/dep.json'))
assert dref['kind'] == 'Deployment' and dref['name'] == 'web' and dref['uid'] == dep['metadata']['uid'], dref
assert rs['spec']['replicas'] == 2 and rs['spec']['selector']['matchLabels'] == {'app': 'web', 'pod-template-hash': '$rs'.split('-')[-1]}, rs['spec']
assert rs['status']['replicas'] == 2 and rs['status']['readyReplicas'] == 2, rs['status']
assert dep['spec']['strategy']['type'] == 'RollingUpdate' and dep['spec']['replicas'] == 2 and dep['metadata']['labels'] == {'tier': 'front'}, dep['spec']
assert dep['status']['replicas'] == 2 and dep['status']['readyReplicas'] == 2 and dep['status']['availableReplicas'] == 2, dep['status']
")
expect_ok "get pods: a v1 List; a Deployment's pods owned by its ReplicaSet (uid), the ReplicaSet by the Deployment (uid)" "$r"

# --- services, endpoints ---------------------------------------------------
web_ips=$("$PODVISOR" get pods -o internal-json | "$PY" -c 'import json,sys; print(" ".join(sorted(p["podIP"] for p in json.load(sys.stdin) if p["name"].startswith("web-"))))')
r=$(check_py svc web "
assert o['kind'] == 'Service' and o['apiVersion'] == 'v1'
meta_ok(o)
s = o['spec']
assert s['type'] == 'NodePort' and s['selector'] == {'app': 'web'} and s['sessionAffinity'] == 'None', s
assert re.match(r'^10\.96\.\d+\.\d+$', s['clusterIP']) and s['clusterIPs'] == [s['clusterIP']], s
p = s['ports'][0]
assert p['name'] == 'http' and p['port'] == 80 and p['targetPort'] == 8080 and p['protocol'] == 'TCP', p
assert 30000 <= p['nodePort'] <= 32767, p
assert o['status'] == {'loadBalancer': {}}, o['status']
")
expect_ok "get svc web: spec with clusterIP(s), ports with nodePort, type, selector; status.loadBalancer {}" "$r"
r=$(check_py ep web "
assert o['kind'] == 'Endpoints'
meta_ok(o)
ss = o['subsets'][0]
assert sorted(a['ip'] for a in ss['addresses']) == '$web_ips'.split(), ss
assert ss['ports'] == [{'name': 'http', 'port': 8080, 'protocol': 'TCP'}], ss['ports']
")
expect_ok "get ep web: subsets with the ready pods' addresses and the target port" "$r"

# --- config, storage -------------------------------------------------------
r=$(check_py cm cfg "
assert o['kind'] == 'ConfigMap' and o['data'] == {'url': 'http://x/y'}, o
meta_ok(o)
assert '\\\\/' not in t and 'http://x/y' in t
")
expect_ok "get cm cfg: data as given, no \\/ in the JSON" "$r"
r=$(check_py secret sec "
import base64
assert o['kind'] == 'Secret' and o['type'] == 'Opaque' and 'stringData' not in o, o
assert base64.b64decode(o['data']['pw']) == b'hunter2', o['data']
")
expect_ok "get secret sec: stringData merged into data, base64, type Opaque" "$r"
r=$(check_py pv pv1 "
assert o['kind'] == 'PersistentVolume'
meta_ok(o, ns=False)
s = o['spec']
assert s['capacity'] == {'storage': '1Gi'} and s['accessModes'] == ['ReadWriteOnce'] and s['storageClassName'] == 'manual', s
assert s['persistentVolumeReclaimPolicy'] == 'Retain' and s['hostPath']['path'] == '$H/pv1', s
assert s['claimRef']['name'] == 'c1' and s['claimRef']['namespace'] == 'default', s
assert o['status']['phase'] == 'Bound', o['status']
")
expect_ok "get pv pv1: cluster-scoped, spec as loaded, claimRef, status.phase Bound" "$r"
r=$(check_py pvc c1 "
assert o['kind'] == 'PersistentVolumeClaim'
meta_ok(o)
assert o['spec']['volumeName'] == 'pv1' and o['spec']['resources'] == {'requests': {'storage': '1Gi'}}, o['spec']
st = o['status']
assert st == {'phase': 'Bound', 'accessModes': ['ReadWriteOnce'], 'capacity': {'storage': '1Gi'}}, st
")
expect_ok "get pvc c1: volumeName, status phase, capacity, accessModes" "$r"
# A StatefulSet's claim and the volume provisioned for it: no manifest
# holds them; their objects come from what the daemon knows.
"$PODVISOR" get pvc data-db-0 -o json >"$T_TMP/sc.json"
r=$(check_py pv "" "
c = json.load(open('$T_TMP/sc.json'))
assert c['kind'] == 'PersistentVolumeClaim' and c['metadata']['name'] == 'data-db-0', c.get('metadata')
meta_ok(c)
assert c['spec']['accessModes'] == ['ReadWriteOnce'] and c['spec']['storageClassName'] == 'local-path', c['spec']
assert c['spec']['resources'] == {'requests': {'storage': '10Mi'}} and c['status']['phase'] == 'Bound', c
v = [x for x in o['items'] if x['metadata']['name'] == c['spec']['volumeName']]
assert len(v) == 1, [x['metadata']['name'] for x in o['items']]
v = v[0]
meta_ok(v, ns=False)
assert v['spec']['claimRef']['name'] == 'data-db-0' and v['spec']['claimRef']['uid'] == c['metadata']['uid'], v['spec']
assert v['spec']['hostPath']['path'].startswith('$T_TMP/lp/') and v['spec']['persistentVolumeReclaimPolicy'] == 'Delete', v['spec']
assert v['spec']['accessModes'] == ['ReadWriteOnce'] and v['status']['phase'] == 'Bound', v
")
expect_ok "a StatefulSet's claim data-db-0 and its provisioned volume: spec, claimRef (uid), Bound" "$r"

# --- workloads -------------------------------------------------------------
r=$(check_py sts db "
assert o['kind'] == 'StatefulSet' and o['apiVersion'] == 'apps/v1' and o['spec']['serviceName'] == 'db'
meta_ok(o)
assert o['spec']['podManagementPolicy'] == 'OrderedReady', o['spec']
assert o['status']['replicas'] == 1 and o['status']['readyReplicas'] == 1, o['status']
")
expect_ok "get sts db: spec with defaults, status counts" "$r"
r=$(check_py ds agent "
assert o['kind'] == 'DaemonSet'
meta_ok(o)
st = o['status']
assert st['desiredNumberScheduled'] == 1 and st['currentNumberScheduled'] == 1 and st['numberReady'] == 1, st
")
expect_ok "get ds agent: desired/current/ready as the daemon counts them" "$r"
r=$(check_py job once "
assert o['kind'] == 'Job' and o['apiVersion'] == 'batch/v1'
meta_ok(o)
st = o['status']
assert st['succeeded'] == 1 and RFC.match(st['startTime']) and RFC.match(st['completionTime']), st
assert st['conditions'][0]['type'] == 'Complete' and st['conditions'][0]['status'] == 'True', st
assert o['spec']['backoffLimit'] == 6 and o['spec']['completions'] == 1, o['spec']
")
expect_ok "get job once: succeeded, start and completion times, condition Complete" "$r"
r=$(check_py cronjob nightly "
assert o['kind'] == 'CronJob' and o['spec']['schedule'] == '0 3 * * *' and o['spec']['suspend'] is True, o
meta_ok(o)
assert o['spec']['concurrencyPolicy'] == 'Allow', o['spec']
")
expect_ok "get cronjob nightly: the spec as loaded" "$r"

# --- events ----------------------------------------------------------------
r=$(check_py events pod/default/crash "
assert o['kind'] == 'List' and o['items'], o
for e in o['items']:
    assert e['apiVersion'] == 'v1' and e['kind'] == 'Event', e
    meta_ok(e)
    assert e['involvedObject'] == {'apiVersion': 'v1', 'kind': 'Pod', 'namespace': 'default', 'name': 'crash'}, e['involvedObject']
    assert e['source']['component'] == 'podvisor' and e['type'] in ('Normal', 'Warning') and e['count'] >= 1
    assert RFC.match(e['firstTimestamp']) and RFC.match(e['lastTimestamp']) and e['reason'] and e['message'], e
assert 'BackOff' in [e['reason'] for e in o['items']], [e['reason'] for e in o['items']]
")
expect_ok "get events pod/default/crash: v1 Events (involvedObject, reason, count, times, source podvisor)" "$r"

# --- not found, YAML = JSON, round trip through check - --------------------
"$PODVISOR" get pod nosuch -o json >/dev/null 2>"$T_TMP/err"; rc=$?
[ $rc = 1 ] && grep -q 'NotFound.*pods "nosuch" not found' "$T_TMP/err" \
	&& ok "get pod nosuch -o json: NotFound, exit 1" || fail "nosuch: rc=$rc $(cat "$T_TMP/err")"

for k in "pod solo" "pods" "svc web" "ep web" "cm cfg" "secret sec" "pv" "pvc" \
	"deploy web" "rs $rs" "sts db" "ds agent" "job once" "cronjob nightly" "events"; do
	# The crash pod restarts all along: its status may move between the
	# two reads, so a difference is read again (a wrong encoding differs
	# every time).
	for try in 1 2 3 4 5; do
		"$PODVISOR" get $k -o yaml >"$T_TMP/o.yaml" 2>/dev/null
		"$PODVISOR" get $k -o json >"$T_TMP/o.json" 2>/dev/null
		same=$("$PY" -c '
import json, sys, yaml
y = yaml.safe_load(open(sys.argv[1]))
j = json.load(open(sys.argv[2]))
print("same" if y == j and not open(sys.argv[1]).read().startswith("---") else "differ")' "$T_TMP/o.yaml" "$T_TMP/o.json" 2>&1)
		[ "$same" = same ] && break
	done
	out=$("$PODVISOR" check - <"$T_TMP/o.yaml" 2>&1); rc=$?
	noise=$(echo "$out" | grep -E 'warning: (status|metadata\.(uid|resourceVersion|creationTimestamp|managedFields))')
	n=$(echo "$out" | grep -cE '^[A-Za-z]+ [^ ]+  -:[0-9]+$')
	want=$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(len(o["items"]) if o["kind"] == "List" else 1)' "$T_TMP/o.json")
	case $k in ep*|events) want=0 ;; esac # Endpoints, Event: podvisor runs none (a warning)
	if [ $rc = 0 ] && [ -z "$noise" ] && [ "$n" = "$want" ] && [ "$same" = same ]; then
		ok "get $k -o yaml | check -: clean, $n object(s) loaded; the YAML is the JSON"
	else
		fail "get $k -o yaml | check -: rc=$rc objects=$n (want $want) yaml/json $same"; diag "$out"
	fi
done
npods=$("$PODVISOR" get pods -o internal-json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
out=$("$PODVISOR" get pods -o json | "$PODVISOR" check - 2>&1) && echo "$out" | grep -q "$npods objects, 0 errors" \
	&& ok "get pods -o json | check -: the List loads" || { fail "json round trip"; diag "$out"; }

# The daemon's records stay where the tests read them.
"$PODVISOR" get pods -o internal-json | "$PY" -c '
import json, sys
ps = json.load(sys.stdin)
assert isinstance(ps, list) and all("status" in p and "uid" in p and "containers" in p for p in ps)' \
	&& ok "-o internal-json: the daemon's records, as before" || fail "internal-json"

# --- many: 30 pods and 20 Services in one List each ------------------------
for i in $(seq -w 1 30); do
	pod_yaml "m$i" Always sh -c "sleep 1000" | sed 's/^  name: m\(..\)$/  name: m\1\n  labels: {set: many}/'
	echo ---
done >"$T_TMP/many.yaml"
for i in $(seq -w 1 20); do
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: s%s, namespace: many}\nspec:\n  type: NodePort\n  selector: {set: many}\n  ports: [{port: 80}]\n---\n' "$i"
done >>"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_for 90 'running m 30' || fail "30 pods: $("$PODVISOR" get pods 2>&1 | tail -5)"
r=$(check_py "pods -l set=many" "" "
assert o['kind'] == 'List' and len(o['items']) == 30, len(o['items'])
ips = [p['status']['podIP'] for p in o['items']]
assert len(set(ips)) == 30 and all(ips), ips
assert all(p['status']['phase'] == 'Running' and p['metadata']['labels'] == {'set': 'many'} for p in o['items'])
")
expect_ok "get pods -l set=many -o json: a List of 30, each Running with its own podIP" "$r"
r=$(check_py "svc -n many" "" "
assert o['kind'] == 'List' and len(o['items']) == 20, len(o['items'])
assert len({s['spec']['clusterIP'] for s in o['items']}) == 20
assert len({s['spec']['ports'][0]['nodePort'] for s in o['items']}) == 20
assert all(s['metadata']['namespace'] == 'many' for s in o['items'])
")
expect_ok "get svc -n many -o json: a List of 20, each its own clusterIP and nodePort" "$r"
out=$( { "$PODVISOR" get pods -l set=many -o yaml; echo ---; "$PODVISOR" get svc -n many -o yaml; } \
	| "$PODVISOR" check - 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '50 objects, 0 errors' \
	&& ok "the 30 pods and 20 Services go back through check - together" || { fail "many round trip rc=$rc"; diag "$(echo "$out" | tail -5)"; }

done_testing
