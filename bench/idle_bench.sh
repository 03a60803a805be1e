#!/bin/bash
# Idle cost (issue #16, item 5): N pods (default 50) Running with no
# probes, then IDLE seconds (default 60) of nothing: the daemon's CPU time
# and its wakeups (voluntary context switches, every thread), and the
# same for its spawner and for the pods' own processes of podvisor (pod
# inits, shims). Then a second window of the same length under strace, to
# say what each of the daemon's wakeups was for. Target: no periodic
# wakeups beyond what the manifests ask for (here: nothing).
#
#   bench/idle_bench.sh build/podvisor [PODS] [IDLE-SECONDS]
#
# Writes $BENCH_OUT/idle.tsv and its section of BENCHMARKS.md, idle.md.
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -u
PODVISOR=$1 PODS=${2:-50} IDLE=${3:-60}
bench_setup
bench_image busybox:bench
bench_daemon

for i in $(seq "$PODS"); do
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: idle%d}\nspec:\n  containers:\n  - {name: c, image: "busybox:bench", command: [sleep, "100000"]}\n---\n' "$i"
done >"$T/pods.yaml"
mv "$T/pods.yaml" "$T/m/pods.yaml"
for _ in $(seq 600); do [ "$(bench_running)" = "$PODS" ] && break; sleep 0.2; done
[ "$(bench_running)" = "$PODS" ] || { echo "idle_bench: only $(bench_running) of $PODS pods Running" >&2; exit 1; }
sleep 5 # settled: the last starts' events and writes are done

# sample: "TICKS CTXSW" of the processes whose comm matches PATTERN
sample() {
	local pid ticks=0 sw=0 t s
	for pid in $(pgrep "$1"); do
		t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
		s=$(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n + 0}')
		ticks=$((ticks + ${t:-0}))
		sw=$((sw + ${s:-0}))
	done
	echo "$ticks $sw"
}
WHO=('^podvisor$' '^podvisor-spawn' '^pod-init' '^podvisor-shim')
HZ=$(getconf CLK_TCK)
declare -A before cpu wake count
for who in "${WHO[@]}"; do before[$who]=$(sample "$who"); done
sleep "$IDLE"
echo "== $PODS pods Running, $IDLE s idle" >&2
printf '%-16s %6s %12s %12s\n' process count "cpu (ms)" wakeups >&2
for who in "${WHO[@]}"; do
	read -r t0 s0 <<<"${before[$who]}"
	read -r t1 s1 <<<"$(sample "$who")"
	count[$who]=$(pgrep -c "$who")
	cpu[$who]=$(((t1 - t0) * 1000 / HZ))
	wake[$who]=$((s1 - s0))
	printf '%-16s %6d %12d %12d\n' "${who//[\^\$]/}" "${count[$who]}" "${cpu[$who]}" "${wake[$who]}" >&2
done
RSS=$(awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' /proc/"$DAEMON"/status)

# What woke the daemon: a second window of the same length, traced (strace
# stops and resumes the daemon, so this window is not the one counted
# above). Each wakeup is an epoll_wait that returned; the syscall after it
# says what for (a timerfd read: a timer; recvmsg on netlink: a link event).
timeout "$((IDLE + 1))" strace -f -tt -e trace='!futex' -p "$DAEMON" -o "$T/idle.strace" 2>/dev/null
WHY=$(awk '/epoll_wait\(.*\) = [1-9]/ { if ((getline n) > 0) { sub(/^[0-9]+ +[0-9:.]+ /, "", n); sub(/\(.*/, "", n); c[n]++ } }
	END { for (k in c) { printf "%s%d x %s", sep, c[k], k; sep = ", " } }' "$T/idle.strace")

{
	echo -e "process\tcount\tcpu_ms\twakeups"
	for who in "${WHO[@]}"; do
		echo -e "${who//[\^\$]/}\t${count[$who]}\t${cpu[$who]}\t${wake[$who]}"
	done
	# the traced window: how many times epoll_wait returned (each a wakeup)
	echo -e "podvisor-traced\t1\t-\t$(grep -cE 'epoll_wait\(.*\) = [1-9]' "$T/idle.strace")"
} >"$BENCH_OUT/idle.tsv"

bench_section idle <<EOF
## Idle cost: $PODS pods, $IDLE s (\`bench/idle_bench.sh\`)

$PODS Pods (\`sleep\`, no probes) Running, settled 5 s, then $IDLE s of
nothing: CPU time (utime + stime, clock ticks of $((1000 / HZ)) ms) and
voluntary context switches of every thread, from /proc, before and after.
The daemon runs with its defaults, on a /run of its own (iptables run by
anything else on the machine takes the lock file the daemon watches, and
would wake it, rightly).

| date | machine | daemon CPU | daemon wakeups | spawner | $PODS pod inits | $PODS shims | daemon RSS |
|---|---|---|---|---|---|---|---|
| $(date +%F) | $(bench_machine) | ${cpu['^podvisor$']} ms | ${wake['^podvisor$']} in $IDLE s | ${cpu['^podvisor-spawn']} ms, ${wake['^podvisor-spawn']} wakeups | ${cpu['^pod-init']} ms, ${wake['^pod-init']} wakeups | ${cpu['^podvisor-shim']} ms, ${wake['^podvisor-shim']} wakeups | $RSS |

What woke the daemon in a second window of $IDLE s, traced with strace
(the syscall after each return of \`epoll_wait\`): ${WHY:-nothing at all}.
The one periodic wakeup is the Service rules' check (a timerfd \`read\`,
then two \`IPT_SO_GET_INFO\`): every 60 s by default, a safety net for
tools that change the nat table without iptables' lock file;
\`--rules-check-period 0\` turns it off. A \`recvmsg\` would be a link event
from the kernel (a bridge port changing state), not a period. The pods'
own processes of podvisor never wake.
EOF
