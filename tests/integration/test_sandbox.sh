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
[ "$(x 'cat /proc/self/status | grep -c ^Pid')" = 1 ] && [ -n "$(x 'cat /proc/uptime')" ] \
	&& ok "the rest of /proc works (status, uptime)" || fail "proc: $(x 'cat /proc/uptime')"

stop_daemon TERM >/dev/null
done_testing
