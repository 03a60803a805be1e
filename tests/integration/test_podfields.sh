#!/bin/bash
# The pod-level fields a node honours (issue 13 item 8): nodeSelector and
# required node affinity against the node's labels (--node-label and
# node.yaml's nodeLabels): a pod that does not fit stays Pending with one
# FailedScheduling event, starts once its file is edited to fit, and a
# running pod is not stopped when the node's labels change;
# activeDeadlineSeconds stops a pod for good (Failed, DeadlineExceeded),
# also across a daemon restart; hostAliases in /etc/hosts; setHostnameAsFQDN.
# Many: 40 pods that do not fit beside 40 that do.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

# until SECONDS COMMAND: COMMAND true within SECONDS.
until_ok() {
	local i
	for i in $(seq $(($1 * 10))); do eval "$2" && return 0; sleep 0.1; done
	return 1
}
# events_of POD REASON: how many times pod/default/POD had REASON.
events_of() {
	"$PVQ" get events "pod/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(sum(e["count"] for e in json.load(sys.stdin) if e["reason"] == sys.argv[1]))
except Exception:
    print(0)' "$2"
}
# sel_pod NAME SPEC-LINES: a sleeping pod with more spec (indented by 2).
sel_pod() {
	cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: {app: $1}
spec:
  terminationGracePeriodSeconds: 2
$2
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
YAML
}

cat >"$T_TMP/node.yaml" <<'YAML'
nodeLabels:
  tier: edge
  zone: lab
YAML
start_daemon --config "$T_TMP/node.yaml" --node-label disk=ssd ||
	{ fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# --- nodeSelector ----------------------------------------------------------
sel_pod fits '  nodeSelector: {disk: ssd, tier: edge, kubernetes.io/os: linux}' >"$T_TMP/fits.yaml"
sel_pod picky '  nodeSelector: {disk: hdd}' >"$T_TMP/picky.yaml"
drop fits.yaml "$T_TMP/fits.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
wait_status fits Running 30 && ok "a pod whose nodeSelector matches the node's labels runs" ||
	{ fail "fits: $(pod_json fits "p['status']")"; diag "$(tail -20 "$LOG")"; }
until_ok 20 '[ "$(events_of picky FailedScheduling)" -ge 1 ]' &&
	ok "a pod whose nodeSelector does not match gets a FailedScheduling event" ||
	fail "no FailedScheduling event on picky: $("$PODVISOR" get events pod/default/picky 2>&1)"
ev=$("$PODVISOR" get events pod/default/picky 2>&1)
grep -q "Warning.*FailedScheduling.*0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." <<<"$ev" &&
	ok "its message is the scheduler's" || { fail "FailedScheduling message"; diag "$ev"; }
[ "$(pod_json picky "p['status']")" = Pending ] && [ "$(pod_json picky "p['phase']")" = Pending ] &&
	[ "$(events_of picky Scheduled)" = 0 ] && [ "$(pod_json picky "p['containers'][0]['state']['waiting']['reason']")" = "" ] &&
	ok "it stays Pending, nothing started" || fail "picky: $(pod_json picky "p")"
"$PODVISOR" get pods | grep -q "^picky .*Pending" && ok "get pods shows it Pending" ||
	fail "get pods: $("$PODVISOR" get pods 2>&1)"
"$PODVISOR" describe pod picky 2>&1 | grep -q "FailedScheduling" && ok "describe pod shows the event" ||
	fail "describe picky: $("$PODVISOR" describe pod picky 2>&1)"
# Once per change: a reconcile pass later (another file read), still one.
pod_yaml other Always sleep 1000 >"$T_TMP/other.yaml"
drop other.yaml "$T_TMP/other.yaml"
wait_read other.yaml 0 Loaded && wait_status other Running 30 &&
	[ "$(events_of picky FailedScheduling)" = 1 ] && ok "the event is not repeated by later passes" ||
	fail "FailedScheduling count: $(events_of picky FailedScheduling)"
# Edited to fit: it starts.
sel_pod picky '  nodeSelector: {disk: ssd}' >"$T_TMP/picky.yaml"
drop picky.yaml "$T_TMP/picky.yaml"
wait_status picky Running 30 && ok "edited to match the node, it starts" ||
	fail "picky after the edit: $(pod_json picky "p['status']")"

# --- node affinity -------------------------------------------------------------
aff() { # NAME EXPRESSIONS (a flow sequence of matchExpressions)
	sel_pod "$1" "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: $2
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions: [{key: disk, operator: In, values: [nvme]}]"
}
aff aff-in '[{key: zone, operator: In, values: [lab, dc]}, {key: disk, operator: NotIn, values: [hdd]}, {key: tier, operator: Exists}]' >"$T_TMP/aff-in.yaml"
aff aff-no '[{key: zone, operator: In, values: [lab]}, {key: gpu, operator: Exists}]' >"$T_TMP/aff-no.yaml"
aff aff-notin '[{key: disk, operator: NotIn, values: [ssd]}]' >"$T_TMP/aff-notin.yaml"
out=$("$PODVISOR" check "$T_TMP/aff-in.yaml" 2>&1)
! grep -q "warning:" <<<"$out" && ok "check: node affinity, required and preferred, is no warning" ||
	{ fail "check warns"; diag "$out"; }
for f in aff-in aff-no aff-notin; do drop $f.yaml "$T_TMP/$f.yaml"; done
wait_status aff-in Running 30 && ok "node affinity In, NotIn, Exists that match: it runs" ||
	fail "aff-in: $(pod_json aff-in "p['status']")"
until_ok 20 '[ "$(events_of aff-no FailedScheduling)" = 1 ] && [ "$(events_of aff-notin FailedScheduling)" = 1 ]' &&
	[ "$(pod_json aff-no "p['status']")" = Pending ] && [ "$(pod_json aff-notin "p['status']")" = Pending ] &&
	ok "Exists of a label the node lacks, NotIn of its value: Pending, FailedScheduling" ||
	fail "aff-no: $(pod_json aff-no "p['status']"), aff-notin: $(pod_json aff-notin "p['status']")"
aff aff-no '[{key: zone, operator: In, values: [lab]}, {key: gpu, operator: DoesNotExist}]' >"$T_TMP/aff-no.yaml"
drop aff-no.yaml "$T_TMP/aff-no.yaml"
wait_status aff-no Running 30 && ok "edited to fit (DoesNotExist), it starts" ||
	fail "aff-no after the edit: $(pod_json aff-no "p['status']")"
# Removed while Pending: it goes.
n=$(file_seen aff-notin.yaml)
rm "$M/aff-notin.yaml"
until_ok 20 '[ -z "$(pod_json aff-notin "p[\"name\"]")" ]' && ok "a Pending pod whose file is removed is gone" ||
	fail "aff-notin still listed"

# --- activeDeadlineSeconds -------------------------------------------------------
sel_pod dlmax '  activeDeadlineSeconds: 4294967295' >"$T_TMP/dlmax.yaml"
drop dlmax.yaml "$T_TMP/dlmax.yaml"
sel_pod dl '  activeDeadlineSeconds: 2
  restartPolicy: Always' >"$T_TMP/dl.yaml"
drop dl.yaml "$T_TMP/dl.yaml"
wait_status dl Running 30 && ok "a pod with activeDeadlineSeconds 2 runs" || fail "dl: $(pod_json dl "p['status']")"
wait_status dl DeadlineExceeded 30 && [ "$(pod_json dl "p['phase']")" = Failed ] &&
	ok "past its deadline: Failed, DeadlineExceeded" || fail "dl: $(pod_json dl "p['phase']") $(pod_json dl "p['status']")"
[ "$(pod_json dl "p['reason']")" = DeadlineExceeded ] && ok "status.reason DeadlineExceeded" || fail "dl reason"
until_ok 20 '[ "$(pod_json dl "list(p[\"containers\"][0][\"state\"])[0]")" = terminated ]' &&
	ok "its container was stopped" || fail "dl container: $(pod_json dl "p['containers'][0]['state']")"
"$PODVISOR" get events pod/default/dl 2>&1 | grep -q "Warning.*DeadlineExceeded.*Pod was active on the node longer than the specified deadline" &&
	ok "a DeadlineExceeded event" || fail "events: $("$PODVISOR" get events pod/default/dl 2>&1)"
# not restarted: another pass later (a file read), the same
pod_yaml other2 Always sleep 1000 >"$T_TMP/other2.yaml"
drop other2.yaml "$T_TMP/other2.yaml"
wait_read other2.yaml 0 Loaded && wait_status other2 Running 30 &&
	[ "$(pod_json dl "p['restarts']")" = 0 ] && [ "$(pod_json dl "p['status']")" = DeadlineExceeded ] &&
	[ "$(events_of dl Started)" = 1 ] && ok "it is not restarted" ||
	fail "dl: restarts $(pod_json dl "p['restarts']"), $(pod_json dl "p['status']"), Started $(events_of dl Started)"
[ "$(pod_json dlmax "p['status']")" = Running ] && ok "activeDeadlineSeconds 4294967295 (the most): still Running" \
	|| fail "dlmax: $(pod_json dlmax "p['status']")"
rm -f "$M/dlmax.yaml"

# --- hostile or out-of-range values are refused, with the place ------------------
sel_pod bad-alias '  hostAliases:
  - ip: 10.1.2.3
    hostnames: ["good\n6.6.6.6\tkubernetes.default.svc.cluster.local evil"]' >"$T_TMP/bad-alias.yaml"
out=$("$PODVISOR" check "$T_TMP/bad-alias.yaml" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "bad-alias.yaml:[0-9]*:[0-9]*: .*spec.hostAliases\[0\].hostnames\[0\]" <<<"$out" \
	&& ok "check: a hostAliases name with a newline is refused at its place" || { fail "bad alias (exit $rc)"; diag "$out"; }
sel_pod bad-dl '  activeDeadlineSeconds: 10000000000000000' >"$T_TMP/bad-dl.yaml"
out=$("$PODVISOR" check "$T_TMP/bad-dl.yaml" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "activeDeadlineSeconds.*must be between 1 and 4294967295" <<<"$out" \
	&& ok "check: activeDeadlineSeconds past 2^32-1 is refused" || { fail "bad deadline (exit $rc)"; diag "$out"; }
cat >"$T_TMP/bad-deploy.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: bd}
spec:
  selector: {matchLabels: {app: bd}}
  template:
    metadata: {labels: {app: bd}}
    spec:
      activeDeadlineSeconds: 5
      containers: [{name: c, image: busybox:test}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: bds}
spec:
  selector: {matchLabels: {app: bds}}
  updateStrategy: {rollingUpdate: {maxSurge: 1}}
  template:
    metadata: {labels: {app: bds}}
    spec:
      containers: [{name: c, image: busybox:test}]
YAML
out=$("$PODVISOR" check "$T_TMP/bad-deploy.yaml" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "bad-deploy.yaml:9:[0-9]*: .*activeDeadlineSeconds in Deployment is not supported" <<<"$out" \
	&& ok "check: a Deployment's template may not have activeDeadlineSeconds (its pods would never be replaced)" \
	|| { fail "deployment with a deadline (exit $rc)"; diag "$out"; }
grep -q "bad-deploy.yaml:17:[0-9]*: .*maxUnavailable.*set maxUnavailable: 0" <<<"$out" \
	&& ok "check: a DaemonSet's maxSurge needs maxUnavailable 0, as Kubernetes" || { fail "daemonset surge"; diag "$out"; }
cp "$T_TMP/bad-alias.yaml" "$M/"
wait_read bad-alias.yaml 0 FailedLoad && [ -z "$(pod_json bad-alias "p['name']")" ] \
	&& ok "the daemon refuses the file too: no pod" || fail "bad-alias: $(pod_json bad-alias "p['status']")"
rm -f "$M/bad-alias.yaml"

# --- a pod name longer than a hostname: cut to 63 as the kubelet does -----------
long=$(printf 'a%.0s' $(seq 62))-bc
pod_yaml "$long" Always sleep 1000 >"$T_TMP/long.yaml"
drop long.yaml "$T_TMP/long.yaml"
wait_status "$long" Running 30 && [ "$("$PODVISOR" exec "$long" -- hostname)" = "$(printf 'a%.0s' $(seq 62))" ] \
	&& ok "a 65-character pod name runs, its hostname cut to 63 characters without a trailing '-'" \
	|| fail "long: $(pod_json "$long" "p['status']") hostname $("$PODVISOR" exec "$long" -- hostname 2>&1)"
rm -f "$M/long.yaml"

# --- hostAliases, setHostnameAsFQDN ----------------------------------------------
sel_pod ha '  hostname: web
  subdomain: front
  setHostnameAsFQDN: true
  hostAliases:
  - ip: 10.1.2.3
    hostnames: [foo.local, bar.local]
  - ip: 10.1.2.4
    hostnames: [baz]' >"$T_TMP/ha.yaml"
sel_pod short '  hostname: web
  subdomain: front' >"$T_TMP/short.yaml"
drop ha.yaml "$T_TMP/ha.yaml"
drop short.yaml "$T_TMP/short.yaml"
wait_status ha Running 30 && wait_status short Running 30 && ok "pods with hostAliases and setHostnameAsFQDN run" ||
	fail "ha: $(pod_json ha "p['status']"), short: $(pod_json short "p['status']")"
hosts=$("$PODVISOR" exec ha -- cat /etc/hosts 2>&1)
printf '%s\n' "$hosts" | grep -qx "# Entries added by HostAliases." &&
	printf '%s\n' "$hosts" | grep -qxP "10\.1\.2\.3\tfoo\.local\tbar\.local" &&
	printf '%s\n' "$hosts" | grep -qxP "10\.1\.2\.4\tbaz" &&
	ok "hostAliases: the kubelet's section in /etc/hosts" || { fail "/etc/hosts"; diag "$hosts"; }
printf '%s\n' "$hosts" | grep -qP "^$(pod_json ha "p['podIP']" | sed 's/\./\\./g')\tweb\.front\.default\.svc\.cluster\.local\tweb$" &&
	ok "/etc/hosts names the pod's address with its FQDN" || { fail "/etc/hosts own line"; diag "$hosts"; }
[ "$("$PODVISOR" exec ha -- hostname 2>&1)" = web.front.default.svc.cluster.local ] &&
	ok "setHostnameAsFQDN: hostname is web.front.default.svc.cluster.local" ||
	fail "hostname: $("$PODVISOR" exec ha -- hostname 2>&1)"
[ "$("$PODVISOR" exec short -- hostname 2>&1)" = web ] && ok "without it, the short hostname" ||
	fail "short hostname: $("$PODVISOR" exec short -- hostname 2>&1)"

# --- many: 40 that do not fit, 40 that do ------------------------------------------
for i in $(seq 40); do
	sel_pod "no$i" '  nodeSelector: {disk: tape}'
	echo ---
	sel_pod "yes$i" '  nodeSelector: {zone: lab}'
	echo ---
done >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
count() { # STATUS PREFIX
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["name"].startswith(sys.argv[2]) and p["name"][len(sys.argv[2]):].isdigit() and p["status"] == sys.argv[1]))' "$1" "$2"
}
until_ok 120 '[ "$(count Running yes)" = 40 ]' && ok "many: 40 pods that fit run" || fail "many: $(count Running yes) of 40 running"
nev=0
for i in $(seq 40); do nev=$((nev + $(events_of "no$i" FailedScheduling))); done
[ "$(count Pending no)" = 40 ] && [ "$nev" = 40 ] && ok "many: 40 that do not fit Pending, one FailedScheduling each" ||
	fail "many: $(count Pending no) Pending, $nev events"

# --- a daemon restart with other labels ---------------------------------------------
# IgnoredDuringExecution: running pods stay, though disk=ssd is gone; a
# Failed pod stays Failed; a pod that fits only now starts.
stop_daemon TERM >/dev/null
start_daemon --config "$T_TMP/node.yaml" --node-label disk=tape ||
	{ fail "daemon restart"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
wait_status no40 Running 60 && ok "after a restart with disk=tape, the pods that fit now start" ||
	fail "no40: $(pod_json no40 "p['status']")"
[ "$(pod_json fits "p['status']")" = Running ] && [ "$(pod_json picky "p['status']")" = Running ] &&
	[ "$(pod_json fits "p['restarts']")" = 0 ] && ok "running pods that no longer fit keep running" ||
	fail "fits: $(pod_json fits "p['status']"), picky: $(pod_json picky "p['status']")"
[ "$(pod_json dl "p['status']")" = DeadlineExceeded ] && [ "$(pod_json dl "p['restarts']")" = 0 ] &&
	ok "the pod past its deadline stays Failed after the restart" || fail "dl after restart: $(pod_json dl "p['status']")"

stop_daemon TERM >/dev/null
done_testing
