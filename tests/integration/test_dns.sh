#!/bin/bash
# Cluster DNS, the parts test_services.sh does not reach: relayed queries
# get their own upstream reply and nobody else's (a late reply, a reply
# naming another question, a reply from another port); NXDOMAIN exactly
# for names that do not exist; pipelined TCP queries; a headless Service
# over more pods than an answer holds (UDP truncation, TCP, a pod's own
# resolver falling back to TCP).
# asan: yes
# long: yes
. "$(dirname "$0")/lib_pods.sh"

ip link set lo up
# The node's upstream resolver: a test-made one on 127.0.0.1:53 in this
# namespace. Every query for NAME is answered with an A record derived from
# NAME, except:
#   slow.example.com     held, never answered in time: its reply is sent
#                        late, before the answer to each late-N.example.com
#   wrongq.example.com   first a reply with its ID but another question
#   spoof.example.com    first a reply with its ID and question from port 5353
echo "nameserver 127.0.0.1" >"$T_TMP/resolv.conf"
mount --bind "$T_TMP/resolv.conf" /etc/resolv.conf
cat >"$T_TMP/dnslib.py" <<'PY'
import socket, struct, zlib


def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"


def query(qid, name, qtype=1, edns=0):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q += qname(name) + struct.pack(">HH", qtype, 1)
    if edns:
        q += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    return q


def question(msg):
    """(id, name, qtype, qclass) of a message's first question."""
    i, labels = 12, []
    while msg[i]:
        labels.append(msg[i + 1:i + 1 + msg[i]].decode().lower())
        i += msg[i] + 1
    t, c = struct.unpack(">HH", msg[i + 1:i + 5])
    return struct.unpack(">H", msg[:2])[0], ".".join(labels), t, c


def addr_for(name):
    """The address the fake upstream gives NAME: 10.200.x.y from its CRC."""
    h = zlib.crc32(name.encode())
    return "10.200.%d.%d" % (h >> 8 & 255, h & 255)


def answer(q, ip, name=None):
    """A reply to query Q (its ID) with one A record; for question NAME if given."""
    qid, qn, t, c = question(q)
    qs = qname(name or qn) + struct.pack(">HH", t, c)
    return (struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + qs
            + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton(ip))


def parse(r):
    """(id, flags, rcode, name, [A addresses]) of a reply."""
    qid, flags, qd, an = struct.unpack(">HHHH", r[:8])
    _, name, _, _ = question(r)
    i = 12
    while r[i]:
        i += r[i] + 1
    i += 5
    ips = []
    for _ in range(an):
        if r[i] & 0xC0 == 0xC0:
            i += 2
        else:
            while r[i]:
                i += r[i] + 1
            i += 1
        t, c, ttl, l = struct.unpack(">HHIH", r[i:i + 10])
        if t == 1:
            ips.append(socket.inet_ntoa(r[i + 10:i + 14]))
        i += 10 + l
    return qid, flags, flags & 15, name, ips


RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def ask(name, qtype=1, tcp=False, edns=0, server="10.88.0.1"):
    """The cluster DNS's reply to NAME/QTYPE: (raw bytes, parsed), or None."""
    q = query(4321, name, qtype, edns)
    try:
        if tcp:
            s = socket.create_connection((server, 53), timeout=3)
            s.sendall(struct.pack(">H", len(q)) + q)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
                d = s.recv(65536)
                if not d:
                    return None
                buf += d
            r = buf[2:]
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(3)
            s.sendto(q, (server, 53))
            r = s.recvfrom(65536)[0]
    except OSError:
        return None
    return r, parse(r)


def pipelined(questions, server="10.88.0.1"):
    """Several queries written at once on one TCP connection, as glibc
    sends A and AAAA: the replies, parsed, in the order they come."""
    s = socket.create_connection((server, 53), timeout=3)
    s.sendall(b"".join(struct.pack(">H", len(q)) + q for q in
                       (query(100 + i, n, t) for i, (n, t) in enumerate(questions))))
    buf, out = b"", []
    try:
        while len(out) < len(questions):
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
                n = struct.unpack(">H", buf[:2])[0]
                out.append(parse(buf[2:2 + n]))
                buf = buf[2 + n:]
    except OSError:
        pass
    return out


def summary(name, qtype=1, tcp=False):
    """"RCODE N" (N answers) as a client sees it, or "TIMEOUT"."""
    got = ask(name, qtype, tcp)
    if not got:
        return "TIMEOUT"
    qid, flags, rcode, qn, ips = got[1]
    an = struct.unpack(">H", got[0][6:8])[0]
    return "%s %d" % (RCODES.get(rcode, rcode), an)
PY
cat >"$T_TMP/upstream.py" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
from dnslib import question, answer, addr_for
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("127.0.0.1", 5353))
late = None
while True:
    q, a = s.recvfrom(4096)
    _, name, _, _ = question(q)
    if name == "slow.example.com":
        late = answer(q, "198.51.100.1")
        continue
    if name.startswith("late-") and late:
        s.sendto(late, a)
    if name == "wrongq.example.com":
        s.sendto(answer(q, "198.51.100.2", "other.example.com"), a)
    if name == "spoof.example.com":
        other.sendto(answer(q, "198.51.100.3"), a)
    s.sendto(answer(q, addr_for(name)), a)
PY
"$PY" "$T_TMP/upstream.py" "$T_TMP" &
disown

start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# A late upstream reply never reaches another client. The client of
# slow.example.com gives up; its relayed query outlives the daemon's
# pending time (5 s); then 1,100 queries, more than the daemon's pending
# slots, each preceded upstream by the late reply to slow.example.com.
# Every one must get its own answer: its ID, its question, its address.
r=$("$PY" - "$T_TMP" <<'PY'
import socket, sys, time
sys.path.insert(0, sys.argv[1])
from dnslib import query, parse, addr_for
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(1)
c.sendto(query(1, "slow.example.com"), ("10.88.0.1", 53))
try:
    c.recvfrom(4096)
    print("slow.example.com was answered in time")
except OSError:
    pass
c.close()
time.sleep(5.5)
good = wrong = lost = 0
for i in range(1100):
    name = "late-%d.example.com" % i
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    c.sendto(query(1000 + i, name), ("10.88.0.1", 53))
    try:
        qid, _, rcode, qn, ips = parse(c.recvfrom(4096)[0])
    except OSError:
        lost += 1
        continue
    finally:
        c.close()
    if qid == 1000 + i and qn == name and rcode == 0 and ips == [addr_for(name)]:
        good += 1
    else:
        wrong += 1
        print("%s got id %d, question %s, rcode %d, %s" % (name, qid, qn, rcode, ips))
print("good=%d wrong=%d lost=%d" % (good, wrong, lost))
PY
)
[ "$(echo "$r" | tail -1)" = "good=1100 wrong=0 lost=0" ] \
	&& ok "a late upstream reply reaches nobody: 1,100 later queries each get their own answer" \
	|| { fail "late reply: $(echo "$r" | tail -1)"; diag "$r"; }

# A reply with the right ID for another question, or from another port
# than the query went to, is not the answer: the real one that follows is.
r=$("$PY" - "$T_TMP" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[1])
from dnslib import query, parse, addr_for
for name in ("wrongq.example.com", "spoof.example.com"):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    c.sendto(query(7, name), ("10.88.0.1", 53))
    try:
        qid, _, rcode, qn, ips = parse(c.recvfrom(4096)[0])
        print(name, "ok" if (qid, qn, ips) == (7, name, [addr_for(name)]) else "got %s %s" % (qn, ips))
    except OSError:
        print(name, "no answer")
PY
)
[ "$r" = "wrongq.example.com ok
spoof.example.com ok" ] && ok "a reply for another question, or from another port, is dropped; the real answer gets through" \
	|| { fail "mismatched replies"; diag "$r"; }

# Names in the zone: NXDOMAIN exactly when nothing exists at or below the
# name. The zone, svc., pod. and a namespace with a Service exist (with
# no records of their own: NOERROR and no answer, as CoreDNS says); an
# NXDOMAIN for them would deny every name below (RFC 8020).
cat >"$T_TMP/one.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: one}
spec:
  selector: {app: none}
  ports: [{port: 80}]
YAML
drop one.yaml "$T_TMP/one.yaml"
for _ in $(seq 50); do "$PODVISOR" get svc one >/dev/null 2>&1 && break; sleep 0.1; done
r=$("$PY" - "$T_TMP" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from dnslib import summary
for name, qtype in (("one.default.svc.cluster.local", 1), ("one.default.svc.cluster.local", 28),
                    ("nothere.default.svc.cluster.local", 1), ("nothere.default.svc.cluster.local", 28),
                    ("x.nothere.default.svc.cluster.local", 1), ("a.b.c.d.default.svc.cluster.local", 1),
                    ("nons.svc.cluster.local", 1), ("10-88-0-99.default.pod.cluster.local", 1),
                    ("bad.default.pod.cluster.local", 1),
                    ("default.svc.cluster.local", 1), ("svc.cluster.local", 1),
                    ("pod.cluster.local", 1), ("cluster.local", 1)):
    print(name, qtype, summary(name, qtype), summary(name, qtype, tcp=True))
PY
)
want="one.default.svc.cluster.local 1 NOERROR 1 NOERROR 1
one.default.svc.cluster.local 28 NOERROR 0 NOERROR 0
nothere.default.svc.cluster.local 1 NXDOMAIN 0 NXDOMAIN 0
nothere.default.svc.cluster.local 28 NXDOMAIN 0 NXDOMAIN 0
x.nothere.default.svc.cluster.local 1 NXDOMAIN 0 NXDOMAIN 0
a.b.c.d.default.svc.cluster.local 1 NXDOMAIN 0 NXDOMAIN 0
nons.svc.cluster.local 1 NXDOMAIN 0 NXDOMAIN 0
10-88-0-99.default.pod.cluster.local 1 NOERROR 1 NOERROR 1
bad.default.pod.cluster.local 1 NXDOMAIN 0 NXDOMAIN 0
default.svc.cluster.local 1 NOERROR 0 NOERROR 0
svc.cluster.local 1 NOERROR 0 NOERROR 0
pod.cluster.local 1 NOERROR 0 NOERROR 0
cluster.local 1 NOERROR 0 NOERROR 0"
[ "$r" = "$want" ] && ok "unknown names in the zone are NXDOMAIN (UDP and TCP); names that exist without records are NOERROR, no answer" \
	|| { fail "NXDOMAIN and empty names"; diag "$(diff <(echo "$want") <(echo "$r"))"; }

# Pipelined queries on one TCP connection (glibc writes A and AAAA at
# once after a truncated UDP reply) are each answered, local and relayed.
r=$("$PY" - "$T_TMP" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from dnslib import pipelined, addr_for
got = pipelined([("one.default.svc.cluster.local", 1), ("one.default.svc.cluster.local", 28),
                 ("pipe.example.com", 1), ("nothere.default.svc.cluster.local", 1)])
for qid, flags, rcode, qn, ips in sorted(got):
    print(qid, qn, rcode, len(ips), ips == [addr_for(qn)])
PY
)
want="100 one.default.svc.cluster.local 0 1 False
101 one.default.svc.cluster.local 0 0 False
102 pipe.example.com 0 1 True
103 nothere.default.svc.cluster.local 3 0 False"
[ "$r" = "$want" ] && ok "four queries pipelined on one TCP connection: four answers, the relayed one too" \
	|| { fail "pipelined TCP queries"; diag "$r"; }

# A headless Service over more ready pods than an answer holds: 300 pods
# (the DNS answer holds PV_DNS_MAX_A = 256 addresses; the pod table starts
# at 16 and the ldns record list at a few). Over UDP the reply does not fit
# and goes out empty with TC set; over TCP come 256 distinct addresses, all
# of pods the Service selects; and a pod's own resolver (glibc, in
# busybox) takes the TC, asks again over TCP and connects to one of them.
MANY=300
{
	for i in $(seq 0 $((MANY - 1))); do
		cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: many-$i, labels: {app: many}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: "busybox:test", command: [sleep, "1000"]}
---
YAML
	done
	cat <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: many}
spec:
  clusterIP: None
  selector: {app: many}
  ports: [{port: 1}]
---
apiVersion: v1
kind: Pod
metadata: {name: cli}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: "busybox:test", command: [sleep, "1000"]}
YAML
} >"$T_TMP/many.yaml"
t0=$(date +%s)
drop many.yaml "$T_TMP/many.yaml"
running() { "$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["status"] == "Running"))' 2>/dev/null; }
for _ in $(seq 600); do [ "$(running)" = $((MANY + 1)) ] && break; sleep 0.2; done
n=$(running)
[ "$n" = $((MANY + 1)) ] && ok "$MANY pods and a client Running after $(($(date +%s) - t0)) s" || fail "only ${n:-0} of $((MANY + 1)) pods Running"
"$PODVISOR" get pods -o internal-json | "$PY" -c '
import json, sys
for p in json.load(sys.stdin):
    if p["name"].startswith("many-") and p.get("podIP"):
        print(p["podIP"])' | sort >"$T_TMP/many.ips"
r=$("$PY" - "$T_TMP" <<'PY'
import struct, sys, time
sys.path.insert(0, sys.argv[1])
from dnslib import ask
pods = set(open(sys.argv[1] + "/many.ips").read().split())
name = "many.default.svc.cluster.local"
for _ in range(100):  # until the Service has synced every pod
    got = ask(name, tcp=True)
    if got and len(got[1][4]) == 256:
        break
    time.sleep(0.1)
raw, (qid, flags, rcode, qn, ips) = got
print("tcp: rcode %d, tc %d, %d answers, %d distinct, %d not of the Service"
      % (rcode, flags >> 9 & 1, len(ips), len(set(ips)), len(set(ips) - pods)))
for edns in (0, 1232, 4096):
    raw, (qid, flags, rcode, qn, ips) = ask(name, edns=edns)
    an = struct.unpack(">H", raw[6:8])[0]
    print("udp edns %d: %s bytes, rcode %d, tc %d, %d answers"
          % (edns, "<=512" if len(raw) <= 512 else len(raw), rcode, flags >> 9 & 1, an))
PY
)
want="tcp: rcode 0, tc 0, 256 answers, 256 distinct, 0 not of the Service
udp edns 0: <=512 bytes, rcode 0, tc 1, 0 answers
udp edns 1232: <=512 bytes, rcode 0, tc 1, 0 answers
udp edns 4096: <=512 bytes, rcode 0, tc 1, 0 answers"
[ "$r" = "$want" ] && [ "$(wc -l <"$T_TMP/many.ips")" = $MANY ] \
	&& ok "$MANY pods behind a headless name: UDP says TC with no answer; TCP gives 256 distinct pod addresses" \
	|| { fail "headless over the cap"; diag "$r"; }
r=$("$PODVISOR" exec cli -- wget -qO- http://many:1/ 2>&1)
ip=$(echo "$r" | grep -Eo '10\.88\.[0-9]+\.[0-9]+' | head -1)
[ -n "$ip" ] && grep -qx "$ip" "$T_TMP/many.ips" \
	&& ok "a pod's resolver takes the truncated reply, asks over TCP, and connects to one of the pods ($ip)" \
	|| fail "pod resolver and the truncated name: $r"

done_testing
