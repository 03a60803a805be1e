#!/bin/bash
# asan: yes
# A pod's sysctls, a privileged container's devices, and AppArmor (issue
# 14): the kubelet's safe sysctls are set in the pod's own namespaces
# (the node keeps its values); an unsafe one refuses the pod (Failed,
# SysctlForbidden, an event naming it) until --allowed-unsafe-sysctls
# matches it; net.* with hostNetwork is refused; a sysctl that cannot be
# written is FailedCreatePodSandBox; a privileged container sees the
# node's devices, another does not; an AppArmor profile on a node without
# AppArmor (any profile but Unconfined, as the kubelet) refuses the pod;
# on a node with AppArmor (a stand-in /sys/module) RuntimeDefault runs with
# a Warning event; a hostUsers: false pod gets its sysctls too; twenty
# pods each see their own port range. A name that would lead out of
# /proc/sys is refused here at admission; the writer's own checks (the
# path, the namespaces) are test_sysctl's (test_path, test_apply).
#
# The IPC sysctls (kernel.shm_rmid_forced, kernel.msgmax) are compared
# with an IPC namespace of the test's own, so that a writer that went
# wrong could only change that one (lib_pods.sh adds the others).
[ -n "${PV_OWN_IPC:-}" ] || exec unshare --ipc env PV_OWN_IPC=1 bash "$0" "$@"
. "$(dirname "$0")/lib_pods.sh"

PORTS=/proc/sys/net/ipv4/ip_local_port_range
node_ports=$(cat $PORTS)
node_shm=$(cat /proc/sys/kernel/shm_rmid_forced)
node_somax=$(cat /proc/sys/net/core/somaxconn)
node_rmem=$(cat /proc/sys/net/ipv4/tcp_rmem)
pod_shm=$((1 - node_shm))

x() { local p=$1; shift; "$PODVISOR" exec "$p" -- sh -c "$*" 2>&1; }
events_of() { "$PODVISOR" get events "pod/default/$1" 2>&1; }

# sysctl_pod NAME 'SYSCTLS-FLOW' [hostNetwork [hostUsers]]
sysctl_pod() {
	cat >"$T_TMP/$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  hostNetwork: ${3:-false}
  hostUsers: ${4:-true}
  securityContext:
    sysctls: $2
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
YAML
	drop "$1.yaml" "$T_TMP/$1.yaml"
}

# sc_pod NAME 'CONTAINER-SECURITYCONTEXT-FLOW' ['ANNOTATIONS-FLOW']
sc_pod() {
	cat >"$T_TMP/$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, annotations: ${3:-{\}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    securityContext: $2
YAML
	drop "$1.yaml" "$T_TMP/$1.yaml"
}

expect_rc 2 "--allowed-unsafe-sysctls with a sysctl that is not namespaced is refused" \
	"$PODVISOR" daemon --manifests "$M" --allowed-unsafe-sysctls vm.swappiness
out=$("$PODVISOR" daemon --manifests "$M" --allowed-unsafe-sysctls 'kernel.*' 2>&1)
grep -q 'the sysctls "kernel.\*" are not known to be namespaced' <<<"$out" \
	&& ok "... with the kubelet's message: $out" || fail "bad pattern: $out"

start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

sysctl_pod safe "[{name: net.ipv4.ip_local_port_range, value: '20000 40000'}, {name: kernel/shm_rmid_forced, value: '$pod_shm'}, {name: net.ipv4.tcp_rmem, value: '4096 65536 4194304'}]"
sysctl_pod users "[{name: net.ipv4.ip_local_port_range, value: '21000 41000'}, {name: kernel.shm_rmid_forced, value: '$pod_shm'}]" false false
sysctl_pod unsafe "[{name: net.ipv4.tcp_syncookies, value: '1'}, {name: net.core.somaxconn, value: '1000'}]"
sysctl_pod msg "[{name: kernel/msgmax, value: '9000'}]"
sysctl_pod trav "[{name: 'net.//.kernel.domainname', value: 'pvtrav'}]"
sysctl_pod hostnet "[{name: net.ipv4.ip_local_port_range, value: '20000 40000'}]" true
sc_pod priv '{privileged: true}'
sc_pod plain '{}'
sc_pod aalocal '{appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}}'
sc_pod aaunconfined '{appArmorProfile: {type: Unconfined}}'
sc_pod aadefault '{appArmorProfile: {type: RuntimeDefault}}'
sc_pod aaannot '{}' '{container.apparmor.security.beta.kubernetes.io/main: localhost/k8s-deny-write}'

wait_status safe Running 30 || fail "safe: $(pod_json safe "p['status']") $(events_of safe)"
[ "$(x safe "cat $PORTS" | tr -s ' \t' ' ')" = "20000 40000" ] \
	&& [ "$(x safe 'cat /proc/sys/kernel/shm_rmid_forced')" = "$pod_shm" ] \
	&& ok "safe sysctls (dotted and slashed) are set in the pod: $(x safe "cat $PORTS"), shm_rmid_forced $pod_shm" \
	|| fail "safe: $(x safe "cat $PORTS; cat /proc/sys/kernel/shm_rmid_forced")"
wait_status users Running 30 && [ "$(x users "cat $PORTS" | tr -s ' \t' ' ')" = "21000 41000" ] \
	&& [ "$(x users 'cat /proc/sys/kernel/shm_rmid_forced')" = "$pod_shm" ] \
	&& ok "... and in a pod with hostUsers: false (namespaces its user namespace owns)" \
	|| fail "users: $(pod_json users "p['status']") $(events_of users) $(x users "cat $PORTS")"
[ "$(x safe 'cat /proc/sys/net/ipv4/tcp_rmem' | tr -s ' \t' ' ')" = "4096 65536 4194304" ] \
	&& ok "net.ipv4.tcp_rmem (safe since Kubernetes 1.32) is set in the pod" \
	|| fail "tcp_rmem: $(x safe 'cat /proc/sys/net/ipv4/tcp_rmem') $(events_of safe)"
[ "$(cat $PORTS)" = "$node_ports" ] && [ "$(cat /proc/sys/kernel/shm_rmid_forced)" = "$node_shm" ] \
	&& [ "$(cat /proc/sys/net/ipv4/tcp_rmem)" = "$node_rmem" ] \
	&& ok "the node keeps its own values ($node_ports, shm_rmid_forced $node_shm, tcp_rmem $node_rmem)" \
	|| fail "the node's values changed: $(cat $PORTS) $(cat /proc/sys/kernel/shm_rmid_forced)"

# refused as the kubelet refuses: Failed, status.reason SysctlForbidden, an event, nothing started
wait_status unsafe SysctlForbidden 20 && [ "$(pod_json unsafe "p['phase']")" = Failed ] \
	&& [ "$(pod_json unsafe "p['message']")" = 'Pod was rejected: forbidden sysctl: "net.core.somaxconn" not allowlisted' ] \
	&& [ "$(pod_json unsafe "p['initPid']")" = 0 ] \
	&& ok "an unsafe sysctl refuses the pod: Failed, SysctlForbidden, nothing started" \
	|| fail "unsafe: $(pod_json unsafe "(p['phase'], p['status'], p.get('message'), p['initPid'])")"
events_of unsafe | grep SysctlForbidden | grep -q 'forbidden sysctl: "net.core.somaxconn" not allowlisted' \
	&& ok "... with a Warning event naming the sysctl" || fail "unsafe events: $(events_of unsafe)"
wait_status msg SysctlForbidden 20 && events_of msg | grep -q '"kernel.msgmax" not allowlisted' \
	&& ok "a slashed unsafe name (kernel/msgmax) is refused under its dotted name" \
	|| fail "msg: $(pod_json msg "p['status']") $(events_of msg)"
wait_status trav SysctlForbidden 20 && events_of trav | grep -q '"net.//.kernel.domainname": must have at most 253 characters' \
	&& [ "$(cat /proc/sys/kernel/domainname)" != pvtrav ] \
	&& ok "a name that is not a sysctl name (net.//.kernel.domainname: a way out of /proc/sys/net) is refused" \
	|| fail "trav: $(pod_json trav "p['status']") $(events_of trav)"
wait_status hostnet SysctlForbidden 20 \
	&& events_of hostnet | grep -q 'forbidden sysctl: "net.ipv4.ip_local_port_range" not allowed with host net enabled' \
	&& ok "hostNetwork with a net.* sysctl (even a safe one) is refused" \
	|| fail "hostnet: $(pod_json hostnet "p['status']") $(events_of hostnet)"

# ---- privileged: the node's devices ----
hostdev=/dev/loop-control
[ -c $hostdev ] || hostdev=$(find /dev -maxdepth 1 -type c ! -name null ! -name zero ! -name full \
	! -name random ! -name urandom ! -name tty ! -name console ! -name ptmx | head -1)
wait_status priv Running 30 && wait_status plain Running 30 || fail "priv/plain: $(pod_json priv "p['status']") $(pod_json plain "p['status']")"
want=$(stat -c '%t:%T' $hostdev)
[ "$(x priv "stat -c '%t:%T' $hostdev")" = "$want" ] && x priv "[ -c $hostdev ]" >/dev/null \
	&& ok "a privileged container has the node's $hostdev ($want)" || fail "priv $hostdev: $(x priv "ls -l /dev")"
n_host=$(find /dev -path /dev/pts -prune -o \( -type c -o -type b \) -print | wc -l)
n_priv=$(x priv "find /dev -path /dev/pts -prune -o \( -type c -o -type b \) -print | wc -l")
[ "$n_priv" -ge $((n_host / 2)) ] && ok "... and the others ($n_priv devices; the node has $n_host)" \
	|| fail "priv has $n_priv devices, the node $n_host"
! x plain "[ -e $hostdev ]" >/dev/null && [ "$(x plain 'ls /dev | wc -l')" -lt 20 ] \
	&& ok "a container that is not privileged has no $hostdev (the default few)" || fail "plain /dev: $(x plain 'ls /dev')"

# ---- AppArmor ----
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	wait_status aalocal AppArmor 20 && [ "$(pod_json aalocal "p['phase']")" = Failed ] \
		&& [ "$(pod_json aalocal "p['message']")" = 'Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host' ] \
		&& events_of aalocal | grep AppArmor | grep -q 'Cannot enforce AppArmor: AppArmor is not enabled on the host' \
		&& ok "no AppArmor here: a Localhost profile refuses the pod (Failed, AppArmor, the kubelet's message)" \
		|| fail "aalocal: $(pod_json aalocal "(p['status'], p.get('message'))") $(events_of aalocal)"
	wait_status aaannot AppArmor 20 && ok "... so does the annotation localhost/PROFILE" \
		|| fail "aaannot: $(pod_json aaannot "p['status']")"
	wait_status aadefault AppArmor 20 && ok "... and an explicit RuntimeDefault (the kubelet's isRequired: any but Unconfined)" \
		|| fail "aadefault: $(pod_json aadefault "p['status']")"
else
	ok "# SKIP AppArmor is enabled here: the refusal on a node without it is not checked"
	ok "# SKIP (the annotation)"
	ok "# SKIP (RuntimeDefault)"
fi
wait_status aaunconfined Running 30 && ok "appArmorProfile Unconfined runs" \
	|| fail "aaunconfined: $(pod_json aaunconfined "p['status']")"

# ---- the same unsafe sysctls, allowed by the node; and a node with AppArmor ----
before=$(pod_json safe "p['uid']")
stop_daemon TERM >/dev/null
# AppArmor enabled, as the daemon reads it: a stand-in /sys/module in the
# test's own mount namespace
aa_faked=0
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] &&
	mount -t tmpfs pv-aa /sys/module && mkdir -p /sys/module/apparmor/parameters &&
	echo Y >/sys/module/apparmor/parameters/enabled; then
	aa_faked=1
fi
printf 'allowedUnsafeSysctls:\n- kernel.msg*\n' >"$T_TMP/node.yaml"
start_daemon --config "$T_TMP/node.yaml" --allowed-unsafe-sysctls 'net.core.*' --allowed-unsafe-sysctls 'net.*' \
	|| { fail "daemon start (unsafe allowed)"; diag "$(tail "$LOG")"; done_testing; exit 1; }
sysctl_pod bad "[{name: net.core.no_such_sysctl, value: '1'}]"
wait_status unsafe Running 30 && [ "$(x unsafe 'cat /proc/sys/net/core/somaxconn')" = 1000 ] \
	&& [ "$(cat /proc/sys/net/core/somaxconn)" = "$node_somax" ] \
	&& ok "--allowed-unsafe-sysctls net.core.*: the pod runs with somaxconn 1000 (the node keeps $node_somax)" \
	|| fail "unsafe allowed: $(pod_json unsafe "p['status']") $(events_of unsafe) $(x unsafe 'cat /proc/sys/net/core/somaxconn')"
wait_status msg Running 30 && [ "$(x msg 'cat /proc/sys/kernel/msgmax')" = 9000 ] \
	&& ok "node.yaml allowedUnsafeSysctls kernel.msg*: kernel/msgmax 9000 in the pod's IPC namespace" \
	|| fail "msg allowed: $(pod_json msg "p['status']") $(events_of msg)"
wait_status hostnet SysctlForbidden 5 && ok "hostNetwork with net.* stays refused" || fail "hostnet: $(pod_json hostnet "p['status']")"
wait_status trav SysctlForbidden 5 && [ "$(cat /proc/sys/kernel/domainname)" != pvtrav ] \
	&& ok "... and so does net.//.kernel.domainname under net.*" || fail "trav: $(pod_json trav "p['status']")"
[ "$(pod_json safe "p['uid']")" = "$before" ] && ok "the running pod was adopted, not judged again" || fail "safe was remade"
if [ $aa_faked = 1 ]; then
	sc_pod aanone '{}'
	wait_status aadefault Running 30 \
		&& wait_for 10 'events_of aadefault | grep AppArmorNotEnforced | grep -q "container main asks for the AppArmor profile RuntimeDefault: this podvisor loads no AppArmor profile, so it runs unconfined"' \
		&& ok "with AppArmor: an explicit RuntimeDefault runs, with a Warning event that it runs unconfined" \
		|| fail "aadefault with AppArmor: $(pod_json aadefault "p['status']") $(events_of aadefault)"
	wait_status aalocal AppArmor 20 && events_of aalocal | grep -q 'profile "k8s-deny-write" of container main: this podvisor loads no AppArmor profile' \
		&& ok "... a Localhost profile is refused (none is loaded)" || fail "aalocal with AppArmor: $(events_of aalocal)"
	wait_status aanone Running 30 && wait_for 10 'events_of aanone | grep -q Scheduled' \
		&& ! events_of aanone | grep -q AppArmorNotEnforced \
		&& ok "... a pod that asks for no profile gets no such warning" || fail "aanone: $(events_of aanone)"
else
	ok "# SKIP AppArmor is enabled here: RuntimeDefault's warning is not checked"
	ok "# SKIP (Localhost)"
	ok "# SKIP (no profile)"
fi
wait_for 20 'events_of bad | grep FailedCreatePodSandBox | grep -q "net.core.no_such_sysctl"' \
	&& [ "$(pod_json bad "p['status']")" != Running ] \
	&& ok "a sysctl that cannot be written: FailedCreatePodSandBox naming it, not started" \
	|| fail "bad: $(pod_json bad "p['status']") $(events_of bad)"

# ---- many: twenty pods, each its own range ----
rm -f "$M"/bad.yaml
for i in $(seq 20); do
	sysctl_pod "m$i" "[{name: net.ipv4.ip_local_port_range, value: '$((10000 + i * 100)) $((50000 + i * 100))'}]"
done
all=1
for i in $(seq 20); do wait_status "m$i" Running 60 || { all=0; fail "m$i: $(pod_json "m$i" "p['status']") $(events_of "m$i")"; }; done
[ $all = 1 ] && ok "twenty pods with their own ip_local_port_range run"
bad=""
for i in $(seq 20); do
	got=$(x "m$i" "cat $PORTS" | tr -s ' \t' ' ')
	[ "$got" = "$((10000 + i * 100)) $((50000 + i * 100))" ] || bad="$bad m$i:$got"
done
[ -z "$bad" ] && [ "$(cat $PORTS)" = "$node_ports" ] && ok "each of the twenty sees its own range; the node keeps $node_ports" \
	|| fail "many:$bad node $(cat $PORTS)"

stop_daemon TERM >/dev/null
done_testing
