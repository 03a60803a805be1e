#!/bin/bash
# Probes: an httpGet readiness probe takes a pod out of its Service's
# endpoints and back; a hostNetwork pod probed at 127.0.0.1; a failing liveness exec probe restarts the container
# (Unhealthy, Killing, restart count 1); a tcpSocket readiness probe; a
# startup probe that holds readiness and liveness; an exec probe killed
# at its timeout; HTTPS and grpc probes
# are refused with a word; 20 pods probed every second stay Ready with the
# daemon mostly idle.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

ip link set lo up
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

events() { "$PODVISOR" get events "pod/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    print(e["reason"], e["message"])' 2>/dev/null; }

# --- httpGet readiness: out of the Service's endpoints and back --------------
cat >"$T_TMP/rp.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: rp, labels: {app: rp}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:test
    command: [sh, -c, "echo ok > /tmp/ready; echo rp > /tmp/hostname; exec httpd -f -p 8080 -h /tmp"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: http, httpHeaders: [{name: X-Probe, value: "yes"}]}
      periodSeconds: 1
      failureThreshold: 2
---
apiVersion: v1
kind: Service
metadata: {name: rp}
spec:
  selector: {app: rp}
  ports: [{port: 80, targetPort: http}]
YAML
drop rp.yaml "$T_TMP/rp.yaml"
wait_status rp Running || fail "rp: $(pod_json rp "p['status']")"
nep() { svc_json rp "len(s['ports'][0]['endpoints'])"; }
wait_for 10 '[ "$(nep)" = 1 ]' && [ "$(pod_json rp "p['ready']")" = 1 ] \
	&& ok "httpGet readiness (port by name, a header) succeeds: READY 1/1, one endpoint" \
	|| fail "rp not ready: ready=$(pod_json rp "p['ready']") endpoints=$(nep)"
CIP=$(svc_json rp "s['clusterIP']")
[ "$(curl -s --max-time 3 "http://$CIP/hostname")" = rp ] && ok "the cluster IP routes to the ready pod" || fail "cluster IP $CIP: no answer"
"$PODVISOR" exec rp -- rm /tmp/ready
wait_for 10 '[ "$(nep)" = 0 ]' && ok "the probe's path gone (404): the pod leaves the Service's endpoints" \
	|| fail "still an endpoint after the readiness path went: $(nep)"
[ "$(pod_json rp "p['ready']")/$(pod_json rp "p['status']")" = 0/Running ] && ok "get pods: READY 0/1, still Running" \
	|| fail "rp: ready $(pod_json rp "p['ready']") status $(pod_json rp "p['status']")"
"$PODVISOR" get pods rp | grep -Eq "^rp +0/1 +Running " && ok "the READY column says 0/1" || fail "get pods: $("$PODVISOR" get pods rp)"
[ -z "$(curl -s --max-time 3 "http://$CIP/hostname")" ] && ok "the cluster IP no longer routes to it" || fail "the cluster IP still answers"
events rp | grep -q '^Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 404$' \
	&& ok "event: Unhealthy, Readiness probe failed: HTTP probe failed with statuscode: 404" || fail "events: $(events rp)"
[ "$(pod_json rp "p['restarts']")" = 0 ] && ok "readiness failing does not restart" || fail "rp restarted"
"$PODVISOR" exec rp -- sh -c 'echo ok > /tmp/ready'
wait_for 10 '[ "$(nep)" = 1 ]' && [ "$(curl -s --max-time 3 "http://$CIP/hostname")" = rp ] \
	&& ok "the path back: an endpoint again, the cluster IP routes to it" || fail "not back: $(nep)"

# --- liveness exec: the container restarted ----------------------------------
cat >"$T_TMP/lv.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: lv}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "touch /tmp/alive; exec sleep 1000"]
    livenessProbe:
      exec: {command: [cat, /tmp/alive]}
      periodSeconds: 1
      failureThreshold: 2
YAML
drop lv.yaml "$T_TMP/lv.yaml"
wait_status lv Running || fail "lv: $(pod_json lv "p['status']")"
sleep 3
[ "$(pod_json lv "p['restarts']")" = 0 ] && ok "a passing liveness exec probe leaves it running" || fail "lv restarted: $(events lv)"
pid=$(pod_json lv "p['containers'][0]['pid']")
"$PODVISOR" exec lv -- rm /tmp/alive
wait_for 15 '[ "$(pod_json lv "p['"'"'restarts'"'"']")" = 1 ] && [ "$(pod_json lv "p['"'"'status'"'"']")" = Running ]' \
	&& ok "liveness failing: the container is restarted (restart count 1, Running)" \
	|| fail "lv: restarts $(pod_json lv "p['restarts']") status $(pod_json lv "p['status']")"
[ ! -d "/proc/$pid" ] && ok "the old process is gone" || fail "pid $pid still there"
events lv | grep -q "^Unhealthy Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory$" \
	&& ok "event: Unhealthy, Liveness probe failed: the command's output" || fail "events: $(events lv)"
events lv | grep -q '^Killing Container main failed liveness probe, will be restarted$' \
	&& ok "event: Killing, Container main failed liveness probe, will be restarted" || fail "events: $(events lv)"
sleep 3
[ "$(pod_json lv "p['restarts']")" = 1 ] && ok "the new run passes its probe: still 1 restart" || fail "lv: $(pod_json lv "p['restarts']") restarts"

# --- tcpSocket readiness ----------------------------------------------------------
cat >"$T_TMP/tcp.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: tcp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "sleep 3; exec httpd -f -p 9000 -h /tmp"]
    readinessProbe:
      tcpSocket: {port: 9000}
      periodSeconds: 1
YAML
drop tcp.yaml "$T_TMP/tcp.yaml"
wait_status tcp Running || fail "tcp: $(pod_json tcp "p['status']")"
[ "$(pod_json tcp "p['ready']")" = 0 ] && ok "tcpSocket readiness: not ready while nothing listens" || fail "tcp ready at once"
wait_for 10 '[ "$(pod_json tcp "p['"'"'ready'"'"']")" = 1 ]' && ok "tcpSocket readiness: ready once the port listens" || fail "tcp never ready"
events tcp | grep -q '^Unhealthy Readiness probe failed: dial tcp 10\.[0-9.]*:9000: connect: connection refused$' \
	&& ok "event: Readiness probe failed: dial tcp IP:9000: connect: connection refused" || fail "events: $(events tcp)"

# --- hostNetwork: probed at 127.0.0.1 -----------------------------------------------
cat >"$T_TMP/hn.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: hn}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "echo ok > /tmp/ready; exec httpd -f -p 127.0.0.1:18080 -h /tmp"]
    readinessProbe:
      httpGet: {path: /ready, port: 18080}
      periodSeconds: 1
YAML
drop hn.yaml "$T_TMP/hn.yaml"
wait_status hn Running || fail "hn: $(pod_json hn "p['status']")"
wait_for 10 '[ "$(pod_json hn "p['"'"'ready'"'"']")" = 1 ]' && ok "a hostNetwork pod is probed at 127.0.0.1: ready" \
	|| fail "hn not ready: $(events hn)"
rm -f "$M/hn.yaml"

# --- startup probe: holds readiness and liveness ------------------------------------
cat >"$T_TMP/st.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: st}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "sleep 4; touch /tmp/started; exec sleep 1000"]
    startupProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: [test, -f, /tmp/started]}
      periodSeconds: 1
      failureThreshold: 1
YAML
drop st.yaml "$T_TMP/st.yaml"
wait_status st Running || fail "st: $(pod_json st "p['status']")"
sleep 1
[ "$(pod_json st "p['ready']")" = 0 ] && [ "$(pod_json st "p['containers'][0]['started']")" = False ] \
	&& ok "startup probe not yet passed: Running, not started, READY 0/1" || fail "st: ready $(pod_json st "p['ready']")"
wait_for 15 '[ "$(pod_json st "p['"'"'ready'"'"']")" = 1 ]' && ok "startup probe passed: ready" || fail "st never ready"
[ "$(pod_json st "p['restarts']")" = 0 ] && ok "the liveness probe was held until startup passed (no restart)" \
	|| fail "st restarted: $(events st)"

# --- an exec probe that outlives its timeout is killed -------------------------
cat >"$T_TMP/slow.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    readinessProbe:
      exec: {command: [sleep, "7"]}
      periodSeconds: 1
      timeoutSeconds: 1
YAML
drop slow.yaml "$T_TMP/slow.yaml"
wait_status slow Running || fail "slow: $(pod_json slow "p['status']")"
timeouts() { "$PODVISOR" get events pod/default/slow -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(e["count"] for e in json.load(sys.stdin) if e["message"] == "Readiness probe failed: command timed out"))' 2>/dev/null; }
wait_for 10 '[ "$(timeouts)" -ge 3 ]' \
	&& ok "an exec probe past timeoutSeconds fails: command timed out" || fail "events: $(events slow)"
n=$(pgrep -cxf "sleep 7" || true)
[ "${n:-0}" -le 1 ] && ok "the timed-out commands were killed (${n:-0} left running)" || fail "$n probe commands left running"
[ "$(pod_json slow "p['ready']")" = 0 ] && ok "slow is not ready" || fail "slow ready"
rm -f "$M/slow.yaml"

# --- what is not probed here is said -----------------------------------------------
cat >"$T_TMP/odd.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    readinessProbe:
      httpGet: {port: 8443, scheme: HTTPS}
      periodSeconds: 1
    livenessProbe:
      grpc: {port: 9090}
YAML
drop odd.yaml "$T_TMP/odd.yaml"
wait_status odd Running || fail "odd: $(pod_json odd "p['status']")"
wait_for 5 'events odd | grep -q "^Unhealthy Readiness probe failed: scheme HTTPS"' \
	&& ok "an HTTPS httpGet probe fails, saying so" || fail "events: $(events odd)"
events odd | grep -q "^Failed container main: Liveness probe: grpc probes are not run" \
	&& ok "a grpc probe is not run, and a warning says so" || fail "events: $(events odd)"
[ "$(pod_json odd "p['ready']")" = 0 ] && ok "odd is not ready" || fail "odd ready"
rm -f "$M/odd.yaml"

# --- many: 20 pods probed every second --------------------------------------------
for i in $(seq 20); do
	cat >"$T_TMP/m$i.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: m$i}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox:test
    command: [sh, -c, "echo ok > /tmp/ready; exec httpd -f -p 8080 -h /tmp"]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
YAML
	drop "m$i.yaml" "$T_TMP/m$i.yaml"
done
allready() { [ "$("$PODVISOR" get pods | grep -cE '^m[0-9]+ +1/1 +Running ')" = 20 ]; }
wait_for 90 allready && ok "20 pods with probes every second: all 1/1 Running" || fail "$("$PODVISOR" get pods)"
cpu() { awk '{print $14 + $15}' /proc/"$DAEMON"/stat; }
a=$(cpu); sleep 10; b=$(cpu)
t=$(getconf CLK_TCK)
[ $((b - a)) -lt $((t * 3)) ] && ok "the daemon probing 40 times a second used $((b - a)) ticks of CPU in 10 s (under $((t * 3)))" \
	|| fail "the daemon used $((b - a)) ticks of CPU in 10 s"
allready && ok "all 20 still Ready" || fail "$("$PODVISOR" get pods)"
for i in $(seq 20); do [ "$(pod_json "m$i" "p['restarts']")" = 0 ] || fail "m$i restarted"; done

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:|a bug" "$LOG" && fail "sanitizer report or a bug: $(grep -E 'AddressSanitizer|runtime error|a bug' "$LOG" | head -3)" || ok "no sanitizer report, no invalid transition"
stop_daemon TERM
done_testing
