#!/bin/bash
# asan: yes
# What a container sees of the kernel (issue 14, item 3): runc's and
# containerd's default masked paths are empty (/proc/kcore, /proc/keys,
# /proc/timer_list, /sys/firmware, ...) and their read-only paths
# (/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus, /proc/fs) can be
# read but not written, in every container of a pod, for `exec` too.
. "$(dirname "$0")/lib_pods.sh"

start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

cat >"$T_TMP/sb.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: sb}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: init
    image: busybox:test
    command: [sh, -c, "head -c 16 /proc/kcore 2>/dev/null | wc -c > /tmp/kcore; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>/tmp/w; exit 0"]
    volumeMounts: [{name: t, mountPath: /tmp}]
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    volumeMounts: [{name: t, mountPath: /tmp}]
  volumes: [{name: t, emptyDir: {}}]
YAML
drop sb.yaml "$T_TMP/sb.yaml"
wait_status sb Running 30 && ok "a pod runs with the kernel's paths masked" || fail "sb: $(pod_json sb "p['status']")"

x() { "$PODVISOR" exec sb -- sh -c "$1" 2>&1; }
# (a kernel without /proc/kcore has nothing to mask: not a byte either way)
[ "$(x 'head -c 16 /proc/kcore 2>/dev/null | wc -c')" = 0 ] && ok "not a byte of /proc/kcore (under /dev/null)" \
	|| fail "kcore: $(x 'head -c 16 /proc/kcore | wc -c')"
[ "$(x 'wc -c < /proc/keys')" = 0 ] && [ "$(x 'wc -c < /proc/timer_list')" = 0 ] \
	&& ok "/proc/keys and /proc/timer_list read empty" || fail "keys: $(x 'wc -c < /proc/keys'), timer_list: $(x 'wc -c < /proc/timer_list')"
[ -z "$(x 'ls -A /sys/firmware')" ] && [ -n "$(ls -A /sys/firmware 2>/dev/null)" ] \
	&& ok "/sys/firmware is empty (the node's is not)" || fail "/sys/firmware: $(x 'ls -A /sys/firmware')"
[ -n "$(x 'cat /proc/sys/kernel/ostype')" ] && ok "/proc/sys can be read" || fail "/proc/sys unreadable"
out=$(x 'echo 1 > /proc/sys/kernel/ns_last_pid && echo wrote'); 
grep -q 'Read-only file system' <<<"$out" && ! grep -q wrote <<<"$out" \
	&& ok "/proc/sys cannot be written: $out" || fail "/proc/sys write: $out"
out=$(x 'echo h > /proc/sysrq-trigger && echo wrote')
! grep -q wrote <<<"$out" && ok "/proc/sysrq-trigger cannot be written" || fail "sysrq: $out"
[ "$(x 'cat /tmp/kcore')" = 0 ] && grep -q 'Read-only' <<<"$(x 'cat /tmp/w')" \
	&& ok "an init container is masked the same way" || fail "init: kcore $(x 'cat /tmp/kcore'), write: $(x 'cat /tmp/w')"
# nothing of the daemon's, spawner's or shim's is left open in the
# container's process: its stdin, stdout and stderr only
fds=$(x 'ls /proc/$(pidof sleep)/fd | tr "\n" " "')
[ "$fds" = "0 1 2 " ] && ok "the container's process holds descriptors 0, 1, 2 only" \
	|| fail "the container's descriptors: $fds"
# The image's two layers, stacked top first (mounted at their full paths;
# test_scale's 60 layers go through short links): layer 2's file, its
# whiteout of etc/motd, its opaque data/.
out=$(x 'cat /etc/layer2; [ -e /etc/motd ] && echo motd; ls -A /data' | tr '\n' ' ')
[ "$out" = "2 upper.txt " ] && ok "the rootfs stacks the image's layers: layer 2's file, whiteout and opaque directory" \
	|| fail "rootfs layers: '$out'"
# /dev: the default devices, each a character device of the kernel's
# numbers, 0666, and working (made with mknod, or bound from the host's
# in a user namespace: test_userns)
devs=$(x 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done | tr "\n" ";"')
[ "$devs" = "/dev/null character special file 1:3 666;/dev/zero character special file 1:5 666;/dev/full character special file 1:7 666;/dev/random character special file 1:8 666;/dev/urandom character special file 1:9 666;/dev/tty character special file 5:0 666;" ] \
	&& ok "/dev has null, zero, full, random, urandom and tty, character devices, 0666" || fail "/dev: $devs"
out=$(x 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c && (echo x > /dev/full) 2>&1 | grep -c "No space"')
[ "$(echo $out)" = "4 8 1" ] && ok "they work: /dev/null takes, /dev/zero and /dev/urandom give, /dev/full is full" \
	|| fail "devices: $out"
[ "$(x 'cat /proc/self/status | grep -c ^Pid')" = 1 ] && [ -n "$(x 'cat /proc/uptime')" ] \
	&& ok "the rest of /proc works (status, uptime)" || fail "proc: $(x 'cat /proc/uptime')"

# procMount: Unmasked, in the pod's own user namespace: /proc as the
# kernel shows it (timer_list readable, /proc/sys not read-only); without
# hostUsers: false it is refused at load, as Kubernetes validates it.
um_pod() { # NAME HOSTUSERS
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  hostUsers: $2
  containers:
  - name: main
    image: busybox:test
    command: [sleep, "1000"]
    securityContext: {procMount: Unmasked}
YAML
}
um_pod um false >"$T_TMP/um.yaml"
drop um.yaml "$T_TMP/um.yaml"
if wait_status um Running 30; then
	ux() { "$PODVISOR" exec um -- sh -c "$1" 2>&1; }
	# masks are mounts over /proc/...: none in the Unmasked pod
	masks() { "$PODVISOR" exec "$1" -- sh -c "awk '\$5 ~ \"^/proc/\"' /proc/self/mountinfo | wc -l" 2>&1; }
	[ "$(masks um)" = 0 ] && [ "$(masks sb)" -gt 5 ] \
		&& ok "procMount Unmasked (hostUsers: false): nothing masked or read-only under /proc ($(masks sb) mounts there in the default pod)" \
		|| fail "um: $(masks um) mounts under /proc, default $(masks sb)"
else
	fail "um: $(pod_json um "p['status']") $("$PODVISOR" get events pod/default/um 2>&1 | tail -2)"
fi
um_pod umhost true >"$T_TMP/umhost.yaml"
out=$("$PODVISOR" check "$T_TMP/umhost.yaml" 2>&1)
grep -q 'umhost.yaml:[0-9]*:[0-9]*: error: .*procMount: `hostUsers` must be false to use `Unmasked`' <<<"$out" \
	&& ok "procMount Unmasked with the node's users: refused at file:line:col" || fail "umhost check: $out"

stop_daemon TERM >/dev/null
done_testing
