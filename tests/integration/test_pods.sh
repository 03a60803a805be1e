#!/bin/bash
# The daemon runs real pods: a busybox OCI image built here, the daemon
# started inside throwaway mount/net/PID namespaces (nothing leaks: when
# this script's namespace goes, every process in it goes), manifests
# dropped in as rsync, mv, and editors do.
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts and answers on its socket" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# --- a pod runs in its own namespaces, on the image's root ---------------
pod_yaml web Always sh -c 'echo hello from $(hostname); exec sleep 1000' >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
if wait_status web Running; then
	ok "a Pod renamed into the directory is Running"
else
	fail "pod web not Running: $(pod_json web "p['status']")"
	diag "$("$PODVISOR" describe pod web 2>&1)" "$(tail -20 "$LOG")"
fi
pid=$(pod_json web "p['containers'][0].get('pid', '')")
if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
	for ns in pid mnt net uts ipc; do
		[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] \
			&& ok "the container has its own $ns namespace" || fail "the container shares the $ns namespace"
	done
	[ -x "/proc/$pid/root/bin/busybox" ] && [ ! -e "/proc/$pid/root/$T_TMP" ] \
		&& ok "the container's root is the image" || fail "the container's root is not the image"
	[ "$(nsenter -t "$pid" -u hostname)" = web ] && ok "hostname = pod name" || fail "hostname is $(nsenter -t "$pid" -u hostname)"
	[ "$(cat /proc/$pid/comm)" = sleep ] && ok "the container runs its command (sleep)" || fail "container comm $(cat /proc/$pid/comm)"
	nspid=$(awk '/^NSpid/ {print $NF}' /proc/$pid/status)
	[ "$nspid" -gt 1 ] && ok "the pod's init is PID 1; the container is PID $nspid in the pod" || fail "container NSpid $nspid"
else
	fail "no container pid ($pid)"
fi
logf=$(ls "$S"/pods/*/containers/main/log/0.log 2>/dev/null | head -1)
grep -qE '^[0-9T:.-]+Z stdout F hello from web$' "$logf" 2>/dev/null \
	&& ok "stdout goes to a timestamped log file" || { fail "log file"; diag "$(cat "$logf" 2>&1)"; }

# --- logs and exec, as a user reaches the container -----------------------
[ "$("$PODVISOR" logs web)" = "hello from web" ] && ok "podvisor logs shows the container's output" \
	|| fail "logs: $("$PODVISOR" logs web 2>&1)"
"$PODVISOR" logs --timestamps web | grep -qE '^[0-9-]+T[0-9:.]+Z hello from web$' \
	&& ok "logs --timestamps prefixes RFC 3339 times" || fail "logs --timestamps"
[ "$("$PODVISOR" exec web -- hostname)" = web ] && ok "exec runs a command in the container (hostname)" || fail "exec hostname"
[ "$("$PODVISOR" exec web -- cat /proc/1/comm)" = pod-init ] \
	&& ok "exec is in the pod's PID namespace (PID 1 is the pod's init)" || fail "exec pid ns: $("$PODVISOR" exec web -- cat /proc/1/comm 2>&1)"
"$PODVISOR" exec web -- ls /bin/busybox >/dev/null && ! "$PODVISOR" exec web -- ls "$T_TMP" >/dev/null 2>&1 \
	&& ok "exec sees the container's root, not the host's" || fail "exec root"
"$PODVISOR" exec web -- sh -c 'exit 7'
[ $? = 7 ] && ok "exec returns the command's exit code (7)" || fail "exec exit code"
"$PODVISOR" exec web -- no-such-command 2>/dev/null
[ $? = 127 ] && ok "exec of a missing command exits 127" || fail "exec missing command"
[ "$(echo piped | "$PODVISOR" exec -i web -- cat)" = piped ] && ok "exec -i passes standard input" || fail "exec -i"

# --- a bad edit changes nothing -------------------------------------------
# Each negative check below first waits for the daemon's proof that it
# read the edit (its event on the file), then looks: no sleep-and-hope.
uid=$(pod_json web "p['uid']")
# untouched WHAT: the pod web is the one from before (same uid, same
# process, Running); WHAT says which edit it survived.
untouched() {
	if [ "$(pod_json web "p['uid']")" = "$uid" ] && [ -d "/proc/$pid" ] && [ "$(pod_json web "p['status']")" = Running ]; then
		ok "$1 leaves the pod running (same uid, same process)"
	else
		fail "$1 disturbed the pod: uid $(pod_json web "p['uid']") status $(pod_json web "p['status']")"
		diag "$("$PODVISOR" describe pod web 2>&1 | tail -8)"
	fi
}
sed 's/restartPolicy: Always/restartPolicy: Sometimes/' "$T_TMP/web.yaml" >"$T_TMP/web-bad.yaml"
seen=$(file_seen web.yaml)
drop web.yaml "$T_TMP/web-bad.yaml"
wait_read web.yaml "$seen" FailedLoad && ok "the daemon read the invalid edit (a FailedLoad event on the file)" \
	|| fail "no FailedLoad on web.yaml: last event $(file_last web.yaml)"
untouched "an invalid edit"
grep -q "web.yaml:6:18: error: spec.restartPolicy: unsupported value \"Sometimes\"" "$LOG" \
	&& ok "the load error is logged as file:line:col" || { fail "load error not logged"; diag "$(tail -5 "$LOG")"; }
"$PODVISOR" describe pod web 2>&1 | grep -q "FailedLoad.*web.yaml:6:18: spec.restartPolicy: unsupported value .*(1 error; the previous version stays in force)" \
	&& ok "describe shows the load error event, with its file:line:col" || { fail "describe lacks the load error"; diag "$("$PODVISOR" describe pod web 2>&1)"; }
"$PODVISOR" get events "file:$M/web.yaml" 2>&1 | grep -q "Warning *FailedLoad *file:$M/web.yaml *$M/web.yaml:6:18: spec.restartPolicy" \
	&& ok "get events shows the load error on the file, with its file:line:col" || { fail "get events lacks the load error"; diag "$("$PODVISOR" get events "file:$M/web.yaml" 2>&1)"; }

# --- the same bytes again do nothing; a vim-style save applies once -------
seen=$(file_seen web.yaml)
drop web.yaml "$T_TMP/web.yaml" # back to good: same spec as running
wait_read web.yaml "$seen" Updated || fail "the fixed file was not loaded: last event $(file_last web.yaml)"
untouched "restoring the same spec"
seen=$(file_seen web.yaml)
mv "$M/web.yaml" "$M/web.yaml~" && cp "$T_TMP/web.yaml" "$M/web.yaml" && rm -f "$M/web.yaml~"
wait_read web.yaml "$seen" Unchanged || fail "the vim-style save was not read as unchanged: last event $(file_last web.yaml)"
untouched "a vim-style save (rename away, write anew)"

[ "$("$PODVISOR" describe pod web | grep -c 'Normal *Scheduled')" = 1 ] && [ "$("$PODVISOR" describe pod web | grep -c 'Started container')" = 1 ] \
	&& ok "rsync-style delivery, a bad edit, its fix and a vim save: the pod was created and started exactly once" \
	|| { fail "the pod was started more than once"; diag "$("$PODVISOR" describe pod web)"; }

# --- deleting the file stops the pod, leaving nothing behind ---------------
# With a pod whose volumes the daemon mounts in its own mount namespace
# (the tmpfs of a Memory emptyDir), besides a plain emptyDir and a
# hostPath: those mounts are what a pod could leave behind.
cat >"$T_TMP/vols.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "echo kept > /host/f; echo x > /mem/f; sleep 1000"]
    volumeMounts:
    - {name: mem, mountPath: /mem}
    - {name: disk, mountPath: /disk}
    - {name: host, mountPath: /host}
  volumes:
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 4Mi}}
  - {name: disk, emptyDir: {}}
  - {name: host, hostPath: {path: $T_TMP/host, type: DirectoryOrCreate}}
YAML
drop vols.yaml "$T_TMP/vols.yaml"
wait_status vols Running || fail "vols: $(pod_json vols "p['status']")"
vuid=$(pod_json vols "p['uid']")
# mounts_under DIR: the mount points under DIR in the daemon's mount namespace
mounts_under() { awk -v d="$1/" 'index($5, d) == 1 {print $5}' "/proc/$DAEMON/mountinfo"; }
mounts_under "$S/pods/$vuid" | grep -q "/volumes/mem$" \
	&& ok "while it runs, the pod's Memory emptyDir is a tmpfs in the daemon's mount namespace" \
	|| fail "no tmpfs for the Memory emptyDir: $(mounts_under "$S")"
uid=$(pod_json web "p['uid']")
rm -f "$M/web.yaml" "$M/vols.yaml"
start=$(date +%s%N)
for _ in $(seq 60); do [ -z "$(pod_json web "p['name']")$(pod_json vols "p['name']")" ] && break; sleep 0.1; done
ms=$((($(date +%s%N) - start) / 1000000))
if [ -z "$(pod_json web "p['name']")" ] && [ ! -d "/proc/$pid" ] && [ $ms -lt 3500 ]; then
	ok "deleting the file stops the pod within grace + 1 s ($ms ms)"
else
	fail "pod still there after $ms ms"
fi
[ -z "$(pod_json vols "p['name']")" ] && ok "and the pod with volumes too" || fail "vols still there: $(pod_json vols "p['status']")"
[ -z "$(ls "$S/pods" 2>/dev/null)" ] && ok "the pods' state directories are removed" || fail "pod dirs left: $(ls "$S/pods")"
[ -z "$(mounts_under "$S")" ] && ok "no mounts are left behind in the daemon's mount namespace" \
	|| fail "mounts left: $(mounts_under "$S")"
[ "$(cat "$T_TMP/host/f" 2>/dev/null)" = kept ] && ok "the hostPath's data stays on the host" || fail "hostPath data gone"
! pgrep -f 'pod-init|podvisor-shim' >/dev/null && ok "no pod-init or shim process is left" || fail "processes left: $(pgrep -af 'pod-init|shim')"
[ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "pod-$uid" 2>/dev/null)" ] && ok "no cgroup is left" \
	|| fail "cgroups left: $(find /sys/fs/cgroup -maxdepth 4 -type d -name "pod-$uid")"

# --- restart policies ---------------------------------------------------------
pod_yaml crash Always sh -c 'echo crashing; exit 3' >"$T_TMP/crash.yaml"
drop crash.yaml "$T_TMP/crash.yaml"
for _ in $(seq 100); do [ "$(pod_json crash "p['restarts']")" -ge 2 ] 2>/dev/null && break; sleep 0.1; done
r=$(pod_json crash "p['restarts']")
[ "${r:-0}" -ge 2 ] && ok "exit 3 under Always is restarted ($r restarts)" || fail "crash restarts: $r"
wait_status crash CrashLoopBackOff 10 && ok "it shows CrashLoopBackOff between restarts" || fail "status $(pod_json crash "p['status']")"
"$PODVISOR" describe pod crash | grep -q "Exit Code:    3" && ok "describe shows the last exit code 3" || { fail "describe exit code"; diag "$("$PODVISOR" describe pod crash)"; }
[ "$("$PODVISOR" logs --previous crash)" = crashing ] && ok "logs --previous shows the previous run" || fail "logs --previous: $("$PODVISOR" logs --previous crash 2>&1)"
pod_yaml once Never sh -c 'exit 3' >"$T_TMP/once.yaml"
drop once.yaml "$T_TMP/once.yaml"
wait_status once Error && ok "exit 3 under Never shows Error" || fail "once status $(pod_json once "p['status']")"
[ "$(pod_json once "p['containers'][0]['state']['terminated']['exitCode']")" = 3 ] && [ "$(pod_json once "p['restarts']")" = 0 ] \
	&& ok "and exit code 3, never restarted" || fail "once exit code / restarts"
fin=$(pod_json once "p['containers'][0]['state']['terminated']['finishedAt']")
[[ $fin =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] \
	&& ok "finishedAt is RFC 3339 to the second, as Kubernetes writes it ($fin)" || fail "finishedAt: '$fin'"
pod_yaml done OnFailure sh -c 'exit 0' >"$T_TMP/done.yaml"
drop done.yaml "$T_TMP/done.yaml"
wait_status done Completed && ok "exit 0 under OnFailure shows Completed" || fail "done status $(pod_json done "p['status']")"
rm -f "$M/once.yaml" "$M/done.yaml" # crash keeps crashing: its restarts must survive a daemon restart

# --- resources: limits become cgroup settings; the OOM killer is reported --
cat >"$M/.mem.tmp" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: hog
spec:
  restartPolicy: Never
  containers:
  - name: hog
    image: busybox:test
    command: [sh, -c, "sleep 1; exec dd if=/dev/zero of=/dev/shm/fill bs=1M count=60"]
    resources:
      limits: {memory: 24Mi, cpu: 500m}
YAML
mv "$M/.mem.tmp" "$M/hog.yaml"
wait_status hog Running 10
uid=$(pod_json hog "p['uid']")
if [ -d /sys/fs/cgroup/memory ]; then
	lim=$(cat "/sys/fs/cgroup/memory/$CG/pod-$uid/hog/memory.limit_in_bytes" 2>/dev/null)
	quota=$(cat "/sys/fs/cgroup/cpu/$CG/pod-$uid/hog/cpu.cfs_quota_us" 2>/dev/null)
else
	lim=$(cat "/sys/fs/cgroup/$CG/pod-$uid/hog/memory.max" 2>/dev/null)
	quota=$(cut -d' ' -f1 "/sys/fs/cgroup/$CG/pod-$uid/hog/cpu.max" 2>/dev/null)
fi
[ "$lim" = 25165824 ] && ok "limits.memory 24Mi is the container cgroup's memory limit" || fail "memory limit: '$lim'"
[ "$quota" = 50000 ] && ok "limits.cpu 500m is a 50 ms / 100 ms CPU quota" || fail "cpu quota: '$quota'"
wait_status hog OOMKilled 20 && ok "a container allocating past its memory limit shows OOMKilled" \
	|| { fail "hog: $(pod_json hog "p['status']")"; diag "$("$PODVISOR" describe pod hog)"; }
[ "$(pod_json hog "p['containers'][0]['state']['terminated']['exitCode']")" = 137 ] \
	&& ok "with exit code 137" || fail "OOM exit code $(pod_json hog "p['containers'][0]['state']['terminated']['exitCode']")"
# (the pod's own cgroup, holding its pids limit, stays while the pod does)
[ ! -e "/sys/fs/cgroup/memory/$CG/pod-$uid/hog" ] && [ ! -e "/sys/fs/cgroup/$CG/pod-$uid/hog" ] \
	&& ok "the container's cgroup is removed when it ends" || fail "cgroup left behind"
rm -f "$M/hog.yaml"

# --- init containers run in order, before the app ----------------------------
cat >"$M/.init.tmp" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: inits
spec:
  initContainers:
  - {name: first, image: "busybox:test", command: [sh, -c, "sleep 0.3"]}
  - {name: second, image: "busybox:test", command: [sh, -c, "sleep 0.3"]}
  containers:
  - {name: app, image: "busybox:test", command: [sleep, "1000"]}
YAML
mv "$M/.init.tmp" "$M/inits.yaml"
wait_status inits Running && ok "a pod with init containers reaches Running" || fail "inits: $(pod_json inits "p['status']")"
order=$("$PODVISOR" describe pod inits | grep -o 'Started container [a-z]*' | awk '{print $3}' | tr '\n' ' ')
[ "$order" = "first second app " ] && ok "init containers ran in order, then the app ($order)" || fail "start order: $order"

# --- a missing image is reported, and the pod starts once it is imported --
sed 's/busybox:test/late:1/; s/name: web/name: late/; s/^\( *\)image: late:1/\1image: late:1\n\1imagePullPolicy: Never/' "$T_TMP/web.yaml" >"$M/late.yaml"
wait_status late ErrImageNeverPull && ok "a missing image shows ErrImageNeverPull" || fail "late: $(pod_json late "p['status']")"
"$PODVISOR" image import "$T_TMP/oci" late:1 >/dev/null 2>&1
wait_status late Running && ok "the pod starts by itself once the image is imported" || fail "late after import: $(pod_json late "p['status']")"

# --- kill -9 of the daemon: pods survive and are taken back -------------------
pid=$(pod_json inits "p['containers'][2]['pid']")
restarts_before=$(pod_json crash "p['restarts']")
crash_uid=$(pod_json crash "p['uid']")
stop_daemon 9
sleep 0.5
[ -d "/proc/$pid" ] && ok "kill -9 of the daemon leaves the pods running" || fail "the pod died with the daemon"
# What a daemon killed between removing a pod's directory and its cgroup
# leaves: a pod cgroup (with a container's in it) that no record names.
orphans=()
for base in /sys/fs/cgroup /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/cpu; do
	[ -d "$base/$CG" ] || continue
	mkdir -p "$base/$CG/pod-0123456789abcdef0123456789abcdef/main" && orphans+=("$base/$CG/pod-0123456789abcdef0123456789abcdef")
done
start_daemon || fail "daemon restart"
sleep 0.5
left=$(for o in "${orphans[@]}"; do [ -d "$o" ] && echo "$o"; done)
[ ${#orphans[@]} -gt 0 ] && [ -z "$left" ] && [ -d "$(dirname "${orphans[0]}")/pod-$crash_uid" ] \
	&& ok "a new daemon removes pod cgroups no record names (${#orphans[@]} controllers), and keeps its pods'" \
	|| fail "orphan cgroups: made ${#orphans[@]}, left: $left; crash's: $(ls "$(dirname "${orphans[0]}")")"
[ "$(pod_json inits "p['containers'][2].get('pid')")" = "$pid" ] && [ "$(pod_json inits "p['status']")" = Running ] \
	&& ok "a new daemon re-adopts the pod (same pid, Running)" || { fail "re-adoption"; diag "$(tail -20 "$LOG")"; }
[ "$(pgrep -c -f 'podvisor-pod-init')" = "$(ls "$S/pods" | wc -l)" ] \
	&& ok "one pod-init per pod: nothing started twice" || fail "pod-inits: $(pgrep -c -f podvisor-pod-init) for $(ls "$S/pods" | wc -l) pods"
[ "$(pod_json inits "p['containers'][0]['state']['terminated']['exitCode']")" = 0 ] \
	&& ok "finished init containers stay finished after re-adoption" || fail "init state after adoption"
r=$(pod_json crash "p['restarts']")
[ "$(pod_json crash "p['uid']")" = "$crash_uid" ] && [ "${r:-0}" -ge "$restarts_before" ] && [ "$restarts_before" -ge 2 ] \
	&& ok "a crash-looping pod keeps its restart count across the daemon restart ($restarts_before -> $r)" \
	|| fail "restart count: $restarts_before -> $r"

# --- SIGTERM: the daemon leaves, pods stay ----------------------------------
stop_daemon TERM
[ $? = 0 ] && [ -d "/proc/$pid" ] && ok "SIGTERM: the daemon exits 0 and the pods keep running" || fail "SIGTERM"
start_daemon
seen=$(file_seen inits.yaml)
inits_uid=$(pod_json inits "p['uid']")
kill -HUP $DAEMON
wait_read inits.yaml "$seen" Unchanged && ok "SIGHUP rescans: every file read again (inits.yaml: Unchanged)" \
	|| fail "no rescan after SIGHUP: last event $(file_last inits.yaml)"
[ "$(pod_json inits "p['containers'][2].get('pid')")" = "$pid" ] && [ "$(pod_json inits "p['uid']")" = "$inits_uid" ] \
	&& [ "$(pod_json inits "p['status']")" = Running ] && ok "SIGHUP disturbs nothing (same uid, same process, Running)" \
	|| fail "SIGHUP: uid $(pod_json inits "p['uid']") status $(pod_json inits "p['status']")"

done_testing
