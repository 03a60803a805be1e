#!/bin/bash
# Service rules at scale (issue #16 item 4), in throwaway namespaces:
#  1. rule update time: svc_bench for 10, 100, 1,000, 2,000 and 5,000
#     Services x 5 endpoints, each in a network namespace of its own:
#     initial sync and one endpoint change through every podvisor proxy
#     backend, against iptables-legacy-restore of the same rules;
#  2. first-packet latency: a second network namespace (the "pod", a veth
#     away, svc_bench --serve in it), then 0, 10, 1,000 and 5,000 Services
#     installed by each proxy mode, the measured one last in the chain,
#     and new TCP connections timed to its cluster IP and to the pod IP
#     directly. In rounds: each round installs every mode and count in
#     turn (the counts' order reversed every other round) for its share
#     of the connects, so that the machine's own slow drifts (this 2-core
#     machine's latency moves between levels some 50% apart for seconds at
#     a time) fall on every count alike instead of on whichever ran then.
# Writes $BENCH_OUT/svc.tsv (backend, services, operation, round, ms),
# $BENCH_OUT/svc_packet.tsv (backend, services, target, n, us), each with that
# header line, and svc.md.
#
#   bench/svc_bench.sh BUILD/bench/svc_bench
#
# SVC_COUNTS, SVC_PACKET_COUNTS, SVC_CONNECTS, SVC_ROUNDS (rounds at
# every count) and SVC_PACKET_ROUNDS make a quick run: SVC_COUNTS="10 100"
# SVC_PACKET_COUNTS=10 SVC_CONNECTS=200 SVC_PACKET_ROUNDS=2. SVC_COUNTS=" "
# (a blank) skips the rule timings, SVC_MODES picks the proxy modes.
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -eu
SVC_BENCH=${1:?usage: bench/svc_bench.sh BUILD/bench/svc_bench}
bench_setup
export TMPDIR=$T # svc_bench's restore files, on the bench's tmpfs

COUNTS=${SVC_COUNTS:-10 100 1000 2000 5000}
PACKET_COUNTS=${SVC_PACKET_COUNTS:-10 1000 5000}
CONNECTS=${SVC_CONNECTS:-2000}
PACKET_ROUNDS=${SVC_PACKET_ROUNDS:-8}
ENDPOINTS=5
POD_NET=10.88.250 # the pod's addresses: .2 to .6, one per endpoint; the node's .1
PORT=8080
START=$SECONDS

# The rounds at N Services: fewer where one round takes seconds.
rounds() {
	if [ -n "${SVC_ROUNDS:-}" ]; then echo "$SVC_ROUNDS"
	elif [ "$1" -ge 5000 ]; then echo 7
	else echo 9
	fi
}

echo "== Service rules at scale: rule update time" >&2
printf 'backend\tservices\toperation\tround\tms\n' >"$BENCH_OUT/svc.tsv"
: >"$T/svc.log"
for n in $COUNTS; do
	"$SVC_BENCH" --tsv "$n" "$ENDPOINTS" "$(rounds "$n")" >>"$BENCH_OUT/svc.tsv" 2>"$T/one.log" ||
		{ cat "$T/one.log" >&2; exit 1; }
	cat "$T/one.log" >&2
	cat "$T/one.log" >>"$T/svc.log"
done

echo "== Service rules at scale: first-packet latency" >&2
ip netns add svcpod
ip link add pvb-node type veth peer name eth0 netns svcpod
ip addr add "$POD_NET.1/24" dev pvb-node
ip link set pvb-node up
ip -n svcpod link set lo up
ip -n svcpod link set eth0 up
for k in $(seq 2 $((ENDPOINTS + 1))); do
	ip -n svcpod addr add "$POD_NET.$k/24" dev eth0
done
ip route add 10.96.0.0/16 dev pvb-node # the cluster IPs, routed before the DNAT
ip netns exec svcpod "$SVC_BENCH" --serve "$PORT" 600 &
SERVER=$!
printf 'backend\tservices\ttarget\tn\tus\n' >"$BENCH_OUT/svc_packet.tsv"
# 0 first: no rules at all, before anything loads netfilter here; then
# each proxy mode in turn.
packet() { # MODE SERVICES
	SVC_MODE=$1 "$SVC_BENCH" --packet --tsv "$2" "$ENDPOINTS" "$CONNECTS" "$POD_NET.2" "$PORT" \
		>>"$BENCH_OUT/svc_packet.tsv" 2>"$T/one.log" || { cat "$T/one.log" >&2; exit 1; }
	cat "$T/one.log" >&2
}
packet "" 0
per=$(((CONNECTS + PACKET_ROUNDS - 1) / PACKET_ROUNDS))
for r in $(seq "$PACKET_ROUNDS"); do
	counts=$PACKET_COUNTS
	[ $((r % 2)) -eq 0 ] && counts=$(echo "$PACKET_COUNTS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for mode in ${SVC_MODES:-iptables nftables}; do
		for n in $counts; do
			CONNECTS=$per packet "$mode" "$n"
		done
	done
done
kill "$SERVER"
ip netns del svcpod
ELAPSED=$((SECONDS - START))

"$PY" - "$BENCH_OUT" "$T/svc.log" "$(bench_machine)" "$ELAPSED" "$ENDPOINTS" <<'PY' | bench_section svc
import collections, re, statistics, sys
out, log, machine, elapsed, eps = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
REF = "iptables-legacy-restore"

samples = collections.defaultdict(list)  # (backend, services, operation) -> [ms]
backends = []
for line in list(open(out + "/svc.tsv"))[1:]:  # a header line first
    b, n, op, _, ms = line.rstrip("\n").split("\t")
    samples[b, int(n), op].append(float(ms))
    if b not in backends:
        backends.append(b)
backends.sort(key=lambda b: b == REF)  # podvisor's first, the reference last
counts = sorted({n for _, n, _ in samples})
size = {int(m[1]): (int(m[2]), int(m[3])) for m in
        re.finditer(r"^(\d+) Services x \d+ endpoints: (\d+) chains, (\d+) rules", open(log).read(), re.M)}

def ms(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v

def cell(b, n, op):
    v = samples.get((b, n, op))
    if not v:
        return "-"
    return "%s (%s–%s)" % (ms(statistics.median(v)), ms(min(v)), ms(max(v)))

def ratio(b, n, op):
    mine, ref = samples.get((b, n, op)), samples.get((REF, n, op))
    return "%.1f×" % (statistics.median(ref) / statistics.median(mine)) if mine and ref else "-"

mine = [b for b in backends if b != REF]
rounds = {n: len(samples[backends[0], n, "initial sync"]) for n in counts}

def rounds_text():
    """"9 rounds (5 at 5,000 Services, 7 at 2,000)": the most common first."""
    if not rounds:
        return "no rounds"
    common = collections.Counter(rounds.values()).most_common(1)[0][0]
    rest = ["%d at %s" % (r, "{:,}".format(n)) for n, r in sorted(rounds.items(), reverse=True)
            if r != common]
    return "%d rounds%s" % (common, " (%s Services)" % ", ".join(rest) if rest else "")
print("## Service rules at scale (`bench/svc_bench.sh`)\n")
print("In a network namespace of its own, N ClusterIP Services with one TCP port and %s endpoints"
      " each (a NodePort on every tenth) go into empty nat and filter tables, then one endpoint of"
      " one Service is replaced. podvisor's time is the daemon's whole sync through the proxier"
      " seam, for every proxy backend there is (%s): build the rules from the Services, apply"
      " them, one commit per table. In the same run, `iptables-legacy-restore --noflush`, started"
      " as kube-proxy starts it, applies the same rules printed from the same rule set: the whole"
      " set for the initial sync, and for the change what kube-proxy's partial sync writes (every"
      " chain that is not a Service's own in full, the changed Service chains, the old endpoint"
      " chain deleted; checked in the first round to leave the tables rule for rule as the whole"
      " new set does). Times are the median (min–max) of %s; the ratio is iptables-restore's"
      " median over podvisor's." % (
          eps, ", ".join(b.replace(" (podvisor)", "") for b in mine), rounds_text()))
print("\nMachine: %s. This run of the script took %.0f s.\n" % (machine, elapsed))
head = ["Services", "chains / rules"]
for op in ("initial sync", "endpoint change"):
    head += ["%s: %s, ms" % (op, b) for b in backends]
head += ["ratio (initial / change)%s" % ("" if len(mine) == 1 else ": " + b) for b in mine]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for n in counts:
    row = ["{:,}".format(n), "{:,} / {:,}".format(*size[n]) if n in size else "-"]
    for op in ("initial sync", "endpoint change"):
        row += [cell(b, n, op) for b in backends]
    row += ["%s / %s" % (ratio(b, n, "initial sync"), ratio(b, n, "endpoint change")) for b in mine]
    print("| " + " | ".join(row) + " |")
print("\n![rule update time against the number of Services](bench/plots/svc.svg)\n")

pk = collections.defaultdict(list)  # (backend, services, target) -> [us]
blocks = collections.defaultdict(list)  # the same -> [[us] of one round]
for line in list(open(out + "/svc_packet.tsv"))[1:]:
    b, n, t, i, us = line.rstrip("\n").split("\t")
    pk[b, int(n), t].append(float(us))
    if int(i) == 1:  # a round's first connect
        blocks[b, int(n), t].append([])
    blocks[b, int(n), t][-1].append(float(us))
modes = sorted({b for b, _, _ in pk if b != "none"})

def p90(v):
    v = sorted(v)
    return v[max(0, -(-9 * len(v) // 10) - 1)]

def us(b, n, t):
    v = pk.get((b, n, t))
    if not v:
        return ("-", "-", "-")
    m = [statistics.median(x) for x in blocks[b, n, t]]
    return ("%.1f" % statistics.median(v), "%.1f" % p90(v),
            "%.1f–%.1f" % (min(m), max(m)) if len(m) > 1 else "-")

nconn = max((len(v) for v in pk.values()), default=0)
nrounds = max((len(v) for v in blocks.values()), default=0)
print("**First packet through a Service.** A second network namespace, a veth away, plays the"
      " pod: a TCP accept loop on its %s addresses (`svc_bench --serve`). Each proxy mode"
      " installs N Services as above; the measured one is the last of the N: with iptables its"
      " rule is the last Service rule in the linear `PV-SERVICES` chain (rule N of N+1; the"
      " NodePort jump follows), with nftables one lookup in the `service-ips` verdict map finds"
      " it wherever it is. Its %s endpoints are the pod's addresses. Then %s times, alternating: a"
      " TCP connect() to its cluster IP:80, timed until established, and the same to the pod IP"
      " directly, each from a source port of its own after a conntrack flush, so every one is a"
      " new connection whose SYN walks the nat table (a new conntrack entry each, counted). The"
      " direct connect pays the walk too, unmatched: every new connection through the node"
      " does. The connects are spread over %d rounds; each round installs every mode and count"
      " in turn (the counts' order reversed every other round), as this 2-core machine's latency"
      " moves between levels some 50%% apart for seconds at a time: measured one count after"
      " the other, that drift read as a cost of the count. Microseconds: median and p90 of all"
      " the connects, and the range of the rounds' medians." % (
          eps, eps, "{:,}".format(nconn), nrounds))
print()
print("| mode | Services | cluster IP: median | p90 | rounds' medians | pod IP directly: median | p90 | rounds' medians |")
print("|---|---|---|---|---|---|---|---|")
for b, n in sorted({(b, n) for b, n, _ in pk}, key=lambda x: (x[0] != "none", x[0], x[1])):
    c, d = us(b, n, "clusterip"), us(b, n, "direct")
    print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
        b, "none (no netfilter)" if n == 0 else "{:,}".format(n), c[0], c[1], c[2], d[0], d[1], d[2]))
PY
printf "bench: svc done in %.0f s\n" "$ELAPSED" >&2
# Not under set -e from here: the EXIT trap (bench_cleanup) runs commands
# that may fail harmlessly (kill -9 -1 with nothing left to kill), and its
# failure would be the script's exit status.
set +e
