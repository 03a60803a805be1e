#!/bin/bash
# Volumes, the first part of issue #5: hostPath (the node's allow-list,
# the type checks, readOnly) and emptyDir (shared by the pod's
# containers; tmpfs for medium Memory); subPath and symlink escapes
# refused with nothing mounted.
. "$(dirname "$0")/lib_pods.sh"

H=$T_TMP/host
mkdir -p "$H/data" "$H/vol"
echo from-host >"$H/data/seen"
ln -s / "$H/vol/escape"     # a symlink in a volume, pointing out of it
start_daemon --host-path-allow "$H" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

cat >"$T_TMP/a.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: w
    image: busybox:test
    command: [sh, -c, "echo hello > /data/out.txt; echo shared > /scratch/s; sleep 1000"]
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: scratch, mountPath: /scratch}
    - {name: ro, mountPath: /ro, readOnly: true}
    - {name: mem, mountPath: /mem}
  - name: r
    image: busybox:test
    command: [sleep, "1000"]
    volumeMounts:
    - {name: scratch, mountPath: /shared}
  volumes:
  - {name: data, hostPath: {path: $H/made/here, type: DirectoryOrCreate}}
  - {name: ro, hostPath: {path: $H/data, type: Directory}}
  - {name: scratch, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
YAML
drop a.yaml "$T_TMP/a.yaml"
wait_status writer Running || fail "writer: $(pod_json writer "p['status']") $("$PODVISOR" describe pod writer | tail -5)"
for _ in $(seq 30); do [ -f "$H/made/here/out.txt" ] && break; sleep 0.1; done
[ "$(cat "$H/made/here/out.txt" 2>/dev/null)" = hello ] && ok "hostPath DirectoryOrCreate: made on the host, and the pod's file is there" || fail "hostPath write"
[ "$("$PODVISOR" exec -c r writer -- cat /shared/s 2>&1)" = shared ] && ok "emptyDir: one container writes, the other reads" || fail "emptyDir: $("$PODVISOR" exec -c r writer -- cat /shared/s 2>&1)"
"$PODVISOR" exec -c w writer -- sh -c 'echo x > /ro/x' 2>/dev/null
[ "$("$PODVISOR" exec -c w writer -- cat /ro/seen)" = from-host ] && [ ! -e "$H/data/x" ] \
	&& ok "readOnly: the host's file is there, the write is refused" || fail "readOnly mount: missing or writable"
"$PODVISOR" exec -c w writer -- cat /proc/mounts | grep -q ' /mem tmpfs .*size=8192k' && ok "emptyDir medium Memory: a tmpfs of sizeLimit" || fail "mem: $("$PODVISOR" exec -c w writer -- cat /proc/mounts | grep mem)"

# fsGroup: the pod's emptyDirs are the group's, setgid, so that what a
# non-root container writes there is the group's too; a hostPath is not
# regrouped (as kubelet leaves it).
cat >"$T_TMP/fsg.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: fsg}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
  containers:
  - name: c
    image: busybox:test
    command: [sh, -c, "echo hi > /data/f; echo hi > /mem/f; sleep 1000"]
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: mem, mountPath: /mem}
    - {name: host, mountPath: /host}
  volumes:
  - {name: data, emptyDir: {}}
  - {name: mem, emptyDir: {medium: Memory}}
  - {name: host, hostPath: {path: $H/data, type: Directory}}
YAML
drop fsg.yaml "$T_TMP/fsg.yaml"
wait_status fsg Running || fail "fsg: $(pod_json fsg "p['status']") $("$PODVISOR" describe pod fsg | tail -5)"
for _ in $(seq 50); do "$PODVISOR" exec fsg -- test -s /mem/f 2>/dev/null && break; sleep 0.1; done
r=$("$PODVISOR" exec fsg -- stat -c '%n %g %a' /data /data/f /mem /mem/f /host 2>&1)
[ "$(echo "$r" | tr '\n' ' ')" = "/data 2000 3777 /data/f 2000 644 /mem 2000 3777 /mem/f 2000 644 /host 0 755 " ] \
	&& ok "fsGroup: emptyDirs (disk and memory) are group 2000 and setgid, the container's files too; the hostPath is left alone" \
	|| fail "fsGroup: $r"
uid=$(pod_json fsg "p['uid']")
[ "$(stat -c %g "$S/pods/$uid/volumes/data/f")" = 2000 ] && [ "$(stat -c %g "$H/data")" = 0 ] \
	&& ok "and so they are on the node" || fail "on the node: $(ls -ln "$S/pods/$uid/volumes/data")"

bad_pod() { # NAME VOLUME-YAML [SUBPATH]
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - name: c
    image: busybox:test
    command: [sleep, "1000"]
    volumeMounts:
    - {name: v, mountPath: /v${3:+, subPath: $3}}
  volumes:
  - {name: v, $2}
YAML
}
# Refused: a system location not allowed; outside the allow-list; a
# subPath through a symlink out of the volume.
bad_pod etc "hostPath: {path: /etc}" >"$T_TMP/b1.yaml"
bad_pod other "hostPath: {path: /var/tmp}" >"$T_TMP/b2.yaml"
bad_pod esc "hostPath: {path: $H/vol}" escape/etc >"$T_TMP/b3.yaml"
drop b1.yaml "$T_TMP/b1.yaml"; drop b2.yaml "$T_TMP/b2.yaml"; drop b3.yaml "$T_TMP/b3.yaml"
for p in etc other esc; do wait_status $p CreateContainerConfigError || fail "$p: $(pod_json $p "p['status']")"; done
"$PODVISOR" describe pod etc | grep -q "FailedMount .*hostPath /etc: not under any --host-path-allow prefix" \
	&& ok "hostPath /etc outside the allow-list: the pod waits, the event names the path and the flag" || fail "etc: $("$PODVISOR" describe pod etc | tail -4)"
"$PODVISOR" describe pod other | grep -q "FailedMount .*/var/tmp: not under any --host-path-allow" && ok "so does any other path outside it" || fail "other"
r=$("$PODVISOR" describe pod esc; cat "$LOG")
echo "$r" | grep -q "subPath: escape/etc: leads outside its root" && ok "a subPath through a symlink out of the volume is refused (CVE-2017-1002101)" || fail "esc: $(echo "$r" | grep -i subpath | tail -3)"
[ -z "$(pod_json esc "[c for c in p['containers'] if c.get('pid')]")" ] || [ "$(pod_json esc "p['containers'][0].get('pid', 0)")" = 0 ] && ok "and nothing of it runs" || fail "esc has a process"

# deleting the pod unmounts its tmpfs and removes its emptyDirs
uid=$(pod_json writer "p['uid']")
rm "$M/a.yaml"
for _ in $(seq 100); do [ -z "$(pod_json writer "p['name']")" ] && break; sleep 0.1; done
! grep -q "$uid" /proc/mounts && [ ! -e "$S/pods/$uid" ] && [ -f "$H/made/here/out.txt" ] \
	&& ok "a deleted pod's emptyDirs go (tmpfs unmounted); the hostPath data stays" || fail "after delete: $(grep "$uid" /proc/mounts)"
done_testing
