#!/bin/bash
# asan: yes
# What a container may do (issue 14, items 1 and 4): Docker's default
# capability set (CapBnd = CapEff = 00000000a80425fb as root), so mount
# and reboot fail; securityContext.capabilities add/drop; privileged;
# allowPrivilegeEscalation: false sets no_new_privs; runAsNonRoot refuses
# a root image (CreateContainerConfigError, the kubelet's message);
# runAsUser with supplementalGroups and fsGroup in `id`; a non-root user
# cannot write a read-only root; `podvisor exec` runs as the container's
# container was configured (not as its main process became: gosu, su),
# and is refused without its identity record; add ALL gives what the node
# has; a privileged container's /sys is writable; 300 supplementary
# groups; --pod-security=restricted defaults and refusals (init
# containers too), baseline's; twenty pods, each with its own set.
. "$(dirname "$0")/lib_pods.sh"

# users:test: busybox with USER app (1000:1000), whom /etc/group lists in
# staff (50) and audio (29)
mk_users_image() {
	local w=$T_TMP/uimg
	mkdir -p "$w/r1" "$w/r2/etc" && chmod 0755 "$w/r2" "$w/r2/etc" && _busybox_rootfs1 "$w/r1" &&
		oci_tar "$w/r1" "$w/l1.tar" || return 1
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n' >"$w/r2/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\naudio:x:29:other,app\nvideo:x:44:other\n' >"$w/r2/etc/group"
	chmod 0644 "$w/r2/etc/passwd" "$w/r2/etc/group" && oci_tar "$w/r2" "$w/l2.tar" &&
		cp "$w/l1.tar" "$w/k1.tar" && cp "$w/l2.tar" "$w/k2.tar" && # oci_image takes the tars
		oci_image "$w/oci" users:test "{\"Env\":[\"$PV_OCI_PATH_ENV\"],\"User\":\"app\",\"WorkingDir\":\"/\"}" \
			"$w/l1.tar" "$w/l2.tar" >/dev/null && "$PODVISOR" image import "$w/oci" users:test >/dev/null 2>&1
}
mk_users_image && ok "an image with USER app imported" || fail "users image"
# users:group: the same with USER app:staff (the kubelet passes only the user: kubernetes#61967)
oci_image "$T_TMP/uimg/oci2" users:group "{\"Env\":[\"$PV_OCI_PATH_ENV\"],\"User\":\"app:staff\",\"WorkingDir\":\"/\"}" \
	"$T_TMP/uimg/k1.tar" "$T_TMP/uimg/k2.tar" >/dev/null && "$PODVISOR" image import "$T_TMP/uimg/oci2" users:group >/dev/null 2>&1 \
	|| fail "users:group image"

# The daemon is given ignored signals, as nohup or a shell's background
# job gives them (bash: SIGINT and SIGQUIT besides); the pods must not be.
trap '' HUP USR1 PIPE
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
trap - HUP USR1 PIPE
[ "$(awk '$1 == "SigIgn:" {print $2}' "/proc/$DAEMON/status")" != 0000000000000000 ] \
	&& ok "the daemon was given ignored signals: SigIgn $(awk '$1 == "SigIgn:" {print $2}' "/proc/$DAEMON/status")" \
	|| fail "the daemon ignores nothing: $(grep Sig "/proc/$DAEMON/status")"

# secpod NAME 'SECURITYCONTEXT-FLOW' ['POD-SECURITYCONTEXT-FLOW'] [IMAGE]
secpod() {
	local psc=${3:-}
	[ -n "$psc" ] || psc='{}'
	cat >"$T_TMP/$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: $psc
  containers:
  - name: main
    image: ${4:-busybox:test}
    command: [sleep, "1000"]
    securityContext: $2
YAML
	drop "$1.yaml" "$T_TMP/$1.yaml"
}
x() { local p=$1; shift; "$PODVISOR" exec "$p" -- sh -c "$*" 2>&1; }
cap() { x "$1" "grep ^$2: /proc/self/status" | awk '{print $2}'; }
mounts_of() { x "$1" "cat /proc/mounts"; }
# the container's main process, from the host: mcap POD FIELD
mpid() { pod_json "$1" "p['containers'][0]['pid']"; }
mcap() { local pid; pid=$(mpid "$1"); [ -n "$pid" ] && awk -v f="$2:" '$1 == f {print $2}' "/proc/$pid/status"; }
# every Cap* line and NoNewPrivs of the main process, "CapInh=...;CapPrm=...;..."
mcaps() { local pid; pid=$(mpid "$1"); [ -n "$pid" ] && awk '/^(Cap|NoNewPrivs)/ {printf "%s%s;", $1, $2}' "/proc/$pid/status"; }

secpod def '{}'
secpod dropall '{capabilities: {drop: [ALL]}}'
secpod netadmin '{capabilities: {add: [NET_ADMIN, cap_sys_time], drop: [KILL]}}'
secpod nnp '{allowPrivilegeEscalation: false}'
secpod priv '{privileged: true}'
secpod user '{runAsUser: 1000, readOnlyRootFilesystem: true}' '{runAsNonRoot: true, runAsGroup: 3000, supplementalGroups: [4000, 5000], fsGroup: 2000}'
secpod rootimg '{runAsNonRoot: true}'
secpod rootuid '{runAsNonRoot: true, runAsUser: 0}'
secpod badcap '{capabilities: {add: [NET_ADMINISTRATOR]}}'
secpod merge '{}' '{supplementalGroups: [7000]}' users:test
secpod strict '{}' '{supplementalGroups: [7000], supplementalGroupsPolicy: Strict}' users:test
secpod appnonroot '{runAsNonRoot: true}' '' users:test
secpod gidonly '{}' '{runAsGroup: 3000}'
secpod uidonly '{runAsUser: 1000}' '' users:test
secpod appgroup '{runAsGroup: 5000}' '' users:test
secpod imggroup '{}' '' users:group
secpod addall '{capabilities: {add: [ALL]}}'
secpod nnpsysadmin '{allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}'
secpod nnpall '{allowPrivilegeEscalation: false, capabilities: {add: [ALL]}}'
secpod nnpcapsysadmin '{allowPrivilegeEscalation: false, capabilities: {add: [CAP_SYS_ADMIN]}}'
secpod groups300 '{runAsUser: 1000}' "{supplementalGroups: [$(seq -s, 10001 10300)]}"
# gosu's way: the entrypoint drops from root to app, then execs
cat >"$T_TMP/gosu.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: gosu}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: users:test
    securityContext: {runAsUser: 0}
    command: [sh, -c, "exec su -s /bin/sh app -c 'exec sleep 1000'"]
    readinessProbe:
      exec: {command: [sh, -c, 'id -u | grep -qx 0 && grep -q "^CapEff:.00000000a80425fb" /proc/self/status']}
      periodSeconds: 1
YAML
drop gosu.yaml "$T_TMP/gosu.yaml"
# signals: an exec probe that is ready only with nothing ignored or blocked
cat >"$T_TMP/sigs.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sigs}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    readinessProbe:
      exec: {command: [sh, -c, 'grep -q "^SigIgn:.0000000000000000$" /proc/self/status && grep -q "^SigBlk:.0000000000000000$" /proc/self/status']}
      periodSeconds: 1
YAML
drop sigs.yaml "$T_TMP/sigs.yaml"

for p in def dropall netadmin nnp priv user merge strict gidonly uidonly appgroup imggroup addall nnpsysadmin nnpall groups300 gosu sigs; do
	wait_status $p Running 30 || fail "$p: $(pod_json $p "p['status']")"
done
wait_status def Running 1 && ok "pods with their security contexts run"

# ---- the default set ----
[ "$(cap def CapBnd)" = 00000000a80425fb ] && [ "$(cap def CapEff)" = 00000000a80425fb ] \
	&& [ "$(cap def CapPrm)" = 00000000a80425fb ] && [ "$(cap def CapInh)" = 0000000000000000 ] \
	&& [ "$(cap def CapAmb)" = 0000000000000000 ] \
	&& ok "default: CapBnd = CapPrm = CapEff = 00000000a80425fb, inheritable and ambient empty" \
	|| fail "default caps: $(x def 'grep Cap /proc/self/status')"
# the container's own process (pid 1 of the container's view is the pod's init: find sleep)
main=$(x def 'for d in /proc/[0-9]*; do grep -q "^Name:.*sleep" $d/status 2>/dev/null && { grep CapEff $d/status | cut -f2; break; }; done')
[ "$main" = 00000000a80425fb ] && ok "the container's main process has CapEff 00000000a80425fb" || fail "main CapEff: $main"
[ "$(mcaps def)" = "CapInh:0000000000000000;CapPrm:00000000a80425fb;CapEff:00000000a80425fb;CapBnd:00000000a80425fb;CapAmb:0000000000000000;NoNewPrivs:0;" ] \
	&& ok "default, the main process (from the host): CapPrm = CapEff = CapBnd = a80425fb, CapInh = CapAmb = 0" \
	|| fail "default main: $(mcaps def)"
[ "$(cap def NoNewPrivs)" = 0 ] && ok "default: NoNewPrivs 0 (allowPrivilegeEscalation defaults to true)" || fail "def NoNewPrivs: $(cap def NoNewPrivs)"
out=$(x def 'mount -t tmpfs x /tmp && echo MOUNTED')
! grep -q MOUNTED <<<"$out" && grep -qi 'permission denied\|not permitted' <<<"$out" \
	&& ok "mount fails without SYS_ADMIN: $out" || fail "mount: $out"
out=$(x def 'busybox reboot -f; echo rc=$?')
grep -q 'rc=[1-9]' <<<"$out" && [ "$(pod_json def "p['status']")" = Running ] \
	&& ok "reboot -f fails without SYS_BOOT, the pod still runs" || fail "reboot: $out"
out=$(x def 'ip addr add 10.77.0.1/32 dev lo && echo ADDED')
! grep -q ADDED <<<"$out" && ok "no NET_ADMIN by default: ip addr add fails" || fail "ip addr add: $out"

# ---- add and drop ----
[ "$(cap dropall CapEff)" = 0000000000000000 ] && [ "$(cap dropall CapBnd)" = 0000000000000000 ] \
	&& ok "drop ALL: CapEff and CapBnd 0" || fail "dropall: $(x dropall 'grep Cap /proc/self/status')"
[ "$(mcaps dropall)" = "CapInh:0000000000000000;CapPrm:0000000000000000;CapEff:0000000000000000;CapBnd:0000000000000000;CapAmb:0000000000000000;NoNewPrivs:0;" ] \
	&& ok "drop ALL, the main process: every set 0" || fail "dropall main: $(mcaps dropall)"
# "ALL" is what the node has (this one may lack SYS_RESOURCE, PERFMON...), as containerd
node=$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status)
[ "$(mcap addall CapEff)" = "$node" ] && [ "$(mcap addall CapBnd)" = "$node" ] && [ "$(cap addall CapEff)" = "$node" ] \
	&& ok "add ALL: runs with every capability the node has ($node), main process and exec" \
	|| fail "addall: $(pod_json addall "p['status']") main $(mcaps addall) exec $(cap addall CapEff) node $node"
out=$(x dropall 'chown 1 /tmp && echo CHOWNED')
! grep -q CHOWNED <<<"$out" && ok "drop ALL: root cannot chown" || fail "dropall chown: $out"
# a80425fb + NET_ADMIN (12) + SYS_TIME (25) - KILL (5)
[ "$(cap netadmin CapEff)" = 00000000aa0435db ] && [ "$(cap netadmin CapBnd)" = 00000000aa0435db ] \
	&& ok "add NET_ADMIN, cap_sys_time, drop KILL: 00000000aa0435db" || fail "netadmin: $(cap netadmin CapEff)"
out=$(x netadmin 'ip addr add 10.77.0.1/32 dev lo && echo ADDED')
grep -q ADDED <<<"$out" && ok "with NET_ADMIN: ip addr add works" || fail "netadmin ip: $out"
[ "$(mcaps netadmin)" = "CapInh:0000000000000000;CapPrm:00000000aa0435db;CapEff:00000000aa0435db;CapBnd:00000000aa0435db;CapAmb:0000000000000000;NoNewPrivs:0;" ] \
	&& ok "add/drop, the main process: aa0435db in permitted, effective, bounding" || fail "netadmin main: $(mcaps netadmin)"

# ---- no_new_privs ----
[ "$(cap nnp NoNewPrivs)" = 1 ] && [ "$(cap nnp CapEff)" = 00000000a80425fb ] \
	&& ok "allowPrivilegeEscalation: false: NoNewPrivs 1" || fail "nnp: $(x nnp 'grep -e Cap -e NoNew /proc/self/status')"
main=$(x nnp 'for d in /proc/[0-9]*; do grep -q "^Name:.*sleep" $d/status 2>/dev/null && { grep NoNewPrivs $d/status | cut -f2; break; }; done')
[ "$main" = 1 ] && ok "the container's main process has NoNewPrivs 1" || fail "nnp main: $main"
# Kubernetes refuses only the literal CAP_SYS_ADMIN with allowPrivilegeEscalation: false
[ "$(mcap nnpsysadmin NoNewPrivs)" = 1 ] && [ $((0x$(mcap nnpsysadmin CapEff) >> 21 & 1)) = 1 ] \
	&& [ "$(mcap nnpall NoNewPrivs)" = 1 ] && [ "$(mcap nnpall CapEff)" = "$node" ] \
	&& ok "allowPrivilegeEscalation: false with add SYS_ADMIN, or ALL: runs, NoNewPrivs 1 (as Kubernetes)" \
	|| fail "nnpsysadmin: $(pod_json nnpsysadmin "p['status']") $(mcaps nnpsysadmin); nnpall: $(pod_json nnpall "p['status']") $(mcaps nnpall)"
wait_status nnpcapsysadmin CreateContainerConfigError 20 && ev=$("$PODVISOR" get events pod/default/nnpcapsysadmin 2>&1) \
	&& grep -q 'container main: cannot set allowPrivilegeEscalation to false and capabilities.add CAP_SYS_ADMIN' <<<"$ev" \
	&& ! grep -q 'container main: container main' <<<"$ev" \
	&& ok "allowPrivilegeEscalation: false with add CAP_SYS_ADMIN: refused, the container named once" \
	|| fail "nnpcapsysadmin: $(pod_json nnpcapsysadmin "p['status']") $ev"

# ---- privileged ----
peff=$(cap priv CapEff)
[ "$peff" = "$(grep CapBnd /proc/self/status | cut -f2)" ] && [ $((0x$peff >> 21 & 1)) = 1 ] \
	&& ok "privileged: every capability the node has ($peff)" || fail "priv CapEff $peff"
! grep -q ' /proc/timer_list ' <<<"$(mounts_of priv)" && grep -q ' /proc/timer_list ' <<<"$(mounts_of def)" \
	&& ! grep -q ' /proc/sys ' <<<"$(mounts_of priv)" \
	&& ok "privileged: no masked or read-only paths (the default has them)" || fail "priv mounts: $(mounts_of priv | grep /proc/)"
out=$(x priv 'mount -t tmpfs x /tmp && echo MOUNTED')
grep -q MOUNTED <<<"$out" && ok "privileged: mount works" || fail "priv mount: $out"
[ "$(mcap priv CapEff)" = "$node" ] && [ "$(mcap priv CapPrm)" = "$node" ] && [ "$(mcap priv CapInh)" = 0000000000000000 ] \
	&& ok "privileged, the main process: permitted = effective = the node's set" || fail "priv main: $(mcaps priv)"
psys=$(x priv "awk '\$2 == \"/sys\" {print \$4}' /proc/mounts")
dsys=$(x def "awk '\$2 == \"/sys\" {print \$4}' /proc/mounts")
[ "${psys%%,*}" = rw ] && [ "${dsys%%,*}" = ro ] && ok "privileged: /sys read-write (as containerd); the default's read-only" \
	|| fail "/sys: privileged $psys, default $dsys"

# ---- users and groups ----
out=$(x user id)
[ "$(x user 'id -u')" = 1000 ] && [ "$(x user 'id -g')" = 3000 ] \
	&& [ "$(x user 'id -G' | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "2000 3000 4000 5000 " ] \
	&& ok "runAsUser 1000, runAsGroup 3000, groups fsGroup + supplementalGroups: $out" || fail "user id: $out"
[ "$(cap user CapEff)" = 0000000000000000 ] && [ "$(cap user CapBnd)" = 00000000a80425fb ] \
	&& [ "$(cap user CapPrm)" = 0000000000000000 ] \
	&& ok "non-root: CapPrm = CapEff = 0, CapBnd the default set (as containerd)" || fail "user caps: $(x user 'grep Cap /proc/self/status')"
[ "$(mcaps user)" = "CapInh:0000000000000000;CapPrm:0000000000000000;CapEff:0000000000000000;CapBnd:00000000a80425fb;CapAmb:0000000000000000;NoNewPrivs:0;" ] \
	&& ok "non-root, the main process: CapPrm = CapEff = 0, CapBnd the default set" || fail "user main: $(mcaps user)"
main=$(x user 'for d in /proc/[0-9]*; do grep -q "^Name:.*sleep" $d/status 2>/dev/null && { grep -e ^Uid -e ^Groups -e CapEff $d/status | tr -s "\t " " " | tr "\n" ";"; break; }; done')
[ "$main" = "Uid: 1000 1000 1000 1000;Groups: 2000 3000 4000 5000 ;CapEff: 0000000000000000;" ] \
	&& ok "podvisor exec runs as the container's main process: same uid, groups, CapEff" || fail "main: $main vs exec $(x user 'grep -e ^Uid -e ^Groups /proc/self/status')"
out=$(x user 'touch /etc/x && echo WROTE; touch /x 2>&1; echo hi > /bin/y && echo WROTE')
! grep -q WROTE <<<"$out" && grep -q 'Read-only file system' <<<"$out" \
	&& ok "a non-root user cannot write the read-only root: $(head -1 <<<"$out")" || fail "user ro: $out"

out=$(x merge 'id')
[ "$(x merge 'id -G' | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "29 50 1000 7000 " ] \
	&& ok "image user app: its /etc/group groups merged with supplementalGroups: $out" || fail "merge: $out"
out=$(x strict 'id')
[ "$(x strict 'id -G' | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "1000 7000 " ] \
	&& ok "supplementalGroupsPolicy Strict: not the image's groups: $out" || fail "strict: $out"

[ "$(x gidonly 'id -u'):$(x gidonly 'id -g')" = 0:3000 ] && [ "$(x uidonly 'id -u'):$(x uidonly 'id -g')" = 1000:1000 ] \
	&& [ "$(x appgroup 'id -u'):$(x appgroup 'id -g')" = 1000:5000 ] \
	&& ok "runAsGroup alone sets the group; runAsUser alone takes its /etc/passwd group (as containerd)" \
	|| fail "gidonly $(x gidonly id), uidonly $(x uidonly id), appgroup $(x appgroup id)"
[ "$(x imggroup 'id -u'):$(x imggroup 'id -g')" = 1000:1000 ] \
	&& ok "image USER app:staff: the user's /etc/passwd group, as the kubelet passes only the user (kubernetes#61967)" \
	|| fail "imggroup: $(x imggroup id)"

n=$(x groups300 'id -G | wc -w')
[ "$(x groups300 'id -u')" = 1000 ] && [ "$n" = 301 ] && [ "$(awk '$1 == "Groups:" {print NF - 1}' "/proc/$(mpid groups300)/status")" = 301 ] \
	&& ok "300 supplementalGroups: all of them (and the primary), in the main process and exec" \
	|| fail "groups300: $(pod_json groups300 "p['status']") exec $n"

# ---- signals: none ignored, none blocked, whatever the daemon was given ----
sigs() { awk '$1 == "SigIgn:" || $1 == "SigBlk:" {printf "%s%s;", $1, $2}' "$1"; }
[ "$(sigs "/proc/$(mpid sigs)/status")" = "SigBlk:0000000000000000;SigIgn:0000000000000000;" ] \
	&& ok "the container's main process ignores and blocks no signal" || fail "sigs main: $(sigs "/proc/$(mpid sigs)/status")"
wait_for 30 '[ "$(pod_json sigs "p[\"ready\"]")" = 1 ]' \
	&& ok "an exec probe ignores and blocks no signal (it goes ready)" \
	|| fail "sigs probe: ready=$(pod_json sigs "p['ready']") $("$PODVISOR" get events pod/default/sigs 2>&1 | tail -3)"
out=$(trap '' PIPE HUP; "$PODVISOR" exec sigs -- grep -E "^Sig(Ign|Blk)" /proc/self/status 2>&1 | tr -d ' \t\n')
[ "$out" = "SigBlk:0000000000000000SigIgn:0000000000000000" ] \
	&& ok "podvisor exec from a shell that ignores SIGPIPE and SIGHUP: the command ignores none" || fail "sigs exec: $out"
pi=$(pgrep "^pod-init" | head -1)
[ -n "$pi" ] && [ "$(sigs "/proc/$pi/status" | sed 's/SigBlk:[0-9a-f]*;//')" = "SigIgn:0000000000000000;" ] \
	&& ok "a pod's init ignores no signal (it waits for all)" || fail "pod init: ${pi:-none} $(sigs "/proc/${pi:-0}/status" 2>&1)"

# exec and probes run as the container was configured (runc exec: the
# config's user and capabilities), not as its main process became
[ "$(awk '$1 == "Uid:" {print $2}' "/proc/$(mpid gosu)/status")" = 1000 ] && [ "$(x gosu 'id -u')" = 0 ] \
	&& [ "$(cap gosu CapEff)" = 00000000a80425fb ] \
	&& ok "main process dropped to app (gosu's way): podvisor exec still runs as root, the default set" \
	|| fail "gosu: main $(mcaps gosu) exec $(x gosu 'id; grep CapEff /proc/self/status')"
wait_for 30 '[ "$(pod_json gosu "p[\"ready\"]")" = 1 ]' \
	&& ok "an exec probe needing root goes ready in that container" || fail "gosu probe: $("$PODVISOR" get events pod/default/gosu 2>&1 | tail -3)"
# without its identity record, exec and probes are refused (never root)
rec=$S/pods/$(pod_json gosu "p['uid']")/containers/main/identity
if [ -f "$rec" ] && rm -f "$rec"; then
	out=$("$PODVISOR" exec gosu -- id 2>&1); rc=$?
	[ $rc = 1 ] && grep -q "identity record" <<<"$out" && ! grep -q 'uid=' <<<"$out" \
		&& ok "no identity record: podvisor exec refuses: $out" || fail "exec without record: rc=$rc $out"
	wait_for 30 '[ "$(pod_json gosu "p[\"ready\"]")" = 0 ]' \
		&& "$PODVISOR" get events pod/default/gosu 2>&1 | grep -q "identity record" \
		&& ok "no identity record: the exec probe fails, its event says why" \
		|| fail "probe without record: ready=$(pod_json gosu "p['ready']") $("$PODVISOR" get events pod/default/gosu 2>&1 | tail -3)"
else
	fail "no identity record at $rec"
fi

# an exec probe runs as the container does (runtime/execin.c)
cat >"$T_TMP/probe.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: probe}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, supplementalGroups: [4000]}
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    securityContext: {allowPrivilegeEscalation: false}
    readinessProbe:
      exec: {command: [sh, -c, 'id -u | grep -qx 1000 && id -G | grep -qw 4000 && grep -q "^NoNewPrivs:.1" /proc/self/status && grep -q "^CapBnd:.00000000a80425fb" /proc/self/status']}
      periodSeconds: 1
YAML
drop probe.yaml "$T_TMP/probe.yaml"
wait_for 30 '[ "$(pod_json probe "p[\"ready\"]")" = 1 ]' \
	&& ok "an exec probe runs as the container: uid, groups, NoNewPrivs, CapBnd (it goes ready)" \
	|| fail "probe: ready=$(pod_json probe "p['ready']") $("$PODVISOR" get events pod/default/probe 2>&1 | tail -3)"

# ---- runAsNonRoot refusals ----
wait_status rootimg CreateContainerConfigError 20 || fail "rootimg: $(pod_json rootimg "p['status']")"
ev=$("$PODVISOR" get events pod/default/rootimg 2>&1)
grep -q 'container has runAsNonRoot and image will run as root (pod: "rootimg_default(.*)", container: main)' <<<"$ev" \
	&& ok "runAsNonRoot with a root image: CreateContainerConfigError, the kubelet's message" || fail "rootimg events: $ev"
wait_status appnonroot CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/appnonroot 2>&1 | grep -q 'container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root' \
	&& ok "runAsNonRoot with a named image user: refused, as the kubelet cannot verify it" \
	|| fail "appnonroot: $(pod_json appnonroot "p['status']") $("$PODVISOR" get events pod/default/appnonroot 2>&1)"
wait_status rootuid CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/rootuid 2>&1 | grep -q "container's runAsUser breaks non-root policy" \
	&& ok "runAsNonRoot with runAsUser 0: refused" || fail "rootuid: $(pod_json rootuid "p['status']") $("$PODVISOR" get events pod/default/rootuid 2>&1)"
wait_status badcap CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/badcap 2>&1 | grep -q 'unknown capability "NET_ADMINISTRATOR"' \
	&& ok "an unknown capability: CreateContainerConfigError naming it" || fail "badcap: $(pod_json badcap "p['status']") $("$PODVISOR" get events pod/default/badcap 2>&1)"

# ---- many: twenty pods, each its own set ----
many="NET_ADMIN SYS_TIME SYS_PTRACE IPC_LOCK SYS_NICE LEASE SYSLOG SYS_PACCT WAKE_ALARM NET_BROADCAST
IPC_OWNER SYS_TTY_CONFIG LINUX_IMMUTABLE SYS_RAWIO DAC_READ_SEARCH BLOCK_SUSPEND AUDIT_CONTROL SYS_ADMIN SYS_BOOT SYS_MODULE"
bits="12 25 19 14 23 28 34 20 35 11 15 26 9 17 2 36 30 21 22 16"
i=0
for c in $many; do
	i=$((i + 1))
	secpod "m$i" "{capabilities: {add: [$c]}}"
done
all=1
for i in $(seq 20); do wait_status "m$i" Running 60 || { all=0; fail "m$i: $(pod_json "m$i" "p['status']")"; }; done
[ $all = 1 ] && ok "twenty pods with differing capability sets run"
i=0; bad=""
for b in $bits; do
	i=$((i + 1))
	want=$(printf '%016x' $((0xa80425fb | (1 << b))))
	got=$(cap "m$i" CapEff)
	[ "$got" = "$want" ] || bad="$bad m$i:$got/$want"
done
[ -z "$bad" ] && ok "each of the twenty sees its own set (default + its capability)" || fail "many:$bad"

# ---- --pod-security=restricted (node.yaml podSecurity) ----
rm -f "$M"/*.yaml
wait_for 60 '[ "$("$PVQ" get pods -A -o internal-json 2>/dev/null | tr -d " \n")" = "[]" ]' || fail "pods left: $("$PODVISOR" get pods -A 2>&1)"
stop_daemon TERM >/dev/null
expect_rc 2 "--pod-security with an unknown level is refused" "$PODVISOR" daemon --manifests "$M" --pod-security=strict
printf 'podSecurity: restricted\n' >"$T_TMP/node.yaml"
start_daemon --config "$T_TMP/node.yaml" || { fail "daemon start (restricted)"; diag "$(tail "$LOG")"; done_testing; exit 1; }
pod_yaml plain Always sleep 1000 >"$T_TMP/plain.yaml"
drop plain.yaml "$T_TMP/plain.yaml"
secpod ruser '{}' '{runAsUser: 1000}'
secpod rpriv '{privileged: true}'
secpod radd '{capabilities: {drop: [ALL], add: [NET_BIND_SERVICE, SYS_ADMIN]}, allowPrivilegeEscalation: true}'
wait_status plain CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/plain 2>&1 | grep -q 'container has runAsNonRoot and image will run as root' \
	&& ok "restricted: a pod of a root image without runAsUser is refused (runAsNonRoot by default)" \
	|| fail "plain: $(pod_json plain "p['status']") $("$PODVISOR" get events pod/default/plain 2>&1)"
wait_status ruser Running 30 && [ "$(cap ruser CapBnd)" = 0000000000000400 ] && [ "$(cap ruser CapEff)" = 0000000000000000 ] \
	&& [ "$(cap ruser NoNewPrivs)" = 1 ] && [ "$(x ruser 'id -u')" = 1000 ] \
	&& ok "restricted: runAsUser 1000 runs, CapBnd NET_BIND_SERVICE only, NoNewPrivs 1" \
	|| fail "ruser: $(pod_json ruser "p['status']") $(x ruser 'grep -e Cap -e NoNew /proc/self/status')"
wait_status rpriv CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/rpriv 2>&1 | grep -q 'violates PodSecurity "restricted:latest": privileged (container "main" must not set securityContext.privileged=true)' \
	&& ok "restricted: a privileged pod is refused, the event names the field" \
	|| fail "rpriv: $(pod_json rpriv "p['status']") $("$PODVISOR" get events pod/default/rpriv 2>&1)"
wait_status radd CreateContainerConfigError 20 && ev=$("$PODVISOR" get events pod/default/radd 2>&1) && grep -q 'must not include "SYS_ADMIN" in securityContext.capabilities.add' <<<"$ev" \
	&& grep -q 'allowPrivilegeEscalation != false' <<<"$ev" \
	&& ok "restricted: adding SYS_ADMIN and allowPrivilegeEscalation: true are refused, each named" \
	|| fail "radd: $(pod_json radd "p['status']") $ev"
# init containers get restricted's defaults and checks too
initpod() { # NAME 'INIT-SECURITYCONTEXT-FLOW'
	cat >"$T_TMP/$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000}
  initContainers:
  - name: init
    image: busybox:test
    command: [sh, -c, 'grep -e ^CapBnd -e ^CapEff -e ^NoNewPrivs /proc/self/status; id -u']
    securityContext: $2
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
YAML
	drop "$1.yaml" "$T_TMP/$1.yaml"
}
initpod rinit '{}'
initpod rinitpriv '{privileged: true}'
wait_status rinit Running 30 && out=$("$PODVISOR" logs rinit -c init 2>&1) \
	&& [ "$(awk '$1 == "CapBnd:" {print $2}' <<<"$out")" = 0000000000000400 ] \
	&& [ "$(awk '$1 == "CapEff:" {print $2}' <<<"$out")" = 0000000000000000 ] \
	&& [ "$(awk '$1 == "NoNewPrivs:" {print $2}' <<<"$out")" = 1 ] && [ "$(tail -1 <<<"$out")" = 1000 ] \
	&& ok "restricted: an init container runs with the defaults too (CapBnd NET_BIND_SERVICE, NoNewPrivs 1)" \
	|| fail "rinit: $(pod_json rinit "p['status']") $out"
wait_status rinitpriv Init:CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/rinitpriv 2>&1 | grep -q 'privileged (container "init" must not set securityContext.privileged=true)' \
	&& ok "restricted: a privileged init container is refused, named" \
	|| fail "rinitpriv: $(pod_json rinitpriv "p['status']") $("$PODVISOR" get events pod/default/rinitpriv 2>&1)"

# ---- --pod-security=baseline ----
rm -f "$M"/*.yaml
wait_for 60 '[ "$("$PODVISOR" get pods -A -o internal-json 2>/dev/null | tr -d " \n")" = "[]" ]' || fail "pods left: $("$PODVISOR" get pods -A 2>&1)"
stop_daemon TERM >/dev/null
start_daemon --pod-security=baseline || { fail "daemon start (baseline)"; diag "$(tail "$LOG")"; done_testing; exit 1; }
secpod bdef '{}'
secpod bchown '{capabilities: {add: [CHOWN]}}'
secpod bnetadmin '{capabilities: {add: [NET_ADMIN]}}'
secpod bpriv '{privileged: true}'
wait_status bdef Running 30 && wait_status bchown Running 30 && [ "$(mcap bdef CapEff)" = 00000000a80425fb ] \
	&& [ "$(x bdef 'id -u')" = 0 ] \
	&& ok "baseline: a root pod with the default set runs, and one adding CHOWN (in the default set)" \
	|| fail "bdef: $(pod_json bdef "p['status']") bchown: $(pod_json bchown "p['status']")"
wait_status bnetadmin CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/bnetadmin 2>&1 | grep -q 'violates PodSecurity "baseline:latest": non-default capabilities (container "main" must not include "NET_ADMIN" in securityContext.capabilities.add)' \
	&& ok "baseline: adding NET_ADMIN is refused, named" \
	|| fail "bnetadmin: $(pod_json bnetadmin "p['status']") $("$PODVISOR" get events pod/default/bnetadmin 2>&1)"
wait_status bpriv CreateContainerConfigError 20 && "$PODVISOR" get events pod/default/bpriv 2>&1 | grep -q 'violates PodSecurity "baseline:latest": privileged (container "main" must not set securityContext.privileged=true)' \
	&& ok "baseline: a privileged pod is refused" \
	|| fail "bpriv: $(pod_json bpriv "p['status']") $("$PODVISOR" get events pod/default/bpriv 2>&1)"

stop_daemon TERM >/dev/null
done_testing
