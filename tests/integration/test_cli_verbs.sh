#!/bin/bash
# The verbs a kubectl user reaches for beside get: version, completion and
# wait. version: the client's build without a daemon (exit 0, a note; 1
# with --server), then the daemon's too, -o json|yaml with kubectl's keys.
# completion bash: the script loads, `complete -p` names its function, and
# TAB offers the verbs of `podvisor --help`, every kind `get` serves, a
# verb's options (read from its --help) and their values, and the names of
# the pods the daemon runs. wait: a pod that turns Ready (condition met),
# a timeout (kubectl's message, exit 1), a pod not found (NotFound, exit
# 1), --for=delete when its file goes, usage errors (exit 2), a Job's
# Complete and a Deployment's Available. Many: 20 pods at once with -l,
# for Ready, then for delete.
. "$(dirname "$0")/lib_pods.sh"

export PATH=$(dirname "$PODVISOR"):$PATH # completion calls 'podvisor' by name
[ "$(basename "$PODVISOR")" = podvisor ] || { fail "the binary must be named podvisor"; done_testing; exit 1; }

# --- version without a daemon -------------------------------------------------
out=$("$PODVISOR" version 2>"$T_TMP/err")
rc=$?
V=$("$PODVISOR" --version | awk '{print $2}')
[ "$rc" = 0 ] && [ "$(echo "$out" | head -1)" = "Client Version: v$V" ] \
	&& echo "$out" | grep -Eq '^Client Build: .+, linux/[a-z0-9]+$' && ! echo "$out" | grep -q '^Server' \
	&& grep -q "daemon did not answer" "$T_TMP/err" \
	&& ok "version without a daemon: Client Version v$V and its build, a note on stderr, exit 0" \
	|| { fail "version without a daemon: rc $rc"; diag "$out" "$(cat "$T_TMP/err")"; }
out=$("$PODVISOR" version --server 2>&1)
rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "^error: the daemon did not answer" \
	&& ok "version --server without a daemon: error, exit 1" || { fail "version --server: rc $rc"; diag "$out"; }
out=$("$PODVISOR" version --client -o json 2>&1)
echo "$out" | "$PY" -c '
import json, re, sys
v = json.load(sys.stdin)
c = v["clientVersion"]
assert list(v) == ["clientVersion"], v
assert c["gitVersion"] == "v" + sys.argv[1], c
assert c["gitCommit"] == "" or re.fullmatch("[0-9a-f]{40}", c["gitCommit"]), c
assert c["gitTreeState"] in ("", "clean", "dirty") and c["compiler"] and c["platform"].startswith("linux/"), c
' "$V" && ok "version --client -o json: clientVersion {gitVersion, gitCommit, gitTreeState, compiler, platform}" \
	|| { fail "version --client -o json"; diag "$out"; }
expect_rc 2 "version --client --server: a usage error, exit 2" "$PODVISOR" version --client --server

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# --- version with a daemon -----------------------------------------------------
out=$("$PODVISOR" version 2>"$T_TMP/err")
rc=$?
[ "$rc" = 0 ] && [ "$(echo "$out" | grep -c '^Server Version: v'"$V"'$')" = 1 ] \
	&& [ "$(echo "$out" | sed -n 's/^Client Build: //p')" = "$(echo "$out" | sed -n 's/^Server Build: //p')" ] \
	&& [ ! -s "$T_TMP/err" ] \
	&& ok "version with a daemon: Server Version v$V, the same build as the client, nothing on stderr" \
	|| { fail "version with a daemon: rc $rc"; diag "$out" "$(cat "$T_TMP/err")"; }
"$PODVISOR" version -o yaml | grep -q '^serverVersion:$' && "$PODVISOR" version --server -o json | "$PY" -c '
import json, sys
v = json.load(sys.stdin)
assert v["serverVersion"] == v["clientVersion"], v' \
	&& ok "version -o yaml|json: serverVersion, equal to clientVersion (one binary)" || fail "version -o: $("$PODVISOR" version -o json 2>&1)"

# --- completion -----------------------------------------------------------------
"$PODVISOR" completion bash >"$T_TMP/comp.bash" && bash -n "$T_TMP/comp.bash" \
	&& [ "$(bash -c '. "$1" && complete -p podvisor' _ "$T_TMP/comp.bash")" = "complete -o default -F _podvisor podvisor" ] \
	&& ok "completion bash: a script bash reads, 'complete -p podvisor' names _podvisor" \
	|| { fail "completion bash does not load"; diag "$(bash -c '. "$1"; complete -p podvisor' _ "$T_TMP/comp.bash" 2>&1)"; }
"$PODVISOR" completion zsh | head -1 | grep -qx '#compdef podvisor' && ok "completion zsh: a #compdef script" || fail "completion zsh"
expect_rc 2 "completion fish: a usage error, exit 2" "$PODVISOR" completion fish

# comp LINE: what TAB offers at the end of LINE, sorted, on one line
comp() {
	bash -c '. "$2" || exit 9
	COMP_LINE=$1 COMP_POINT=${#1}
	read -ra COMP_WORDS <<<"$1"
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_podvisor podvisor "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf "%s\n" "${COMPREPLY[@]}"' _ "$1" "$T_TMP/comp.bash" | sort | tr '\n' ' ' | sed 's/ $//'
}
# every verb of `podvisor --help` (its Commands), and nothing else
verbs=$("$PODVISOR" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')
[ -n "$verbs" ] && [ "$(comp "podvisor ")" = "$verbs" ] && ok "TAB after podvisor: the verbs of --help ($verbs)" \
	|| fail "verbs: '$(comp "podvisor ")', --help has '$verbs'"
[ "$(comp "podvisor ro")" = rollout ] && [ "$(comp "podvisor rollout ")" = "history status undo" ] \
	&& ok "TAB completes a verb's prefix and its sub-verbs" || fail "ro: '$(comp "podvisor ro")', rollout: '$(comp "podvisor rollout ")'"
# every kind `get` serves (its usage error lists them, short names in parentheses)
served=$("$PODVISOR" get 2>&1 | sed -n 's/.*the kinds served: //p' | tr -d '(),' | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')
kinds=" $(comp "podvisor get ") "
missing=$(for k in $served; do [[ $kinds == *" $k "* ]] || echo "$k"; done)
[ -n "$served" ] && [ -z "$missing" ] && ok "TAB after get: every kind get serves, short names too" \
	|| fail "kinds missing from completion: '$missing' (served: $served)"
for k in $(comp "podvisor get "); do # the names offered beyond the served ones (pod, service, ...)
	[[ " $served " == *" $k "* ]] && continue
	"$PODVISOR" get "$k" >/dev/null 2>&1
	[ $? = 2 ] && { fail "completion offers kind '$k', which get refuses"; break; }
done
[ "$(comp "podvisor describe dep")" = "deploy deployment deployments" ] && ok "TAB after describe dep: deploy deployment deployments" \
	|| fail "describe dep: '$(comp "podvisor describe dep")'"
# options: from each verb's --help
want=$("$PODVISOR" wait --help | sed -n '/^Options:/,/^$/p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' | tr -d ' ,' | sed 's/^\(-.\)\(--\)/\1\n\2/' | sort | tr '\n' ' ' | sed 's/ $//')
[ "$(comp "podvisor wait -")" = "$want" ] && ok "TAB after wait -: wait's options, as its --help lists them" \
	|| fail "wait -: '$(comp "podvisor wait -")', --help: '$want'"
[ "$(comp "podvisor get -o ")" = "json name wide yaml" ] && [ "$(comp "podvisor get --output=y")" = yaml ] \
	&& [ "$(comp "podvisor get -n default -o j")" = json ] \
	&& ok "TAB after get -o: its values (json name wide yaml; not the tests' internal-json), --output=y too" \
	|| fail "get -o: '$(comp "podvisor get -o ")', --output=y: '$(comp "podvisor get --output=y")'"

pod_yaml alpha Always sleep 100000 >"$T_TMP/alpha.yaml"
drop alpha.yaml "$T_TMP/alpha.yaml"
pod_yaml alpine Always sleep 100000 >"$T_TMP/alpine.yaml"
drop alpine.yaml "$T_TMP/alpine.yaml"
wait_for 20 '"$PODVISOR" get pods alpha >/dev/null 2>&1 && "$PODVISOR" get pods alpine >/dev/null 2>&1' || fail "pods alpha, alpine not listed"
[ "$(comp "podvisor get pods al")" = "alpha alpine" ] && [ "$(comp "podvisor logs ")" = "alpha alpine" ] \
	&& [ "$(comp "podvisor wait --for=delete pod/alp")" = "pod/alpha pod/alpine" ] \
	&& [ "$(comp "podvisor describe po -n default alpi")" = alpine ] && [ -z "$(comp "podvisor get pods -n other al")" ] \
	&& ok "TAB completes pod names from the daemon (not its header): get pods al, logs, wait pod/alp, -n honoured" \
	|| fail "pod names: get pods al '$(comp "podvisor get pods al")', logs '$(comp "podvisor logs ")', wait '$(comp "podvisor wait --for=delete pod/alp")'"
# zsh (scripts/deps.sh installs it), through its bashcompinit
if ! command -v zsh >/dev/null; then
	fail "completion zsh: no zsh on this machine (scripts/deps.sh installs it)"
else
	out=$(zsh -f -c '. <(podvisor completion zsh) || exit 9
	COMP_LINE="podvisor describe deploym" COMP_POINT=25
	_podvisor; print -r -- "${COMPREPLY[*]}"
	COMP_LINE="podvisor get pods alph" COMP_POINT=22
	_podvisor; print -r -- "${COMPREPLY[*]}"
	COMP_LINE="podvisor get --output=y" COMP_POINT=23
	_podvisor; print -r -- "${COMPREPLY[*]}"' 2>&1)
	[ "$out" = "$(printf 'deployments deployment\nalpha\n--output=yaml')" ] \
		&& ok "completion zsh: loads in zsh, completes kinds, pod names, --output=y (the whole word: zsh splits no '=')" \
		|| { fail "completion zsh"; diag "$out"; }
fi

# --- wait ---------------------------------------------------------------------------
# The pods waited for to be deleted take a second to stop (their TERM trap),
# so a `wait --for=delete` started just before the deletion has listed them
# before they go.
cat >"$T_TMP/r1.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: r1, labels: {app: r1}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "trap 'sleep 1; exit 0' TERM; while true; do sleep 0.2; done"]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ok]}
      periodSeconds: 1
YAML
drop r1.yaml "$T_TMP/r1.yaml"
wait_status r1 Running || fail "r1: $(pod_json r1 "p['status']")"
out=$("$PODVISOR" wait --for=condition=Ready pod/r1 --timeout=1s 2>"$T_TMP/err")
rc=$?
[ "$rc" = 1 ] && [ -z "$out" ] && [ "$(cat "$T_TMP/err")" = "error: timed out waiting for the condition on pods/r1" ] \
	&& ok "wait Ready on a running pod whose probe fails: 'error: timed out waiting for the condition on pods/r1', exit 1" \
	|| { fail "wait timeout: rc $rc"; diag "$out" "$(cat "$T_TMP/err")"; }
"$PODVISOR" exec r1 -- touch /tmp/ok
out=$("$PODVISOR" wait --for=condition=ready pod/r1 --timeout=30s 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$out" = "pod/r1 condition met" ] && [ "$(pod_json r1 "p['ready']")" = 1 ] \
	&& ok "wait --for=condition=ready pod/r1 once its probe passes: 'pod/r1 condition met', exit 0" \
	|| { fail "wait Ready: rc $rc"; diag "$out"; }
out=$("$PODVISOR" wait --for=condition=Ready pods r1 --timeout=1h30m 2>&1) && [ "$out" = "pod/r1 condition met" ] \
	&& "$PODVISOR" wait --for=condition=Ready pod/r1 --timeout=-1s >/dev/null && "$PODVISOR" wait --for=condition=Ready pod/r1 --timeout=250ms >/dev/null \
	&& ok "wait KIND NAME, --timeout=1h30m, -1s (a week), 250ms: Go durations" || { fail "durations"; diag "$out"; }
out=$("$PODVISOR" wait --for=condition=Ready=false pods r1 --timeout=0 2>&1)
rc=$?
[ "$rc" = 1 ] && [ "$out" = "error: timed out waiting for the condition on pods/r1" ] \
	&& ok "wait Ready=false on a ready pod, --timeout=0: checked once, timed out, exit 1" || { fail "Ready=false: rc $rc"; diag "$out"; }
out=$("$PODVISOR" wait --for=condition=Ready pod/nosuch pod/r1 2>"$T_TMP/err")
rc=$?
[ "$rc" = 1 ] && [ "$(cat "$T_TMP/err")" = 'Error from server (NotFound): pods "nosuch" not found' ] && [ "$out" = "pod/r1 condition met" ] \
	&& ok "wait on a missing pod: 'Error from server (NotFound): pods \"nosuch\" not found', the others still waited for, exit 1" \
	|| { fail "wait NotFound: rc $rc"; diag "$out" "$(cat "$T_TMP/err")"; }
out=$("$PODVISOR" wait --for=delete pod/nosuch 2>&1)
rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] && ok "wait --for=delete on a pod already gone: nothing to wait for, exit 0" || { fail "delete of nosuch: rc $rc"; diag "$out"; }

"$PODVISOR" wait --for=delete pod/r1 --timeout=30s >"$T_TMP/del.out" 2>&1 &
W=$!
rm "$M/r1.yaml"
wait "$W"
rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T_TMP/del.out")" = "pod/r1 deleted" ] && [ -z "$(pod_json r1 "p['uid']")" ] \
	&& ok "wait --for=delete pod/r1, its file removed: 'pod/r1 deleted' once it is gone, exit 0" \
	|| { fail "wait delete: rc $rc"; diag "$(cat "$T_TMP/del.out")"; }

# usage errors: exit 2, kubectl's way
for args in "pod/alpha" "--for=jsonpath={.status.phase}=Running pod/alpha" "--for=ready pod/alpha" \
	"--for=delete" "--for=delete pod/alpha --timeout=30" "--for=delete nodes/x" "--for=delete -A pod/alpha" \
	"--for=delete deploy -l app=x" "--bogus --for=delete pod/alpha"; do
	# shellcheck disable=SC2086
	out=$("$PODVISOR" wait $args 2>&1)
	rc=$?
	[ "$rc" = 2 ] && echo "$out" | grep -q "^See 'podvisor wait --help' for usage.$" || { fail "wait $args: rc $rc (wanted 2)"; diag "$out"; }
done
"$PODVISOR" wait --for=jsonpath='{.status.phase}'=Running pod/alpha 2>&1 | grep -q "jsonpath is not supported" \
	&& ok "wait usage errors (no --for, jsonpath (said unsupported), a bad condition, no object, --timeout=30, an unknown kind, -A with a name, -l on deploy, a bad flag): exit 2" \
	|| fail "jsonpath not said unsupported"

# a Job's Complete, a Deployment's Available
cat >"$T_TMP/j1.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: j1}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:test, command: ["true"]}]
YAML
drop j1.yaml "$T_TMP/j1.yaml"
wait_for 20 '"$PODVISOR" get jobs j1 >/dev/null 2>&1' || fail "job j1 not listed"
out=$("$PODVISOR" wait --for=condition=Complete job/j1 --timeout=30s 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$out" = "job.batch/j1 condition met" ] && ok "wait --for=condition=Complete job/j1: 'job.batch/j1 condition met'" \
	|| { fail "wait job: rc $rc"; diag "$out"; }

# a pod replaced under the same name (a StatefulSet's): deleted is the pod
# that was there, known by its uid
cat >"$T_TMP/st.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: st}
spec:
  replicas: 1
  serviceName: st
  selector: {matchLabels: {app: st}}
  template:
    metadata: {labels: {app: st}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: busybox:test
        command: [sh, -c, "trap 'sleep 1; exit 0' TERM; while true; do sleep 0.2; done"]
YAML
drop st.yaml "$T_TMP/st.yaml"
wait_status st-0 Running || fail "st-0: $(pod_json st-0 "p['status']")"
U0=$(pod_json st-0 "p['uid']")
"$PODVISOR" wait --for=delete pod/st-0 --timeout=30s >"$T_TMP/st.out" 2>&1 &
W=$!
"$PODVISOR" delete pod st-0 --wait=false >/dev/null
wait "$W"
rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T_TMP/st.out")" = "pod/st-0 deleted" ] \
	&& wait_for 20 '[ "$(pod_json st-0 "p['"'"'uid'"'"']")" != "$U0" ] && [ -n "$(pod_json st-0 "p['"'"'uid'"'"']")" ]' \
	&& ok "wait --for=delete pod/st-0, deleted and replaced under its name: 'pod/st-0 deleted' (by uid)" \
	|| { fail "wait delete st-0: rc $rc"; diag "$(cat "$T_TMP/st.out")"; }
rm "$M/st.yaml"

# --- many: 20 pods at once, -l ------------------------------------------------------
cat >"$T_TMP/many.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 20
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: busybox:test
        command: [sh, -c, "trap 'sleep 1; exit 0' TERM; while true; do sleep 0.2; done"]
YAML
drop many.yaml "$T_TMP/many.yaml"
nmany() { "$PODVISOR" get pods -l app=many -o internal-json 2>/dev/null | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
wait_for 30 '[ "$(nmany)" = 20 ]' || fail "20 pods: $(nmany)"
out=$("$PODVISOR" wait --for=condition=Ready pods -l app=many --timeout=60s 2>&1)
rc=$?
names=$("$PODVISOR" get pods -l app=many -o internal-json | "$PY" -c 'import json, sys; print("\n".join(sorted("pod/%s condition met" % p["name"] for p in json.load(sys.stdin))))')
[ "$rc" = 0 ] && [ "$(echo "$out" | sort)" = "$names" ] && [ "$(echo "$out" | wc -l)" = 20 ] \
	&& ok "wait --for=condition=Ready pods -l app=many: 20 lines 'pod/NAME condition met', exit 0" \
	|| { fail "wait -l many: rc $rc, $(echo "$out" | wc -l) lines"; diag "$out"; }
out=$("$PODVISOR" wait --for=condition=Available deploy/many --timeout=30s 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$out" = "deployment.apps/many condition met" ] && ok "wait --for=condition=Available deploy/many: 'deployment.apps/many condition met'" \
	|| { fail "wait deploy: rc $rc"; diag "$out"; }
out=$("$PODVISOR" wait --for=condition=Ready pods -l app=none 2>&1)
rc=$?
[ "$rc" = 1 ] && [ "$out" = "error: no matching resources found" ] && ok "wait -l matching nothing: 'error: no matching resources found', exit 1" \
	|| { fail "wait -l none: rc $rc"; diag "$out"; }
"$PODVISOR" wait --for=delete pods -l app=many -A --timeout=60s >"$T_TMP/many.out" 2>&1 &
W=$!
rm "$M/many.yaml"
wait "$W"
rc=$?
[ "$rc" = 0 ] && [ "$(grep -c '^pod/many-.* deleted$' "$T_TMP/many.out")" = 20 ] && [ "$(wc -l <"$T_TMP/many.out")" = 20 ] \
	&& [ "$(nmany)" = 0 ] && ok "wait --for=delete pods -l app=many -A, the Deployment's file removed: 20 'pod/NAME deleted', exit 0" \
	|| { fail "wait delete many: rc $rc"; diag "$(cat "$T_TMP/many.out")"; }

done_testing
