#!/bin/bash
# asan: yes
# Nothing silently ignored (issue 13 item 8): a kind or a field podvisor
# loads but does not act on is a located warning from `podvisor check`
# and a NotActedOn Warning event on the object from the daemon.
. "$(dirname "$0")/lib_pods.sh"

cat >"$T_TMP/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostIPC: true
      containers: [{name: a, image: busybox:test}]
YAML
cat >"$T_TMP/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: picky
spec:
  restartPolicy: Never
  priorityClassName: high
  containers:
  - name: a
    image: busybox:test
    command: [sleep, "300"]
YAML

# check: file:line:col, exit 0, and -q keeps quiet about warnings.
out=$("$PODVISOR" check "$T_TMP/deploy.yaml" 2>&1); rc=$?
[ $rc = 0 ] && grep -q "deploy.yaml:12:16: warning: spec.template.spec.hostIPC: not acted on by podvisor yet (issue 14)" <<<"$out" &&
	ok "check: a StatefulSet's template's hostIPC is a located warning, exit 0" || { fail "check deploy.yaml (exit $rc)"; diag "$out"; }
out=$("$PODVISOR" check "$T_TMP/pod.yaml" 2>&1); rc=$?
[ $rc = 0 ] && grep -q "pod.yaml:7:22: warning: spec.priorityClassName: not acted on by podvisor: one node, no preemption" <<<"$out" &&
	ok "check: a pod's priorityClassName is a located warning, exit 0" || { fail "check pod.yaml (exit $rc)"; diag "$out"; }
out=$("$PODVISOR" check -q "$T_TMP/pod.yaml" "$T_TMP/deploy.yaml" 2>&1); rc=$?
[ $rc = 0 ] && ! grep -q 'warning' <<<"$out" && ok "check -q: no warnings printed" || { fail "check -q (exit $rc)"; diag "$out"; }

# the daemon: one NotActedOn Warning per object and field, on load.
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
drop deploy.yaml "$T_TMP/deploy.yaml"
drop pod.yaml "$T_TMP/pod.yaml"
wait_read deploy.yaml 0 Loaded && wait_read pod.yaml 0 Loaded && ok "the daemon loaded both files" ||
	fail "files not loaded: $(cat "$LOG")"
ev=$("$PODVISOR" get events statefulset/default/web 2>&1)
grep -q "Warning.*NotActedOn.*spec.template.spec.hostIPC: not acted on by podvisor yet (issue 14).*deploy.yaml:12:16" <<<"$ev" &&
	ok "a NotActedOn event on statefulset/default/web" || { fail "no NotActedOn event on the StatefulSet"; diag "$ev"; }
ev=$("$PODVISOR" get events pod/default/picky 2>&1)
grep -q "Warning.*NotActedOn.*spec.priorityClassName: not acted on by podvisor: one node, no preemption.*pod.yaml:7:22" <<<"$ev" &&
	ok "a NotActedOn event on pod/default/picky for spec.priorityClassName" || { fail "no NotActedOn event on the pod"; diag "$ev"; }
out=$("$PODVISOR" describe pod picky 2>&1)
grep -q "NotActedOn" <<<"$out" && ok "describe pod shows it" || { fail "describe pod picky has no NotActedOn"; diag "$out"; }
# The files say it too: a Warning on each, with the first one's place,
# found by file/NAME as well as file:PATH.
noage() { "$PODVISOR" get events --no-headers "$@" 2>&1 | awk '{ $1 = ""; print }'; } # LAST SEEN ticks
ev=$("$PODVISOR" get events --for file/pod.yaml 2>&1)
grep -q "Warning *NotActedOn *file:$M/pod.yaml *$M/pod.yaml:7:22: spec.priorityClassName: .*(1 field or kind loaded but not acted on" <<<"$ev" &&
	[ "$(noage "file:$M/pod.yaml")" = "$(noage --for file/pod.yaml)" ] && [ "$(noage file/pod.yaml)" = "$(noage --for file/pod.yaml)" ] &&
	ok "a NotActedOn Warning on the file too (get events --for file/pod.yaml), with file:line:col" ||
	{ fail "no NotActedOn on the file"; diag "$ev"; }
# Reconciling again says nothing new: once per load.
notacted() {
	"$PVQ" get events -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(e["count"] for e in json.load(sys.stdin) if e["reason"] == "NotActedOn" and not e["object"].startswith("file:")))'
}
n=$(notacted)
sleep 2
m=$(notacted)
[ "$n" = 2 ] && [ "$m" = 2 ] && ok "two NotActedOn events on the objects, not repeated by reconciles" ||
	fail "NotActedOn events: $n, then $m (want 2 and 2)"

stop_daemon TERM >/dev/null
done_testing
