#!/bin/bash
# An idle daemon sleeps: with no pods it makes at most 2 voluntary context
# switches in 10 s (no periodic wakeups). It still notices at once when
# someone flushes its iptables rules with the iptables command (it watches
# iptables' lock file rather than polling the tables).
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

# Our own /run: iptables run by anything else on this machine (other tests)
# would touch the shared lock file and wake the daemon, rightly.
mount -t tmpfs tmpfs /run
ip link set lo up

ctxsw() { # PID: voluntary context switches of all its threads
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n + 0}'
}

start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
# Settled: the first sync done (our chains are in the nat table).
for _ in $(seq 100); do iptables-legacy-save -t nat 2>/dev/null | grep -q '^-A PREROUTING .*PV-SERVICES' && break; sleep 0.1; done
iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && ok "the daemon's chains are in place" || fail "no PV-SERVICES hook: $(iptables-legacy-save -t nat)"
sleep 1
a=$(ctxsw "$DAEMON")
sleep 10
b=$(ctxsw "$DAEMON")
[ $((b - a)) -le 2 ] && ok "idle with no pods: $((b - a)) voluntary context switches in 10 s (at most 2)" ||
	fail "idle with no pods: $((b - a)) voluntary context switches in 10 s (at most 2)"

# A flush by the iptables command is repaired without waiting for a period.
iptables-legacy -t nat -F
for _ in $(seq 100); do iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && break; sleep 0.1; done
iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && ok "iptables -t nat -F: the rules are back within 10 s" ||
	fail "the rules were not restored after a flush"
grep -q "changed by someone else" "$LOG" && ok "the repair is logged" || fail "no repair in the log"
# The lock file removed (a reboot's tmpfs, a cleanup): the watch follows.
rm -f /run/xtables.lock
for _ in $(seq 100); do [ -e /run/xtables.lock ] && break; sleep 0.1; done # the daemon made it again
[ -e /run/xtables.lock ] && ok "the daemon re-creates a removed lock file and watches it" || fail "no lock file after its removal"
iptables-legacy -t nat -F
for _ in $(seq 100); do iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && break; sleep 0.1; done
iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && ok "after the lock file was removed, a flush is still repaired" ||
	fail "not restored after the lock file was removed"
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"

# A change the watch cannot see (iptables told to use another lock file) is
# caught by the periodic check: --rules-check-period 1 here (default 60 s,
# which this wait would not reach).
stop_daemon TERM
start_daemon --rules-check-period 1 || fail "daemon restart with --rules-check-period 1"
for _ in $(seq 100); do iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && break; sleep 0.1; done
n0=$(grep -c "changed by someone else" "$LOG")
XTABLES_LOCKFILE=$T_TMP/other.lock iptables-legacy -t nat -F
for _ in $(seq 50); do iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' && break; sleep 0.1; done
iptables-legacy-save -t nat | grep -q '^-A PREROUTING .*PV-SERVICES' &&
	[ "$(grep -c "changed by someone else" "$LOG")" -gt "$n0" ] &&
	ok "--rules-check-period 1: a flush the lock-file watch misses is repaired within 5 s" ||
	fail "--rules-check-period 1: not repaired within 5 s"
"$PODVISOR" daemon --rules-check-period soon >"$T_TMP/bad.out" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -q -- "--rules-check-period soon: a number of seconds" "$T_TMP/bad.out" &&
	ok "--rules-check-period soon: refused, saying what is needed" || fail "bad period: $(cat "$T_TMP/bad.out")"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
