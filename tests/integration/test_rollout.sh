#!/bin/bash
# asan: yes
# long: yes
# Rollouts: `rollout status|history|undo deploy/NAME` and what they rest
# on: a Deployment of 4 behind a Service changes its template (with a
# change-cause); status waits and reports success; history shows the
# revisions and their change-causes; undo rewrites the template in the
# manifest file (atomically, the file's other documents byte for byte as
# they were, the file named) and the pods roll back; --to-revision; undo
# refused without a previous revision or on a file that does not load;
# revisionHistoryLimit; the history survives a daemon restart;
# minReadySeconds delays AVAILABLE; progressDeadlineSeconds fails status;
# spec.paused holds a template change; describe deploy; many: 12 changes
# with revisionHistoryLimit 10; undo of a document ending in a block
# scalar keeps the --- and the document after it; undo of a symlinked
# manifest rewrites its target and leaves the link.
. "$(dirname "$0")/lib_pods.sh"

# The symlinked manifest below points out of the manifests directory: allowed.
start_daemon --manifest-link-allow "$T_TMP/elsewhere" && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# deploy_doc NAME REPLICAS GREETING CAUSE [EXTRA-SPEC-YAML]: the Deployment document.
deploy_doc() {
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  annotations:
    kubernetes.io/change-cause: "$4"
spec:
  replicas: $2
${5:-}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 1
  selector:
    matchLabels:
      app: $1
  template:
    metadata:
      labels:
        app: $1
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:test
        command: ["sleep", "100000"]   # a comment in the document
        env:
        - name: GREETING
          value: "$3"
        ports:
        - containerPort: 8080
YAML
}
# The documents around web's, which undo must leave byte for byte.
printf '# web: a Deployment between a ConfigMap and a Service\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-conf   # keep me\ndata: {a: "1"}\n---\n# the Deployment follows\n' >"$T_TMP/head"
printf '  # a trailing comment\n\n---\n# the Service\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 80\n    targetPort: 8080\n...\n' >"$T_TMP/tail"
web_file() { # GREETING CAUSE [EXTRA-SPEC]: ready a second after it starts (a rollout takes a while)
	{ cat "$T_TMP/head"; deploy_doc web 4 "$1" "$2" "${3:-}" \
		| sed 's/^        ports:$/        readinessProbe: {exec: {command: ["true"]}, initialDelaySeconds: 1, periodSeconds: 1}\n        ports:/'
	  cat "$T_TMP/tail"; } >"$T_TMP/web.yaml"
}

pods_of() { # APP: "name status ready/total hash", sorted
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    l = p.get("labels") or {}
    if l.get("app") == sys.argv[1]:
        print(p["name"], p["status"], "%d/%d" % (p["ready"], p["total"]), l.get("pod-template-hash", "-"))' "$1"
}
# wait_pods APP N [HASH] [SECONDS]: exactly N pods, all Running and ready (of HASH).
wait_pods() {
	local i=0 out end=$((SECONDS + 2 * ${4:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		out=$(pods_of "$1")
		if [ "$(echo -n "$out" | grep -c .)" = "$2" ] \
			&& [ "$(echo -n "$out" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }')" = "$2" ] \
			&& { [ -z "${3:-}" ] || [ "$(echo -n "$out" | awk -v h="$3" '$4 != h' | grep -c .)" = 0 ]; }; then
			return 0
		fi
		nap $((i++))
	done
	return 1
}
hash_of() { pods_of "$1" | awk 'NR == 1 { print $4 }'; }
# apply NAME FILE: drop it in and wait until the daemon has read it.
apply() {
	local before
	before=$(file_seen "$1")
	drop "$1" "$2"
	wait_read "$1" "$before" "$([ "$before" = 0 ] && echo Loaded || echo Updated)" \
		|| fail "the daemon did not read $1: $(file_last "$1")"
}
history_rows() { # NAME: "REV CAUSE" lines of rollout history
	"$PODVISOR" rollout history "deploy/$1" 2>&1 | awk 'NR > 2 { r = $1; $1 = ""; sub(/^ +/, ""); print r " " $0 }'
}

# --- a Deployment of 4 behind a Service; a template change ----------------
web_file one "first greeting"
apply web.yaml "$T_TMP/web.yaml"
wait_pods web 4 && ok "web runs 4 pods" || fail "web: $(pods_of web | tr '\n' ';')"
H1=$(hash_of web)
web_file two "second greeting"
apply web.yaml "$T_TMP/web.yaml"
out=$("$PODVISOR" rollout status deploy/web --timeout=90s 2>&1); rc=$?
[ "$rc" = 0 ] && echo "$out" | tail -1 | grep -qx 'deployment "web" successfully rolled out' \
	&& ok "rollout status waits and reports success" || { fail "rollout status (exit $rc)"; diag "$out"; }
echo "$out" | grep -qE '^Waiting for deployment "web" rollout to finish: ([0-9]+ out of 4 new replicas have been updated|[0-9]+ old replicas are pending termination|[0-9]+ of 4 updated replicas are available)\.\.\.$' \
	&& ok "rollout status says kubectl's Waiting... lines on the way" || { fail "no Waiting line"; diag "$out"; }
H2=$(hash_of web)
wait_pods web 4 "$H2" 5 && [ "$H2" != "$H1" ] && ok "after status: 4 pods of the new template $H2" \
	|| fail "after status: $(pods_of web | tr '\n' ';')"
[ "$(history_rows web)" = "1 first greeting
2 second greeting" ] && ok "rollout history: 2 revisions with their change-causes" \
	|| { fail "history"; diag "$("$PODVISOR" rollout history deploy/web 2>&1)"; }
"$PODVISOR" rollout history deploy/web --revision=1 2>&1 | grep -Eq '^ +GREETING: +one$' \
	&& ok "rollout history --revision=1 shows that pod template" \
	|| { fail "history --revision"; diag "$("$PODVISOR" rollout history deploy/web --revision=1 2>&1)"; }
out=$("$PODVISOR" describe deploy web 2>&1)
echo "$out" | grep -Eq '^Replicas: +4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable$' \
	&& echo "$out" | grep -Eq '^StrategyType: +RollingUpdate$' \
	&& echo "$out" | grep -Eq "^NewReplicaSet: +web-$H2 \(4/4 replicas created\)$" \
	&& echo "$out" | grep -Eq '^RollingUpdateStrategy: +1 max unavailable, 1 max surge$' \
	&& echo "$out" | grep -Eq 'ScalingReplicaSet .*Scaled up replica set web-' \
	&& ok "describe deploy web: replicas, strategy, new ReplicaSet, scaling events" \
	|| { fail "describe deploy"; diag "$out"; }

out=$("$PODVISOR" describe rs "web-$H2" 2>&1)
echo "$out" | grep -Eq '^Controlled By: +Deployment/web$' && echo "$out" | grep -Eq '^Replicas: +4 current / 4 desired$' \
	&& ok "describe rs web-$H2: its Deployment and replicas" || { fail "describe rs"; diag "$out"; }
expect_rc 1 "describe deploy of an unknown name exits 1" "$PODVISOR" describe deploy nope

# --- undo: the file is rewritten, the rest of it byte for byte --------------
before=$(file_seen web.yaml)
out=$("$PODVISOR" rollout undo deploy/web 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "deployment.apps/web rolled back (file: $M/web.yaml)" ] \
	&& ok "rollout undo names the file it rewrote" || { fail "undo (exit $rc)"; diag "$out"; }
"$PY" - "$M/web.yaml" "$T_TMP/head" "$T_TMP/tail" <<'PY' && ok "the file's other documents are byte-identical" || fail "other documents changed: $(cat "$M/web.yaml")"
import sys
new, head, tail = (open(p, "rb").read() for p in sys.argv[1:4])
sys.exit(0 if new.startswith(head) and new.endswith(tail) and b"GREETING" in new[len(head):-len(tail)] else 1)
PY
[ -z "$(find "$M" -name '.*podvisor*')" ] && [ "$(stat -c %a "$M/web.yaml")" = "$(stat -c %a "$T_TMP/web.yaml")" ] \
	&& ok "no temporary file left; the mode kept" || fail "temp files: $(ls -a "$M")"
wait_read web.yaml "$before" Updated && wait_pods web 4 "$H1" 60 \
	&& ok "the daemon rolls the pods back to the first template ($H1)" || fail "undo rollout: $(pods_of web | tr '\n' ';')"
[ "$(history_rows web)" = "2 second greeting
3 first greeting" ] && ok "history after undo: revision 1 became 3, its change-cause with it" \
	|| { fail "history after undo"; diag "$("$PODVISOR" rollout history deploy/web 2>&1)"; }
"$PODVISOR" get events deployment/default/web 2>&1 | grep -q 'DeploymentRollback' \
	&& ok "a DeploymentRollback event" || fail "no DeploymentRollback event"
before=$(file_seen web.yaml)
out=$("$PODVISOR" rollout undo deploy/web --to-revision=2 2>&1) && wait_read web.yaml "$before" Updated \
	&& wait_pods web 4 "$H2" 60 && ok "rollout undo --to-revision=2: back to $H2" \
	|| { fail "undo --to-revision"; diag "$out"; }
expect_rc 1 "undo --to-revision of a revision not kept is refused" "$PODVISOR" rollout undo deploy/web --to-revision=9

# --- undo refused -------------------------------------------------------------
deploy_doc solo 1 one "" >"$T_TMP/solo.yaml"
apply solo.yaml "$T_TMP/solo.yaml"
out=$("$PODVISOR" rollout undo deploy/solo 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q 'no previous revision' && cmp -s "$M/solo.yaml" "$T_TMP/solo.yaml" \
	&& ok "undo with no previous revision is refused, the file untouched" || { fail "undo solo (exit $rc)"; diag "$out"; }
deploy_doc solo 1 two "" >"$T_TMP/solo.yaml"
apply solo.yaml "$T_TMP/solo.yaml"
printf 'kind: [broken\n' >>"$T_TMP/solo.yaml"
before=$(file_seen solo.yaml)
drop solo.yaml "$T_TMP/solo.yaml"
wait_read solo.yaml "$before" FailedLoad
out=$("$PODVISOR" rollout undo deploy/solo 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q 'does not load' && cmp -s "$M/solo.yaml" "$T_TMP/solo.yaml" \
	&& ok "undo on a file that does not load is refused, the file untouched" || { fail "undo broken (exit $rc)"; diag "$out"; }
rm "$M/solo.yaml"

# The file edited behind the daemon's back: through a hard link in another
# directory, which the manifests watch does not see.
ln "$M/web.yaml" "$T_TMP/web-link.yaml"
cp "$M/web.yaml" "$T_TMP/web-before.yaml"
echo "# edited elsewhere" >>"$T_TMP/web-link.yaml"
cp "$M/web.yaml" "$T_TMP/web-edited.yaml"
out=$("$PODVISOR" rollout undo deploy/web 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q 'changed since the daemon loaded it' && cmp -s "$M/web.yaml" "$T_TMP/web-edited.yaml" \
	&& ok "undo on a file changed since the daemon loaded it is refused, the file untouched" \
	|| { fail "undo on a changed file (exit $rc)"; diag "$out"; }
rm "$T_TMP/web-link.yaml"
before=$(file_seen web.yaml)
drop web.yaml "$T_TMP/web-before.yaml" # the bytes the daemon has: Unchanged
wait_read web.yaml "$before" Unchanged || fail "web.yaml not read back: $(file_last web.yaml)"

# --- revisionHistoryLimit 2: 4 template changes keep 2 (+ the current) ----------
for g in 0 1 2 3 4; do
	deploy_doc lim 1 "g$g" "change $g" "  revisionHistoryLimit: 2" >"$T_TMP/lim.yaml"
	apply lim.yaml "$T_TMP/lim.yaml"
	"$PODVISOR" rollout status deploy/lim --timeout=60s >/dev/null 2>&1 || fail "lim rollout $g"
done
for _ in $(seq 50); do [ "$(history_rows lim | awk '{print $1}' | tr '\n' ' ')" = "3 4 5 " ] && break; sleep 0.1; done
[ "$(history_rows lim)" = "3 change 2
4 change 3
5 change 4" ] && ok "revisionHistoryLimit 2: revisions 3, 4 and the current 5 kept" \
	|| { fail "limit"; diag "$("$PODVISOR" rollout history deploy/lim 2>&1)"; }

# --- the history survives a daemon restart --------------------------------------
hist=$("$PODVISOR" rollout history deploy/web 2>&1)
stop_daemon TERM && start_daemon --manifest-link-allow "$T_TMP/elsewhere" && [ "$("$PODVISOR" rollout history deploy/web 2>&1)" = "$hist" ] \
	&& ok "the history survives a daemon restart" \
	|| { fail "history after restart"; diag "$("$PODVISOR" rollout history deploy/web 2>&1)"; }
rm "$M/lim.yaml"

# --- minReadySeconds delays AVAILABLE ---------------------------------------------
deploy_doc slow 1 one "" "  minReadySeconds: 5" >"$T_TMP/slow.yaml"
apply slow.yaml "$T_TMP/slow.yaml"
seen=""
for _ in $(seq 300); do # READY and AVAILABLE as first seen ready (one row: the same counts)
	seen=$("$PODVISOR" get deploy slow 2>&1 | awk 'NR == 2 {print $2, $4}')
	case "$seen" in "1/1 "*) break ;; esac
	sleep 0.1
done
[ "$seen" = "1/1 0" ] && ok "minReadySeconds 5: ready 1/1 but AVAILABLE 0 at first" || fail "get deploy slow: $seen"
for _ in $(seq 150); do [ "$("$PODVISOR" get deploy slow 2>&1 | awk 'NR == 2 {print $4}')" = 1 ] && break; sleep 0.1; done
[ "$("$PODVISOR" get deploy slow 2>&1 | awk 'NR == 2 {print $4}')" = 1 ] \
	&& ok "... and AVAILABLE 1 once it has been ready 5 s" || fail "slow never available"
rm "$M/slow.yaml"

# --- progressDeadlineSeconds: a pod that never gets ready --------------------------
deploy_doc stuck 1 one "" "  progressDeadlineSeconds: 2" | sed 's/^        ports:$/        readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}\n        ports:/' >"$T_TMP/stuck.yaml"
apply stuck.yaml "$T_TMP/stuck.yaml"
out=$("$PODVISOR" rollout status deploy/stuck --timeout=60s 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | tail -1 | grep -qx 'error: deployment "stuck" exceeded its progress deadline' \
	&& ok "progressDeadlineSeconds: rollout status exits 1 with kubectl's message" || { fail "stuck (exit $rc)"; diag "$out"; }
"$PODVISOR" get events deployment/default/stuck 2>&1 | grep -q ProgressDeadlineExceeded \
	&& ok "a ProgressDeadlineExceeded event" || fail "no ProgressDeadlineExceeded event"
expect_rc 1 "rollout status of a Deployment that does not exist exits 1" "$PODVISOR" rollout status deploy/web-none
rm "$M/stuck.yaml"

# --- paused: a template change waits ------------------------------------------------
H=$(hash_of web)
web_file three "third" "  paused: true"
apply web.yaml "$T_TMP/web.yaml"
for _ in $(seq 100); do # proof the daemon has acted on it: the condition
	"$PODVISOR" describe deploy web 2>&1 | grep -Eq 'Progressing +Unknown +DeploymentPaused' && break
	sleep 0.1
done
"$PODVISOR" describe deploy web 2>&1 | grep -Eq 'Progressing +Unknown +DeploymentPaused' \
	&& wait_pods web 4 "$H" 2 && ok "paused: the template change is not rolled out" \
	|| { fail "paused"; diag "$(pods_of web)"; }
expect_rc 1 "undo of a paused Deployment is refused" "$PODVISOR" rollout undo deploy/web
web_file three "third"
apply web.yaml "$T_TMP/web.yaml"
"$PODVISOR" rollout status deploy/web --timeout=60s >/dev/null 2>&1 && [ "$(hash_of web)" != "$H" ] \
	&& ok "resumed: it rolls out" || fail "resume: $(pods_of web | tr '\n' ';')"

# --- describe of another kind: generic, from its status row ------------------
cat >"$T_TMP/ds.yaml" <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: busybox:test
        command: ["sleep", "100000"]
YAML
apply ds.yaml "$T_TMP/ds.yaml"
wait_pods agent 1 || fail "agent: $(pods_of agent)"
out=$("$PODVISOR" describe ds agent 2>&1)
echo "$out" | grep -Eq '^Name: +agent$' && echo "$out" | grep -Eq '^Kind: +DaemonSet$' \
	&& echo "$out" | grep -Eq '^Replicas: +1 desired \| 1 current \| 1 ready' && echo "$out" | grep -q '^Events:' \
	&& ok "describe ds agent: the generic form (name, counts, events)" || { fail "describe ds"; diag "$out"; }
rm "$M/ds.yaml"

# --- many: 12 template changes, revisionHistoryLimit 10 ---------------------------
for g in $(seq 0 12); do
	deploy_doc many 0 "g$g" "c$g" "  revisionHistoryLimit: 10" >"$T_TMP/many.yaml"
	apply many.yaml "$T_TMP/many.yaml"
done
[ "$(history_rows many | awk '{print $1}' | tr '\n' ' ')" = "3 4 5 6 7 8 9 10 11 12 13 " ] \
	&& [ "$(history_rows many | awk 'NR == 11 {print $2}')" = c12 ] \
	&& ok "12 changes with revisionHistoryLimit 10: revisions 3..13 kept" \
	|| { fail "many"; diag "$("$PODVISOR" rollout history deploy/many 2>&1)"; }
before=$(file_seen many.yaml)
"$PODVISOR" rollout undo deploy/many --to-revision=3 >/dev/null 2>&1 && wait_read many.yaml "$before" Updated \
	&& for _ in $(seq 50); do [ "$(history_rows many | tail -1)" = "14 c2" ] && break; sleep 0.1; done
[ "$(history_rows many | tail -1)" = "14 c2" ] && ok "undo to the oldest kept revision: it becomes 14" \
	|| { fail "many undo"; diag "$("$PODVISOR" rollout history deploy/many 2>&1)"; }

# --- undo of a document ending in a block scalar, a Service after it --------------
blk_doc() { # GREETING: the Deployment, its container's command a | block scalar last
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: blk\nspec:\n  replicas: 0\n'
	printf '  selector:\n    matchLabels: {app: blk}\n  template:\n    metadata:\n      labels: {app: blk}\n'
	printf '    spec:\n      containers:\n      - name: main\n        image: busybox:test\n'
	printf '        command:\n        - sh\n        - -c\n        - |\n          echo %s\n          sleep 100000\n' "$1"
}
printf '\n---\n# the Service\napiVersion: v1\nkind: Service\nmetadata:\n  name: blk\nspec:\n  selector: {app: blk}\n  ports:\n  - port: 80\n' >"$T_TMP/blk-tail"
for g in one two; do
	{ blk_doc "$g"; cat "$T_TMP/blk-tail"; } >"$T_TMP/blk.yaml"
	apply blk.yaml "$T_TMP/blk.yaml"
done
for _ in $(seq 100); do [ "$(history_rows blk | wc -l)" = 2 ] && break; sleep 0.1; done
before=$(file_seen blk.yaml)
out=$("$PODVISOR" rollout undo deploy/blk 2>&1); rc=$?
[ "$rc" = 0 ] && "$PY" - "$M/blk.yaml" "$T_TMP/blk-tail" <<'PY' \
	&& "$PODVISOR" check "$M/blk.yaml" 2>&1 | grep -q '^1 file, 2 objects, 0 errors' \
	&& ok "undo of a document ending in a | block scalar: the --- and the Service after it kept byte for byte" \
	|| { fail "block scalar undo (exit $rc)"; diag "$out"; diag "$(cat "$M/blk.yaml")"; diag "$("$PODVISOR" check "$M/blk.yaml" 2>&1)"; }
import sys
new, tail = (open(p, "rb").read() for p in sys.argv[1:3])
sys.exit(0 if new.endswith(tail) and b"echo one\n" in new[:-len(tail)] and new.count(b"kind: Service") == 1 else 1)
PY
wait_read blk.yaml "$before" Updated && for _ in $(seq 100); do [ "$(history_rows blk | awk '{print $1}' | tr '\n' ' ')" = "2 3 " ] && break; sleep 0.1; done
[ "$(history_rows blk | awk '{print $1}' | tr '\n' ' ')" = "2 3 " ] \
	&& ok "... and the daemon loads it: revision 1 became 3" || { fail "blk history"; diag "$("$PODVISOR" rollout history deploy/blk 2>&1)"; }
rm "$M/blk.yaml"

# --- undo of a symlinked manifest: the link stays, its target is rewritten -------
mkdir -p "$T_TMP/elsewhere"
relink() { ln -sfn "$T_TMP/elsewhere/lnk.yaml" "$M/.lnk.yaml.new" && mv -T "$M/.lnk.yaml.new" "$M/lnk.yaml"; }
for g in one two; do # (the watch sees the link replaced, not the target written)
	deploy_doc lnk 0 "$g" "" >"$T_TMP/elsewhere/lnk.yaml"
	before=$(file_seen lnk.yaml)
	relink && wait_read lnk.yaml "$before" "$([ "$before" = 0 ] && echo Loaded || echo Updated)" \
		|| fail "the daemon did not read lnk.yaml: $(file_last lnk.yaml)"
done
for _ in $(seq 100); do [ "$(history_rows lnk | wc -l)" = 2 ] && break; sleep 0.1; done
before=$(file_seen lnk.yaml)
out=$("$PODVISOR" rollout undo deploy/lnk 2>&1); rc=$?
[ "$rc" = 0 ] && [ -L "$M/lnk.yaml" ] && [ "$(readlink "$M/lnk.yaml")" = "$T_TMP/elsewhere/lnk.yaml" ] \
	&& grep -Eq '^ +value: "?one"?$' "$T_TMP/elsewhere/lnk.yaml" \
	&& [ "$(ls -A "$T_TMP/elsewhere")" = lnk.yaml ] && [ -z "$(find "$M" -name '.*podvisor*')" ] \
	&& ok "undo of a symlinked manifest: still a link, its target has the old template" \
	|| { fail "symlink undo (exit $rc)"; diag "$out"; diag "$(ls -lA "$M" "$T_TMP/elsewhere")"; }
wait_read lnk.yaml "$before" Updated && for _ in $(seq 100); do [ "$(history_rows lnk | awk '{print $1}' | tr '\n' ' ')" = "2 3 " ] && break; sleep 0.1; done
[ "$(history_rows lnk | awk '{print $1}' | tr '\n' ' ')" = "2 3 " ] \
	&& ok "... and the daemon sees it (the link is renewed): revision 1 became 3" \
	|| { fail "lnk not reloaded after undo: $(file_last lnk.yaml)"; diag "$("$PODVISOR" rollout history deploy/lnk 2>&1)"; }
rm "$M/lnk.yaml"

grep -E "ERROR|runtime error|AddressSanitizer" "$LOG" | head -5 | while read -r l; do diag "$l"; done
! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
stop_daemon TERM
done_testing
