#!/bin/bash
# Moving a Service's nodePort with many Services loaded (issue #17: at
# 1,000 Services, the new port answers within 10 ms). Per proxy mode, a
# daemon holds SERVICES NodePort Services in one file, all in front of one
# busybox httpd pod; another file holds the Service that moves. Each
# repetition renames an edit of that file into the directory, its
# nodePort moved between two free ports, and one Python process times
# from rename(2) until a TCP connection to 127.0.0.1:NEWPORT is accepted
# by the pod (tried every 0.2 ms; refused until the rules are in), then
# checks that the old port refuses.
#   bench/nodeport_bench.sh build/podvisor [SERVICES (1000)] [REPETITIONS (15)]
# Raw samples: $BENCH_OUT/nodeport.tsv (mode, services, rep, ms).
. "$(dirname "$0")/lib.sh"
bench_ns "$0" "$@"
set -eu
PODVISOR=$1 NSVC=${2:-1000} N=${3:-15}
OUT=$BENCH_OUT/nodeport.tsv
bench_setup
bench_image busybox:bench
printf 'mode\tservices\trep\tms\n' >"$OUT"

services_yaml() { # COUNT: NodePort Services 31000.. in front of app=web
	local i
	for ((i = 0; i < $1; i++)); do
		cat <<EOF
---
apiVersion: v1
kind: Service
metadata: {name: s$i}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: $((31000 + i))}]
EOF
	done
}
moved_yaml() { # NODEPORT
	cat <<EOF
apiVersion: v1
kind: Service
metadata: {name: moved}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: $1}]
EOF
}

for mode in iptables nftables; do
	rm -f "$T"/m/*
	bench_daemon --proxy-mode "$mode"
	cat >"$T/in/web.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: httpd
    image: busybox:bench
    command: [/bin/sh, -c, "mkdir -p /w && echo ok >/w/index.html && exec /bin/busybox httpd -f -p 8080 -h /w"]
EOF
	mv "$T/in/web.yaml" "$T/m/web.yaml"
	services_yaml "$NSVC" >"$T/in/svcs.yaml" && mv "$T/in/svcs.yaml" "$T/m/svcs.yaml"
	moved_yaml 30080 >"$T/in/moved.yaml" && mv "$T/in/moved.yaml" "$T/m/moved.yaml"
	"$PY" - "$T" "$mode" "$NSVC" "$N" "$OUT" <<'PY'
import errno, os, socket, sys, time
T, mode, nsvc, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

def accepted(port, timeout=0.05):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()

def yaml(port):
    return ("apiVersion: v1\nkind: Service\nmetadata: {name: moved}\nspec:\n  type: NodePort\n"
            "  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080, nodePort: %d}]\n" % port)

deadline = time.monotonic() + 120
while not (accepted(30080) and accepted(31000 + nsvc - 1)):  # the pod, all Services in
    if time.monotonic() > deadline:
        sys.exit("nodeport_bench: %s: the Services do not answer after 120 s" % mode)
    time.sleep(0.1)
old = 30080
with open(out, "a") as tsv:
    for rep in range(n):
        new = 30081 if old == 30080 else 30080
        tmp = os.path.join(T, "in", "moved.yaml")
        with open(tmp, "w") as f:
            f.write(yaml(new))
        t0 = time.monotonic()
        os.rename(tmp, os.path.join(T, "m", "moved.yaml"))
        while not accepted(new, 0.02):
            if time.monotonic() - t0 > 10:
                sys.exit("nodeport_bench: %s: port %d does not answer after 10 s" % (mode, new))
            time.sleep(0.0002)
        ms = (time.monotonic() - t0) * 1000
        if accepted(old, 0.2):
            sys.exit("nodeport_bench: %s: the old port %d still answers" % (mode, old))
        tsv.write("%s\t%d\t%d\t%.3f\n" % (mode, nsvc, rep, ms))
        old = new
        time.sleep(0.2)
PY
	kill "$DAEMON"
	wait "$DAEMON" 2>/dev/null || true
done

row() { # MODE
	read -r med lo hi cnt <<<"$(awk -F'\t' -v m="$1" '$1 == m {print $4}' "$OUT" | bench_stats)"
	verdict=$("$PY" -c "print('met' if $med < 10 else 'not met')")
	printf '| %s | %s | %.1f ms (%.1f–%.1f) | %s | < 10 ms: %s |\n' "$1" "$NSVC" "$med" "$lo" "$hi" "$cnt" "$verdict"
}
bench_section nodeport <<EOF
## Moving a nodePort with $NSVC Services loaded (\`bench/nodeport_bench.sh\`)

Per proxy mode, a daemon with $NSVC NodePort Services (one file) in front
of one busybox httpd pod, and one more Service in a file of its own. Each
repetition renames an edit of that file into the directory with the
nodePort moved (30080 and 30081 in turn), and times from \`rename(2)\` until
a TCP connection to 127.0.0.1 on the new port is accepted by the pod
(tried every 0.2 ms); the old port must then refuse. Raw samples:
\`nodeport.tsv\`.

$(bench_machine), $N repetitions a mode. Medians (min–max).

| proxy mode | Services | rename -> the new port answers | n | target (#17) |
|---|---|---|---|---|
$(row iptables)
$(row nftables)
EOF
