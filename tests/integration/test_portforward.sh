#!/bin/bash
# port-forward (issue #15 item 8): local ports to a pod's, through its
# network namespace. A pod's port and a port its server keeps on the pod's
# loopback only both answer; svc/NAME reaches a pod behind the Service at
# the port the Service targets; 100 concurrent HTTP requests through each
# all answer; --address binds elsewhere; :REMOTE takes a free port; Ctrl-C
# ends it (status 0, the port closed); a missing or not running pod is a
# clear error.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"
ip link set lo up
cat >"$T_TMP/web.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:test
    command: [sh, -c, "mkdir -p /w /l && echo web-page > /w/index.html && echo loopback-only > /l/index.html && httpd -p 127.0.0.1:9090 -h /l && exec httpd -f -p 8080 -h /w"]
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: websvc}
spec:
  selector: {app: web}
  ports: [{name: web, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  containers:
  - {name: c, image: nosuch:1, command: [sleep, "3600"]}
YAML
drop web.yaml "$T_TMP/web.yaml"
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_status web Running 60 || fail "web: $(pod_json web "p['status']")"

# forward ARGS...: start port-forward in the background, its output in
# $T_TMP/pf.N; waits for its Forwarding lines; PF is its pid.
n=0
forward() {
	n=$((n + 1))
	"$PODVISOR" port-forward "$@" >"$T_TMP/pf.$n" 2>&1 &
	PF=$!
	wait_for 10 'grep -q "^Forwarding from" "$T_TMP/pf.$n"'
}
# get HOST PORT [COUNT]: COUNT (default 1) concurrent GETs of /; prints
# the bodies' distinct lines and how many failed.
get() {
	"$PY" - "$1" "$2" "${3:-1}" <<'PY'
import socket, sys, threading
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bodies, failed, lock = set(), [0], threading.Lock()
def one():
    try:
        c = socket.create_connection((host, port), timeout=20)
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            b = c.recv(65536)
            if not b:
                break
            data += b
        c.close()
        ok = data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n")[0]
        with lock:
            if ok:
                bodies.add(data.split(b"\r\n\r\n", 1)[1].decode().strip())
            else:
                failed[0] += 1
    except OSError:
        with lock:
            failed[0] += 1
ts = [threading.Thread(target=one) for _ in range(count)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join(sorted(bodies)), "failed=%d" % failed[0])
PY
}

forward pod/web 18080:8080 19090:9090 && grep -q "^Forwarding from 127.0.0.1:18080 -> 8080" "$T_TMP/pf.$n" &&
	grep -q "^Forwarding from 127.0.0.1:19090 -> 9090" "$T_TMP/pf.$n" && ok "port-forward pod/web 18080:8080 19090:9090: kubectl's Forwarding lines" ||
	fail "pod/web: $(cat "$T_TMP/pf.$n")"
[ "$(get 127.0.0.1 18080)" = "web-page failed=0" ] && ok "the pod's port answers through 127.0.0.1:18080" || fail "18080: $(get 127.0.0.1 18080)"
[ "$(get 127.0.0.1 19090)" = "loopback-only failed=0" ] && ok "a server on the pod's own loopback answers too (the namespace is entered)" ||
	fail "19090: $(get 127.0.0.1 19090)"
[ "$(get 127.0.0.1 18080 100)" = "web-page failed=0" ] && ok "100 concurrent requests to the pod: all answered" || fail "100 to the pod: $(get 127.0.0.1 18080 100)"
grep -q "^Handling connection for 18080" "$T_TMP/pf.$n" && ok "each connection said, as kubectl does" || fail "no Handling lines"
kill -INT $PF
wait $PF; rc=$?
[ "$rc" = 0 ] && [ "$(get 127.0.0.1 18080)" = " failed=1" ] && ok "Ctrl-C: status 0, the port is closed" || fail "after SIGINT: status $rc, $(get 127.0.0.1 18080)"

forward svc/websvc :80 --address 127.0.0.2
port=$(sed -n 's/^Forwarding from 127.0.0.2:\([0-9]*\) -> 8080$/\1/p' "$T_TMP/pf.$n")
[ -n "$port" ] && ok "svc/websvc :80 --address 127.0.0.2: a free port ($port), to the port the Service targets (8080)" ||
	fail "svc: $(cat "$T_TMP/pf.$n")"
[ "$(get 127.0.0.2 "${port:-1}" 100)" = "web-page failed=0" ] && ok "100 concurrent requests through the Service's forward: all answered" ||
	fail "100 through svc: $(get 127.0.0.2 "${port:-1}" 100)"
[ "$(get 127.0.0.1 "${port:-1}")" = " failed=1" ] && ok "--address: nothing listens on 127.0.0.1" || fail "127.0.0.1 answered"
kill -TERM $PF; wait $PF

"$PODVISOR" port-forward pod/nosuch 1234:80 >/dev/null 2>"$T_TMP/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'Error from server (NotFound): pods "nosuch" not found' "$T_TMP/err" && ok "a missing pod: NotFound, exit 1" ||
	fail "nosuch: $rc $(cat "$T_TMP/err")"
"$PODVISOR" port-forward stuck 1235:80 >/dev/null 2>"$T_TMP/err"; rc=$?
[ "$rc" = 1 ] && grep -q "unable to forward port because pod is not running" "$T_TMP/err" && ok "a pod not running: kubectl's error, exit 1" ||
	fail "stuck: $rc $(cat "$T_TMP/err")"
"$PODVISOR" port-forward pod/web 99999 >/dev/null 2>"$T_TMP/err"; rc=$?
[ "$rc" = 2 ] && ok "a bad port: a usage error, exit 2" || fail "bad port: $rc $(cat "$T_TMP/err")"
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
done_testing
