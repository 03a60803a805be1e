#!/bin/bash
# A rolling update under traffic: a Deployment of 4 httpd pods behind a
# ClusterIP Service (maxSurge 1, maxUnavailable 1, an httpGet readiness
# probe, no preStop hook) rolled to a new template and back while a client
# loops requests through the Service: no request reaches a pod that has
# left (none refused, none unanswered), and the answers move from the old
# greeting to the new. The pod a request lands on must leave the Service
# before it is told to stop; a request already in flight when it stops
# may be cut, as in Kubernetes without a preStop hook.
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }


# web_yaml GREETING
web_yaml() {
	cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 1}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: httpd
        image: busybox:test
        command: [sh, -c, "echo \$GREETING > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
        env: [{name: GREETING, value: "$1"}]
        ports: [{containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /index.html, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
YAML
}

# all_ready GREETING-HASH-COUNT: 4 web pods, all of one template, all ready.
settled() {
	"$PODVISOR" get deploy web 2>/dev/null | awk 'NR == 2 { exit !($2 == "4/4" && $3 == 4 && $4 == 4) }' &&
		[ "$("$PODVISOR" get pods -l app=web 2>/dev/null | tail -n +2 | grep -c .)" = 4 ]
}

web_yaml one >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
for _ in $(seq 300); do settled && break; sleep 0.1; done
CIP=$(svc_json web "s['clusterIP']")
settled && [ "$(curl -s --max-time 2 "http://$CIP/")" = one ] && ok "4 pods ready behind $CIP, answering 'one'" \
	|| fail "not settled: $("$PODVISOR" get deploy web 2>&1) $(curl -s --max-time 2 "http://$CIP/" 2>&1)"

# roll GREETING: change the template and loop requests until the rollout
# settles (at most 1,500 requests); print "ok failed seen-new cut".
# A failed request is one sent to a pod that was not there: refused
# (curl 7) or unanswered (28). A request already in flight when its pod
# stops may be cut (an empty reply or a reset, curl 52/56) as in
# Kubernetes without a preStop hook: counted apart, and at most 3 of them.
roll() {
	local good=0 bad=0 cut=0 newseen=0 out rc i
	web_yaml "$1" >"$T_TMP/web.yaml"
	drop web.yaml "$T_TMP/web.yaml"
	for i in $(seq 1500); do
		out=$(curl -s --max-time 3 "http://$CIP/")
		rc=$?
		if [ "$out" = "$1" ]; then
			good=$((good + 1)) newseen=1
		elif [ "$out" = "$2" ]; then
			good=$((good + 1))
		elif [ $rc = 52 ] || [ $rc = 56 ]; then
			cut=$((cut + 1))
			echo "request $i: cut in flight (curl $rc)" >>"$T_TMP/cut.log"
		else
			bad=$((bad + 1))
			echo "request $i: '$out' (curl $rc)" >>"$T_TMP/bad.log"
		fi
		# settled, and the old pods gone from the answers
		[ $((i % 10)) = 0 ] && [ $newseen = 1 ] && settled && break
	done
	echo "$good $bad $newseen $cut"
}

read -r good bad newseen cut <<<"$(roll two one)"
[ "$newseen" = 1 ] && settled && ok "rolled out to 'two' under traffic ($good requests answered)" \
	|| fail "rollout: $("$PODVISOR" get deploy web 2>&1), new seen $newseen"
[ "$bad" = 0 ] && [ "$cut" -le 3 ] && ok "no request reached a pod that had left the Service ($cut cut in flight)" \
	|| { fail "$bad requests failed, $cut cut"; diag "$(tail -5 "$T_TMP/bad.log" "$T_TMP/cut.log" 2>/dev/null)"; }
[ "$(curl -s --max-time 2 "http://$CIP/")" = two ] && ok "the Service answers 'two' now" || fail "answer after: $(curl -s "http://$CIP/")"

rm -f "$T_TMP/bad.log"
read -r good bad newseen cut <<<"$(roll three two)"
[ "$newseen" = 1 ] && [ "$bad" = 0 ] && [ "$cut" -le 3 ] && ok "and again to 'three': $good requests, none failed ($cut cut in flight)" \
	|| { fail "second rollout: $bad failed, new seen $newseen"; diag "$(tail -5 "$T_TMP/bad.log" 2>/dev/null)"; }

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
stop_daemon TERM
done_testing
