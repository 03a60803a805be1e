#!/bin/bash
# Edits that must lose nothing. (1) A label edit is a metadata change: the pod keeps
# running (same uid, no restart) and the Services follow its new labels.
# (2) Service addresses are never given away while the manifests are not
# all known: a Service whose file fails to load at start-up keeps its
# cluster IP and node port, and another Service asking for that IP is
# refused instead of taking it. Once the file loads, the Service has its
# old addresses back. (3) A directory that cannot be scanned whole (a
# subdirectory nested too deep) deletes nothing it did not list.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

# wait_svc NAME EXPR WANT [SECONDS]
wait_svc() {
	local i=0 end=$((SECONDS + 2 * ${4:-20} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(svc_json "$1" "$2")" = "$3" ] && return 0
		nap $((i++))
	done
	return 1
}

service() { # NAME [EXTRA SPEC LINE]
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  type: NodePort\n  selector: {app: %s}\n  ports: [{port: 80}]\n%s\n' "$1" "$1" "${2:-}"
}

# ---- (1) labels edited in place ----
labelled() { # COLOUR
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: lab, labels: {app: $1}, annotations: {colour: $1}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:test
    command: [sh, -c, "echo lab > /tmp/hostname; exec httpd -f -p 8080 -h /tmp"]
---
apiVersion: v1
kind: Service
metadata: {name: green}
spec:
  selector: {app: green}
  ports: [{port: 80, targetPort: 8080}]
YAML
}
eps() { svc_json green "' '.join(e['ip'] for e in s['ports'][0]['endpoints'])"; }
labelled blue >"$T_TMP/lab.yaml" && drop lab.yaml "$T_TMP/lab.yaml"
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_status lab Running || fail "lab: $(pod_json lab "p['status']")"
UID0=$(pod_json lab "p['uid']")
LIP=$(pod_json lab "p['podIP']")
wait_svc green "s['name']" green && [ -z "$(eps)" ] && ok "a blue pod is no endpoint of green" || fail "green endpoints: '$(eps)'"
labelled green >"$T_TMP/lab.yaml" && drop lab.yaml "$T_TMP/lab.yaml"
wait_svc green "' '.join(e['ip'] for e in s['ports'][0]['endpoints'])" "$LIP" &&
	ok "relabelled green: the running pod is green's endpoint ($LIP)" || fail "green endpoints after the edit: '$(eps)', pod at $LIP"
[ "$(pod_json lab "p['uid']")" = "$UID0" ] && [ "$(pod_json lab "p['restarts']")" = 0 ] && [ "$(pod_json lab "p['status']")" = Running ] &&
	ok "the pod was not restarted (same uid, no restarts)" || fail "pod after a label edit: uid $(pod_json lab "p['uid']") (was $UID0), restarts $(pod_json lab "p['restarts']")"
[ "$(pod_json lab "p['labels']['app'] + p['annotations']['colour']")" = greengreen ] && ok "get pods shows the new labels and annotations" ||
	fail "labels: $(pod_json lab "p.get('labels')") annotations: $(pod_json lab "p.get('annotations')")"
r=$(curl -s --max-time 5 "http://$(svc_json green "s['clusterIP']")/hostname")
[ "$r" = lab ] && ok "green's cluster IP answers from the relabelled pod" || fail "green's cluster IP: '$r'"
labelled blue >"$T_TMP/lab.yaml" && drop lab.yaml "$T_TMP/lab.yaml"
wait_svc green "' '.join(e['ip'] for e in s['ports'][0]['endpoints'])" "" && ok "relabelled blue: no longer green's endpoint" || fail "green endpoints: '$(eps)'"
rm "$M/lab.yaml"
wait_status lab "" || fail "lab not gone"
stop_daemon TERM || fail "daemon stop"

# ---- (2) addresses held while a file has failed ----
service keep >"$T_TMP/a.yaml" && drop a.yaml "$T_TMP/a.yaml"
service victim >"$T_TMP/b.yaml" && drop b.yaml "$T_TMP/b.yaml"
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_svc victim "s['clusterIP'][:6]" "10.96." || fail "victim has no cluster IP: $(svc_json victim s)"
V=$(svc_json victim "s['clusterIP']")
VNP=$(svc_json victim "s['ports'][0]['nodePort']")
K=$(svc_json keep "s['clusterIP']")
case "$V" in 10.96.*) ok "victim has cluster IP $V and node port $VNP" ;; *) fail "victim: '$V'" ;; esac

# Down; the victim's file broken; a thief asks for its address and port.
stop_daemon TERM || fail "daemon stop"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: victim\nspec: [\n' >"$T_TMP/b.yaml" && drop b.yaml "$T_TMP/b.yaml"
service thief "  clusterIP: $V" >"$T_TMP/c.yaml"
sed -i "s/ports: \[{port: 80}\]/ports: [{port: 80, nodePort: $VNP}]/" "$T_TMP/c.yaml"
drop c.yaml "$T_TMP/c.yaml"
start_daemon || { fail "daemon restart"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }

# Proof the daemon read both files: the failed load is in its log (with
# file:line:col), and the thief is listed with the outcome of its request.
for _ in $(seq 100); do grep -q "b.yaml:[0-9]*:[0-9]*: error" "$LOG" && break; sleep 0.1; done
grep -q "b.yaml:[0-9]*:[0-9]*: error" "$LOG" && ok "the broken file is reported with file:line:col" || fail "no load error for b.yaml in the log"
wait_svc thief "s['name']" thief || fail "thief not listed"
p=$(svc_json thief "s.get('problem', '')")
ip=$(svc_json thief "s['clusterIP']")
case "$p" in *"already allocated"*) ok "the thief is refused the victim's address: $p" ;;
*) fail "thief got clusterIP '$ip' (problem '$p'); the victim's was $V" ;; esac
[ "$(svc_json keep "s['clusterIP']")" = "$K" ] && ok "the other Service keeps $K" || fail "keep moved: $(svc_json keep "s['clusterIP']") (was $K)"

# The victim's file fixed: its old addresses, nothing else.
rm "$M/c.yaml"
service victim >"$T_TMP/b.yaml" && drop b.yaml "$T_TMP/b.yaml"
wait_svc victim "s['name']" victim || fail "victim not back"
wait_svc thief "s['name']" "" || fail "thief still listed"
[ "$(svc_json victim "s['clusterIP']")" = "$V" ] && ok "the victim has its cluster IP $V again" ||
	fail "victim's cluster IP is '$(svc_json victim "s['clusterIP']")' (problem '$(svc_json victim "s.get('problem')")'), was $V"
[ "$(svc_json victim "s['ports'][0]['nodePort']")" = "$VNP" ] && ok "the victim has its node port $VNP again" ||
	fail "victim's node port is '$(svc_json victim "s['ports'][0]['nodePort']")', was $VNP"

# With every file loaded, a deleted Service's address is free again.
rm "$M/b.yaml"
wait_svc victim "s['name']" "" || fail "victim still listed after its file went"
service thief "  clusterIP: $V" >"$T_TMP/c.yaml" && drop c.yaml "$T_TMP/c.yaml"
wait_svc thief "s['clusterIP']" "$V" && ok "once the victim is deleted, its address can be asked for" ||
	fail "thief: '$(svc_json thief "s['clusterIP']")' problem '$(svc_json thief "s.get('problem')")'"

# ---- (3) a scan that fails part-way deletes nothing ----
pod_yaml keeper Always sleep 3600 >"$T_TMP/z.yaml" && drop z.yaml "$T_TMP/z.yaml"
wait_status keeper Running || fail "keeper: $(pod_json keeper "p['status']")"
KUID=$(pod_json keeper "p['uid']")
mkdir -p "$M/$(printf 'a/%.0s' $(seq 40))" # sorts before z.yaml
kill -HUP "$DAEMON"
for _ in $(seq 100); do grep -q "rescan: .*nested more than" "$LOG" && break; sleep 0.1; done
grep -q "rescan: .*nested more than" "$LOG" && ok "the scan error is reported" || fail "no scan error in the log"
# proof the rescan is over: a file dropped after it is loaded
service marker >"$T_TMP/m.yaml" && drop m.yaml "$T_TMP/m.yaml"
wait_svc marker "s['name']" marker || fail "marker Service not loaded"
[ "$(pod_json keeper "p['uid']")" = "$KUID" ] && [ "$(pod_json keeper "p['status']")" = Running ] &&
	ok "the pod in the file the scan did not reach keeps running" || fail "keeper: $(pod_json keeper "p['status']") uid $(pod_json keeper "p['uid']") (was $KUID)"
rm -rf "$M/a"
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
