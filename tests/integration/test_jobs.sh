#!/bin/bash
# Jobs and CronJobs through the controllers step: a Job of 3 completions,
# parallelism 2 (sampled: never more than 2 running) completes, `get jobs`
# Complete 3/3, its pods kept as Completed; a failing Job stops after
# backoffLimit (Failed, BackoffLimitExceeded); activeDeadlineSeconds;
# ttlSecondsAfterFinished removes the pods; an Indexed Job's pods see
# their index; suspend; a daemon restart keeps the counts; 40
# completions, parallelism 20; a CronJob `* * * * *` makes a Job within
# its minute (in its timeZone) and honours Forbid, then Replace, suspend,
# successfulJobsHistoryLimit; an unknown timeZone is a warning. Jobs whose
# pods wait behind 12 other pods' starts create each pod once.
# long: yes
# waits: yes
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# job_yaml NAME COMPLETIONS PARALLELISM COMMAND [EXTRA-SPEC-YAML]
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
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "$4"]
YAML
}

# pods_of APP: "name status" of the app's pods, sorted.
pods_of() {
	"$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    l = p.get("labels") or {}
    if sys.argv[1] in (l.get("app"), l.get("job-name"), l.get("cron")):
        print(p["name"], p["status"])' "$1"
}
# events_of OBJECT: "reason" lines of its events.
events_of() {
	"$PODVISOR" get events "$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["reason"], e.get("count", 1))
except Exception:
    pass'
}
# wait_event OBJECT REASON [SECONDS]
wait_event() {
	local i=0 end=$((SECONDS + 2 * ${3:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		events_of "$1" | grep -q "^$2 " && return 0
		nap $((i++))
	done
	return 1
}


# cron_yaml NAME POLICY COMMAND [EXTRA-SPEC-YAML]
cron_yaml() {
	cat <<YAML
apiVersion: batch/v1
kind: CronJob
metadata:
  name: $1
spec:
  schedule: "* * * * *"
  concurrencyPolicy: $2
${4:-}
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            cron: $1
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - name: main
            image: busybox:test
            command: ["sh", "-c", "$3"]
YAML
}
# jobs_of CRONJOB: its Jobs' "name status" rows, sorted.
jobs_of() {
	"$PODVISOR" get jobs -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for j in sorted(json.load(sys.stdin), key=lambda j: j["name"]):
        if j["name"].startswith(sys.argv[1] + "-") and j["name"][len(sys.argv[1]) + 1:].isdigit():
            print(j["name"], j.get("status", ""), j.get("startTime", 0))
except Exception:
    pass' "$1"
}

# --- CronJobs: dropped first, looked at after the Jobs (their minutes pass meanwhile)
cron_yaml tick Allow "echo tick" "  successfulJobsHistoryLimit: 1
  timeZone: Asia/Kolkata" >"$T_TMP/tick.yaml"
cron_yaml lost Allow "true" "  timeZone: Mars/Base" >"$T_TMP/lost.yaml"
cron_yaml solo Forbid "sleep 1000" >"$T_TMP/solo.yaml"
cron_yaml swap Replace "sleep 1000" >"$T_TMP/swap.yaml"
cron_yaml nap Allow "true" "  suspend: true" >"$T_TMP/nap.yaml"
for f in tick solo swap nap lost; do drop $f.yaml "$T_TMP/$f.yaml"; done

# --- a crowd: a Job's pods wait behind other pods' starts --------------------
# The pods module starts a few pods a turn; a Job whose pods are not made
# yet when the controllers pass again must not create them a second time
# (each it created once lost, never run: seen in make demo and at boot).
# One file: 12 Pods, a Job of one pod and an Indexed Job of 20 at once.
{
	for i in $(seq 12); do
		printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: crowd%d, labels: {app: crowd}}\n' "$i"
		printf 'spec:\n  terminationGracePeriodSeconds: 0\n  containers:\n  - {name: c, image: busybox:test, command: [sleep, "1000"]}\n---\n'
	done
	job_yaml lone 1 1 "sleep 1000"
	echo ---
	job_yaml many 20 20 "sleep 1000" "  completionMode: Indexed"
} >"$T_TMP/crowd.yaml"
drop crowd.yaml "$T_TMP/crowd.yaml"
for _ in $(seq 300); do
	[ "$(pods_of lone | grep -c ' Running$')" -ge 1 ] && [ "$(pods_of many | grep -c ' Running$')" -ge 20 ] &&
		[ "$(pods_of crowd | grep -c ' Running$')" = 12 ] && break
	sleep 0.1
done
[ "$(pods_of lone | grep -c .)" = 1 ] && [ "$(events_of job/default/lone)" = "SuccessfulCreate 1" ] &&
	ok "a Job started among 12 pods creates its pod once (one pod, one SuccessfulCreate)" ||
	fail "lone: pods $(pods_of lone | tr '\n' ';') events $(events_of job/default/lone | tr '\n' ';')"
[ "$(pods_of many | grep -c ' Running$')" = 20 ] && [ "$(pods_of many | grep -c .)" = 20 ] &&
	[ "$(events_of job/default/many | awk '$1 == "SuccessfulCreate" {n += $2} END {print n}')" = 20 ] &&
	ok "an Indexed Job of 20 among them: 20 pods, each created once" ||
	fail "many: $(pods_of many | grep -c .) pods, $(events_of job/default/many | grep -c '^SuccessfulCreate') SuccessfulCreate events"
"$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
idx = sorted(int(p["name"].split("-")[1]) for p in json.load(sys.stdin) if p["name"].startswith("many-"))
sys.exit(idx != list(range(20)))' && ok "one pod for each index 0..19" ||
	fail "indexes: $(pods_of many | tr '\n' ';')"
rm -f "$M/crowd.yaml"
for _ in $(seq 300); do [ -z "$(pods_of crowd)$(pods_of lone)$(pods_of many)" ] && break; sleep 0.1; done

# --- completions 3, parallelism 2 -------------------------------------------
job_yaml three 3 2 "sleep 1; echo done \$HOSTNAME" >"$T_TMP/three.yaml"
drop three.yaml "$T_TMP/three.yaml"
max=0
for _ in $(seq 300); do
	n=$(pods_of three | awk '$2 == "Running" || $2 == "ContainerCreating" || $2 == "Pending"' | grep -c .)
	[ "$n" -gt "$max" ] && max=$n
	[ "$(job_field three status)" = Complete ] && break
	sleep 0.1
done
wait_job three Complete 30 && ok "a Job of 3 completions, parallelism 2, completes" \
	|| fail "three: $(job_field three status) $(pods_of three | tr '\n' ';')"
[ "$max" -le 2 ] && [ "$max" -ge 1 ] && ok "never more than 2 of its pods running at once (max $max)" \
	|| fail "parallelism broken: $max running at once"
"$PODVISOR" get jobs 2>&1 | grep -Eq "^three +Complete +3/3 +[0-9]+s +[0-9]+s$" && ok "get jobs: three Complete 3/3" \
	|| fail "get jobs: $("$PODVISOR" get jobs 2>&1)"
out=$("$PODVISOR" describe job three 2>&1)
grep -q "^Name: *three$" <<<"$out" && grep -q "^Completions: *3$" <<<"$out" \
	&& grep -q "^Pods Statuses: *0 Active / 3 Succeeded / 0 Failed$" <<<"$out" \
	&& grep -q "^Status: *Complete$" <<<"$out" && grep -q "SuccessfulCreate" <<<"$out" \
	&& ok "describe job three: completions, pods' statuses, Complete, its events" || { fail "describe job"; diag "$out"; }
[ "$(pods_of three | awk '$2 == "Completed"' | grep -c .)" = 3 ] && ok "its 3 pods stay, Completed" \
	|| fail "pods: $(pods_of three | tr '\n' ';')"
p=$(pods_of three | awk 'NR==1{print $1}')
echo "$p" | grep -Eq "^three-[bcdfghjklmnpqrstvwxz2456789]{5}$" && ok "pods are named three-xxxxx ($p)" || fail "pod name $p"
[ "$(pod_json "$p" "p['labels'].get('job-name')")" = three ] \
	&& [ -n "$(pod_json "$p" "p['labels'].get('controller-uid')")" ] \
	&& [ "$(pod_json "$p" "p['labels'].get('batch.kubernetes.io/job-name')")" = three ] \
	&& ok "pods carry job-name, batch.kubernetes.io/job-name and controller-uid labels" \
	|| fail "labels: $(pod_json "$p" "p['labels']")"
"$PODVISOR" logs "$p" 2>&1 | grep -q "^done" && ok "a finished pod's logs can be read" || fail "logs: $("$PODVISOR" logs "$p" 2>&1)"
[ "$(events_of job/default/three | awk '$1 == "SuccessfulCreate" {n += $2} END {print n + 0}')" = 3 ] \
	&& events_of job/default/three | grep -q "^Completed " && ok "events: 3 SuccessfulCreate, Completed" \
	|| fail "events: $(events_of job/default/three | tr '\n' ';')"

# --- backoffLimit -------------------------------------------------------------
job_yaml fails 1 1 "echo no; exit 3" "  backoffLimit: 1" >"$T_TMP/fails.yaml"
drop fails.yaml "$T_TMP/fails.yaml"
wait_job fails Failed 60 && ok "a failing Job ends Failed after backoffLimit 1" \
	|| fail "fails: $(job_field fails status) $(pods_of fails | tr '\n' ';')"
[ "$(job_field fails reason)" = BackoffLimitExceeded ] && events_of job/default/fails | grep -q "^BackoffLimitExceeded " \
	&& ok "reason BackoffLimitExceeded, with its event" || fail "reason: $(job_field fails reason); $(events_of job/default/fails | tr '\n' ';')"
[ "$(pods_of fails | awk '$2 == "Error"' | grep -c .)" = 2 ] && [ "$(job_field fails failed)" = 2 ] \
	&& ok "2 pods ran (the first and one retry), both Error" || fail "fails pods: $(pods_of fails | tr '\n' ';')"

# --- activeDeadlineSeconds ------------------------------------------------------
job_yaml slow 1 1 "sleep 1000" "  activeDeadlineSeconds: 2" >"$T_TMP/slow.yaml"
drop slow.yaml "$T_TMP/slow.yaml"
wait_job slow Failed 30 && [ "$(job_field slow reason)" = DeadlineExceeded ] \
	&& ok "activeDeadlineSeconds 2: Failed, DeadlineExceeded" || fail "slow: $(job_field slow status) $(job_field slow reason)"
for _ in $(seq 100); do [ -z "$(pods_of slow)" ] && break; sleep 0.1; done
[ -z "$(pods_of slow)" ] && ok "its running pod is stopped" || fail "slow pods: $(pods_of slow | tr '\n' ';')"

# --- ttlSecondsAfterFinished ------------------------------------------------------
job_yaml brief 1 1 "true" "  ttlSecondsAfterFinished: 2" >"$T_TMP/brief.yaml"
drop brief.yaml "$T_TMP/brief.yaml"
wait_job brief Complete 30 && [ -n "$(pods_of brief)" ] && ok "a Job with ttl 2 completes, its pod kept for now" \
	|| fail "brief: $(job_field brief status) $(pods_of brief | tr '\n' ';')"
for _ in $(seq 150); do [ -z "$(pods_of brief)" ] && break; sleep 0.1; done
[ -z "$(pods_of brief)" ] && [ "$(job_field brief status)" = Complete ] \
	&& ok "the ttl removes its pods; the Job stays listed Complete" || fail "brief after ttl: $(pods_of brief | tr '\n' ';')"

# --- Indexed ---------------------------------------------------------------------
job_yaml idx 3 3 "echo index=\$JOB_COMPLETION_INDEX host=\$(hostname)" "  completionMode: Indexed" >"$T_TMP/idx.yaml"
drop idx.yaml "$T_TMP/idx.yaml"
wait_job idx Complete 30 && ok "an Indexed Job of 3 completes" || fail "idx: $(job_field idx status)"
seen=$(for p in $(pods_of idx | awk '{print $1}'); do "$PODVISOR" logs "$p" 2>/dev/null; done | sort | tr '\n' ' ')
[ "$seen" = "index=0 host=idx-0 index=1 host=idx-1 index=2 host=idx-2 " ] \
	&& ok "its pods see JOB_COMPLETION_INDEX 0, 1, 2, hostnames idx-0, idx-1, idx-2" || fail "indexes seen: $seen"
pods_of idx | awk '{print $1}' | grep -Eq "^idx-1-[a-z0-9]{5}$" \
	&& [ "$(pod_json "$(pods_of idx | awk '/^idx-1-/{print $1}')" "p['annotations'].get('batch.kubernetes.io/job-completion-index')")" = 1 ] \
	&& ok "pods are named idx-INDEX-xxxxx, annotated with their index" || fail "idx pods: $(pods_of idx | tr '\n' ';')"

# --- many ---------------------------------------------------------------------------
job_yaml many 40 20 "sleep 1" >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
maxm=0
for _ in $(seq 1200); do
	n=$(pods_of many | awk '$2 != "Completed" && $2 != "Error"' | grep -c .)
	[ "$n" -gt "$maxm" ] && maxm=$n
	[ "$(job_field many status)" = Complete ] && break
	sleep 0.1
done
wait_job many Complete 60 && [ "$(job_field many succeeded)" = 40 ] && ok "40 completions, parallelism 20: Complete 40/40" \
	|| fail "many: $(job_field many status) $(job_field many succeeded)"
[ "$maxm" -le 20 ] && ok "never more than 20 of them running at once (max $maxm)" || fail "many: $maxm running at once"
[ "$(pods_of many | awk '{print $1}' | sort -u | grep -c .)" = 40 ] && ok "40 distinct pods" || fail "many pods: $(pods_of many | grep -c .)"
# --- a sidecar (an init container with restartPolicy Always) ----------------------
cat >"$T_TMP/side.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata:
  name: side
spec:
  template:
    metadata:
      labels:
        app: side
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      initContainers:
      - name: helper
        image: busybox:test
        restartPolicy: Always
        command: ["sleep", "100000"]
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "echo main done"]
YAML
drop side.yaml "$T_TMP/side.yaml"
wait_job side Complete 30 && [ "$(job_field side failed)" = 0 ] && ok "a Job whose pod has a sidecar completes (the stopped sidecar is no failure)" \
	|| fail "side: $(job_field side status) failed $(job_field side failed) $(pods_of side | tr '\n' ';')"

# --- CronJobs ------------------------------------------------------------------------
for _ in $(seq 700); do [ -n "$(jobs_of tick)" ] && break; sleep 0.1; done
first=$(jobs_of tick | head -1)
name=${first%% *}; start=${first##* }; sched=$(( ${name#tick-} * 60 ))
[ -n "$first" ] && [ "$start" -ge "$sched" ] && [ $((start - sched)) -le 15 ] \
	&& ok "a CronJob * * * * * makes Job $name within its minute (started $((start - sched)) s after)" \
	|| fail "tick: '$first' ($(jobs_of tick | tr '\n' ';'))"
events_of cronjob/default/tick | grep -q "^SuccessfulCreate " && ok "with a SuccessfulCreate event" || fail "tick events: $(events_of cronjob/default/tick | tr '\n' ';')"
wait_job "$name" Complete 30 && ok "its Job completes" || fail "$name: $(job_field "$name" status)"
"$PODVISOR" get cronjob 2>&1 | grep -Eq "^tick +\* \* \* \* \* +Asia/Kolkata +False +[01] +[0-9]+[sm] ago +[0-9]+[sm]" \
	&& ok "get cronjob: tick, its schedule, last schedule" || fail "get cronjob: $("$PODVISOR" get cronjob 2>&1)"
wait_event cronjob/default/tick SuccessfulDelete 90 && ok "successfulJobsHistoryLimit 1: the older Job is deleted" \
	|| fail "tick events: $(events_of cronjob/default/tick | tr '\n' ';')"
for _ in $(seq 100); do [ "$(jobs_of tick | grep -c .)" = 1 ] && [ "$(pods_of tick | grep -c .)" -le 1 ] && break; sleep 0.1; done
[ "$(jobs_of tick | grep -c .)" = 1 ] && [ "$(pods_of tick | grep -c .)" -le 1 ] && ok "one Job left, and its pod only" \
	|| fail "tick: $(jobs_of tick | tr '\n' ';') pods $(pods_of tick | tr '\n' ';')"
wait_event cronjob/default/solo JobAlreadyActive 90 && ok "Forbid: the next minute, JobAlreadyActive" \
	|| fail "solo events: $(events_of cronjob/default/solo | tr '\n' ';')"
[ "$(jobs_of solo | grep -c .)" = 1 ] && [ "$(jobs_of solo | awk '{print $2}')" = Running ] \
	&& ok "Forbid: still one Job, running" || fail "solo jobs: $(jobs_of solo | tr '\n' ';')"
out=$("$PODVISOR" describe cronjob solo 2>&1)
grep -q "^Schedule: *\* \* \* \* \*$" <<<"$out" && grep -q "^Active Jobs: *1$" <<<"$out" \
	&& grep -q "JobAlreadyActive" <<<"$out" \
	&& ok "describe cronjob solo: its schedule, one active Job, the JobAlreadyActive event" || { fail "describe cronjob"; diag "$out"; }
wait_event cronjob/default/swap SuccessfulDelete 90 && ok "Replace: the next minute deletes the running Job" \
	|| fail "swap events: $(events_of cronjob/default/swap | tr '\n' ';')"
for _ in $(seq 100); do [ "$(jobs_of swap | grep -c .)" = 1 ] && break; sleep 0.1; done
[ "$(jobs_of swap | grep -c .)" = 1 ] && [ "$(events_of cronjob/default/swap | awk '$1 == "SuccessfulCreate" {n += $2} END {print n + 0}')" -ge 2 ] \
	&& ok "Replace: one Job, the newer" || fail "swap jobs: $(jobs_of swap | tr '\n' ';')"
events_of cronjob/default/lost | grep -q "^UnknownTimeZone " && [ -z "$(jobs_of lost)" ] \
	&& ok "an unknown timeZone: an UnknownTimeZone warning, no Job" || fail "lost: $(events_of cronjob/default/lost | tr '\n' ';')"
[ -z "$(jobs_of nap)" ] && "$PODVISOR" get cronjob nap 2>&1 | grep -Eq "^nap .* True +0 +<none>" \
	&& ok "a suspended CronJob makes no Job" || fail "nap: $(jobs_of nap | tr '\n' ';') $("$PODVISOR" get cronjob 2>&1)"
# last_schedule NAME: the CronJob's lastScheduleTime ("" before its first pass).
last_schedule() {
	"$PODVISOR" get cronjobs -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print([c for c in json.load(sys.stdin) if c["name"] == sys.argv[1]][0].get("lastScheduleTime", ""))
except Exception:
    print("")' "$1"
}
last=$(last_schedule solo)
stop_daemon TERM && start_daemon && ok "daemon restarted" || fail "restart"
for _ in $(seq 50); do [ -n "$(last_schedule solo)" ] && break; sleep 0.1; done
[ "$last" -gt 0 ] && [ "$(last_schedule solo)" = "$last" ] \
	&& [ "$(jobs_of solo | grep -c .)" = 1 ] && ok "lastScheduleTime and its Job survive a restart" \
	|| fail "after restart: $last vs $(last_schedule solo); $(jobs_of solo | tr '\n' ';')"

# --- suspend, and a restart in the middle -------------------------------------------
job_yaml held 2 1 "sleep 3" "  suspend: true" >"$T_TMP/held.yaml"
drop held.yaml "$T_TMP/held.yaml"
wait_job held Suspended 30 && wait_event job/default/held Suspended && [ -z "$(pods_of held)" ] \
	&& ok "a suspended Job runs no pod" || fail "held: $(job_field held status) $(pods_of held | tr '\n' ';')"
job_yaml held 2 1 "sleep 3" >"$T_TMP/held.yaml"
drop held.yaml "$T_TMP/held.yaml"
wait_event job/default/held Resumed && ok "resumed when suspend is removed" || fail "held not resumed"
for _ in $(seq 200); do [ "$(job_field held succeeded)" = 1 ] && break; sleep 0.1; done
[ "$(job_field held succeeded)" = 1 ] && ok "one of its 2 completions done" || fail "held: $(job_field held succeeded)"
stop_daemon TERM && start_daemon && ok "daemon restarted in the middle of a Job" || fail "restart"
# (1, or 2 if the second pod's 3 s ended while the daemon was down: a
# loaded machine restarts an ASan daemon that slowly; never 0)
n=$(job_field held succeeded)
[ "$n" = 1 ] || [ "$n" = 2 ] && ok "the restarted daemon still counts the completion ($n succeeded)" || fail "after restart: $n"
wait_job held Complete 30 && [ "$(pods_of held | grep -c .)" = 2 ] && ok "it completes with 2 pods in all" \
	|| fail "held after restart: $(job_field held status) $(pods_of held | tr '\n' ';')"
[ "$(job_field three status) $(job_field three succeeded)" = "Complete 3" ] && [ "$(job_field fails status)" = Failed ] \
	&& ok "finished Jobs stay finished across the restart" || fail "three: $(job_field three status) fails: $(job_field fails status)"

# --- a Job whose file does not load at start is not gone: its state stays -------
start3=$(job_field three startTime)
stop_daemon TERM
cp "$M/three.yaml" "$T_TMP/three.good"
printf 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: three\n' >"$M/three.yaml"
start_daemon || fail "restart with three.yaml broken"
wait_read three.yaml 0 FailedLoad || fail "three.yaml not read as broken"
# proof of a second pass (the state sweep runs then): another file read
job_yaml other 1 1 "true" >"$T_TMP/other.yaml"
drop other.yaml "$T_TMP/other.yaml"
wait_job other Complete 30 || fail "other: $(job_field other status)"
cp "$T_TMP/three.good" "$T_TMP/three.fixed"
drop three.yaml "$T_TMP/three.fixed"
wait_read three.yaml 1 "Loaded|Updated" 10 || fail "three.yaml not read once fixed"
for _ in $(seq 50); do [ -n "$(job_field three status)" ] && break; sleep 0.1; done
[ "$(job_field three status) $(job_field three succeeded)" = "Complete 3" ] && [ "$(job_field three startTime)" = "$start3" ] \
	&& [ -z "$(pods_of three | awk '$2 == "Running"')" ] \
	&& ok "a Complete Job whose file failed to load at start is still Complete once fixed (its state kept)" \
	|| fail "three after its file was fixed: $(job_field three status) $(job_field three succeeded) start $(job_field three startTime) vs $start3; $(pods_of three | tr '\n' ';')"

rm -f "$M"/*.yaml
for _ in $(seq 200); do [ -z "$(pods_of many)$(pods_of three)" ] && break; sleep 0.1; done
[ -z "$(pods_of many)$(pods_of three)" ] && ok "deleting the files removes the Jobs' pods" || fail "left: $(pods_of many | grep -c .)"

! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
done_testing
