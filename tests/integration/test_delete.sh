#!/bin/bash
# asan: yes
# podvisor delete pod, as kubectl users know it: a Deployment's pod goes
# Terminating and a replacement comes (READY back to N/N); --wait (the
# default) returns once the old pod is gone, --wait=false at once;
# -l SELECTOR deletes every matching pod and they come back; a pod a file
# defines is refused, naming the file, and keeps running; an unknown pod
# is NotFound. get pods -l; logs deploy/NAME picks a pod as kubectl does.
# Many: a Deployment of 20, all deleted with -l, all back.
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# deploy_yaml NAME REPLICAS: pods that say hello, and take a moment to stop
deploy_yaml() {
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
spec:
  replicas: $2
  selector:
    matchLabels:
      app: $1
  template:
    metadata:
      labels:
        app: $1
        tier: demo
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: main
        image: busybox:test
        command: ["sh", "-c", "echo hello from \$(hostname); trap 'sleep 1; exit 0' TERM; while true; do sleep 0.2; done"]
YAML
}

# pods_of APP: "name status ready/total uid" of its pods, sorted by name.
pods_of() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in sorted(json.load(sys.stdin), key=lambda p: p["name"]):
    if (p.get("labels") or {}).get("app") == sys.argv[1]:
        print(p["name"], p["status"], "%d/%d" % (p["ready"], p["total"]), p["uid"])' "$1"
}
uids_of() { pods_of "$1" | awk '{print $4}' | sort; }
# wait_ready APP N [SECONDS]: exactly N pods, all Running and ready
wait_ready() {
	local i=0 out end=$((SECONDS + 2 * ${3:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		out=$(pods_of "$1")
		[ "$(echo -n "$out" | grep -c .)" = "$2" ] \
			&& [ "$(echo "$out" | awk '$2 == "Running" { split($3, r, "/"); if (r[1] == r[2]) n++ } END { print n + 0 }')" = "$2" ] \
			&& return 0
		nap $((i++))
	done
	return 1
}

deploy_yaml web 3 >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
pod_yaml solo Always sleep 100000 | sed 's/^  name: solo$/  name: solo\n  labels:\n    tier: demo/' >"$T_TMP/solo.yaml"
drop solo.yaml "$T_TMP/solo.yaml"
wait_ready web 3 && wait_status solo Running && ok "a Deployment of 3 and a file-defined pod run" \
	|| { fail "setup: $(pods_of web | tr '\n' ';') solo $(pod_json solo "p['status']")"; diag "$(tail -20 "$LOG")"; }

# --- a Deployment's pod: Terminating, then a replacement -----------------------
read -r P1 _ _ U1 <<<"$(pods_of web | head -1)"
out=$("$PODVISOR" delete pod "$P1" --wait=false 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$out" = "pod \"$P1\" deleted" ] && ok "delete pod $P1 --wait=false: 'pod \"$P1\" deleted', exit 0" \
	|| fail "delete: rc $rc, $out"
[ "$(pod_json "$P1" "p['status'] + ' ' + p['uid']")" = "Terminating $U1" ] \
	&& ok "the deleted pod shows Terminating at once" || fail "status after delete: $(pod_json "$P1" "p['status'] + ' ' + p['uid']")"
wait_ready web 3 && ! uids_of web | grep -qx "$U1" \
	&& ok "a replacement runs (a new uid) and the old pod is gone" || fail "after delete: $(pods_of web | tr '\n' ';')"
for _ in $(seq 50); do "$PODVISOR" get deploy web 2>&1 | grep -Eq "^web +3/3 " && break; sleep 0.1; done
"$PODVISOR" get deploy web 2>&1 | grep -Eq "^web +3/3 " && ok "get deploy: READY back to 3/3" \
	|| fail "get deploy: $("$PODVISOR" get deploy web 2>&1)"
"$PODVISOR" get events "pod/default/$P1" 2>&1 | grep -q "Killing.*deleted (podvisor delete pod)" \
	&& ok "the pod's events say it was deleted" || fail "events: $("$PODVISOR" get events "pod/default/$P1" 2>&1)"

# --- --wait (the default): back only once the old pod is gone -----------------
read -r P2 _ _ U2 <<<"$(pods_of web | tail -1)"
out=$("$PODVISOR" delete pod "$P2" 2>&1)
rc=$?
left=$(uids_of web | grep -cx "$U2")
[ "$rc" = 0 ] && [ "$out" = "pod \"$P2\" deleted" ] && [ "$left" = 0 ] \
	&& ok "delete pod $P2 waits until the old pod is gone" || fail "wait: rc $rc, $out, old uid still there: $left"
wait_ready web 3 && ok "... and the Deployment is whole again" || fail "after wait: $(pods_of web | tr '\n' ';')"

# --- a pod a file defines: refused, naming the file; it keeps running ----------
US=$(pod_json solo "p['uid']")
err=$("$PODVISOR" delete pod solo 2>&1 >/dev/null)
rc=$?
[ "$rc" = 1 ] && [ "$err" = "Error: pod \"solo\" is defined by $M/solo.yaml: remove it from that file to delete it" ] \
	&& ok "delete pod solo (file-defined): refused, naming $M/solo.yaml, exit 1" || fail "solo: rc $rc, $err"
[ "$(pod_json solo "p['status'] + ' ' + p['uid']")" = "Running $US" ] \
	&& ! "$PODVISOR" get events pod/default/solo 2>&1 | grep -q Killing \
	&& ok "solo still runs, untouched (same uid, no Killing event)" || fail "solo: $(pod_json solo "p['status'] + ' ' + p['uid']")"

# --- not found, usage ---------------------------------------------------------
err=$("$PODVISOR" delete pod nope 2>&1)
rc=$?
[ "$rc" = 1 ] && [ "$err" = 'Error from server (NotFound): pods "nope" not found' ] \
	&& ok "an unknown pod: Error from server (NotFound), exit 1" || fail "nope: rc $rc, $err"
expect_rc 2 "delete deploy web is a usage error (edit the file)" "$PODVISOR" delete deploy web
expect_rc 2 "delete pod without a name or -l is a usage error" "$PODVISOR" delete pod
expect_rc 2 "a name and -l together is a usage error" "$PODVISOR" delete pod x -l app=web
expect_rc 1 "a bad selector is an error" "$PODVISOR" delete pod -l "app in (web"
expect_rc 1 "get pods with a bad selector: exit 1, as kubectl" "$PODVISOR" get pods -l "app in (web"
expect_rc 1 "get pods NAME -l: a name and a selector together refused, as kubectl" "$PODVISOR" get pods x -l app=web
"$PODVISOR" delete --help 2>&1 | grep -q "defined by a file" && ok "delete --help explains file-defined pods" \
	|| fail "help: $("$PODVISOR" delete --help 2>&1 | head -5)"

# --- get pods -l ------------------------------------------------------------------
[ "$("$PODVISOR" get pods -l app=web 2>&1 | tail -n +2 | awk '{print $1}' | sort)" = "$(pods_of web | awk '{print $1}')" ] \
	&& ok "get pods -l app=web lists the Deployment's 3 pods only" || fail "get pods -l: $("$PODVISOR" get pods -l app=web 2>&1)"
[ "$("$PODVISOR" get pods -l 'tier in (demo),app!=web' 2>&1 | tail -n +2 | awk '{print $1}')" = solo ] \
	&& ok "get pods -l 'tier in (demo),app!=web': solo only" || fail "get pods -l set: $("$PODVISOR" get pods -l 'tier in (demo),app!=web' 2>&1)"

# --- logs deploy/NAME picks a pod -------------------------------------------------
out=$("$PODVISOR" logs deploy/web 2>"$T_TMP/logs.err")
pick=$(sed -n 's|^Found 3 pods, using pod/||p' "$T_TMP/logs.err")
[ -n "$pick" ] && [ "$out" = "hello from $pick" ] \
	&& ok "logs deploy/web: 'Found 3 pods, using pod/$pick' and its log" || fail "logs deploy: $out / $(cat "$T_TMP/logs.err")"
H=$(pod_json "$pick" "p['labels']['pod-template-hash']")
out=$("$PODVISOR" logs "rs/web-$H" 2>/dev/null)
[ "$out" = "hello from $pick" ] && ok "logs rs/web-$H picks the same pod" || fail "logs rs: $out"
expect_rc 1 "logs deploy/nope: no pod found" "$PODVISOR" logs deploy/nope
expect_rc 1 "logs svc/web: not a workload" "$PODVISOR" logs svc/web

# --- delete pod -l: every matching pod, the file's refused ------------------------
OLD=$(uids_of web)
out=$("$PODVISOR" delete pod -l tier=demo --wait=false 2>"$T_TMP/del.err")
rc=$?
[ "$rc" = 1 ] && [ "$(echo "$out" | grep -c '^pod "web-.*" deleted$')" = 3 ] && grep -q "solo.*is defined by" "$T_TMP/del.err" \
	&& ok "delete pod -l tier=demo: the 3 web pods deleted, solo refused, exit 1" || fail "-l: rc $rc, $out, $(cat "$T_TMP/del.err")"
wait_ready web 3 && [ -z "$(comm -12 <(echo "$OLD") <(uids_of web))" ] \
	&& ok "all 3 come back as new pods" || fail "after -l: $(pods_of web | tr '\n' ';')"
expect_rc 0 "delete pod -l matching nothing: exit 0" "$PODVISOR" delete pod -l app=nothing

# --- many: a Deployment of 20, all deleted, all back -------------------------------
deploy_yaml many 20 >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_ready many 20 90 && ok "a Deployment of 20 runs" || fail "many: $(pods_of many | grep -c Running) running"
OLD=$(uids_of many)
out=$("$PODVISOR" delete pod -l app=many 2>&1)
rc=$?
[ "$rc" = 0 ] && [ "$(echo "$out" | grep -c '^pod "many-.*" deleted$')" = 20 ] \
	&& [ -z "$(comm -12 <(echo "$OLD") <(uids_of many))" ] \
	&& ok "delete pod -l app=many: 20 deleted, none of the old left when it returns" || fail "many -l: rc $rc, $(echo "$out" | tail -3)"
wait_ready many 20 90 && ok "all 20 come back" || fail "many back: $(pods_of many | grep -c Running) running"
for _ in $(seq 50); do "$PODVISOR" get deploy many 2>&1 | grep -Eq "^many +20/20 " && break; sleep 0.1; done
"$PODVISOR" get deploy many 2>&1 | grep -Eq "^many +20/20 " && ok "get deploy: many 20/20" \
	|| fail "get deploy many: $("$PODVISOR" get deploy many 2>&1)"

! grep -qE "runtime error|AddressSanitizer" "$LOG" && ok "no sanitizer report in the daemon log" || fail "sanitizer report"
stop_daemon TERM
done_testing
