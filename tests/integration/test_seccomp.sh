#!/bin/bash
# asan: yes
# Seccomp (issue 14, item 2): containers run under Docker's default
# profile unless they say otherwise. What a container itself sees:
# `Seccomp: 2` in /proc/self/status and `unshare` refused by default
# (`unshare -U` too, which needs no capability), unless CAP_SYS_ADMIN is
# added (Docker's gate);
# `Seccomp: 0` when Unconfined (or privileged); a Localhost profile from
# --seccomp-profile-root that denies mkdir makes `mkdir` fail while the
# pod runs; a localhostProfile with ".." or naming a missing file is a
# CreateContainerConfigError whose event says why, and so is a profile
# naming a syscall nobody knows (a typo is not skipped), while one naming
# syscalls newer than the node's libseccomp (mseal, statmount) runs and
# keeps its other rules; node.yaml's
# `seccompDefault: false` makes Unconfined the default; and many pods of
# the three kinds each see their own.
. "$(dirname "$0")/lib_pods.sh"

PROFILES=$T_TMP/seccomp
mkdir -p "$PROFILES/team"
cat >"$PROFILES/team/deny-mkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
  ]
}
JSON
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]}' \
	>"$PROFILES/broken.json"
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdri"], "action": "SCMP_ACT_ERRNO"}]}' \
	>"$PROFILES/typo.json"
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mseal", "statmount", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}' \
	>"$PROFILES/newer.json"
echo secret >"$T_TMP/outside.json"

start_daemon --seccomp-profile-root "$PROFILES" \
	|| { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# What each container reports about itself, then it stays up.
# unshare -U needs no capability: only the filter can refuse it.
PROBE='grep Seccomp: /proc/self/status; if unshare -u true 2>/dev/null; then echo unshare-uts=ok; else echo unshare-uts=denied; fi; if unshare -U true 2>/dev/null; then echo unshare=ok; else echo unshare=denied; fi; if mkdir /tmp/x 2>/dev/null; then echo mkdir=ok; else echo mkdir=denied; fi; echo probe-done; exec sleep 1000'

# pod NAME POD-PROFILE CONTAINER-PROFILE [PRIVILEGED [MORE]]: a profile
# is "" (none), RuntimeDefault, Unconfined or Localhost:PATH; MORE is
# more of the container's securityContext (flow YAML).
profile_yaml() {
	case $1 in
	"") ;;
	Localhost:*) echo "seccompProfile: {type: Localhost, localhostProfile: \"${1#Localhost:}\"}" ;;
	*) echo "seccompProfile: {type: $1}" ;;
	esac
}
pod() {
	local psc csc
	psc=$(profile_yaml "$2")
	csc=$(profile_yaml "$3")
	[ -n "${4:-}" ] && csc="privileged: $4${csc:+, $csc}"
	[ -n "${5:-}" ] && csc="$5${csc:+, $csc}"
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {$psc}
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, '$PROBE']
    securityContext: {$csc}
---
YAML
}

report() { "$PODVISOR" logs "$1" 2>/dev/null | tr -d '\t'; }
seccomp_of() { report "$1" | sed -n 's/^Seccomp:\([0-9]\).*/\1/p'; }
wait_probe() { wait_for "${2:-30}" "report $1 | grep -q '^probe-done'"; }
events_of() { "$PODVISOR" get events "pod/default/$1" 2>&1; }

{
	pod def "" ""
	pod unconf "" Unconfined
	pod podunc Unconfined ""
	pod override Unconfined RuntimeDefault
	pod priv "" "" true
	pod privnamed "" RuntimeDefault true
	pod nomkdir Localhost:team/deny-mkdir.json ""
	pod admin "" "" false "capabilities: {add: [SYS_ADMIN]}"
	pod dotdot "" "Localhost:../outside.json"
	pod missing "" Localhost:team/nope.json
	pod broken "" Localhost:broken.json
	pod typo "" Localhost:typo.json
	pod newer "" Localhost:newer.json
} >"$T_TMP/pods.yaml"
drop pods.yaml "$T_TMP/pods.yaml"

for p in def unconf podunc override priv privnamed nomkdir admin newer; do
	wait_probe $p || fail "$p never reported: $(pod_json $p "p['status']") $(report $p)"
done

[ "$(seccomp_of def)" = 2 ] && ok "default: the container sees Seccomp: 2 (a filter)" \
	|| fail "def: $(report def)"
report def | grep -qx unshare-uts=denied && report def | grep -qx unshare=denied \
	&& ok "default: unshare -u and unshare -U are refused" || fail "def: $(report def)"
report def | grep -qx mkdir=ok && ok "default: mkdir works" || fail "def: $(report def)"
[ "$(seccomp_of unconf)" = 0 ] && report unconf | grep -qx unshare=ok \
	&& ok "Unconfined: Seccomp: 0, unshare -U (no capability needed) works" || fail "unconf: $(report unconf)"
[ "$(seccomp_of admin)" = 2 ] && report admin | grep -qx unshare-uts=ok \
	&& ok "RuntimeDefault with CAP_SYS_ADMIN added: Docker's gate opens unshare" || fail "admin: $(report admin)"
[ "$(seccomp_of podunc)" = 0 ] && ok "the pod's Unconfined applies to its container" \
	|| fail "podunc: $(report podunc)"
[ "$(seccomp_of override)" = 2 ] && report override | grep -qx unshare=denied \
	&& ok "the container's RuntimeDefault wins over the pod's Unconfined" || fail "override: $(report override)"
[ "$(seccomp_of priv)" = 0 ] && ok "a privileged container is Unconfined" || fail "priv: $(report priv)"
[ "$(seccomp_of privnamed)" = 2 ] && ok "a privileged container that names RuntimeDefault gets it" \
	|| fail "privnamed: $(report privnamed)"
[ "$(seccomp_of nomkdir)" = 2 ] && report nomkdir | grep -qx mkdir=denied \
	&& report nomkdir | grep -qx unshare=ok && [ "$(pod_json nomkdir "p['status']")" = Running ] \
	&& ok "Localhost team/deny-mkdir.json: mkdir fails, the rest runs" || fail "nomkdir: $(report nomkdir)"

wait_status dotdot CreateContainerConfigError 20 \
	&& events_of dotdot | grep -q 'localhostProfile "../outside.json" must stay beneath.*".." is not allowed' \
	&& ok "a localhostProfile with \"..\": CreateContainerConfigError, the event says why" \
	|| fail "dotdot: $(pod_json dotdot "p['status']"); $(events_of dotdot)"
wait_status missing CreateContainerConfigError 20 && events_of missing | grep -q "team/nope.json.*No such file" \
	&& ok "a missing profile file: CreateContainerConfigError, the event names it" \
	|| fail "missing: $(pod_json missing "p['status']"); $(events_of missing)"
wait_status broken CreateContainerConfigError 20 \
	&& events_of broken | grep -q 'broken.json: syscalls\[0\]: action "SCMP_ACT_NOPE" is not one of' \
	&& ok "a bad profile: CreateContainerConfigError naming the file, the entry and the fault" \
	|| fail "broken: $(pod_json broken "p['status']"); $(events_of broken)"
wait_status typo CreateContainerConfigError 20 \
	&& events_of typo | grep -q 'typo.json: syscalls\[0\]: unknown syscall "mkdri"' \
	&& ok "a profile naming an unknown syscall: CreateContainerConfigError naming it (not skipped)" \
	|| fail "typo: $(pod_json typo "p['status']"); $(events_of typo)"
[ "$(seccomp_of newer)" = 2 ] && report newer | grep -qx mkdir=denied \
	&& [ "$(pod_json newer "p['status']")" = Running ] \
	&& ok "a profile naming syscalls newer than libseccomp (mseal, statmount) runs, its rules applied" \
	|| fail "newer: $(pod_json newer "p['status']"); $(report newer); $(events_of newer)"
ln -s "$T_TMP/outside.json" "$PROFILES/escape.json"
pod escape "" Localhost:escape.json >"$T_TMP/escape.yaml"
drop escape.yaml "$T_TMP/escape.yaml"
wait_status escape CreateContainerConfigError 20 && events_of escape | grep -q 'leads out of' \
	&& ok "a symlink out of the profile root is refused" || fail "escape: $(events_of escape)"

# podvisor exec, exec probes: under the container's filter too.
x() { "$PODVISOR" exec "$1" -- sh -c "$2" 2>&1; }
[ "$(x def 'grep Seccomp: /proc/self/status' | tr -d '\t')" = Seccomp:2 ] \
	&& ! x def 'unshare -U true' >/dev/null && x unconf 'unshare -U true' \
	&& ok "podvisor exec runs under the container's filter" \
	|| fail "exec def: $(x def 'grep Seccomp: /proc/self/status; unshare -U true')"
[ "$(x unconf 'grep Seccomp: /proc/self/status' | tr -d '\t')" = Seccomp:0 ] \
	&& ok "podvisor exec into an Unconfined container: no filter" || fail "exec unconf: $(x unconf 'grep Seccomp: /proc/self/status')"
x nomkdir 'mkdir /tmp/y' | grep -q 'Operation not permitted' \
	&& ok "podvisor exec: the Localhost profile applies (mkdir refused)" || fail "exec nomkdir: $(x nomkdir 'mkdir /tmp/y')"
# hostUsers: false: the filter goes on inside the pod's user namespace.
pod inuserns "" "" | sed 's/^spec:$/spec:\n  hostUsers: false/' >"$T_TMP/userns.yaml"
drop userns.yaml "$T_TMP/userns.yaml"
if wait_probe inuserns 30; then
	[ "$(seccomp_of inuserns)" = 2 ] && report inuserns | grep -qx unshare=denied \
		&& [ "$(x inuserns 'grep Seccomp: /proc/self/status' | tr -d '\t')" = Seccomp:2 ] \
		&& ok "hostUsers: false: the container and podvisor exec run under the filter" \
		|| fail "inuserns: $(report inuserns) $(x inuserns 'grep Seccomp: /proc/self/status')"
else
	ok "# SKIP hostUsers: false pods do not run here: $(pod_json inuserns "p['status']")"
fi
probe_pod() { # NAME PROFILE WANT: ready only if its exec probe sees Seccomp: WANT
	pod "$1" "" "$2" | sed '/^---$/d'
	cat <<YAML
    readinessProbe:
      exec: {command: [sh, -c, "grep -q 'Seccomp:.*$3' /proc/self/status"]}
      periodSeconds: 1
YAML
	echo ---
}
{ probe_pod probedef "" 2; probe_pod probeunc Unconfined 0; probe_pod probewrong "" 0; } >"$T_TMP/probes.yaml"
drop probes.yaml "$T_TMP/probes.yaml"
wait_for 30 '[ "$(pod_json probedef "p['"'"'ready'"'"']")" = 1 ] && [ "$(pod_json probeunc "p['"'"'ready'"'"']")" = 1 ]' \
	&& wait_for 20 'events_of probewrong | grep -q Unhealthy' && [ "$(pod_json probewrong "p['ready']")" = 0 ] \
	&& ok "exec probes run under the container's filter (and not under another)" \
	|| fail "probes: $(pod_json probedef "p['ready']") $(pod_json probeunc "p['ready']") $(pod_json probewrong "p['ready']")"

# Many: 21 pods, a third each RuntimeDefault (by default), Unconfined,
# Localhost; each sees its own.
: >"$T_TMP/many.yaml"
for i in $(seq 0 20); do
	case $((i % 3)) in
	0) pod m$i "" "" ;;
	1) pod m$i "" Unconfined ;;
	2) pod m$i "" Localhost:team/deny-mkdir.json ;;
	esac >>"$T_TMP/many.yaml"
done
drop many.yaml "$T_TMP/many.yaml"
bad=""
for i in $(seq 0 20); do
	wait_probe m$i 60 || { bad="$bad m$i(no report)"; continue; }
	case $((i % 3)) in
	0) want="2 unshare=denied mkdir=ok" ;;
	1) want="0 unshare=ok mkdir=ok" ;;
	2) want="2 unshare=ok mkdir=denied" ;;
	esac
	got="$(seccomp_of m$i) $(report m$i | grep -x 'unshare=.*') $(report m$i | grep -x 'mkdir=.*')"
	[ "$got" = "$want" ] || bad="$bad m$i($got)"
done
[ -z "$bad" ] && ok "21 pods of three kinds each see their own filter" || fail "many:$bad"

# node.yaml: seccompDefault: false makes Unconfined the default; the
# running pods keep theirs.
stop_daemon TERM >/dev/null
printf 'seccompDefault: false\nseccompProfileRoot: %s\n' "$PROFILES" >"$T_TMP/node.yaml"
start_daemon --config "$T_TMP/node.yaml" || { fail "daemon restart"; diag "$(tail "$LOG")"; }
{ pod late "" ""; pod latelocal "" Localhost:team/deny-mkdir.json; } >"$T_TMP/late.yaml"
drop late.yaml "$T_TMP/late.yaml"
wait_probe late && [ "$(seccomp_of late)" = 0 ] \
	&& ok "seccompDefault: false in node.yaml: a pod naming no profile is Unconfined" \
	|| fail "late: $(report late)"
wait_probe latelocal && report latelocal | grep -qx mkdir=denied \
	&& ok "seccompProfileRoot in node.yaml: Localhost profiles found there" || fail "latelocal: $(report latelocal)"
[ "$(seccomp_of def)" = 2 ] && [ "$(pod_json def "p['status']")" = Running ] \
	&& ok "a running pod keeps its filter across the restart" || fail "def after restart: $(report def)"

# As runc: with no_new_privs the filter goes on last, just before exec,
# so a profile that refuses what taking the user and capabilities needs
# (setuid, setgroups, capset) still runs the container and `exec` into it;
# without no_new_privs it goes on first, and the start fails.
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["setuid", "setresuid", "setgid", "setresgid", "setgroups", "capset"], "action": "SCMP_ACT_ERRNO"}]}' \
	>"$PROFILES/no-setid.json"
{ pod nnp "" Localhost:no-setid.json "" "allowPrivilegeEscalation: false, runAsUser: 1000"
  pod setid "" Localhost:no-setid.json "" "runAsUser: 1000"; } >"$T_TMP/nnp.yaml"
drop nnp.yaml "$T_TMP/nnp.yaml"
wait_probe nnp && [ "$(x nnp 'id -u')" = 1000 ] && x nnp 'grep NoNewPrivs /proc/self/status' | grep -q 1 \
	&& ok "no_new_privs: the filter goes on last, so a profile refusing setuid/capset runs (and exec too)" \
	|| fail "nnp: $(pod_json nnp "p['status']") $(report nnp) $(x nnp 'id -u') $(events_of nnp | tail -3)"
wait_for 30 "events_of setid | grep -q 'set user'" && [ "$(pod_json setid "p['status']")" != Running ] \
	&& ok "without no_new_privs it goes on first: the same profile refuses the start (set user)" \
	|| fail "setid: $(pod_json setid "p['status']") $(events_of setid | tail -3)"

"$PODVISOR" daemon --manifests "$M" --seccomp-default=maybe >"$T_TMP/bad.out" 2>&1
grep -q -- '--seccomp-default=maybe: true or false is needed' "$T_TMP/bad.out" \
	&& ok "--seccomp-default=maybe is refused" || fail "$(cat "$T_TMP/bad.out")"
"$PODVISOR" daemon --help | grep -q -- '--seccomp-profile-root DIR' \
	&& ok "--help documents the seccomp options" || fail "help"

stop_daemon TERM >/dev/null
done_testing
