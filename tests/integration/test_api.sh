#!/bin/bash
# The API socket never waits for a client: 50 clients that connect and say
# nothing, one that sends half a request, one that asks for a large answer
# and does not read it, and a `logs -f` whose reader is stopped; through
# all of that `get pods` answers at once. The silent and stalled clients
# are dropped after their timeouts and the daemon's open files come back
# to what they were. Bad requests get an error, not a hang.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

SOCK=$S/podvisor.sock
nfd() { ls /proc/"$DAEMON"/fd | wc -l; }
# ms CMD...: run CMD, print how long it took in milliseconds
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || echo "failed: $*" >&2
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

{
	pod_yaml chatty Always sh -c 'while true; do echo line; sleep 0.05; done'
} >"$T_TMP/m.yaml"
drop m.yaml "$T_TMP/m.yaml"
# ConfigMaps of 100 KB each: a `config` answer of 2 MB, more than the
# socket buffers hold, so that a client that does not read really stalls.
pad=$(head -c 100000 /dev/zero | tr '\0' x)
for i in $(seq 1 20); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big-%d}\ndata: {pad: "%s"}\n' "$i" "$pad" >"$T_TMP/big-$i.yaml"
	drop "big-$i.yaml" "$T_TMP/big-$i.yaml"
done
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_status chatty Running || fail "chatty: $(pod_json chatty "p['status']")"
for _ in $(seq 100); do [ "$("$PODVISOR" get cm 2>/dev/null | grep -c '^big-')" = 20 ] && break; sleep 0.1; done
before=$(nfd)

# The clients, from one python process: 50 silent, one half request, one
# that asks for every ConfigMap and reads nothing (a tiny receive buffer).
"$PY" - "$SOCK" "$T_TMP/clients.ready" <<'PY' &
import socket, sys, time
path, ready = sys.argv[1], sys.argv[2]
socks = []
for _ in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    socks.append(s)
half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
half.connect(path)
half.sendall(b'{"op": "po')
socks.append(half)
stall = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stall.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
stall.connect(path)
stall.sendall(b'{"op": "config"}\n')
socks.append(stall)
open(ready, "w").close()
time.sleep(30)
PY
CLIENTS=$!
"$PODVISOR" logs -f chatty >/dev/null 2>&1 &
LOGS=$!
for _ in $(seq 100); do [ -e "$T_TMP/clients.ready" ] && break; sleep 0.1; done
sleep 0.3
kill -STOP "$LOGS"
[ "$(nfd)" -ge $((before + 52)) ] && ok "the daemon holds the 52 client connections ($(nfd) fds, $before before)" ||
	fail "the daemon holds $(nfd) fds, $before before: the clients are not connected"

worst=0
for _ in $(seq 5); do
	t=$(ms "$PODVISOR" get pods)
	[ "$t" -gt "$worst" ] && worst=$t
done
# A loop blocked on one client would wait out its 5 s idle timeout; 2 s
# is generous for a loaded machine and still tells the two apart.
[ "$worst" -lt 2000 ] && ok "get pods answers with the stalled clients there, without waiting on them ($worst ms at worst)" ||
	fail "get pods took $worst ms with the stalled clients there"
[ "$("$PODVISOR" get pods 2>/dev/null | grep -c chatty)" = 1 ] && ok "and the answer is right" || fail "get pods: $("$PODVISOR" get pods 2>&1)"

# Silent clients go after the idle timeout, the stalled reader after the
# write timeout; the python process still holds its ends open.
for _ in $(seq 200); do [ "$(nfd)" -le "$before" ] && break; sleep 0.1; done
[ "$(nfd)" -le "$before" ] && ok "silent and stalled clients dropped: $(nfd) fds, $before before" ||
	fail "$(nfd) fds after the timeouts, $before before"
kill -CONT "$LOGS"
kill "$LOGS" "$CLIENTS" 2>/dev/null
wait "$LOGS" "$CLIENTS" 2>/dev/null

# Bad requests: an error each, at once.
r=$(printf 'not json\n' | timeout 5 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.makefile().read().strip())' "$SOCK")
case "$r" in *'"error"'*) ok "a request that is not JSON gets an error: $r" ;; *) fail "not JSON: '$r'" ;; esac
r=$(printf '{"op": "nope"}\n' | timeout 5 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.makefile().read().strip())' "$SOCK")
case "$r" in *'unknown op'*) ok "an unknown op gets an error" ;; *) fail "unknown op: '$r'" ;; esac
r=$(timeout 5 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.sendall(b"x" * (200 * 1024) + b"\n")
print(s.makefile().read().strip())' "$SOCK")
case "$r" in *'too large'*) ok "a request over 64 KiB gets an error" ;; *) fail "huge request: '$r'" ;; esac

# Past 256 connections at once, the oldest goes and new ones are served.
"$PY" - "$SOCK" "$T_TMP/many.ready" <<'PY' &
import socket, sys, time
socks = []
for _ in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(20)
PY
MANY=$!
for _ in $(seq 100); do [ -e "$T_TMP/many.ready" ] && break; sleep 0.1; done
t=$(ms "$PODVISOR" get pods)
[ "$t" -lt 2000 ] && [ "$(nfd)" -lt $((before + 260)) ] && ok "300 silent clients: at most 256 held ($(nfd) fds), get pods in $t ms" ||
	fail "300 silent clients: $(nfd) fds ($before before), get pods $t ms"
kill "$MANY" 2>/dev/null
wait "$MANY" 2>/dev/null
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
# The socket and the state directory are root's alone, even when the
# directory was made 0755 before the daemon first ran.
[ "$(stat -c '%a %u' "$SOCK")" = "600 0" ] && [ "$(stat -c '%a %u' "$S")" = "700 0" ] \
	&& ok "the API socket is 0600 and the state directory 0700, both root's" \
	|| fail "modes: socket $(stat -c '%a %u' "$SOCK"), state $(stat -c '%a %u' "$S")"
stop_daemon TERM
chmod 0755 "$S"
start_daemon || fail "restart"
[ "$(stat -c %a "$S")" = 700 ] && grep -q "state directory $S was mode 0755; now 0700" "$LOG" \
	&& ok "a state directory found 0755 is made 0700, and the log says so" || fail "state dir: $(stat -c %a "$S")"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
