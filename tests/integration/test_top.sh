#!/bin/bash
# podvisor top (issue #15 item 9): a pod that spins a CPU shows hundreds of
# millicores, one that sleeps almost none; a pod that filled a 48 MiB
# memory-backed emptyDir shows that much working set; --containers gives a
# row per container, -A a NAMESPACE column, --sort-by orders; a NAME not
# running is kubectl's NotFound; top node shows the node's CPU and memory
# with their shares; a stopped pod is gone from the list. Then 20 pods
# (past every list's first capacity): all listed.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"
cat >"$T_TMP/top.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: burn, labels: {load: cpu}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: spin, image: busybox:test, command: [sh, -c, "while :; do :; done"]}
  - {name: idle, image: busybox:test, command: [sleep, "3600"]}
---
apiVersion: v1
kind: Pod
metadata: {name: mem, labels: {load: memory}}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: m, emptyDir: {medium: Memory}}]
  containers:
  - name: fill
    image: busybox:test
    command: [sh, -c, "dd if=/dev/zero of=/m/f bs=1M count=48 2>/dev/null; touch /m/done; sleep 3600"]
    volumeMounts: [{name: m, mountPath: /m}]
---
apiVersion: v1
kind: Pod
metadata: {name: quiet}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:test, command: [sleep, "3600"]}
YAML
drop top.yaml "$T_TMP/top.yaml"
start_daemon --node-name top-node || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
for p in burn mem quiet; do wait_status $p Running 60 || fail "$p: $(pod_json $p "p['status']")"; done
wait_for 30 '"$PODVISOR" exec mem -- test -e /m/done' || fail "mem never filled its emptyDir"

# value TABLE ROW-NAME COLUMN: a cell of `top` output, by header name
value() {
	"$PY" - "$@" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0].split()
for l in lines[1:]:
    f = l.split()
    if sys.argv[2] in f[:2]:
        print(f[head.index(sys.argv[3])].rstrip("m%").replace("Mi", ""))
PY
}
"$PODVISOR" top pod >"$T_TMP/top" 2>&1
cpu_burn=$(value "$T_TMP/top" burn "CPU(cores)"); cpu_quiet=$(value "$T_TMP/top" quiet "CPU(cores)")
mem_mem=$(value "$T_TMP/top" mem "MEMORY(bytes)")
[ "$(head -1 "$T_TMP/top" | tr -s ' ')" = "NAME CPU(cores) MEMORY(bytes)" ] && [ "${cpu_burn:-0}" -ge 200 ] && [ "${cpu_quiet:-999}" -lt 50 ] &&
	ok "top pod: the spinning pod uses ${cpu_burn}m, the sleeping one ${cpu_quiet}m" || fail "top pod: $(cat "$T_TMP/top")"
[ "${mem_mem:-0}" -ge 45 ] && [ "${mem_mem:-0}" -lt 200 ] && ok "top pod: 48 MiB written to a memory emptyDir is ${mem_mem}Mi of working set" ||
	fail "mem: ${mem_mem}Mi: $(cat "$T_TMP/top")"
"$PODVISOR" top pod burn --containers >"$T_TMP/c" 2>&1
[ "$(head -1 "$T_TMP/c" | tr -s ' ')" = "POD NAME CPU(cores) MEMORY(bytes)" ] && [ "$(value "$T_TMP/c" spin "CPU(cores)")" -ge 200 ] &&
	[ "$(value "$T_TMP/c" idle "CPU(cores)")" -lt 50 ] && [ "$(grep -c '^burn ' "$T_TMP/c")" = 2 ] &&
	ok "top pod burn --containers: spin busy, idle idle, a row each" || fail "--containers: $(cat "$T_TMP/c")"
"$PODVISOR" top pod -A --sort-by memory >"$T_TMP/a" 2>&1
[ "$(head -1 "$T_TMP/a" | tr -s ' ')" = "NAMESPACE NAME CPU(cores) MEMORY(bytes)" ] && [ "$(sed -n 2p "$T_TMP/a" | awk '{print $2}')" = mem ] &&
	ok "top pod -A --sort-by memory: NAMESPACE first, the biggest on top" || fail "-A --sort-by: $(cat "$T_TMP/a")"
[ "$("$PODVISOR" top pod -l load=cpu --no-headers 2>&1 | awk '{print $1}')" = burn ] && ok "top pod -l load=cpu --no-headers: burn only" ||
	fail "-l: $("$PODVISOR" top pod -l load=cpu --no-headers 2>&1)"
"$PODVISOR" top pod nosuch >/dev/null 2>"$T_TMP/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'Error from server (NotFound): podmetrics.metrics.k8s.io "default/nosuch" not found' "$T_TMP/err" &&
	ok "top pod nosuch: kubectl's NotFound, exit 1" || fail "nosuch: $rc $(cat "$T_TMP/err")"
"$PODVISOR" top node >"$T_TMP/n" 2>&1
[ "$(head -1 "$T_TMP/n" | tr -s ' ')" = "NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%" ] && [ "$(value "$T_TMP/n" top-node "CPU(cores)")" -ge 200 ] &&
	[ "$(value "$T_TMP/n" top-node "MEMORY(bytes)")" -gt 48 ] && [ "$(value "$T_TMP/n" top-node "MEMORY%")" -le 100 ] &&
	ok "top node: top-node, its CPU (the spin counts) and memory with their shares" || fail "top node: $(cat "$T_TMP/n")"
"$PODVISOR" top pods --containers 2>/dev/null | grep -q '^quiet ' && "$PODVISOR" top po >/dev/null 2>&1 && ! "$PODVISOR" top svc >/dev/null 2>&1 &&
	ok "top pods/po accepted, top svc refused" || fail "top's kinds"
# the spinning pod goes first: it would slow the tests beside this one
rm "$M/top.yaml"
wait_for 30 '! "$PODVISOR" top pod --no-headers 2>/dev/null | grep -q "^burn "' && ok "a stopped pod is no longer listed" || fail "burn still listed"

# many: 20 pods more, all listed with a working set
for i in $(seq 1 20); do
	printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%02d}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: busybox:test, command: [sleep, "3600"]}\n' "$i"
done >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_for 90 '[ "$("$PODVISOR" top pod --no-headers 2>/dev/null | grep -c "^p[0-9]")" = 20 ]' &&
	! "$PODVISOR" top pod --no-headers 2>/dev/null | awk '$3 !~ /^[0-9]+Mi$/ || $2 !~ /^[0-9]+m$/ { bad = 1 } END { exit !bad }' &&
	ok "20 pods: all listed, each with its CPU and memory" || fail "many: $("$PODVISOR" top pod 2>&1 | tail -5)"

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
done_testing
