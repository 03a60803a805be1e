#!/bin/bash
# get -w (issue #15 item 4): the daemon streams changes, the CLI prints a
# row for each, as kubectl -w does. A pod's life (ContainerCreating or
# Pending, Running, Terminating, gone) arrives on `get pods -w` without
# the client asking again; `get events -w` prints each new event, and
# --for/NAME narrow it; 20 pods at once all arrive; a watcher that stops
# reading does not hold the daemon up; a watcher's exit is noticed.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"
start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

"$PODVISOR" get pods -w >"$T_TMP/pods.w" 2>&1 &
WP=$!
"$PODVISOR" get events -w >"$T_TMP/events.w" 2>&1 &
WE=$!
"$PODVISOR" get events -w --for pod/web >"$T_TMP/web.w" 2>&1 &
WF=$!
wait_for 10 'grep -q "No resources found" "$T_TMP/pods.w"' && ok "get pods -w on an empty node: kubectl's words, then it waits" ||
	fail "pods -w: $(cat "$T_TMP/pods.w")"
pod_yaml web Always sleep 1000 >"$T_TMP/web.yaml" && drop web.yaml "$T_TMP/web.yaml"
wait_for 30 'grep -qE "^web +1/1 +Running " "$T_TMP/pods.w"' && ok "the pod's rows arrive as it starts, up to 1/1 Running" ||
	fail "pods -w: $(cat "$T_TMP/pods.w")"
grep -qE "^web +0/1 +(ContainerCreating|Pending) " "$T_TMP/pods.w" && ok "its row before Running was there too (not polled past)" ||
	fail "no row before Running: $(cat "$T_TMP/pods.w")"
wait_for 10 'grep -qE "Normal +Started +pod/default/web " "$T_TMP/events.w"' && grep -qE "Normal +Loaded +file:$M/web.yaml " "$T_TMP/events.w" &&
	ok "get events -w: the file's Loaded and the pod's Started arrive" || fail "events -w: $(cat "$T_TMP/events.w")"
wait_for 10 'grep -qE "Started +pod/default/web " "$T_TMP/web.w"' && ! grep -q "file:" "$T_TMP/web.w" &&
	ok "get events -w --for pod/web: that pod's events only" || fail "--for: $(cat "$T_TMP/web.w")"
rm "$M/web.yaml"
wait_for 30 'grep -qE "^web +[0-9]/1 +Terminating " "$T_TMP/pods.w"' && ok "deleting its file: the row says Terminating" ||
	fail "no Terminating row: $(cat "$T_TMP/pods.w")"
wait_for 30 '[ -z "$("$PODVISOR" get pods --no-headers 2>/dev/null)" ]' || fail "web not gone"
kill -0 $WP 2>/dev/null && ok "the watch goes on after the pod is gone" || fail "get pods -w ended: $(tail -3 "$T_TMP/pods.w")"

# many: 20 pods at once, every one's Running row arrives
for i in $(seq 1 20); do
	printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: m%02d}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: busybox:test, command: [sleep, "3600"]}\n' "$i"
done >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
wait_for 90 '[ "$(grep -E "^m[0-9]+ +1/1 +Running " "$T_TMP/pods.w" | awk "{print \$1}" | sort -u | wc -l)" = 20 ]' &&
	ok "20 pods at once: each one's Running row arrives" || fail "many: $(grep -cE '^m[0-9]+ +1/1 +Running' "$T_TMP/pods.w") Running rows"

# a watcher that stops reading: the daemon goes on answering
"$PODVISOR" get events -w >/dev/null 2>&1 &
WS=$!
sleep 0.5
kill -STOP $WS
for i in $(seq 1 30); do printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {k: "%0500d"}\n' "$i" 0 >"$T_TMP/c.yaml"; drop "c$i.yaml" "$T_TMP/c.yaml"; done
wait_for 30 '[ "$("$PODVISOR" get cm --no-headers 2>/dev/null | wc -l)" = 30 ]' && ok "a stopped watcher holds nothing up: 30 files read, get answers" ||
	fail "with a stopped watcher: $("$PODVISOR" get cm 2>&1 | tail -2)"
kill -9 $WS 2>/dev/null

# the watchers go: the daemon notices and is fine
kill $WP $WE $WF 2>/dev/null
wait $WP $WE $WF 2>/dev/null
"$PODVISOR" get pods >/dev/null 2>&1 && kill -0 "$DAEMON" && ok "the watchers gone, the daemon is alive and answers" || fail "the daemon died"
"$PODVISOR" get deploy -w >/dev/null 2>"$T_TMP/err"; rc=$?
[ "$rc" = 2 ] && grep -q "served for pods and events" "$T_TMP/err" && ok "-w on another kind: a clear error, exit 2" || fail "deploy -w: $rc $(cat "$T_TMP/err")"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
done_testing
