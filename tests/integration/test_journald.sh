#!/bin/bash
# asan: yes
# Container logs to the systemd journal too (#18 item 8): --log-journald
# (node.yaml logJournald: true). A journal of the test's own listens on
# /run/systemd/journal/socket (a tmpfs there, in the test's mount
# namespace) and records each entry as the journal would read it. Each
# line a container writes is an entry with its pod and container
# (CONTAINER_NAME, POD_NAME, POD_NAMESPACE, POD_UID), PRIORITY 6 for
# stdout and 3 for stderr; a line cut at 16 KiB is marked
# CONTAINER_PARTIAL_MESSAGE; the log file keeps every line (podvisor logs).
# Many: 20 pods, each one's lines under its own name. Without a journal,
# the daemon says so once and the logs go to their files.
. "$(dirname "$0")/lib_pods.sh"

J=/run/systemd/journal
mkdir -p "$J" && mount -t tmpfs tmpfs "$J"
ENTRIES=$T_TMP/entries.jsonl
"$PY" - "$J/socket" "$ENTRIES" "$T_TMP/journal.ready" <<'PY' &
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
open(sys.argv[3], "w").close()
while True:
    d = s.recv(1 << 20)
    e, i = {}, 0
    while i < len(d):
        nl = d.index(b"\n", i)
        line = d[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:  # binary form: KEY, newline, 64-bit little-endian length, bytes, newline
            k = line
            n = int.from_bytes(d[nl + 1:nl + 9], "little")
            v = d[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        e[k.decode()] = v.decode("utf-8", "replace")
    out.write(json.dumps(e) + "\n")
PY
for _ in $(seq 100); do [ -e "$T_TMP/journal.ready" ] && break; sleep 0.05; done

# entries PYTHON-EXPR: the entries (list e) as the expression makes them
entries() {
	"$PY" - "$ENTRIES" "$1" <<'PY' 2>&1
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])] if sys.argv[1] else []
print(eval(sys.argv[2]))
PY
}
# wait_entries PYTHON-CONDITION [SECONDS]
wait_entries() {
	local i=0 end=$((SECONDS + 2 * ${2:-10} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(entries "$1")" = True ] && return 0
		nap $((i++))
	done
	return 1
}

start_daemon --log-journald || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

cat >"$T_TMP/talk.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - name: c
    image: busybox:test
    command: [sh, -c, 'echo hello journal; echo oops >&2; head -c 20000 /dev/zero | tr "\\\\0" x; echo; sleep 1000']
YAML
mv "$T_TMP/talk.yaml" "$M/talk.yaml"
wait_entries "any(x.get('MESSAGE') == 'hello journal' for x in e)" 20 &&
	[ "$(entries "[(x['CONTAINER_NAME'], x['SYSLOG_IDENTIFIER'], x['POD_NAME'], x['POD_NAMESPACE'], len(x['POD_UID']), x['PRIORITY']) for x in e if x.get('MESSAGE') == 'hello journal']")" = "[('c', 'c', 'talker', 'default', 32, '6')]" ] &&
	ok "a stdout line is an entry: MESSAGE, CONTAINER_NAME, SYSLOG_IDENTIFIER, POD_NAME, POD_NAMESPACE, POD_UID, PRIORITY 6" ||
	fail "hello: $(head -c 2000 "$ENTRIES")"
wait_entries "any(x.get('MESSAGE') == 'oops' and x['PRIORITY'] == '3' for x in e)" 10 &&
	ok "a stderr line: PRIORITY 3" || fail "oops: $(entries "[x for x in e if 'oops' in x.get('MESSAGE', '')]")"
wait_entries "sum(len(x.get('MESSAGE', '')) for x in e if x.get('POD_NAME') == 'talker' and set(x.get('MESSAGE', '')) == {'x'}) == 20000" 10 &&
	[ "$(entries "[(len(x['MESSAGE']), x.get('CONTAINER_PARTIAL_MESSAGE')) for x in e if set(x.get('MESSAGE', '')) == {'x'}]")" = "[(16384, 'true'), (3616, None)]" ] &&
	ok "a 20,000-byte line: a partial entry of 16 KiB (CONTAINER_PARTIAL_MESSAGE=true), then the rest" ||
	fail "long line: $(entries "[(len(x['MESSAGE']), x.get('CONTAINER_PARTIAL_MESSAGE')) for x in e if 'xxx' in x.get('MESSAGE', '')]")"
"$PVQ" logs talker >"$T_TMP/logs" 2>&1
grep -qx 'hello journal' "$T_TMP/logs" && grep -qx oops "$T_TMP/logs" &&
	ok "podvisor logs still has every line (the file is kept)" || fail "logs: $(head -c 300 "$T_TMP/logs")"

# Many: 20 pods of one Deployment, each one's lines under its own name.
cat >"$T_TMP/many.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: 20
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - {name: w, image: busybox:test, command: [sh, -c, 'echo "I am \$(hostname)"; sleep 1000']}
YAML
mv "$T_TMP/many.yaml" "$M/many.yaml"
wait_entries "len({x['POD_NAME'] for x in e if x.get('CONTAINER_NAME') == 'w'}) == 20" 60 &&
	[ "$(entries "all(x['MESSAGE'] == 'I am ' + x['POD_NAME'] for x in e if x.get('CONTAINER_NAME') == 'w')")" = True ] &&
	ok "20 pods: each line under its own pod's name" ||
	fail "many: $(entries "sorted({x['POD_NAME'] for x in e if x.get('CONTAINER_NAME') == 'w'})")"

# No journal: said once at start; logs go to their files.
stop_daemon TERM >/dev/null
rm -f "$J/socket"
start_daemon --log-journald || { fail "daemon restart"; diag "$(cat "$LOG")"; }
wait_for 10 'grep -q "log-journald: no journal" "$LOG"' &&
	ok "no journal listening: the daemon says so at start" || fail "no warning: $(head -c 1500 "$LOG")"
"$PVQ" logs talker 2>&1 | grep -qx 'hello journal' && ok "and the logs are still read from the files" ||
	fail "logs after: $("$PVQ" logs talker 2>&1 | head -3)"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
done_testing
