#!/bin/bash
# A Job's podFailurePolicy, backoffLimitPerIndex / maxFailedIndexes and
# successPolicy, run by the real daemon: a FailJob rule on exit code 42
# fails the Job at the first failure (reason PodFailurePolicy, Kubernetes'
# message); an Ignore rule lets a Job with backoffLimit 0 retry;
# backoffLimitPerIndex 1 with one bad index of 3 (the others complete,
# Failed FailedIndexes, failedIndexes "1"); maxFailedIndexes; successPolicy
# succeededIndexes "0" completes the Job while index 1 still runs, and
# stops it; 40 indexes, every tenth failing with backoffLimitPerIndex 0;
# podReplacementPolicy: a deleted pod that ignores SIGTERM is replaced at
# once by default, only once it is gone with Failed (Indexed too);
# `check` rejects what Kubernetes rejects. The Jobs run side by side.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# job_yaml NAME COMPLETIONS PARALLELISM COMMAND [EXTRA-SPEC-YAML] [EXTRA-POD-SPEC-YAML]
job_yaml() {
	cat <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: $1
spec:
  completions: $2
  parallelism: $3
${5:-}
  template:
    metadata:
      labels:
        app: $1
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: ${GRACE:-1}
${6:-}
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "$4"]
${7:-}
YAML
}
# pods_of APP: "name status" of the app's pods, sorted.
pods_of() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    if (p.get("labels") or {}).get("job-name") == sys.argv[1]:
        print(p["name"], p["status"])' "$1"
}
events_of() {
	"$PVQ" get events "$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["reason"], e.get("count", 1), e.get("message", ""))
except Exception:
    pass'
}

RULES42='  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: main, operator: In, values: [42]}
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]'
job_yaml fatal 1 1 "exit 42" "$RULES42" >"$T_TMP/fatal.yaml"

mkdir -p "$T_TMP/host"
job_yaml flaky 1 1 "[ -e /d/once ] && exit 0; touch /d/once; exit 3" "  backoffLimit: 0
  podFailurePolicy:
    rules:
    - action: Ignore
      onExitCodes: {operator: In, values: [3]}" \
	"      volumes: [{name: d, hostPath: {path: $T_TMP/host}}]" \
	"        volumeMounts: [{name: d, mountPath: /d}]" >"$T_TMP/flaky.yaml"

job_yaml perindex 3 3 "[ \$JOB_COMPLETION_INDEX = 1 ] && exit 1; exit 0" "  completionMode: Indexed
  backoffLimitPerIndex: 1" >"$T_TMP/perindex.yaml"

job_yaml maxfail 4 1 "[ \$JOB_COMPLETION_INDEX = 0 ] && exit 1; exit 0" "  completionMode: Indexed
  backoffLimitPerIndex: 0
  maxFailedIndexes: 0" >"$T_TMP/maxfail.yaml"

job_yaml leader 2 2 "[ \$JOB_COMPLETION_INDEX = 0 ] && { sleep 1; exit 0; }; exec sleep 1000" "  completionMode: Indexed
  successPolicy:
    rules:
    - succeededIndexes: \"0\"" >"$T_TMP/leader.yaml"

job_yaml many 40 20 "[ \$((JOB_COMPLETION_INDEX % 10)) = 3 ] && exit 1; exit 0" "  completionMode: Indexed
  backoffLimitPerIndex: 0" >"$T_TMP/many.yaml"

# A pod that ignores SIGTERM: deleted, it terminates for its 12 s of grace (long enough to look, even on a loaded machine).
STUBBORN="trap '' TERM; while true; do sleep 0.2; done"
GRACE=12 job_yaml waits 1 1 "$STUBBORN" "  podReplacementPolicy: Failed" >"$T_TMP/waits.yaml"
GRACE=12 job_yaml eager 1 1 "$STUBBORN" >"$T_TMP/eager.yaml"
GRACE=12 job_yaml waitsidx 2 2 "$STUBBORN" "  completionMode: Indexed
  podReplacementPolicy: Failed" >"$T_TMP/waitsidx.yaml"

for f in fatal flaky perindex maxfail leader many waits eager waitsidx; do drop $f.yaml "$T_TMP/$f.yaml"; done

# --- FailJob on exit code 42 ---------------------------------------------------
wait_job fatal Failed 30 && ok "a FailJob rule on exit code 42 fails the Job" \
	|| fail "fatal: $(job_field fatal status) $(pods_of fatal | tr '\n' ';')"
[ "$(job_field fatal reason)" = PodFailurePolicy ] && ok "reason PodFailurePolicy" || fail "reason: $(job_field fatal reason)"
[ "$(pods_of fatal | grep -c .)" = 1 ] && [ "$(job_field fatal failed)" = 1 ] \
	&& ok "at the first failure: one pod, not backoffLimit 6 retries" || fail "fatal pods: $(pods_of fatal | tr '\n' ';')"
p=$(pods_of fatal | awk 'NR==1{print $1}')
msg="Container main for pod default/$p failed with exit code 42 matching FailJob rule at index 0"
[ "$(job_field fatal message)" = "$msg" ] && ok "its message names the container, pod and exit code" \
	|| fail "message: '$(job_field fatal message)' want '$msg'"
events_of job/default/fatal | grep -q "^PodFailurePolicy 1 $msg" && ok "event PodFailurePolicy with that message" \
	|| fail "events: $(events_of job/default/fatal | tr '\n' ';')"

# --- podReplacementPolicy ---------------------------------------------------------
# running POD-PREFIX: the name of the app's Running pod whose name starts so.
running() { pods_of "$1" | awk -v p="$2" 'index($1, p) == 1 && $2 == "Running" {print $1; exit}'; }
for _ in $(seq 300); do
	[ -n "$(running waits waits-)" ] && [ -n "$(running eager eager-)" ] && [ -n "$(running waitsidx waitsidx-0-)" ] && break
	sleep 0.1
done
old_w=$(running waits waits-); old_e=$(running eager eager-); old_i=$(running waitsidx waitsidx-0-)
"$PODVISOR" delete pod "$old_w" "$old_e" "$old_i" --wait=false >/dev/null 2>&1 && ok "deleted the running pods of waits, eager, waitsidx" \
	|| fail "delete: '$old_w' '$old_e' '$old_i' $(pods_of waits | tr '\n' ';')"
# stopped POD: the deleted pod has terminated (its "Stopped" event).
stopped() { events_of "pod/default/$1" | grep -q "^Stopped "; }
# The default (TerminatingOrFailed): a replacement while the old one terminates.
for _ in $(seq 100); do [ -n "$(running eager eager-)" ] && [ "$(running eager eager-)" != "$old_e" ] && break; sleep 0.1; done
new_e=$(running eager eager-)
[ -n "$new_e" ] && [ "$new_e" != "$old_e" ] && ! stopped "$old_e" \
	&& ok "TerminatingOrFailed: replaced at once, while the deleted pod still terminates" \
	|| fail "eager: $(events_of pod/default/$old_e | tr '\n' ';') old $old_e new '$new_e' stopped: $(stopped "$old_e" && echo yes); $(pods_of eager | tr '\n' ';')"
# The daemon has passed over the Jobs since the deletion (eager's new pod);
# the others still terminate (12 s of grace): no replacement yet.
w_pods=$(pods_of waits | grep -vc " Terminating$"); i_pods=$(pods_of waitsidx | grep '^waitsidx-0-' | grep -vc " Terminating$"); w_term=$(job_field waits terminating)
if ! stopped "$old_w" && ! stopped "$old_i"; then
	[ "$w_pods" = 0 ] && [ "$w_term" = 1 ] \
		&& ok "Failed: no replacement while the deleted pod terminates (terminating 1)" \
		|| fail "waits pods: $w_pods terminating=$w_term"
	[ "$i_pods" = 0 ] && ok "Failed, Indexed: index 0 not re-created while its pod terminates" \
		|| fail "waitsidx pods: $(pods_of waitsidx | tr '\n' ';')"
else
	fail "waits: the deleted pods stopped too soon to tell"
fi
for _ in $(seq 400); do [ -n "$(running waits waits-)" ] && [ -n "$(running waitsidx waitsidx-0-)" ] && break; sleep 0.1; done
[ -n "$(running waits waits-)" ] && [ -n "$(running waitsidx waitsidx-0-)" ] && stopped "$old_w" && stopped "$old_i" \
	&& ok "Failed: replaced once the deleted pod is gone" \
	|| fail "waits pods: $(pods_of waits | tr '\n' ';'); waitsidx: $(pods_of waitsidx | tr '\n' ';')"
rm -f "$M/waits.yaml" "$M/eager.yaml" "$M/waitsidx.yaml"

# --- Ignore: backoffLimit 0, yet retried ---------------------------------------
wait_job flaky Complete 40 && ok "an Ignore rule lets a Job with backoffLimit 0 retry and complete" \
	|| fail "flaky: $(job_field flaky status) $(job_field flaky reason) $(pods_of flaky | tr '\n' ';')"
[ "$(pods_of flaky | awk '{print $2}' | sort | tr '\n' ' ')" = "Completed Error " ] \
	&& [ "$(job_field flaky failed)" = 0 ] && ok "two pods (Error, Completed), the ignored failure not counted" \
	|| fail "flaky pods: $(pods_of flaky | tr '\n' ';') failed=$(job_field flaky failed)"

# --- successPolicy ---------------------------------------------------------------
wait_job leader Complete 30 && [ "$(job_field leader reason)" = SuccessPolicy ] \
	&& ok "successPolicy succeededIndexes \"0\": Complete (SuccessPolicy) once index 0 succeeded" \
	|| fail "leader: $(job_field leader status) $(job_field leader reason) $(pods_of leader | tr '\n' ';')"
for _ in $(seq 100); do pods_of leader | grep -q "^leader-1-" || break; sleep 0.1; done
pods_of leader | grep -q "^leader-1-" && fail "index 1 still there: $(pods_of leader | tr '\n' ';')" \
	|| ok "index 1's running pod is stopped"
pods_of leader | grep -q "^leader-0-.* Completed$" && ok "index 0's pod stays, Completed" \
	|| fail "leader pods: $(pods_of leader | tr '\n' ';')"
events_of job/default/leader | grep -q "^SuccessfulDelete " && ok "event SuccessfulDelete" \
	|| fail "events: $(events_of job/default/leader | tr '\n' ';')"

# --- maxFailedIndexes 0 ------------------------------------------------------------
wait_job maxfail Failed 30 && [ "$(job_field maxfail reason)" = MaxFailedIndexesExceeded ] \
	&& ok "maxFailedIndexes 0: Failed, MaxFailedIndexesExceeded at the first failed index" \
	|| fail "maxfail: $(job_field maxfail status) $(job_field maxfail reason)"
[ "$(job_field maxfail failedIndexes)" = 0 ] && ok "failedIndexes \"0\"" || fail "failedIndexes: $(job_field maxfail failedIndexes)"

# --- many: 40 indexes ------------------------------------------------------------
wait_job many Failed 60 && [ "$(job_field many reason)" = FailedIndexes ] \
	&& ok "40 indexes, every tenth failing: Failed, FailedIndexes" \
	|| fail "many: $(job_field many status) $(job_field many reason) $(job_field many succeeded)"
[ "$(job_field many failedIndexes)" = "3,13,23,33" ] && [ "$(job_field many succeeded)" = 36 ] \
	&& [ "$(pods_of many | grep -c .)" = 40 ] && ok "failedIndexes \"3,13,23,33\", 36 succeeded, no index retried" \
	|| fail "many: failedIndexes=$(job_field many failedIndexes) succeeded=$(job_field many succeeded) pods=$(pods_of many | grep -c .)"

# --- backoffLimitPerIndex 1: one bad index of 3 -------------------------------------
wait_job perindex Failed 40 && ok "backoffLimitPerIndex 1, index 1 always failing: the Job ends Failed" \
	|| fail "perindex: $(job_field perindex status) $(pods_of perindex | tr '\n' ';')"
[ "$(job_field perindex reason)" = FailedIndexes ] && [ "$(job_field perindex failedIndexes)" = 1 ] \
	&& ok "reason FailedIndexes, failedIndexes \"1\"" \
	|| fail "reason=$(job_field perindex reason) failedIndexes=$(job_field perindex failedIndexes)"
[ "$(pods_of perindex | awk '$2 == "Completed" {print substr($1, 1, 11)}' | sort | tr '\n' ' ')" = "perindex-0- perindex-2- " ] \
	&& [ "$(pods_of perindex | grep -c '^perindex-1-.* Error$')" = 2 ] && [ "$(job_field perindex succeeded)" = 2 ] \
	&& ok "indexes 0 and 2 complete; index 1 ran twice (its limit 1), then no more" \
	|| fail "perindex pods: $(pods_of perindex | tr '\n' ';')"
events_of job/default/perindex | grep -q "^FailedIndexes " && ok "event FailedIndexes" \
	|| fail "events: $(events_of job/default/perindex | tr '\n' ';')"

# --- validation -------------------------------------------------------------------
job_yaml badpfp 1 1 "true" "  podFailurePolicy:
    rules:
    - action: FailIndex
      onExitCodes: {operator: In, values: [0]}
  successPolicy:
    rules: [{succeededIndexes: \"0\"}]" >"$T_TMP/badpfp.yaml"
out=$("$PODVISOR" check "$T_TMP/badpfp.yaml" 2>&1)
echo "$out" | grep -q "badpfp.yaml:[0-9]*:[0-9]*: error: spec.podFailurePolicy.rules\[0\].action: FailIndex requires the backoffLimitPerIndex to be set" \
	&& echo "$out" | grep -q "error: spec.podFailurePolicy.rules\[0\].onExitCodes.values\[0\]: must not be 0 for the In operator" \
	&& echo "$out" | grep -q "error: spec.successPolicy: requires indexed completion mode" \
	&& ok "check rejects FailIndex without backoffLimitPerIndex, In 0, successPolicy without Indexed" \
	|| fail "check: $out"

# --- an unreadable Job state file: the Job runs nothing, the file stays ----------
job_yaml frz 1 1 "true" >"$T_TMP/frz.yaml"
drop frz.yaml "$T_TMP/frz.yaml"
wait_job frz Complete 30 || fail "frz: $(job_field frz status)"
for _ in $(seq 50); do [ -s "$S/jobs/default_frz.json" ] && break; sleep 0.1; done
stop_daemon TERM >/dev/null
printf '{"uid": ' >"$S/jobs/default_frz.json"
cp "$S/jobs/default_frz.json" "$T_TMP/frz.corrupt"
start_daemon || fail "restart"
for _ in $(seq 100); do events_of job/default/frz | grep -q JobStateNotRead && break; sleep 0.1; done
events_of job/default/frz | grep -q "^JobStateNotRead .*not read" && ok "an unreadable Job state: a JobStateNotRead warning" \
	|| fail "no JobStateNotRead: $(events_of job/default/frz)"
# proof of later passes: another Job runs to its end
job_yaml frz2 1 1 "true" >"$T_TMP/frz2.yaml"
drop frz2.yaml "$T_TMP/frz2.yaml"
wait_job frz2 Complete 30 || fail "frz2: $(job_field frz2 status)"
[ -z "$(pods_of frz | awk '$2 != "Completed"')" ] && [ "$(job_field frz status)" = Unknown ] \
	&& cmp -s "$S/jobs/default_frz.json" "$T_TMP/frz.corrupt" \
	&& ok "... it starts no pod, shows Unknown, and its file is left as it was" \
	|| fail "frz: $(job_field frz status) $(pods_of frz | tr '\n' ';') file: $(head -c 80 "$S/jobs/default_frz.json")"

done_testing
