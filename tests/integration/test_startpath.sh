#!/bin/bash
# The start path does not wait on the clock (issue #16's regression
# check): while pods start, the daemon, its spawner, the pods' inits and
# shims make no sleep (nanosleep, clock_nanosleep) and no poll, select or
# epoll wait with a timeout; they block only on what they wait for. And
# nothing is forked to run a program a syscall can do the work of (ip,
# iptables, mount): the only programs executed are the containers' own.
# Traced with strace -f from the daemon and the spawner; a process's
# syscalls after it exec'd its container's program are the container's,
# not ours (busybox httpd polls as it likes). One pod with a hostPort
# behind a Service, then 20 pods at once. And the daemon resolves its
# libraries' symbols once, at its start (LD_BIND_NOW), not in each fork.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"
command -v strace >/dev/null || { fail "strace is not installed (scripts/deps.sh installs it)"; done_testing; exit 1; }

ip link set lo up
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
SPAWNER=$(pgrep -P "$DAEMON" "^podvisor-spawn" | head -1)
[ -n "$SPAWNER" ] && ok "the daemon's spawner runs (pid $SPAWNER)" || fail "no spawner under the daemon: $(ps -ef)"
# Its forks inherit every library's symbols resolved (proc.h,
# pv_proc_bind_now): the daemon ran itself again with LD_BIND_NOW, as
# the same process.
tr '\0' '\n' <"/proc/$DAEMON/environ" | grep -qx 'LD_BIND_NOW=1' \
	&& tr '\0' '\n' <"/proc/$SPAWNER/environ" | grep -qx 'LD_BIND_NOW=1' \
	&& ok "the daemon (pid $DAEMON, as started) and its spawner run with LD_BIND_NOW" \
	|| fail "LD_BIND_NOW: daemon $(tr '\0' ' ' <"/proc/$DAEMON/environ" | grep -o 'LD_[A-Z_]*=[^ ]*')"

WAITS="nanosleep,clock_nanosleep,poll,ppoll,select,pselect6,epoll_wait,epoll_pwait,epoll_pwait2"
# A flush to the disk is milliseconds on an SD card: a pod's runtime
# records are not flushed (they go with the pods at a power loss).
FLUSHES="fsync,fdatasync,syncfs,sync_file_range,sync"
# trace NAME: strace the daemon and the spawner, following what they fork,
# into $T_TMP/NAME.trace, until untrace.
trace() {
	strace -f -qq -e signal=none -e trace="execve,$WAITS,$FLUSHES" -s 80 -o "$T_TMP/$1.trace" \
		-p "$DAEMON" -p "$SPAWNER" 2>"$T_TMP/$1.strace-err" &
	TRACER=$!
	# attached: strace has made the daemon its tracee
	wait_for 10 "grep -q '^TracerPid:[[:space:]]*$TRACER\$' /proc/$DAEMON/status"
}
untrace() {
	kill -INT "$TRACER" 2>/dev/null
	wait "$TRACER" 2>/dev/null
}

# verdict NAME: from $T_TMP/NAME.trace, as lines "KIND PID CALL":
#   exec PID PATH     a program executed
#   sleep PID CALL    a sleep, or a wait with a timeout, by one of ours
#   flush PID CALL    a flush to the disk by one of ours
# A process's lines after its successful execve are its program's.
verdict() {
	"$PY" - "$T_TMP/$1.trace" <<'PY'
import re, sys
pending = {}   # pid -> path of an execve not finished yet
execd = set()  # pids running a program of their own
for line in open(sys.argv[1]):
    m = re.match(r"(\d+)\s+(.*)", line)
    if not m:
        continue
    pid, rest = int(m.group(1)), m.group(2)
    if pid in execd:
        continue
    ex = re.match(r'execve\("([^"]*)"', rest)
    if ex:
        pending[pid] = ex.group(1)
        if "<unfinished" in rest:
            continue
    if pid in pending and ("execve" in rest):
        if re.search(r"= 0\s*$", rest):
            print("exec", pid, pending.pop(pid))
            execd.add(pid)
        elif re.search(r"= -1", rest):
            pending.pop(pid)
        continue
    call = re.match(r"(?:<\.\.\. )?(\w+)", rest).group(1)
    if call in ("nanosleep", "clock_nanosleep"):
        print("sleep", pid, rest.strip())
        continue
    if call in ("fsync", "fdatasync", "syncfs", "sync_file_range", "sync"):
        if "resumed>" not in rest:
            print("flush", pid, rest.strip())
        continue
    if "resumed>" in rest:
        continue  # the first half said it all
    # the timeout: poll's and epoll_wait's last argument, epoll_pwait's
    # fourth; ppoll's, select's and pselect6's a struct (or NULL)
    if call in ("poll", "epoll_wait"):
        t = re.search(r",\s*(-?\d+)\s*(\)|<unfinished)", rest)
        timed = bool(t) and int(t.group(1)) > 0
    elif call in ("epoll_pwait", "epoll_pwait2"):
        t = re.search(r",\s*(-?\d+|NULL|\{[^}]*\}),\s*(NULL|\[[^\]]*\]),\s*\d+\s*(\)|<unfinished)", rest)
        timed = bool(t) and t.group(1) not in ("-1", "0", "NULL") and "tv_sec=0, tv_nsec=0}" not in t.group(1)
    elif call in ("ppoll", "select", "pselect6"):
        t = re.findall(r"\{tv_sec=(\d+), tv_(?:n|u)sec=(\d+)\}", rest)
        timed = any(a != "0" or b != "0" for a, b in t)
    else:
        continue
    if timed:
        print("sleep", pid, rest.strip())
PY
}

# check NAME WANT-EXECS WHAT: the trace NAME executed WANT-EXECS programs,
# all the containers' own, and nothing of ours waited on the clock.
check() {
	local v execs others sleeps
	v=$(verdict "$1")
	execs=$(echo "$v" | grep -c '^exec ')
	others=$(echo "$v" | awk '$1 == "exec" && $3 != "/bin/busybox" && $3 != "/bin/httpd" && $3 != "/bin/sleep"')
	sleeps=$(echo "$v" | grep '^sleep ')
	[ "$execs" = "$2" ] && [ -z "$others" ] \
		&& ok "$3: $execs programs executed, each a container's own" \
		|| { fail "$3: $execs programs executed (wanted $2, the containers'), others: $others"; diag "$(head -c 3000 "$T_TMP/$1.strace-err")"; }
	[ -z "$sleeps" ] && [ -s "$T_TMP/$1.trace" ] \
		&& ok "$3: no sleep and no wait with a timeout on the start path ($(wc -l <"$T_TMP/$1.trace") traced calls)" \
		|| { fail "$3: $(echo "$sleeps" | grep -c .) sleeps or timed waits"; diag "$sleeps"; }
}

# --- one pod, with a hostPort, behind a Service ---------------------------------
cat >"$T_TMP/web.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:test
    command: [/bin/busybox, httpd, -f, -p, "8080", -h, /]
    ports: [{containerPort: 8080, hostPort: 18080}]
YAML
trace one || fail "strace attached to the daemon"
drop web.yaml "$T_TMP/web.yaml"
wait_status web Running 30 && ok "the pod runs under strace" || fail "web: $(pod_json web "p['status']")"
wait_for 20 '"$PODVISOR" get endpoints web 2>/dev/null | grep -q ":8080"' \
	&& ok "its Service has the endpoint (the rules are written while traced)" || fail "web endpoints: $("$PODVISOR" get endpoints web 2>&1)"
untrace
check one 1 "one pod behind a Service"

# A trace that does see a wait: the check is able to fail. `podvisor
# wait` polls the daemon with nanosleep; traced the same way (attached,
# as the daemon is), the verdict must name its sleeps.
"$PODVISOR" wait --for=delete pod/web --timeout=20s >/dev/null 2>&1 &
WAITER=$!
strace -f -qq -e signal=none -e trace="execve,$WAITS" -o "$T_TMP/client.trace" -p "$WAITER" 2>/dev/null &
TRACER=$!
wait_for 10 "grep -q '^TracerPid:[[:space:]]*$TRACER\$' /proc/$WAITER/status"
wait_for 10 "[ \"\$(verdict client | grep -c '^sleep ')\" -ge 2 ]" \
	&& ok "the verdict sees a polling client's sleeps (the check can fail)" \
	|| { fail "no sleep seen in a polling client"; diag "$(head -20 "$T_TMP/client.trace")"; }
kill -INT "$TRACER"
wait "$TRACER" 2>/dev/null
kill "$WAITER" 2>/dev/null

# --- many: 20 pods in one file, all started while traced ------------------------
for i in $(seq 1 20); do
	pod_yaml "many-$i" Always /bin/sleep 100000
	echo "---"
done >"$T_TMP/many.yaml"
trace many || fail "strace attached again"
drop many.yaml "$T_TMP/many.yaml"
many_running() {
	"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["name"].startswith("many-") and p["status"] == "Running"))'
}
wait_for 60 '[ "$(many_running)" = 20 ]' && ok "20 pods run under strace" || fail "many: $(many_running) Running"
untrace
check many 20 "20 pods at once"
# What a file's arrival must put on the disk: the manifests' last good
# copy (the file, its directory). Not the pods' own records, ten a pod.
flushes=$(verdict many | grep '^flush ')
[ "$(echo "$flushes" | grep -c .)" -le 2 ] \
	&& ok "20 pods at once: $(echo "$flushes" | grep -c .) flushes to the disk (the manifests' copy), none for the pods' records" \
	|| { fail "20 pods at once: $(echo "$flushes" | grep -c .) flushes to the disk"; diag "$(echo "$flushes" | head -20)"; }

done_testing
