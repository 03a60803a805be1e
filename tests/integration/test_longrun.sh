#!/bin/bash
# Long-running daemon (issue #14, reliability item 5): K pods started and
# stopped M times, K x M pod start/stop cycles: 500 here (20 x 25, past
# every pool's first capacity many times over, in make check's time),
# 2,000 with SOAK=1 (40 x 50). After a warm-up and at the end, with no pod running, the
# daemon's open fds, its resident memory (VmRSS) and its zombie children
# are measured: fds may grow by at most 2, RSS by less than 4 MiB, and no
# zombie is left. Then the leak counters of the churn test (processes,
# mounts, cgroups, veths, nat rules, state files) are back where they were.
#
#   LONGRUN_PODS=K LONGRUN_CYCLES=M   override the counts
# long: yes
. "$(dirname "$0")/lib_pods.sh"
. "$(dirname "$0")/lib_churn.sh"

if [ -n "${SOAK:-}" ]; then K=${LONGRUN_PODS:-40} CYC=${LONGRUN_CYCLES:-50}; else K=${LONGRUN_PODS:-20} CYC=${LONGRUN_CYCLES:-25}; fi
FD_SLACK=2 RSS_SLACK_KB=4096
echo "# longrun: $K pods x $CYC cycles = $((K * CYC)) pod start/stop cycles"
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

pods_file() { # CYCLE: K pods in one file, their env naming the cycle
	local i
	for i in $(seq 1 "$K"); do
		echo "---"
		render "$(printf 'p%02d' "$i")" busybox:test a "$1"
	done
}
running() { "$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(sum(p["status"] == "Running" for p in json.load(sys.stdin)))' 2>/dev/null; }
listed() { "$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null; }
# one cycle: K pods up (all Running), then down (none listed)
cycle() {
	pods_file "$1" >"$T_TMP/pods.yaml"
	deliver "$M/pods.yaml" "$T_TMP/pods.yaml" 1
	wait_for 60 '[ "$(running)" = "$K" ]' || { echo "cycle $1: $(running) of $K pods Running"; return 1; }
	rm "$M/pods.yaml"
	wait_for 60 '[ "$(listed)" = 0 ]' || { echo "cycle $1: $(listed) pods still listed"; return 1; }
}
n_events() { "$PODVISOR" get events -A -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null; }
# measure: "FDS RSS-KB ZOMBIE-CHILDREN EVENTS" of the daemon
measure() {
	local z=0 c
	for c in $(cat /proc/"$DAEMON"/task/*/children 2>/dev/null); do
		[ "$(awk '{print $3}' /proc/"$c"/stat 2>/dev/null)" = Z ] && z=$((z + 1))
	done
	echo "$(ls /proc/"$DAEMON"/fd | wc -l) $(awk '/^VmRSS:/ {print $2}' /proc/"$DAEMON"/status) $z $(n_events)"
}
# settled: once no pod is listed, the daemon has reaped its children (a
# zombie there is a stop it has not finished): wait for none, bounded.
settled() { wait_for 10 '[ "$(measure | cut -d" " -f3)" = 0 ]'; }

WARM=2
T0=$SECONDS
for c in $(seq 1 $WARM); do cycle "w$c" >"$T_TMP/err" || { fail "warm-up: $(cat "$T_TMP/err")"; done_testing; exit 1; }; done
settled
read -r FD0 RSS0 Z0 EV0 < <(measure)
BASE=$(leak_counts)
echo "# after $WARM warm-up cycles: fds $FD0, VmRSS $RSS0 kB, zombie children $Z0, events kept $EV0"
failed=0
for c in $(seq 1 "$CYC"); do
	cycle "$c" >"$T_TMP/err" || { failed=1; break; }
	[ $((c % 5)) = 0 ] && echo "# cycle $c: fds, VmRSS kB, zombies, events: $(measure)"
done
[ $failed = 0 ] && ok "$((K * CYC)) pod start/stop cycles ($K pods x $CYC) in $((SECONDS - T0)) s" || fail "$(cat "$T_TMP/err")"
settled
read -r FD1 RSS1 Z1 EV1 < <(measure)
echo "# at the end: fds $FD1, VmRSS $RSS1 kB, zombie children $Z1, events kept $EV1"
[ $((FD1 - FD0)) -le $FD_SLACK ] && ok "daemon fds: $FD0 -> $FD1 (at most +$FD_SLACK)" || fail "daemon fds grew: $FD0 -> $FD1 over $((K * CYC)) cycles"
[ $((RSS1 - RSS0)) -lt $RSS_SLACK_KB ] && ok "daemon VmRSS: $RSS0 -> $RSS1 kB (less than +$RSS_SLACK_KB kB)" ||
	fail "daemon VmRSS grew: $RSS0 -> $RSS1 kB over $((K * CYC)) cycles"
[ "$Z1" = 0 ] && ok "no zombie child of the daemon" || fail "$Z1 zombie children of the daemon"
wait_for 20 '[ -z "$(leaks_diff "$BASE" "$(leak_counts)")" ]'
d=$(leaks_diff "$BASE" "$(leak_counts)")
[ -z "$d" ] && ok "processes, mounts, cgroups, veths, nat rules, state files: as after the warm-up" || { fail "leaks after $((K * CYC)) cycles"; diag "$d"; }
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
