#!/bin/bash
# The daemon as PID 1 of a PID namespace of its own (an initramfs, a
# container): started with no /proc in its mount namespace, it mounts the
# kernel's filesystems it needs; 100 orphans reparented to it are reaped
# (no zombies); a pod runs; SIGTERM stops the pod gracefully (its TERM
# trap writes a file on a hostPath) and the daemon exits 0; SIGPWR too.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

H=$T_TMP/host
mkdir -p "$H"
# pid1_start: `podvisor daemon` exec'd as PID 1 of a new PID and mount
# namespace, where an empty tmpfs hides /proc (as on a root with none
# mounted). DAEMON: its PID here.
pid1_start() {
	unshare --pid --fork --mount sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
		"$PODVISOR" daemon --manifests "$M" --cgroup-parent "$CG" --host-path-allow "$H" \
		>>"$LOG" 2>&1 &
	UNSHARE=$!
	DAEMON=
	for _ in $(seq 100); do
		DAEMON=$(pgrep -P "$UNSHARE" -x podvisor) && [ -S "$S/podvisor.sock" ] &&
			"$PVQ" get pods >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

pid1_start || { fail "the daemon does not start as PID 1: $(tail -5 "$LOG")"; done_testing; exit 1; }
[ "$(awk '/^NSpid/ {print $NF}' /proc/"$DAEMON"/status)" = 1 ] &&
	ok "the daemon is PID 1 of its PID namespace" || fail "NSpid: $(grep NSpid /proc/"$DAEMON"/status)"
grep -q "PID 1: mounted proc on /proc" "$LOG" && [ "$(cat /proc/"$DAEMON"/root/proc/1/comm 2>/dev/null)" = podvisor ] &&
	ok "with no /proc it mounts its own (PID 1 there is the daemon)" ||
	fail "no /proc of its own: $(grep 'PID 1' "$LOG"; cat /proc/"$DAEMON"/root/proc/1/comm 2>&1)"

cat >"$T_TMP/p.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: polite}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: c
    image: busybox:test
    command: [sh, -c, "trap 'echo bye > /out/bye; exit 0' TERM; echo up > /out/up; while :; do sleep 0.1; done"]
    volumeMounts: [{name: out, mountPath: /out}]
  volumes:
  - {name: out, hostPath: {path: $H, type: Directory}}
YAML
mv "$T_TMP/p.yaml" "$M/p.yaml"
wait_status polite Running 20 && for _ in $(seq 50); do [ -s "$H/up" ] && break; sleep 0.1; done
[ -s "$H/up" ] && ok "a pod runs under the daemon as PID 1" || fail "polite: $(pod_json polite "p['status']")"

# 100 orphans: each (sleep &) subshell exits at once, its sleep is
# reparented to the namespace's init, the daemon, and exits 1 s later.
nsenter -t "$DAEMON" -p -m sh -c 'for i in $(seq 100); do (sleep 1 &); done'
orphans() { # the daemon's children called sleep, zombies or not
	local n=0 p
	for p in $(pgrep -P "$DAEMON" -x sleep); do n=$((n + 1)); done
	echo "$n"
}
adopted=$(orphans)
[ "$adopted" -ge 50 ] && ok "$adopted orphaned sleeps are the daemon's children now" ||
	fail "only $adopted orphans reparented to the daemon"
for _ in $(seq 100); do [ "$(orphans)" = 0 ] && break; sleep 0.1; done
zombies=$(ps -o stat= --ppid "$DAEMON" | grep -c '^Z')
[ "$(orphans)" = 0 ] && [ "$zombies" = 0 ] && ok "all 100 orphans reaped: no zombie left" ||
	fail "$(orphans) orphans left, $zombies zombies: $(ps -o pid,stat,comm --ppid "$DAEMON" | head)"

kill -TERM "$DAEMON"
wait "$UNSHARE"
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM: the daemon exits 0" || fail "SIGTERM: exit status $rc"
[ "$(cat "$H/bye" 2>/dev/null)" = bye ] && ok "SIGTERM: the pod was stopped gracefully first (its TERM trap ran)" ||
	fail "no graceful stop: $(grep -E 'stopping|exiting' "$LOG")"
grep -q "stopping every pod, then exiting" "$LOG" && ok "it says so in its log" || fail "log: $(tail -3 "$LOG")"

# SIGPWR (a UPS, poweroff): the same.
rm -f "$H/bye" "$H/up"
pid1_start || fail "the daemon does not start again"
wait_status polite Running 20 && for _ in $(seq 50); do [ -s "$H/up" ] && break; sleep 0.1; done
kill -PWR "$DAEMON"
wait "$UNSHARE"
rc=$?
[ "$rc" = 0 ] && [ "$(cat "$H/bye" 2>/dev/null)" = bye ] && ok "SIGPWR: pods stopped gracefully, exit 0" ||
	fail "SIGPWR: exit status $rc, bye: $(cat "$H/bye" 2>&1)"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
done_testing
