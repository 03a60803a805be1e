#!/bin/bash
# Cluster DNS, the parts test_services.sh does not reach: relayed queries
# get their own upstream reply and nobody else's (a late reply, a reply
# naming another question, a reply from another port); unknown names in
# the zone are NXDOMAIN exactly.
# asan: yes
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

done_testing
