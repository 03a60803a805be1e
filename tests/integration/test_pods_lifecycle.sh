#!/bin/bash
# The daemon's life around the pods: edits, a directory that goes away,
# changes made while it was down, a lost inotify queue, log rotation,
# terminals, and shutting the node down.
. "$(dirname "$0")/lib_pods.sh"

start_daemon --log-max-bytes 4096 || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# --- an edited spec recreates the pod; a label edit does not ----------------
pod_yaml web Always sh -c "trap 'exit 0' TERM; while true; do sleep 0.1; done" >"$T_TMP/web.yaml"
drop web.yaml "$T_TMP/web.yaml"
wait_status web Running || fail "web not running"
uid=$(pod_json web "p['uid']")
pid=$(pod_json web "p['containers'][0]['pid']")
sed 's/^metadata:/metadata:\n  labels: {tier: front}/' "$T_TMP/web.yaml" >"$T_TMP/web2.yaml"
seen=$(file_seen web.yaml)
drop web.yaml "$T_TMP/web2.yaml"
# the daemon's proof that it loaded the edit, then the pod as it is
wait_read web.yaml "$seen" Updated || fail "the label edit was not loaded: last event $(file_last web.yaml)"
[ "$(pod_json web "p['uid']")" = "$uid" ] && [ "$(pod_json web "p['containers'][0]['pid']")" = "$pid" ] \
	&& [ -d "/proc/$pid" ] && [ "$(pod_json web "p['status']")" = Running ] \
	&& ok "a label edit, once loaded, keeps the running pod (same uid, same process)" \
	|| fail "label edit recreated the pod: uid $(pod_json web "p['uid']") status $(pod_json web "p['status']")"
sed 's/terminationGracePeriodSeconds: 2/terminationGracePeriodSeconds: 3/' "$T_TMP/web2.yaml" >"$T_TMP/web3.yaml"
drop web.yaml "$T_TMP/web3.yaml"
for _ in $(seq 100); do
	new=$(pod_json web "p['uid']")
	[ -n "$new" ] && [ "$new" != "$uid" ] && [ "$(pod_json web "p['status']")" = Running ] && break
	sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$uid" ] && ok "an edited spec recreates the pod (new uid, Running)" || fail "spec edit: uid $new"
[ "$(ls "$S/pods" | wc -l)" = 1 ] && ok "the old pod is gone: one pod directory" || fail "pod dirs: $(ls "$S/pods")"

# --- log files are capped and rotated -----------------------------------------
pod_yaml chatty Always sh -c 'i=0; while [ $i -lt 400 ]; do echo line $i of chatter; i=$((i+1)); done; sleep 1000' >"$T_TMP/chatty.yaml"
drop chatty.yaml "$T_TMP/chatty.yaml"
wait_status chatty Running
sleep 1
dir=$(ls -d "$S"/pods/*/containers/main/log | while read -r d; do grep -l chatter "$d"/* >/dev/null 2>&1 && echo "$d"; done | head -1)
cur=$(stat -c %s "$dir/0.log" 2>/dev/null)
old=$(stat -c %s "$dir/0.log.1" 2>/dev/null)
[ -n "$old" ] && [ "${cur:-99999}" -le 4200 ] && [ "$old" -le 4200 ] \
	&& ok "a log past --log-max-bytes is rotated (0.log ${cur}B, 0.log.1 ${old}B)" || fail "rotation: cur=$cur old=$old"
"$PODVISOR" logs chatty | tail -1 | grep -qx "line 399 of chatter" && ok "logs shows the newest lines after rotation" || fail "logs after rotation"
rm -f "$M/chatty.yaml"

# --- a terminal for exec -it ------------------------------------------------------
# (script(1) supplies the terminal; it echoes its own stdin's EOF as ^@.)
# The command's terminal must come from the container's own devpts, not
# be script's pty from the node's: the device of its stdin (its devpts
# instance, and major:minor) must be the container's /dev/pts and the
# name `tty` prints, and not the node's /dev/pts.
cat >"$T_TMP/ttycheck.sh" <<EOF
exec "$PODVISOR" exec -it web -- sh -c 'n=\$(tty); echo "PV_TTY=\$n"; echo "PV_IN=\$(stat -L -c %d:%t:%T /proc/self/fd/0)"; echo "PV_NAME=\$(stat -c %d:%t:%T "\$n")"; echo "PV_PTS=\$(stat -c %d /dev/pts)"'
EOF
out=$(script -qc "bash $T_TMP/ttycheck.sh" /dev/null </dev/null | tr -d '\r')
field() { sed -n "s/.*PV_$1=//p" <<<"$out" | head -1; }
tty_name=$(field TTY) tty_in=$(field IN) tty_byname=$(field NAME) ctr_pts=$(field PTS)
node_pts=$(stat -c %d /dev/pts)
if [[ $tty_name =~ ^/dev/pts/[0-9]+$ ]] && [ -n "$ctr_pts" ] && [ "${tty_in%%:*}" = "$ctr_pts" ] \
	&& [ "$tty_in" = "$tty_byname" ] && [ "$ctr_pts" != "$node_pts" ]; then
	ok "exec -it gives the command a terminal from the container's own devpts ($tty_name, dev $ctr_pts, not the node's $node_pts)"
else
	fail "exec -it: not the container's terminal"
	diag "$out" "node /dev/pts dev: $node_pts"
fi
[ "$("$PODVISOR" exec web -- tty 2>&1)" = "not a tty" ] && ok "without -t there is no terminal" || fail "exec without -t has a tty"

# --- changes while the daemon is down take effect when it is back ------------
pid=$(pod_json web "p['containers'][0]['pid']")
stop_daemon 9
rm -f "$M/web.yaml"
pod_yaml added Always sleep 1000 >"$M/added.yaml"
start_daemon --log-max-bytes 4096
for _ in $(seq 80); do [ -z "$(pod_json web "p['name']")" ] && [ "$(pod_json added "p['status']")" = Running ] && break; sleep 0.1; done
[ -z "$(pod_json web "p['name']")" ] && [ ! -d "/proc/$pid" ] && ok "a pod whose file was deleted while the daemon was down is stopped" || fail "web survived"
[ "$(pod_json added "p['status']")" = Running ] && ok "a pod added while the daemon was down is started" || fail "added: $(pod_json added "p['status']")"

# --- the directory itself deleted and re-created ----------------------------------
# A missing directory is not an empty one (an rsync or git swap must not
# stop pods): its pods stay, said in a ManifestsMissing event; the
# directory made again is the truth again.
cp "$M/added.yaml" "$T_TMP/added.yaml"
apid=$(pod_json added "p['containers'][0]['pid']")
rm -rf "$M"
for _ in $(seq 100); do
	"$PODVISOR" get events "file:$M" 2>/dev/null | grep -q ManifestsMissing && break
	sleep 0.1
done
"$PODVISOR" get events "file:$M" 2>/dev/null | grep -q ManifestsMissing && [ "$(pod_json added "p['containers'][0]['pid']")" = "$apid" ] \
	&& ok "deleting the manifests directory keeps its pods running, and an event says so" || fail "added: $(pod_json added "p['status']") events: $("$PODVISOR" get events "file:$M" 2>&1 | tail -2)"
mkdir "$M"
cp "$T_TMP/added.yaml" "$M/.a" && mv "$M/.a" "$M/added.yaml"
pod_yaml other Always sleep 1000 >"$M/.o" && mv "$M/.o" "$M/other.yaml"
wait_status other Running && [ "$(pod_json added "p['containers'][0]['pid']")" = "$apid" ] \
	&& ok "the directory made again is in force: a new file starts, the kept one was never restarted" || fail "after re-create: added $(pod_json added "p['status']"), other $(pod_json other "p['status']")"
rm -f "$M/other.yaml"
for _ in $(seq 100); do [ -z "$(pod_json other "p['name']")" ] && break; sleep 0.1; done

# --- a lost inotify queue: the rescan converges --------------------------------
# The queue length is read when the daemon opens inotify; make it tiny for
# this daemon only, then put it back at once.
q=$(cat /proc/sys/fs/inotify/max_queued_events)
stop_daemon TERM
echo 4 >/proc/sys/fs/inotify/max_queued_events
start_daemon --log-max-bytes 4096; rc=$?
echo "$q" >/proc/sys/fs/inotify/max_queued_events
[ $rc = 0 ] || fail "daemon restart"
kill -STOP $DAEMON
for i in $(seq 1 12); do pod_yaml "burst$i" Always sleep 1000 >"$M/burst$i.yaml"; done
kill -CONT $DAEMON
for _ in $(seq 150); do
	n=$("$PODVISOR" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin) if p["name"].startswith("burst") and p["status"] == "Running"))' 2>/dev/null)
	[ "$n" = 12 ] && break
	sleep 0.2
done
grep -q "inotify queue overflowed; rescanning" "$LOG" && ok "the daemon notices the inotify queue overflowed" || fail "no overflow seen"
[ "$n" = 12 ] && ok "the rescan converges: all 12 pods Running" || fail "after overflow: $n of 12 running"
rm -f "$M"/burst*.yaml

# --- a container that ignores SIGTERM is killed when its grace period ends ------
# (grace 2 s; the pod is stopped 300 ms after its file goes, the vim delay)
pod_yaml stubborn Always sh -c "trap '' TERM; echo ignoring TERM; while true; do sleep 0.1; done" >"$T_TMP/stubborn.yaml"
drop stubborn.yaml "$T_TMP/stubborn.yaml"
wait_status stubborn Running || fail "stubborn: $(pod_json stubborn "p['status']")"
spid=$(pod_json stubborn "p['containers'][0]['pid']")
rm -f "$M/stubborn.yaml"
start=$(date +%s%N)
terminating=no
for _ in $(seq 150); do # until the process is gone (at most ~7 s)
	[ -d "/proc/$spid" ] || break
	[ "$(pod_json stubborn "p['status']")" = Terminating ] && [ -d "/proc/$spid" ] && terminating=yes
	sleep 0.05
done
ms=$((($(date +%s%N) - start) / 1000000))
[ $terminating = yes ] && ok "a deleted pod whose container ignores SIGTERM shows Terminating while it runs on" \
	|| fail "stubborn was never seen Terminating with its process alive"
if [ ! -d "/proc/$spid" ] && [ $ms -ge 2000 ] && [ $ms -lt 4500 ]; then
	ok "it keeps running through its 2 s grace period and is killed right after ($ms ms)"
else
	fail "stubborn container: alive=$([ -d "/proc/$spid" ] && echo yes || echo no) after $ms ms (wanted killed between 2000 and 4500)"
fi
for _ in $(seq 40); do [ -z "$(pod_json stubborn "p['name']")" ] && break; sleep 0.05; done
ev=$("$PODVISOR" get events pod/default/stubborn 2>&1)
grep -qE 'Warning +Killing +pod/default/stubborn +grace period over: SIGKILL' <<<"$ev" \
	&& grep -qE 'Warning +Died +pod/default/stubborn +container main exited with code 137 ' <<<"$ev" \
	&& ok "and is reported as such: a Killing event, then exit code 137" \
	|| { fail "stubborn's events do not show the SIGKILL"; diag "$ev"; }

# --- shutting the node down: --shutdown-pods-on-exit stops pods gracefully --------
# The container says so in its own words when it gets SIGTERM; its
# events (in the daemon's log, as the pod's state goes with it) must show
# that pod's container completing with 0, and no SIGKILL.
stop_daemon TERM
pod_yaml graceful Always sh -c "trap 'echo graceful-\$HOSTNAME got TERM; exit 0' TERM; while true; do sleep 0.1; done" >"$M/graceful.yaml"
start_daemon --shutdown-pods-on-exit
wait_status graceful Running || fail "graceful not running"
# (a hard link keeps its log file once the pod's directory is removed)
ln "$S/pods/$(pod_json graceful "p['uid']")/containers/main/log/0.log" "$T_TMP/graceful.log"
stop_daemon TERM; rc=$?
left=$(pgrep -f 'podvisor-pod-init|podvisor-shim' | wc -l)
[ $rc = 0 ] && [ "$left" = 0 ] && ok "SIGTERM with --shutdown-pods-on-exit stops every pod, then exits 0" || fail "shutdown: rc=$rc, $left processes left"
grep -q "stdout F graceful-graceful got TERM$" "$T_TMP/graceful.log" \
	&& ok "the graceful pod's own container got SIGTERM (its own log line)" \
	|| { fail "the graceful container never said it got SIGTERM"; diag "$(cat "$T_TMP/graceful.log")"; }
grep -q "info: pod/default/graceful: Stopped: container main stopped (exit code 0)$" "$LOG" \
	&& ! grep -q "pod/default/graceful: Killing" "$LOG" && grep -q "pod default/graceful: stopped" "$LOG" \
	&& ok "and that container exited 0 by itself within its grace period (a Normal Stopped event, no SIGKILL)" \
	|| { fail "no graceful stop of pod graceful in the log"; diag "$(grep -F 'graceful' "$LOG" | tail -8)"; }

done_testing
