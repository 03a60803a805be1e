#!/bin/bash
# Lifecycle hooks and native sidecars (Kubernetes 1.29+): a postStart
# hook holds the container (ContainerCreating) until it returns and its
# file is there for the main command; a failing postStart is
# FailedPostStartHook and a restart; preStop (exec, httpGet) runs before
# the SIGTERM; a sidecar (an init container with restartPolicy: Always)
# runs beside the next init container and the app, is restarted when it
# exits, is stopped after the app, and lets a Job-like pod complete;
# preStop also before a liveness kill, a failing one does not stop the
# stop, and a long one ends at the grace period. The many variant: one
# pod of 20 containers, each with both hooks.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

ip link set lo up
H=$T_TMP/host
mkdir -p "$H"
start_daemon --host-path-allow "$H" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

events() { "$PVQ" get events "pod/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["reason"], e["message"])' 2>/dev/null; }
gone() { [ -z "$(pod_json "$1" "p['name']")" ]; }
lines() { tr '\n' ' ' <"$1" 2>/dev/null | sed 's/ $//'; }

# --- postStart exec: the container waits for it; its file is there ----------
mkdir -p "$H/ps"
cat >"$T_TMP/ps.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: ps}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "while [ ! -f /tmp/hook ]; do sleep 0.1; done; cp /tmp/hook /tmp/seen; exec sleep 1000"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "while [ ! -f /data/go ]; do sleep 0.1; done; echo hooked > /tmp/h; mv /tmp/h /tmp/hook"]}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/ps}}]
YAML
drop ps.yaml "$T_TMP/ps.yaml"
wait_for 20 'events ps | grep -q "^Started Started container main"' || fail "ps never started: $(events ps)"
[ "$(pod_json ps "p['status']")/$(pod_json ps "p['ready']")" = ContainerCreating/0 ] \
	&& ok "postStart running: the container is ContainerCreating, READY 0/1" \
	|| fail "ps while its hook runs: $(pod_json ps "p['status']") ready $(pod_json ps "p['ready']")"
touch "$H/ps/go"
wait_status ps Running && ok "postStart returned: Running" || fail "ps: $(pod_json ps "p['status']")"
wait_for 10 '[ "$("$PODVISOR" exec ps -- cat /tmp/seen 2>&1)" = hooked ]' && ok "the postStart hook's file was there for the main command" \
	|| fail "exec ps: $("$PODVISOR" exec ps -- cat /tmp/seen 2>&1)"
rm -f "$M/ps.yaml"

# --- postStart failing: FailedPostStartHook, killed, restarted ------------------
cat >"$T_TMP/pf.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: pf}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo nope; exit 3"]}
YAML
drop pf.yaml "$T_TMP/pf.yaml"
wait_for 30 '[ "$(pod_json pf "p['"'"'restarts'"'"']")" -ge 1 ] 2>/dev/null' \
	&& ok "a failing postStart hook: the container is killed and restarted (restart count $(pod_json pf "p['restarts']"))" \
	|| fail "pf: restarts $(pod_json pf "p['restarts']") status $(pod_json pf "p['status']")"
events pf | grep -q "^FailedPostStartHook Exec lifecycle hook (\[sh -c echo nope; exit 3\]) for Container \"main\" in Pod \"default/pf\" failed - error: command 'sh -c echo nope; exit 3' exited with 3, message: \"nope\"$" \
	&& ok "event: FailedPostStartHook, with the command, its exit code and its output" || fail "events: $(events pf)"
events pf | grep -q "^Killing FailedPostStartHook$" && ok "event: Killing FailedPostStartHook" || fail "events: $(events pf)"
[ "$(pod_json pf "p['ready']")" = 0 ] && ok "pf is never ready" || fail "pf ready"
rm -f "$M/pf.yaml"

# --- preStop exec: before the SIGTERM -------------------------------------------
mkdir -p "$H/pre"
cat >"$T_TMP/pre.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: pre}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /data/order; exit 0' TERM; echo start >> /data/order; while true; do sleep 0.2; done"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo prestop >> /data/order"]}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/pre}}]
YAML
drop pre.yaml "$T_TMP/pre.yaml"
wait_status pre Running && wait_for 10 '[ -s "$H/pre/order" ]' || fail "pre: $(pod_json pre "p['status']")"
rm -f "$M/pre.yaml"
wait_for 20 'gone pre' || fail "pre still there: $(pod_json pre "p['status']")"
[ "$(lines "$H/pre/order")" = "start prestop term" ] && ok "preStop exec ran before the SIGTERM (start prestop term)" \
	|| fail "pre order: $(lines "$H/pre/order")"

# --- preStop on a liveness kill; a failing preStop; a preStop past the grace period ----
mkdir -p "$H/lp"
cat >"$T_TMP/lp.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: lp}
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /data/lv; exit 0' TERM; touch /tmp/alive; echo start >> /data/lv; while true; do sleep 0.2; done"]
    livenessProbe:
      exec: {command: [cat, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 1
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo prestop >> /data/lv"]}
    volumeMounts: [{name: data, mountPath: /data}]
  - name: failing
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /data/fail; exit 0' TERM; echo start >> /data/fail; while true; do sleep 0.2; done"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo broken; exit 7"]}
    volumeMounts: [{name: data, mountPath: /data}]
  - name: sleepy
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /data/sleepy; exit 0' TERM; echo start >> /data/sleepy; while true; do sleep 0.2; done"]
    lifecycle:
      preStop:
        sleep: {seconds: 1000}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/lp}}]
YAML
drop lp.yaml "$T_TMP/lp.yaml"
wait_status lp Running && wait_for 10 '[ -s "$H/lp/lv" ] && [ -s "$H/lp/fail" ] && [ -s "$H/lp/sleepy" ]' || fail "lp: $(pod_json lp "p['status']")"
"$PODVISOR" exec -c main lp -- rm /tmp/alive
wait_for 20 '[ "$(lines "$H/lp/lv")" = "start prestop term start" ]' \
	&& ok "a liveness kill runs preStop before the SIGTERM, then the restart (start prestop term start)" \
	|| fail "lp/lv: $(lines "$H/lp/lv") restarts $(pod_json lp "p['restarts']")"
rm -f "$M/lp.yaml"
wait_for 30 'gone lp' || fail "lp still there: $(pod_json lp "p['status']")"
events lp | grep -q "^FailedPreStopHook Exec lifecycle hook (\[sh -c echo broken; exit 7\]) for Container \"failing\" in Pod \"default/lp\" failed - error: command 'sh -c echo broken; exit 7' exited with 7, message: \"broken\"$" \
	&& ok "event: FailedPreStopHook, with the command, its exit code and its output" || fail "events: $(events lp | grep -i hook)"
[ "$(lines "$H/lp/fail")" = "start term" ] && ok "a failing preStop: the stop goes on (SIGTERM all the same)" || fail "lp/fail: $(lines "$H/lp/fail")"
[ "$(lines "$H/lp/sleepy")" = start ] && ok "a preStop sleep longer than the grace period: SIGKILL at its end, no SIGTERM" \
	|| fail "lp/sleepy: $(lines "$H/lp/sleepy")"

# --- preStop httpGet: a request to the pod's server, then the SIGTERM -------------
mkdir -p "$H/hp/cgi-bin"
printf '#!/bin/sh\necho http-prestop >> /www/order\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n' >"$H/hp/cgi-bin/stop"
chmod +x "$H/hp/cgi-bin/stop"
cat >"$T_TMP/hp.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: web
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /www/order; exit 0' TERM; httpd -p 8080 -h /www; echo start >> /www/order; while true; do sleep 0.2; done"]
    ports: [{name: http, containerPort: 8080}]
    lifecycle:
      preStop:
        httpGet: {path: /cgi-bin/stop, port: http}
    volumeMounts: [{name: www, mountPath: /www}]
  volumes: [{name: www, hostPath: {path: $H/hp}}]
YAML
drop hp.yaml "$T_TMP/hp.yaml"
wait_status hp Running && wait_for 10 '[ -s "$H/hp/order" ]' || fail "hp: $(pod_json hp "p['status']")"
rm -f "$M/hp.yaml"
wait_for 20 'gone hp' || fail "hp still there"
[ "$(lines "$H/hp/order")" = "start http-prestop term" ] && ok "preStop httpGet reached the pod's server before the SIGTERM" \
	|| fail "hp order: $(lines "$H/hp/order") events: $(events hp | grep -i hook)"

# --- a sidecar in a Job-like pod ---------------------------------------------------
mkdir -p "$H/sc/www"
echo hello >"$H/sc/www/hello"
cat >"$T_TMP/sc.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sc}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 10
  initContainers:
  - name: side
    image: busybox:test
    restartPolicy: Always
    command: [sh, -c, "trap 'echo side-term >> /data/log; exit 0' TERM; echo side-up >> /data/log; httpd -p 9090 -h /data/www; while [ ! -f /data/crash ]; do sleep 0.2; done; rm /data/crash; echo side-crash >> /data/log; exit 1"]
    startupProbe:
      tcpSocket: {port: 9090}
      periodSeconds: 1
    volumeMounts: [{name: data, mountPath: /data}]
  - name: second
    image: busybox:test
    command: [sh, -c, "wget -q -O - http://127.0.0.1:9090/hello | sed s/^/second-/ >> /data/log"]
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: app
    image: busybox:test
    command: [sh, -c, "wget -q -O - http://127.0.0.1:9090/hello | sed s/^/app-/ >> /data/log; while [ ! -f /data/finish ]; do sleep 0.2; done; echo app-done >> /data/log"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/sc}}]
YAML
drop sc.yaml "$T_TMP/sc.yaml"
wait_status sc Running 30 || fail "sc: $(pod_json sc "p['status']") $(events sc | tail -3)"
wait_for 10 'grep -q app-hello "$H/sc/log"'
[ "$(lines "$H/sc/log")" = "side-up second-hello app-hello" ] \
	&& ok "the sidecar started (its startup probe passed) before the next init container, and serves it and the app" \
	|| fail "sc log: $(lines "$H/sc/log")"
"$PODVISOR" get pods sc | grep -Eq "^sc +2/2 +Running " && ok "get pods: READY 2/2 (the sidecar counts)" || fail "$("$PODVISOR" get pods sc)"
touch "$H/sc/crash"
wait_for 20 '[ "$(pod_json sc "p['"'"'restarts'"'"']")" = 1 ] && [ "$(grep -c side-up "$H/sc/log")" = 2 ]' \
	&& ok "the sidecar exited 1 under restartPolicy Never: restarted all the same" \
	|| fail "sc after crash: restarts $(pod_json sc "p['restarts']") log $(lines "$H/sc/log")"
wait_status sc Running || fail "sc: $(pod_json sc "p['status']")"
touch "$H/sc/finish"
wait_status sc Completed 20 && ok "the app exited 0: the pod is Completed" || fail "sc: $(pod_json sc "p['status']") $(events sc | tail -3)"
[ "$(pod_json sc "p['phase']")" = Succeeded ] && ok "phase Succeeded" || fail "phase $(pod_json sc "p['phase']")"
wait_for 10 '[ "$(pod_json sc "list(p['"'"'containers'"'"'][0]['"'"'state'"'"'])[0]")" = terminated ]' \
	&& ok "the sidecar was stopped once the app completed" || fail "side: $(pod_json sc "p['containers'][0]['state']")"
[ "$(tail -2 "$H/sc/log" | tr '\n' ' ')" = "app-done side-term " ] && ok "after the app (app-done, then side-term)" \
	|| fail "sc log: $(lines "$H/sc/log")"
[ "$(pod_json sc "p['status']")/$(pod_json sc "p['phase']")" = Completed/Succeeded ] \
	&& ok "still Completed/Succeeded with the sidecar stopped" || fail "sc: $(pod_json sc "p['status']") $(pod_json sc "p['phase']")"
rm -f "$M/sc.yaml"

# --- a pod with sidecars deleted: the app first, then the sidecars, last first ---------
mkdir -p "$H/so"
cat >"$T_TMP/so.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: so, labels: {app: so}}
spec:
  terminationGracePeriodSeconds: 20
  initContainers:
  - name: s1
    image: busybox:test
    restartPolicy: Always
    command: [sh, -c, "trap 'echo s1-term >> /data/order; exit 0' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{name: data, mountPath: /data}]
  - name: s2
    image: busybox:test
    restartPolicy: Always
    command: [sh, -c, "trap 'sleep 1; echo s2-term >> /data/order; exit 0' TERM; while true; do sleep 0.2; done"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo s2-prestop >> /data/order"]}
    volumeMounts: [{name: data, mountPath: /data}]
  containers:
  - name: app
    image: busybox:test
    command: [sh, -c, "trap 'sleep 1; echo app-term >> /data/order; exit 0' TERM; httpd -p 8080 -h /tmp; while true; do sleep 0.2; done"]
    volumeMounts: [{name: data, mountPath: /data}]
YAML
cat >>"$T_TMP/so.yaml" <<YAML
  volumes: [{name: data, hostPath: {path: $H/so}}]
---
apiVersion: v1
kind: Service
metadata: {name: so}
spec:
  selector: {app: so}
  ports: [{port: 80, targetPort: 8080}]
YAML
drop so.yaml "$T_TMP/so.yaml"
wait_status so Running 30 || fail "so: $(pod_json so "p['status']")"
"$PODVISOR" get pods so | grep -Eq "^so +3/3 +Running " && ok "get pods: READY 3/3 with two sidecars" || fail "$("$PODVISOR" get pods so)"
nep() { "$PVQ" get svc so -o internal-json 2>/dev/null | "$PY" -c "import json, sys; print(len(json.load(sys.stdin)[0]['ports'][0]['endpoints']))" 2>/dev/null; }
wait_for 10 '[ "$(nep)" = 1 ]' && ok "the pod with sidecars is its Service's endpoint" || fail "so endpoints: $(nep)"
stop_daemon KILL
start_daemon --host-path-allow "$H" || fail "daemon restart"
wait_for 10 '"$PODVISOR" get pods so | grep -Eq "^so +3/3 +Running +0 " && [ "$(nep)" = 1 ]' \
	&& ok "a new daemon adopts the pod with its sidecars running: 3/3 Running, no restart, a Service endpoint" \
	|| fail "after adoption: $("$PODVISOR" get pods so) endpoints $(nep)"
rm -f "$M/so.yaml"
wait_for 30 'gone so' || fail "so still there: $(pod_json so "p['status']")"
[ "$(lines "$H/so/order")" = "s2-prestop app-term s2-term s1-term" ] \
	&& ok "stopped in order: preStop hooks at once, the app, then the sidecars last first" \
	|| fail "so order: $(lines "$H/so/order")"

# --- a sidecar's readiness is the pod's: not an endpoint until it is ready ----------
cat >"$M/sr.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sr, labels: {app: sr}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: side
    image: busybox:test
    restartPolicy: Always
    command: [sh, -c, "exec sleep 1000"]
    readinessProbe:
      exec: {command: [test, -f, /tmp/ok]}
      periodSeconds: 1
  containers:
  - name: app
    image: busybox:test
    command: [sh, -c, "httpd -p 8080 -h /tmp; exec sleep 1000"]
---
apiVersion: v1
kind: Service
metadata: {name: sr}
spec:
  selector: {app: sr}
  ports: [{port: 80, targetPort: 8080}]
YAML
srep() { "$PVQ" get svc sr -o internal-json 2>/dev/null | "$PY" -c "import json, sys; print(len(json.load(sys.stdin)[0]['ports'][0]['endpoints']))" 2>/dev/null; }
wait_status sr Running 30 || fail "sr: $(pod_json sr "p['status']")"
wait_for 10 '"$PODVISOR" get pods sr | grep -Eq "^sr +1/2 +Running "' && [ "$(srep)" = 0 ] \
	&& ok "a sidecar failing readiness: READY 1/2, the pod is no endpoint" \
	|| fail "sr: $("$PODVISOR" get pods sr) endpoints $(srep)"
out=$("$PODVISOR" exec sr -c side -- touch /tmp/ok 2>&1) && ok "exec -c reaches a running sidecar" || fail "exec -c side: $out"
wait_for 10 '[ "$(srep)" = 1 ]' && "$PODVISOR" get pods sr | grep -Eq "^sr +2/2 +Running " \
	&& ok "the sidecar ready: READY 2/2, the pod is the Service's endpoint" \
	|| fail "sr after: $("$PODVISOR" get pods sr) endpoints $(srep)"
out=$("$PODVISOR" exec sr -c nope -- true 2>&1); rc=$?
[ $rc != 0 ] && grep -q 'no container "nope" in pod sr' <<<"$out" && ok "exec -c of an unknown container says so" \
	|| fail "exec -c nope: exit $rc: $out"
rm -f "$M/sr.yaml"
wait_for 30 'gone sr' || fail "sr still there"

# --- stop signals: lifecycle.stopSignal, else the image's StopSignal -------------
make_busybox_oci "$T_TMP/oci-usr2" busybox:usr2 ',"StopSignal":"USR2"' >/dev/null 2>&1 &&
	"$PODVISOR" image import "$T_TMP/oci-usr2" busybox:usr2 >/dev/null 2>&1 || fail "an image with StopSignal USR2"
mkdir -p "$H/sig"
cat >"$M/sig.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sig1}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: c
    image: busybox:test
    lifecycle: {stopSignal: SIGUSR1}
    command: [sh, -c, "trap 'echo usr1 >> /data/sig1; exit 0' USR1; trap 'echo term >> /data/sig1; exit 0' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/sig}}]
---
apiVersion: v1
kind: Pod
metadata: {name: sig2}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: c
    image: busybox:usr2
    command: [sh, -c, "trap 'echo usr2 >> /data/sig2; exit 0' USR2; trap 'echo term >> /data/sig2; exit 0' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, hostPath: {path: $H/sig}}]
YAML
wait_status sig1 Running 30 && wait_status sig2 Running 30 || fail "sig pods: $(pod_json sig1 "p['status']") $(pod_json sig2 "p['status']")"
rm -f "$M/sig.yaml"
wait_for 30 'gone sig1 && gone sig2' || fail "sig pods still there"
[ "$(lines "$H/sig/sig1")" = usr1 ] && ok "lifecycle.stopSignal SIGUSR1 stops the container with SIGUSR1" || fail "sig1: $(lines "$H/sig/sig1")"
[ "$(lines "$H/sig/sig2")" = usr2 ] && ok "without one, the image's StopSignal (USR2) stops it" || fail "sig2: $(lines "$H/sig/sig2")"
sed 's/stopSignal: SIGUSR1/stopSignal: SIGFOO/' >"$T_TMP/badsig.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: badsig}
spec:
  containers:
  - {name: c, image: busybox:test, lifecycle: {stopSignal: SIGUSR1}}
YAML
out=$("$PODVISOR" check "$T_TMP/badsig.yaml" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'badsig.yaml:6:[0-9]*: .*lifecycle.stopSignal: unsupported value "SIGFOO"' <<<"$out" \
	&& ok "check: an unknown stopSignal is refused at its place" || { fail "bad stopSignal (exit $rc)"; diag "$out"; }

# --- many: 20 containers, each with postStart and preStop ---------------------------
mkdir -p "$H/many"
{
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: many}
spec:
  terminationGracePeriodSeconds: 20
  volumes: [{name: data, hostPath: {path: $H/many}}]
  containers:
YAML
	for i in $(seq 20); do cat <<YAML
  - name: c$i
    image: busybox:test
    command: [sh, -c, "trap 'echo term >> /data/c$i; exit 0' TERM; while [ ! -f /tmp/hook ]; do sleep 0.1; done; echo run >> /data/c$i; while true; do sleep 0.2; done"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "echo post >> /data/c$i; touch /tmp/hook"]}
      preStop:
        exec: {command: [sh, -c, "echo pre >> /data/c$i"]}
    volumeMounts: [{name: data, mountPath: /data}]
YAML
	done
} >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_for 90 '"$PODVISOR" get pods many | grep -Eq "^many +20/20 +Running "' \
	&& ok "20 containers with postStart hooks: 20/20 Running" || fail "$("$PODVISOR" get pods many)"
rm -f "$M/many.yaml"
wait_for 60 'gone many' || fail "many still there"
n=0
for i in $(seq 20); do [ "$(lines "$H/many/c$i")" = "post run pre term" ] && n=$((n + 1)); done
[ "$n" = 20 ] && ok "each of the 20: post, run, pre, term" || fail "$n of 20 in order; c1: $(lines "$H/many/c1")"

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:|a bug" "$LOG" && fail "sanitizer report or a bug: $(grep -E 'AddressSanitizer|runtime error|a bug' "$LOG" | head -3)" || ok "no sanitizer report, no invalid transition"
stop_daemon TERM
done_testing
