#!/bin/bash
# Scale: counts past the initial capacity of every array on the path.
# 1,000 Services (ClusterIP, 200 NodePort, 50 headless) select three web
# pods out of 300 pods in one file; 200 ConfigMaps, one of them mounted.
# Every Service gets its IP and answers through it; a NodePort answers.
# Then half of each is deleted and added back: the daemon never dies, the
# Services come back with the addresses they had, and they answer again.
# Beside them: 40 subdirectories of one file each (past the 16 watches and
# 32 files the daemon starts with), 12 pods with a hostPort each (past 8),
# and a ConfigMap of 20 keys in a volume (past the writer's 8).
# Under ASan the counts are smaller (SCALE_SVCS etc.), still past 16.
# asan: yes
# long: yes
. "$(dirname "$0")/lib_pods.sh"

case "$PODVISOR" in
*/asan/*) NSVC=${SCALE_SVCS:-200} NPOD=${SCALE_PODS:-60} NCM=${SCALE_CMS:-40} ;;
*) NSVC=${SCALE_SVCS:-1000} NPOD=${SCALE_PODS:-300} NCM=${SCALE_CMS:-200} ;;
esac
HALF=$((NSVC / 2))
NHP=12   # pods with a hostPort
NDIRS=40 # subdirectories, one file each
NNP=$((NSVC / 5))      # the first NNP Services are NodePort
NHEADLESS=$((NSVC / 20)) # the last NHEADLESS are headless
ip link set lo up

alive() { kill -0 "$DAEMON" 2>/dev/null; }
count_of() { "$PODVISOR" get "$1" 2>/dev/null | tail -n +2 | wc -l; } # KIND: rows of get KIND

# svc_file FIRST LAST: Services sN for N in FIRST..LAST.
svc_file() {
	local i
	for i in $(seq "$1" "$2"); do
		printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d}\nspec:\n' "$i"
		if [ "$i" -le "$NNP" ]; then
			printf '  type: NodePort\n'
		elif [ "$i" -gt $((NSVC - NHEADLESS)) ]; then
			printf '  clusterIP: None\n'
		fi
		printf '  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n'
		# two ports on some, so a Service holds more than one node port
		if [ $((i % 7)) = 0 ]; then
			printf '  - {name: alt, port: 81, targetPort: 8080}\n'
		fi
	done
}

# pod_file N: N pods in one file; the first three serve HTTP as app=web.
pod_file() {
	local i
	for i in $(seq 0 $(($1 - 1))); do
		if [ "$i" -lt 3 ]; then
			cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: web-$i, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:test
    command: [sh, -c, "hostname > /tmp/hostname; exec httpd -f -p 8080 -h /tmp"]
    ports: [{name: http, containerPort: 8080}]
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes:
  - name: cfg
    configMap: {name: cm-$((NCM - 1))}
YAML
		elif [ "$i" -lt $((3 + NHP)) ]; then
			cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: hp-$i, labels: {app: hp}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: busybox:test
    command: [sh, -c, "hostname > /tmp/hostname; exec httpd -f -p 8080 -h /tmp"]
    ports: [{containerPort: 8080, hostPort: $((40000 + i))}]
YAML
		else
			printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: idle-%d, labels: {app: idle}}\n' "$i"
			printf 'spec:\n  terminationGracePeriodSeconds: 1\n  containers:\n'
			printf '  - {name: main, image: busybox:test, command: [sleep, "3600"]}\n'
		fi
	done
}

cm_file() { # N: cm-0..cm-N-1; the last one has 20 keys
	local i k
	for i in $(seq 0 $(($1 - 1))); do
		printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%d}\ndata:\n  key: "value-%d"\n' "$i" "$i"
		if [ "$i" = $(($1 - 1)) ]; then
			for k in $(seq 1 20); do printf '  k%d: "v%d"\n' "$k" "$k"; done
		fi
	done
}

# dirs_add FIRST LAST: sub-N/cm.yaml with ConfigMap dir-N, delivered like rsync.
dirs_add() {
	local i
	for i in $(seq "$1" "$2"); do
		mkdir -p "$M/sub-$i"
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-%d}\ndata: {k: v}\n' "$i" >"$M/sub-$i/.cm.yaml.tmp"
		mv "$M/sub-$i/.cm.yaml.tmp" "$M/sub-$i/cm.yaml"
	done
}
cm_dirs() { "$PODVISOR" get cm 2>/dev/null | grep -c '^dir-'; }

# svc_ips: "name ip" for every Service, from get svc -o internal-json.
svc_ips() {
	"$PVQ" get svc -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for s in json.load(sys.stdin):
    print(s["name"], s.get("clusterIP") or "-")'
}

# wait_count KIND N [SECONDS]: `get KIND` lists N objects (plus a header).
wait_count() {
	local i=0 n end=$((SECONDS + 2 * ${3:-60} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		n=$(count_of "$1")
		[ "$n" = "$2" ] && return 0
		alive || return 1
		nap $((i++))
	done
	return 1
}

# answer_all FILE: an HTTP GET to every "name ip" line's ip:80; prints how
# many answered with a web pod's name, then the ones that did not.
answer_all() {
	"$PY" - "$1" <<'PY'
import socket, sys
ok, bad = 0, []
for line in open(sys.argv[1]):
    name, ip = line.split()
    try:
        c = socket.create_connection((ip, 80), timeout=5)
        c.sendall(b"GET /hostname HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            b = c.recv(4096)
            if not b:
                break
            data += b
        c.close()
        if data.split(b"\r\n\r\n", 1)[-1].strip().startswith(b"web-"):
            ok += 1
        else:
            bad.append(name)
    except OSError as e:
        bad.append("%s(%s)" % (name, e))
print(ok, " ".join(bad[:10]))
PY
}

# The reproduction of the crash: the daemon died with SIGSEGV right after
# loading 17 Services or more, and again on every restart.
for n in 17 100; do
	svc_file 1 "$n" >"$T_TMP/svc-a.yaml" && drop svc-a.yaml "$T_TMP/svc-a.yaml"
	start_daemon || { fail "daemon start with $n Services"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
	wait_count svc "$n" 30 && [ "$(svc_ips | awk '$2 ~ /^10\.96\./ || $2 == "None"' | wc -l)" = "$n" ] && alive &&
		ok "$n Services at start-up: the daemon runs and lists them all with a cluster IP (or None)" ||
		fail "$n Services: $(count_of svc) listed, $(svc_ips | awk '$2 ~ /^10\.96\./ || $2 == "None"' | wc -l) with an IP or None, alive: $(alive && echo yes || echo no)"
	stop_daemon TERM || fail "daemon stop with $n Services"
done

# One pod past the container spec's first capacity (16): 3 containers,
# each mounting 20 volumes (10 emptyDir, 10 ConfigMaps) with 20 env vars.
many_vols() {
	local i c
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: manyvol}\nspec:\n  terminationGracePeriodSeconds: 1\n  volumes:\n'
	for i in $(seq 0 9); do printf '  - {name: e%d, emptyDir: {}}\n  - {name: c%d, configMap: {name: cm-%d}}\n' "$i" "$i" "$i"; done
	printf '  containers:\n'
	for c in 0 1 2; do
		printf '  - name: c%d\n    image: busybox:test\n    command: [sh, -c, "echo from-%d > /e9/c%d; sleep 3600"]\n    env:\n' "$c" "$c" "$c"
		for i in $(seq 1 20); do printf '    - {name: V%d, value: "v%d"}\n' "$i" "$i"; done
		printf '    volumeMounts:\n'
		for i in $(seq 0 9); do printf '    - {name: e%d, mountPath: /e%d}\n    - {name: c%d, mountPath: /c%d}\n' "$i" "$i" "$i" "$i"; done
	done
}

# An image of 60 layers (at their full paths the overlay options would
# pass the one page the kernel reads).
if make_deep_oci "$T_TMP/deep" 60 >/dev/null 2>&1 && "$PODVISOR" image import "$T_TMP/deep/oci" deep:1 >/dev/null 2>&1; then
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: "deep:1", command: [sleep, "3600"]}\n' >"$T_TMP/deep.yaml"
	drop deep.yaml "$T_TMP/deep.yaml"
else
	fail "build and import a 60-layer image"
fi
cm_file "$NCM" >"$T_TMP/cms.yaml" && drop cms.yaml "$T_TMP/cms.yaml"
many_vols >"$T_TMP/manyvol.yaml" && drop manyvol.yaml "$T_TMP/manyvol.yaml"
pod_file "$NPOD" >"$T_TMP/pods.yaml" && drop pods.yaml "$T_TMP/pods.yaml"
dirs_add 1 $((NDIRS / 2)) # the rest arrive while the daemon runs
svc_file 1 "$HALF" >"$T_TMP/svc-a.yaml" && drop svc-a.yaml "$T_TMP/svc-a.yaml"
svc_file $((HALF + 1)) "$NSVC" >"$T_TMP/svc-b.yaml" && drop svc-b.yaml "$T_TMP/svc-b.yaml"

start_daemon || { fail "daemon start"; diag "$(tail -40 "$LOG")"; done_testing; exit 1; }

wait_count svc "$NSVC" 60 && ok "get svc lists all $NSVC Services" ||
	fail "get svc: $(count_of svc) of $NSVC; daemon alive: $(alive && echo yes || echo no)"
alive && ok "the daemon is alive with $NSVC Services" || { fail "the daemon died"; diag "$(tail -40 "$LOG")"; done_testing; exit 1; }

wait_count pods $((NPOD + 2)) 60 && ok "get pods lists all $NPOD pods of one file (and manyvol, deep)" || fail "get pods: $(count_of pods) of $NPOD + 2"
running=0
for _ in $(seq 300); do
	running=$("$PODVISOR" get pods 2>/dev/null | grep -c ' Running ')
	[ "$running" = $((NPOD + 2)) ] && break
	sleep 0.2
done
[ "$running" = $((NPOD + 2)) ] && ok "all $NPOD pods Running (and manyvol, deep)" || fail "$running of $NPOD + 2 pods Running"
# Pods start a step apart (the spawner clones one's namespaces while the
# daemon sets up the one before): each has its own all the same, its
# container's hostname its name and its eth0 its pod IP.
"$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
for p in json.load(sys.stdin):
    pid = p["containers"][0].get("pid")
    if pid:
        print(p["name"], pid, p.get("podIP", ""))' >"$T_TMP/sandboxes"
own=0
while read -r name pid ip; do
	h=$(nsenter -t "$pid" -u hostname 2>/dev/null)
	a=$(nsenter -t "$pid" -n ip -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
	if [ "$h" = "$name" ] && [ "$a" = "$ip" ]; then own=$((own + 1)); else echo "$name: hostname $h, eth0 $a, podIP $ip"; fi
done <"$T_TMP/sandboxes" >"$T_TMP/sandboxes.bad"
[ "$own" = $((NPOD + 2)) ] && ok "each of the $own pods has its own hostname and its own IP on eth0" \
	|| fail "$own of $((NPOD + 2)) pods with their own hostname and IP: $(head -5 "$T_TMP/sandboxes.bad")"
wait_count cm $((NCM + NDIRS / 2)) 30 && ok "get cm lists all $NCM ConfigMaps and $((NDIRS / 2)) from subdirectories" || fail "get cm: $(count_of cm)"
r=$("$PODVISOR" exec web-0 -- sh -c 'cat /cfg/key; echo; cat /cfg/k20' 2>&1 | tr '\n' ' ')
[ "$r" = "value-$((NCM - 1)) v20" ] && ok "the last ConfigMap's 21 keys are files in a pod" || fail "cm-$((NCM - 1)) in web-0: $r"

wait_status manyvol Running 60 || fail "manyvol: $(pod_json manyvol "p['status']")"
for _ in $(seq 50); do
	r=$("$PODVISOR" exec -c c2 manyvol -- sh -c 'cat /c9/key; echo; cat /e9/c0; echo $V20; ls / | grep -c "^[ce][0-9]$"' 2>&1 | tr '\n' ' ')
	[ "$r" = "value-9 from-0 v20 20 " ] && break
	sleep 0.1
done
[ "$r" = "value-9 from-0 v20 20 " ] && ok "a pod of 3 containers x 20 volumes and 20 env vars: every mount and variable there, emptyDir shared" ||
	fail "manyvol: '$r'"

wait_status deep Running 60 || fail "deep: $(pod_json deep "p['status']") $("$PODVISOR" describe pod deep 2>&1 | tail -5)"
r=$("$PODVISOR" exec deep -- sh -c 'ls /l; cat /o/only' 2>&1 | tr '\n' ' ')
[ "$r" = "60 60 " ] && ok "a pod runs an image of 60 layers, stacked right" || fail "deep: '$r'"

# Subdirectories made while the daemon runs are watched, past the 16th.
dirs_add $((NDIRS / 2 + 1)) "$NDIRS"
for _ in $(seq 150); do [ "$(cm_dirs)" = "$NDIRS" ] && break; sleep 0.2; done
[ "$(cm_dirs)" = "$NDIRS" ] && ok "$NDIRS files in $NDIRS subdirectories loaded, half of them made while running" || fail "$(cm_dirs) of $NDIRS subdirectory files loaded"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dir-%d}\ndata: {k: edited}\n' "$NDIRS" >"$M/sub-$NDIRS/.x" && mv "$M/sub-$NDIRS/.x" "$M/sub-$NDIRS/cm.yaml"
rm -rf "$M/sub-1"
for _ in $(seq 150); do [ "$(cm_dirs)" = $((NDIRS - 1)) ] && break; sleep 0.2; done
[ "$(cm_dirs)" = $((NDIRS - 1)) ] && ok "a removed subdirectory's objects are deleted" || fail "$(cm_dirs) subdirectory ConfigMaps after rm -rf sub-1"

# Every hostPort answers on the node.
hp_ok=0
for i in $(seq 3 $((2 + NHP))); do
	[ "$(curl -s --max-time 5 "http://127.0.0.1:$((40000 + i))/hostname")" = "hp-$i" ] && hp_ok=$((hp_ok + 1))
done
[ "$hp_ok" = "$NHP" ] && ok "all $NHP hostPorts answer on 127.0.0.1" || fail "$hp_ok of $NHP hostPorts answered"

# Every Service has an address: a cluster IP, or None when headless.
svc_ips >"$T_TMP/ips1"
n_ip=$(awk '$2 ~ /^10\.96\./' "$T_TMP/ips1" | wc -l)
n_none=$(awk '$2 == "None"' "$T_TMP/ips1" | wc -l)
n_uniq=$(awk '$2 ~ /^10\.96\./ {print $2}' "$T_TMP/ips1" | sort -u | wc -l)
[ "$n_ip" = $((NSVC - NHEADLESS)) ] && [ "$n_none" = "$NHEADLESS" ] && [ "$n_uniq" = "$n_ip" ] &&
	ok "$n_ip distinct cluster IPs and $n_none headless" ||
	fail "cluster IPs: $n_ip (distinct $n_uniq), headless $n_none; wanted $((NSVC - NHEADLESS)) and $NHEADLESS"

# Node ports: one per port, no two alike, every one in the range.
"$PODVISOR" get svc -o internal-json | "$PY" -c '
import json, sys
ports = [p.get("nodePort") for s in json.load(sys.stdin) if s["type"] == "NodePort" for p in s["ports"]]
print(len(ports), len(set(ports)), sum(1 for p in ports if p and 30000 <= p <= 32767))' >"$T_TMP/np"
read -r np_n np_uniq np_inrange <"$T_TMP/np"
want_np=$((NNP + NNP / 7))
[ "$np_n" = "$want_np" ] && [ "$np_uniq" = "$np_n" ] && [ "$np_inrange" = "$np_n" ] &&
	ok "$np_n node ports, all distinct and in range (Services with two ports included)" ||
	fail "node ports: $np_n (distinct $np_uniq, in range $np_inrange), wanted $want_np"

# Wait for the endpoints to reach the rules, then every cluster IP answers.
awk '$2 ~ /^10\.96\./' "$T_TMP/ips1" >"$T_TMP/ips1.ip"
first=$(head -1 "$T_TMP/ips1.ip" | awk '{print $2}')
for _ in $(seq 100); do
	curl -s --max-time 2 "http://$first/hostname" | grep -q web- && break
	sleep 0.2
done
read -r answered bad < <(answer_all "$T_TMP/ips1.ip")
[ "$n_ip" -gt 0 ] && [ "$answered" = "$n_ip" ] && ok "all $n_ip cluster IPs answer HTTP from a web pod" || fail "$answered of $n_ip cluster IPs answered; not: $bad"

np1=$("$PODVISOR" get svc s1 -o internal-json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ports"][0]["nodePort"])')
npl=$("$PODVISOR" get svc "s$NNP" -o internal-json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["ports"][0]["nodePort"])')
r1=$(curl -s --max-time 5 "http://127.0.0.1:$np1/hostname")
r2=$(curl -s --max-time 5 "http://127.0.0.1:$npl/hostname")
case "$r1$r2" in web-?web-?) ok "NodePorts of s1 and s$NNP answer on 127.0.0.1 ($np1, $npl)" ;;
*) fail "NodePorts $np1 -> '$r1', $npl -> '$r2'" ;; esac

# Delete half of each kind: the second Service file, half the pods and
# ConfigMaps (the file rewritten with the first half).
rm "$M/svc-b.yaml"
pod_file $((NPOD / 2)) >"$T_TMP/pods.yaml" && drop pods.yaml "$T_TMP/pods.yaml"
cm_file $((NCM / 2)) >"$T_TMP/cms.yaml" && drop cms.yaml "$T_TMP/cms.yaml"
wait_count svc "$HALF" 60 && ok "half the Services deleted: get svc lists $HALF" || fail "after delete: $(count_of svc) Services"
wait_count pods $((NPOD / 2 + 2)) 120 && ok "half the pods deleted" || fail "after delete: $(count_of pods) pods"
wait_count cm $((NCM / 2 + NDIRS - 1)) 30 && ok "half the ConfigMaps deleted" || fail "after delete: $(count_of cm) ConfigMaps"
alive && ok "the daemon is alive after the deletes" || fail "the daemon died after the deletes"

# And back again.
svc_file $((HALF + 1)) "$NSVC" >"$T_TMP/svc-b.yaml" && drop svc-b.yaml "$T_TMP/svc-b.yaml"
pod_file "$NPOD" >"$T_TMP/pods.yaml" && drop pods.yaml "$T_TMP/pods.yaml"
cm_file "$NCM" >"$T_TMP/cms.yaml" && drop cms.yaml "$T_TMP/cms.yaml"
wait_count svc "$NSVC" 60 && ok "all $NSVC Services back" || fail "after re-adding: $(count_of svc) Services"
wait_count pods $((NPOD + 2)) 120 && ok "all $NPOD pods back" || fail "after re-adding: $(count_of pods) pods"
wait_count cm $((NCM + NDIRS - 1)) 30 && ok "all $NCM ConfigMaps back" || fail "after re-adding: $(count_of cm) ConfigMaps"
svc_ips >"$T_TMP/ips2"
# The kept half keeps its addresses; the re-added half gets the same
# hashed ones back (nobody took them meanwhile).
if [ "$(wc -l <"$T_TMP/ips2")" = "$NSVC" ] && diff <(sort "$T_TMP/ips1") <(sort "$T_TMP/ips2") >"$T_TMP/ipdiff"; then
	ok "every Service has the cluster IP it had before"
else
	fail "cluster IPs moved"; diag "$(head -20 "$T_TMP/ipdiff")"
fi
for _ in $(seq 100); do
	curl -s --max-time 2 "http://$(tail -1 "$T_TMP/ips1.ip" | awk '{print $2}')/hostname" | grep -q web- && break
	sleep 0.2
done
read -r answered bad < <(answer_all "$T_TMP/ips1.ip")
[ "$n_ip" -gt 0 ] && [ "$answered" = "$n_ip" ] && ok "all $n_ip cluster IPs answer again" || fail "$answered of $n_ip cluster IPs answered again; not: $bad"
# The event ring (512) has overflowed by now at full scale (hundreds of
# pods started twice): it holds the newest 512, the last file read among them.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: marker}\n' >"$T_TMP/marker.yaml" && drop marker.yaml "$T_TMP/marker.yaml"
for _ in $(seq 100); do "$PODVISOR" get events 2>/dev/null | tail -1 | grep -q "marker.yaml" && break; sleep 0.1; done
nev=$("$PODVISOR" get events -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
last=$("$PODVISOR" get events 2>/dev/null | tail -1)
if [ "$NPOD" -ge 200 ]; then want_ev=512; else want_ev=$nev; fi
[ "$nev" = "$want_ev" ] && [ "$nev" -le 512 ] && case "$last" in *Loaded*marker.yaml*) true ;; *) false ;; esac &&
	ok "get events: the newest $nev events, the last file read last" || fail "get events: $nev events (wanted $want_ev), last: $last"
alive && ok "the daemon is alive at the end" || fail "the daemon died"
if grep -E "ERROR: AddressSanitizer|runtime error:" "$LOG" >/dev/null; then
	fail "sanitizer report in the daemon's log"; diag "$(grep -A20 -E "AddressSanitizer|runtime error:" "$LOG" | head -40)"
else
	ok "no sanitizer report in the daemon's log"
fi
stop_daemon TERM 60
done_testing
