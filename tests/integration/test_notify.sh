#!/bin/bash
# systemd's Type=notify, against a socket of the test's own: READY=1 with
# a STATUS= after the first pass, STATUS= as pods come up, WATCHDOG=1 from
# the loop when WATCHDOG_USEC asks (and none when it does not),
# STOPPING=1 on SIGTERM; after kill -9, a new
# daemon says READY=1 with the adopted pod already counted as running.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

SOCK=$T_TMP/notify.sock
MSGS=$T_TMP/notify.log
# One Python process receives the datagrams: one line per message, its
# newlines as " | ".
"$PY" - "$SOCK" "$MSGS" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", " | ") + "\n")
PY
RECV=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
# wait_msg REGEX [SECONDS]: until a message matches
wait_msg() {
	local end=$((SECONDS + 2 * ${2:-10} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -qE "$1" "$MSGS" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=400000 start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_msg '^READY=1 \| STATUS=0 pods, 0 running$' && ok "READY=1 after the first pass, with STATUS=0 pods, 0 running" ||
	fail "no READY=1: $(cat "$MSGS")"
pod_yaml web Always sleep 1000 >"$T_TMP/web.yaml"
mv "$T_TMP/web.yaml" "$M/web.yaml"
wait_status web Running 20 && wait_msg '^STATUS=1 pods, 1 running$' && ok "STATUS=1 pods, 1 running once the pod runs" ||
	fail "no STATUS for the pod: $(tail -3 "$MSGS")"
for _ in $(seq 50); do [ "$(grep -c '^WATCHDOG=1$' "$MSGS")" -ge 5 ] && break; sleep 0.1; done
n=$(grep -c '^WATCHDOG=1$' "$MSGS")
[ "$n" -ge 5 ] && ok "WATCHDOG=1 from the loop, every 200 ms for WATCHDOG_USEC=400000 ($n so far)" ||
	fail "only $n WATCHDOG=1"
[ "$(grep -c '^READY=1' "$MSGS")" = 1 ] && ok "READY=1 is said once" || fail "READY=1 $(grep -c '^READY=1' "$MSGS") times"
# kill -9, then a daemon with no watchdog asked: it adopts the pod, and its
# READY=1 already counts it as running.
stop_daemon KILL
: >"$MSGS"
NOTIFY_SOCKET=$SOCK start_daemon || fail "daemon restart"
wait_msg '^READY=1 \| STATUS=1 pods, 1 running$' && ok "after kill -9: READY=1 with the adopted pod running" ||
	fail "after restart: $(cat "$MSGS")"
# Proof of a pass since then (the pod deleted and gone), and no WATCHDOG=1
# was sent by this daemon, which was not asked for one.
rm -f "$M/web.yaml"
wait_msg '^STATUS=0 pods, 0 running$' 30 && ! grep -q '^WATCHDOG' "$MSGS" &&
	ok "no WATCHDOG_USEC: no WATCHDOG=1 (the pod's deletion seen meanwhile)" || fail "$(cat "$MSGS")"
stop_daemon TERM
wait_msg '^STOPPING=1' && ok "SIGTERM: STOPPING=1" || fail "no STOPPING=1: $(tail -2 "$MSGS")"
kill "$RECV" 2>/dev/null
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
done_testing
