#!/bin/bash
# asan: yes
# long: yes
# User namespaces (issue 14, item 5): a pod with hostUsers: false runs in
# its own user namespace, ids 0..65535 mapped to a range of 65536 host ids
# from the node's pool (--userns-pool) that no other pod holds. Its root
# is uid 0 inside and that range's first id on the host; the image and
# its volumes look root-owned through idmapped mounts; a filesystem that
# refuses idmapped mounts refuses the container, saying which volume.
# Ranges are disjoint, reused once their pod is gone, and kept across a
# kill -9 of the daemon (the record in the state directory). hostUsers:
# false with hostNetwork is a validation error.
. "$(dirname "$0")/lib_pods.sh"

POOL_START=3221225472 # 3 * 2^30: a pool of our own, not the default
POOL="$POOL_START:$((64 * 65536))"
start_daemon --userns-pool "$POOL" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# userns_pod NAME [VOLUME YAML]: a pod in its own user namespace that
# says who it is, then sleeps.
userns_pod() {
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  hostUsers: false
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; echo made > /made-here; touch /data/by-pod-root; stat -c '%u %g' /bin/busybox /data /data/by-pod-root /cfg/greeting; echo \$(cat /cfg/greeting); exec sleep 1000"]
    volumeMounts: [{name: data, mountPath: /data}, {name: cfg, mountPath: /cfg}]
    securityContext: {capabilities: {add: [SYS_ADMIN]}}
  volumes:
  - name: cfg
    configMap: {name: greet}
  - name: data
${2:-    emptyDir: {\}}
YAML
}

# the first host id of pod NAME's range, as its uid_map says ('' if none)
base_of() { "$PODVISOR" logs "$1" 2>/dev/null | awk 'NR == 1 && $1 == 0 && $3 == 65536 { print $2 }'; }
# the host's view of pod NAME's main process: its uid
host_uid_of() {
	local pid
	pid=$(pod_json "$1" "[c for c in p['containers'] if c['name'] == 'main'][0].get('pid', '')")
	[ -n "$pid" ] && awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null
}

cat >"$T_TMP/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: greet}
data: {greeting: hello}
YAML
drop cm.yaml "$T_TMP/cm.yaml"
userns_pod u1 >"$T_TMP/u1.yaml"
drop u1.yaml "$T_TMP/u1.yaml"
wait_status u1 Running 30 && wait_for 10 '[ -n "$(base_of u1)" ]' \
	&& ok "a pod with hostUsers: false runs" || { fail "u1: $(pod_json u1 "p['status']")"; diag "$("$PODVISOR" describe pod u1 2>&1 | tail -15)"; }
b1=$(base_of u1)
logs=$("$PODVISOR" logs u1 2>&1)
diag "$logs"
[ -n "$b1" ] && [ $(( (b1 - POOL_START) % 65536 )) = 0 ] && [ "$b1" -ge "$POOL_START" ] \
	&& [ "$b1" -lt $((POOL_START + 64 * 65536)) ] \
	&& ok "its /proc/self/uid_map: 0 $b1 65536, a range of the pool" || fail "uid_map: $logs"
[ "$(sed -n 2p <<<"$logs" | awk '{print $1, $2, $3}')" = "0 $b1 65536" ] \
	&& ok "its gid_map maps the same range" || fail "gid_map: $(sed -n 2p <<<"$logs")"
[ "$(sed -n 3,4p <<<"$logs" | tr '\n' ' ')" = "0 0 " ] && ok "id says uid 0, gid 0 inside" \
	|| fail "id: $(sed -n 3,4p <<<"$logs")"
[ "$(host_uid_of u1)" = "$b1" ] && ok "on the host its root is uid $b1, not 0" \
	|| fail "host uid of u1: '$(host_uid_of u1)'"
made=$(find "$S/pods" -path '*/upper/made-here' 2>/dev/null | head -1)
[ -n "$made" ] && [ "$(stat -c '%u:%g' "$made")" = "$b1:$b1" ] \
	&& ok "a file its root writes in its root filesystem is the host's $b1, not root's" \
	|| fail "made-here: '$made' $(stat -c '%u:%g' "$made" 2>&1)"
[ "$(sed -n 5,7p <<<"$logs" | tr '\n' ' ')" = "0 0 0 0 0 0 " ] \
	&& ok "the image and its emptyDir look root-owned inside (idmapped), and so does its own file" \
	|| fail "ownership inside: $(sed -n 5,7p <<<"$logs")"
[ "$(sed -n 8,9p <<<"$logs" | tr '\n' ' ')" = "0 0 hello " ] \
	&& ok "its configMap volume (a tmpfs) is idmapped too: root's, readable" \
	|| fail "configMap inside: $(sed -n 8,9p <<<"$logs")"
vol=$(find "$S/pods" -name by-pod-root 2>/dev/null | head -1)
[ -n "$vol" ] && [ "$(stat -c '%u' "$vol")" = 0 ] \
	&& ok "through the idmapped emptyDir its root writes as the volume's owner" \
	|| fail "by-pod-root on the host: '$vol' $(stat -c '%u' "$vol" 2>&1)"
out=$("$PODVISOR" exec u1 -- sh -c 'cat /proc/self/uid_map; id -u' 2>&1)
[ "$(awk 'NR == 1 { print $1, $2, $3 }' <<<"$out")" = "0 $b1 65536" ] && [ "$(sed -n 2p <<<"$out")" = 0 ] \
	&& ok "podvisor exec enters its user namespace as its root" || fail "exec: $out"
# /dev is its root's (the pod's, host id BASE), not the host's: its root
# makes files there; /dev/shm too.
out=$("$PODVISOR" exec u1 -- sh -c 'touch /dev/x && echo made; stat -c "%u %g" /dev /dev/shm' 2>&1)
[ "$out" = "$(printf 'made\n0 0\n0 0')" ] && ok "its /dev and /dev/shm belong to its root, who makes files there" \
	|| fail "/dev in u1: $out"
# Its devices are the host's, bound (mknod is refused in a user
# namespace), and work.
out=$("$PODVISOR" exec u1 -- sh -c 'stat -c "%F %t:%T" /dev/null /dev/urandom; echo x > /dev/null && head -c 8 /dev/urandom | wc -c' 2>&1)
[ "$out" = "$(printf 'character special file 1:3\ncharacter special file 1:9\n8')" ] \
	&& ok "its /dev/null and /dev/urandom are the devices, and work" || fail "devices in u1: $out"
# Its writable volumes are nosuid: a setuid file its root makes there
# (as the volume's owner, root on the host) gives nothing through them.
out=$("$PODVISOR" exec u1 -- awk '$5 == "/data" { print $6 }' /proc/self/mountinfo 2>&1)
grep -q '^rw,.*nosuid' <<<"$out" && ok "its writable volume is mounted nosuid ($out)" || fail "/data: $out"
# The shim keeps no handle on the pod's user namespace once the
# container is forked.
u1pid=$(pod_json u1 "[c for c in p['containers'] if c['name'] == 'main'][0].get('pid', '')")
shim=$(awk '/^PPid:/ { print $2 }' "/proc/$u1pid/status" 2>/dev/null)
held=$(ls -l "/proc/$shim/fd" 2>/dev/null | grep -c 'user:\[')
[ -n "$shim" ] && grep -q podvisor-shim "/proc/$shim/cmdline" && [ "$held" = 0 ] \
	&& ok "its shim (pid $shim) holds no fd of its user namespace" \
	|| fail "shim '$shim' of '$u1pid': $held user namespace fds; $(tr '\0' ' ' <"/proc/$shim/cmdline" 2>&1)"
# Ids past 65535 do not exist in the pod: refused before the start,
# saying so (not a StartError loop).
for f in "runAsUser: 70000" "runAsGroup: 65536" "supplementalGroups: [10, 70000]" "fsGroup: 100000"; do
	n=big$(tr -dc 0-9 <<<"$f")
	cat >"$T_TMP/$n.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $n}
spec:
  hostUsers: false
  terminationGracePeriodSeconds: 1
  securityContext: {$f}
  containers: [{name: main, image: busybox:test, command: [sleep, "1000"]}]
YAML
	drop "$n.yaml" "$T_TMP/$n.yaml"
done
for f in "runAsUser: 70000" "runAsGroup: 65536" "supplementalGroups: [10, 70000]" "fsGroup: 100000"; do
	n=big$(tr -dc 0-9 <<<"$f")
	wait_status "$n" CreateContainerConfigError 30 \
		&& wait_for 10 '"$PODVISOR" describe pod "$n" 2>&1 | grep -q "0-65535"' \
		&& ok "$f with hostUsers: false: CreateContainerConfigError naming 0-65535" \
		|| fail "$n: $(pod_json "$n" "p['status']"): $("$PODVISOR" describe pod "$n" 2>&1 | grep -i "65535\|error" | head -3)"
	rm "$M/$n.yaml"
done

# CAP_SYS_ADMIN of its own user namespace is no power over the node's:
# the same mount works in a pod with the host's users.
cat >"$T_TMP/h1.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: h1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    securityContext: {capabilities: {add: [SYS_ADMIN]}}
YAML
drop h1.yaml "$T_TMP/h1.yaml"
wait_status h1 Running 30 || fail "h1: $(pod_json h1 "p['status']")"
try_mount='mkdir -p /mnt; mount -t tmpfs none /mnt && echo mounted'
out=$("$PODVISOR" exec u1 -- sh -c "$try_mount" 2>&1)
out_h=$("$PODVISOR" exec h1 -- sh -c "$try_mount" 2>&1)
! grep -q mounted <<<"$out" && grep -qi "permission denied\|not permitted" <<<"$out" && [ "$out_h" = mounted ] \
	&& ok "with CAP_SYS_ADMIN its root cannot mount (a pod with the host's users can): $(head -1 <<<"$out")" \
	|| fail "mount in u1: $out; in h1: $out_h"
rm "$M/h1.yaml"

# runAsUser inside the user namespace: uid 1000 in the pod is BASE+1000
# on the host; exec takes on the same.
cat >"$T_TMP/ru.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: ru}
spec:
  hostUsers: false
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 1000}
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "cat /proc/self/uid_map; id -u; id -g; grep CapBnd /proc/self/status; exec sleep 1000"]
YAML
drop ru.yaml "$T_TMP/ru.yaml"
wait_status ru Running 30 && wait_for 10 '[ -n "$(base_of ru)" ]' || fail "ru: $(pod_json ru "p['status']"): $("$PODVISOR" describe pod ru 2>&1 | tail -3)"
bru=$(base_of ru)
ru_logs=$("$PODVISOR" logs ru 2>&1)
[ -n "$bru" ] && [ "$(sed -n 2,3p <<<"$ru_logs" | tr '\n' ' ')" = "1000 1000 " ] && [ "$(host_uid_of ru)" = $((bru + 1000)) ] \
	&& ok "runAsUser 1000 in the pod is host uid $((bru + 1000))" || fail "ru: $ru_logs; host uid $(host_uid_of ru)"
out=$("$PODVISOR" exec ru -- sh -c 'id -u; grep CapBnd /proc/self/status' 2>&1)
[ "$(head -1 <<<"$out")" = 1000 ] && [ "$(sed -n 2p <<<"$out")" = "$(sed -n 4p <<<"$ru_logs")" ] \
	&& ok "exec in it runs as uid 1000 with the container's bounding set" || fail "exec ru: $out (container: $ru_logs)"
rm "$M/ru.yaml"

# Another pod: another range.
userns_pod u2 >"$T_TMP/u2.yaml"
drop u2.yaml "$T_TMP/u2.yaml"
wait_status u2 Running 30 && wait_for 10 '[ -n "$(base_of u2)" ]' || fail "u2: $(pod_json u2 "p['status']")"
b2=$(base_of u2)
[ -n "$b2" ] && { [ $((b2 - b1)) -ge 65536 ] || [ $((b1 - b2)) -ge 65536 ]; } \
	&& ok "two pods, disjoint ranges ($b1, $b2)" || fail "u1 $b1, u2 $b2"

# kill -9 and a new daemon: u1 and u2 keep theirs, a new pod gets a third.
stop_daemon KILL >/dev/null
start_daemon --userns-pool "$POOL" || fail "daemon restart"
wait_status u1 Running 30 && wait_status u2 Running 30 && [ "$(host_uid_of u1)" = "$b1" ] \
	&& [ "$(host_uid_of u2)" = "$b2" ] && ok "after kill -9 the running pods keep their ranges" \
	|| fail "after restart: u1 $(host_uid_of u1), u2 $(host_uid_of u2)"
userns_pod u3 >"$T_TMP/u3.yaml"
drop u3.yaml "$T_TMP/u3.yaml"
wait_status u3 Running 30 && wait_for 10 '[ -n "$(base_of u3)" ]' || fail "u3: $(pod_json u3 "p['status']")"
b3=$(base_of u3)
[ -n "$b3" ] && [ "$b3" != "$b1" ] && [ "$b3" != "$b2" ] \
	&& ok "a new pod after the restart gets a range of its own ($b3)" || fail "u3 $b3 (u1 $b1, u2 $b2)"

# u1 goes: its range is free again, and the next pod gets it.
rm "$M/u1.yaml"
wait_for 30 '[ -z "$(pod_json u1 "p[\"name\"]")" ]' || fail "u1 not gone"
userns_pod u4 >"$T_TMP/u4.yaml"
drop u4.yaml "$T_TMP/u4.yaml"
wait_status u4 Running 30 && wait_for 10 '[ -n "$(base_of u4)" ]' || fail "u4: $(pod_json u4 "p['status']")"
[ "$(base_of u4)" = "$b1" ] && ok "a deleted pod's range is handed out again ($b1)" \
	|| fail "u4 got $(base_of u4), the freed one was $b1"

# A volume on a filesystem without idmapped mounts: refused, never chowned.
mkdir -p "$T_TMP/ramfs" && mount -t ramfs ramfs "$T_TMP/ramfs" && touch "$T_TMP/ramfs/host-file"
userns_pod u5 "    hostPath: {path: $T_TMP/ramfs}" >"$T_TMP/u5.yaml"
drop u5.yaml "$T_TMP/u5.yaml"
why() { "$PODVISOR" describe pod u5 2>&1; }
wait_status u5 CreateContainerError 30 && wait_for 10 'why | grep -q "idmapped mounts are not supported"' \
	&& ok "a hostPath on ramfs is refused: CreateContainerError, idmapped mounts not supported" \
	|| { fail "u5 not refused: $(pod_json u5 "p['status']")"; diag "$(why | tail -20)"; }
why | grep -q "hostUsers: false: volume $T_TMP/ramfs" && ok "the refusal names hostUsers and the volume" \
	|| fail "refusal: $(why | grep -i idmap)"
diag "$(why | grep -i idmap | head -2)"
[ "$(stat -c %u "$T_TMP/ramfs/host-file")" = 0 ] && ok "the host's file was not chowned" || fail "chowned!"

# Many: 20 pods at once (past the pool's first array capacities), each
# in a range of its own, pairwise disjoint, none of the ones above.
rm "$M/u5.yaml"
# its range goes with it (a deleted file's pods go after a short delay)
wait_for 30 '[ -z "$(pod_json u5 "p[\"name\"]")" ]' || fail "u5 not gone: $(pod_json u5 "p['status']")"
for i in $(seq 20); do userns_pod "m$i" >"$T_TMP/m$i.yaml"; drop "m$i.yaml" "$T_TMP/m$i.yaml"; done
all_based() { for i in $(seq 20); do [ -n "$(base_of "m$i")" ] || return 1; done; }
wait_for 60 all_based && ok "20 pods with hostUsers: false run" \
	|| fail "many: $(for i in $(seq 20); do printf '%s ' "$(pod_json "m$i" "p['status']")"; done)"
bases=$( (for i in $(seq 20); do base_of "m$i"; done; base_of u2; base_of u3; base_of u4) | sort -n)
[ "$(wc -w <<<"$bases")" = 23 ] && "$PY" -c '
import sys
b = [int(x) for x in sys.argv[1].split()]
sys.exit(0 if all(b[i] + 65536 <= b[i + 1] for i in range(len(b) - 1)) else 1)' "$bases" \
	&& ok "23 running pods, 23 pairwise disjoint ranges" || fail "ranges: $(tr '\n' ' ' <<<"$bases")"
[ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["ranges"]))' "$S/userns.json")" = 23 ] \
	&& ok "the state directory records the 23 ranges held" || fail "userns.json: $(cat "$S/userns.json")"

# kill -9 in the window of a pod's start where its init exists (in its
# user namespace, with a range of ids) but its start is not finished: the
# test-only PODVISOR_TEST_STOP_AT_POD_START makes the daemon stop itself
# right there. The new daemon ends that orphan init, starts the pod once,
# and never hands its range out twice. The same for a pod with the
# host's users (its orphan init ends too). 23 pods are adopted meanwhile.
inits() { # the pids of the pod inits running
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q '^podvisor-pod-init ' && basename "${f%/cmdline}"
	done | sort
}
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
crash_in_start() { # NAME HOSTUSERS [START|CLONE]: sets ORPHAN, OB (its range), OUID (its pod's uid)
	local before hook=PODVISOR_TEST_STOP_AT_POD_${3:-START}
	stop_daemon KILL >/dev/null
	export "$hook=$1"
	start_daemon --userns-pool "$POOL" || fail "daemon restart (stopping at $1)"
	unset "$hook"
	before=$(inits)
	if [ "$2" = false ]; then userns_pod "$1"; else pod_yaml "$1" Always sleep 1000; fi >"$T_TMP/$1.yaml"
	drop "$1.yaml" "$T_TMP/$1.yaml"
	ORPHAN=
	wait_for 30 'grep -q "^State:.*T" /proc/$DAEMON/status' \
		&& wait_for 10 'ORPHAN=$(comm -13 <(echo "$before") <(inits)); [ -n "$ORPHAN" ]' \
		|| fail "$1: the daemon did not stop in the start ($(grep State: /proc/$DAEMON/status))"
	OB=$(awk 'NR == 1 && $3 == 65536 { print $2 }' "/proc/$ORPHAN/uid_map" 2>/dev/null)
	OUID=$(tr '\0' ' ' <"/proc/$ORPHAN/cmdline" 2>/dev/null | awk '{ print $3 }')
	stop_daemon KILL >/dev/null
	start_daemon --userns-pool "$POOL" || fail "daemon restart after the crash in $1's start"
}
crash_in_start cw false
diag "orphan init $ORPHAN in range $OB"
[ -n "$OB" ] || fail "the orphan init '$ORPHAN' had no range of its own"
wait_status cw Running 30 && wait_for 10 '[ -n "$(base_of cw)" ]' || fail "cw: $(pod_json cw "p['status']")"
[ -n "$ORPHAN" ] && wait_for 20 '! alive "$ORPHAN"' \
	&& ok "after kill -9 in the start of a hostUsers: false pod, its orphan init is ended" \
	|| fail "orphan init $ORPHAN ($OB) still runs"
live_bases() { local i; for i in $(inits); do awk 'NR == 1 && $3 == 65536 { print $2 }' "/proc/$i/uid_map" 2>/dev/null; done | sort -n; }
recorded() { "$PY" -c 'import json,sys; print("\n".join(str(r["base"]) for r in json.load(open(sys.argv[1]))["ranges"]))' "$S/userns.json" | sort -n; }
[ "$(live_bases | uniq -d)" = "" ] && [ "$(live_bases)" = "$(recorded)" ] && [ "$(live_bases | wc -l)" = 24 ] \
	&& ok "24 pods in their own user namespace: 24 ranges, each held once and recorded (cw: $(base_of cw))" \
	|| fail "live $(live_bases | tr '\n' ' '); recorded $(recorded | tr '\n' ' ')"
[ "$("$PODVISOR" get pods -A 2>/dev/null | grep -c ' cw ')" = 1 ] && ok "cw runs once" \
	|| fail "cw: $("$PODVISOR" get pods -A 2>&1 | grep cw)"
crash_in_start ch true
wait_status ch Running 30 || fail "ch: $(pod_json ch "p['status']")"
[ -n "$ORPHAN" ] && wait_for 20 '! alive "$ORPHAN"' && ok "a pod with the host's users: its orphan init is ended too" \
	|| fail "orphan init $ORPHAN of ch still runs"
[ "$(inits | wc -l)" = 25 ] && ok "25 pods, 25 pod inits" || fail "$(inits | wc -l) pod inits for 25 pods"

# One step earlier: kill -9 once the init is cloned but before any record
# names it (PODVISOR_TEST_STOP_AT_POD_CLONE). Only its wait on the daemon's
# pipe knows of it: the init must leave by itself as the daemon dies, and
# the next daemon must drop the pod's cgroup with its directory.
pod_cgroups() { find /sys/fs/cgroup -type d -name "pod-$1" 2>/dev/null; }
for h in false true; do
	n=cc$h
	crash_in_start "$n" "$h" CLONE
	[ -n "$OUID" ] || fail "$n: no uid in the orphan's command line"
	wait_status "$n" Running 30 || fail "$n: $(pod_json "$n" "p['status']")"
	[ -n "$ORPHAN" ] && wait_for 20 '! alive "$ORPHAN"' \
		&& ok "kill -9 between the clone of a pod's init and its record (hostUsers: $h): the init leaves by itself" \
		|| fail "orphan init $ORPHAN of $n (never recorded) still runs"
	[ -n "$OUID" ] && [ "$(pod_json "$n" "p['uid']")" != "$OUID" ] && wait_for 10 '[ -z "$(pod_cgroups "$OUID")" ]' \
		&& ok "$n: started afresh; the unrecorded start's cgroup is gone" \
		|| fail "$n: cgroups of the unrecorded start $OUID left: $(pod_cgroups "$OUID")"
done
wait_for 10 '[ "$(live_bases | uniq -d)" = "" ] && [ "$(live_bases)" = "$(recorded)" ]' && [ "$(inits | wc -l)" = 27 ] \
	&& ok "27 pods, 27 pod inits; each range held once and recorded" \
	|| fail "$(inits | wc -l) pod inits for 27 pods; live $(live_bases | tr '\n' ' '); recorded $(recorded | tr '\n' ' ')"

# A running pod whose record does not load (pod-spec.json damaged while
# no daemon ran) cannot be adopted: its init and containers are ended
# before its directory goes, never left running with ids handed out again.
u2uid=$(pod_json u2 "p['uid']")
u2pid=$(pod_json u2 "[c for c in p['containers'] if c['name'] == 'main'][0].get('pid', '')")
stop_daemon KILL >/dev/null
echo garbage >"$S/pods/$u2uid/pod-spec.json"
start_daemon --userns-pool "$POOL" || fail "daemon restart (u2 damaged)"
[ -n "$u2pid" ] && wait_for 20 '! alive "$u2pid"' && ok "a pod that cannot be adopted has its containers ended" \
	|| fail "u2's main ($u2pid, pod $u2uid) still runs"
wait_status u2 Running 30 && [ "$(pod_json u2 "p['uid']")" != "$u2uid" ] || fail "u2 again: $(pod_json u2 "p['status']")"
wait_for 10 '[ "$(live_bases | uniq -d)" = "" ] && [ "$(live_bases)" = "$(recorded)" ]' \
	&& ok "started afresh, and still each range held once and recorded" \
	|| fail "live $(live_bases | tr '\n' ' '); recorded $(recorded | tr '\n' ' ')"

# hostUsers: false with hostNetwork: not valid, at the field.
cat >"$T_TMP/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  hostUsers: false
  hostNetwork: true
  hostPID: true
  hostIPC: true
  containers: [{name: c, image: busybox:test}]
YAML
out=$("$PODVISOR" check "$T_TMP/bad.yaml" 2>&1)
grep -q "bad.yaml:6:16: error: spec.hostNetwork: may not be true when hostUsers is false" <<<"$out" \
	&& grep -q "bad.yaml:7:12: error: spec.hostPID: may not be true when hostUsers is false" <<<"$out" \
	&& grep -q "bad.yaml:8:12: error: spec.hostIPC: may not be true when hostUsers is false" <<<"$out" \
	&& ok "hostUsers: false with hostNetwork, hostPID, hostIPC: errors at file:line:col" || fail "check: $out"
sed -i 's/hostUsers: false/hostUsers: true/' "$T_TMP/bad.yaml"
! "$PODVISOR" check "$T_TMP/bad.yaml" 2>&1 | grep -q "when hostUsers" \
	&& ok "with hostUsers: true they are not" || fail "hostUsers: true: $("$PODVISOR" check "$T_TMP/bad.yaml" 2>&1)"

stop_daemon TERM >/dev/null
done_testing
