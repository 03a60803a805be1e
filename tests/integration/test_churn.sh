#!/bin/bash
# Churn and crashes (issue #14, reliability items 1 and 2): a seeded random
# sequence of operations on the manifests directory (create, modify image,
# env, labels or replicas, delete, invalid files: malformed YAML, an
# unknown kind, a field of the wrong type; each write delivered in place,
# rsync-style, editor-style with a backup, or vim's rename dance; whole-
# directory swaps: a copy renamed over it) over
# Pods, Deployments, Services (ClusterIP and NodePort) and ConfigMaps, while
# pods start and stop, with the daemon killed -9 at random moments and
# restarted (half the time after one more operation while it is down). At the end, and after every restart once the node settles:
# the node runs exactly what the directory asks for (a bad edit keeps the
# last valid version, as Kubernetes does), no pod twice, no IP or node port
# handed out twice, the claims bound before still bound to the same
# volumes. Then the directory is emptied and every counter (processes,
# zombies, mounts, cgroups, veths, bridge addresses, nat rules, state
# files, daemon fds) is back to its baseline.
#
#   SEED=N             replay one sequence (the seed is printed first)
#   CHURN_OPS=N        operations (default 120; SOAK=1: 600)
#   CHURN_KILLS=N      kill -9 of the daemon (default 5; SOAK=1: 20)
#   CHURN_SWAP=0       no whole-directory swaps (renames of a copy over it)
#   CHURN_BAD_AT_KILL=fix  make every file valid before a kill (shows the
#                      rest is green where bad edits across a restart fail)
#   CHURN_KILL_SETTLED=1   kill only once the node has settled (no pod is
#                      starting or stopping at the kill)
# asan: yes
# long: yes
. "$(dirname "$0")/lib_pods.sh"
. "$(dirname "$0")/lib_churn.sh"

SEED=${SEED:-$(( $(date +%s%N) % 100000 ))}
if [ -n "${SOAK:-}" ]; then
	OPS=${CHURN_OPS:-600} KILLS=${CHURN_KILLS:-20} NP=40 ND=4 NS=8 NC=6
else
	OPS=${CHURN_OPS:-120} KILLS=${CHURN_KILLS:-5} NP=20 ND=3 NS=6 NC=4
fi
SWAP=${CHURN_SWAP:-1}
echo "# churn: SEED=$SEED ops=$OPS kills=$KILLS pods=$NP deployments=$ND services=$NS configmaps=$NC swap=$SWAP"
RANDOM=$SEED
SLOTS=()
for i in $(seq 0 $((NP - 1))); do SLOTS+=("$(printf 'p%02d' "$i")"); done
for i in $(seq 0 $((ND - 1))); do SLOTS+=("d$i"); done
for i in $(seq 0 $((NS - 1))); do SLOTS+=("s$i"); done
for i in $(seq 0 $((NC - 1))); do SLOTS+=("c$i"); done

"$PODVISOR" image import "$T_TMP/oci" busybox:alt >/dev/null 2>&1 || fail "import busybox:alt"
mkdir -p "$M/team" "$T_TMP/host/pv0" "$T_TMP/host/pv1" "$T_TMP/host/pv2" "$T_TMP/st"
printf 'hostPathAllow:\n- %s\n' "$T_TMP/host" >"$T_TMP/node.yaml"
start() { start_daemon --config "$T_TMP/node.yaml"; }
start || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
MODEL=$T_TMP/model SEEN=$T_TMP/seen-ips PVCS=$T_TMP/pvcs

# marker: proof the daemon has read everything written so far. The watch
# delivers the directory's changes in order: once the marker ConfigMap
# (written last) shows its new value, every earlier change was seen.
MARK=0
marker() {
	MARK=$((MARK + 1))
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: zz-marker}\ndata: {k: "%s"}\n' "$MARK" >"$T_TMP/mk"
	deliver "$M/zz-marker.yaml" "$T_TMP/mk" 1
	wait_for 30 '[ "$("$PVQ" get cm zz-marker -o internal-json 2>/dev/null | "$PY" -c "import json,sys; print(json.load(sys.stdin)[0][\"data\"][\"k\"])" 2>/dev/null)" = "$MARK" ]'
}
# settle SECONDS: until the node is what the model says (the marker
# first); the differences left, if any, in $T_TMP/diff. Never in a
# subshell: MARK must count up in the test's own shell.
# Once a settle has failed, the node is known to differ: later ones wait
# 10 s at most, so that a red run stays short.
SETTLE_FAILED=0
settle() {
	local t=$1
	[ "$SETTLE_FAILED" = 1 ] && [ "$t" -gt 10 ] && t=10
	marker || { echo "the daemon did not read the marker $MARK" >"$T_TMP/diff"; return 1; }
	model_write "$MODEL"
	echo "cm zz-marker $MARK" >>"$MODEL"
	wait_for "$t" 'check_state "$MODEL" "$PVCS" "$SEEN" >"$T_TMP/diff"' || { SETTLE_FAILED=1; return 1; }
}

# ---- warm-up and the baseline: a pod, a Service, a claim come and go ----
storage_yaml() { # VOLUMES CLAIMS
	local i
	for i in $1; do
		printf -- '---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: vol%s}\nspec:\n  capacity: {storage: 1Gi}\n' "$i"
		printf '  accessModes: [ReadWriteOnce]\n  storageClassName: manual\n  hostPath: {path: %s, type: Directory}\n' "$T_TMP/host/pv$i"
	done
	for i in $2; do
		printf -- '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: claim%s}\nspec:\n' "$i"
		printf '  accessModes: [ReadWriteOnce]\n  storageClassName: manual\n  resources: {requests: {storage: 1Gi}}\n'
	done
}
storage_yaml 2 9 >"$T_TMP/w" && deliver "$M/warm-storage.yaml" "$T_TMP/w" 1
render p00 busybox:test a 0 >"$T_TMP/w" && deliver "$M/warm.yaml" "$T_TMP/w" 1
render s0 NodePort a | sed 's/name: s0/name: warm/' >"$T_TMP/w" && deliver "$M/warm-svc.yaml" "$T_TMP/w" 1
wait_status p00 Running 30 || fail "warm-up pod: $(pod_json p00 "p['status']")"
wait_for 20 '"$PODVISOR" get pvc claim9 2>/dev/null | grep -q Bound' || fail "warm-up claim: $("$PODVISOR" get pvc 2>&1)"
rm "$M/warm.yaml" "$M/warm-svc.yaml" "$M/warm-storage.yaml"
settle 30 || { fail "warm-up: the node is not empty again"; diag "$(cat "$T_TMP/diff")"; }
BASE=$(leak_counts)
leak_detail >"$T_TMP/base-detail"
echo "# baseline: $BASE"

# ---- claims, bound before the churn and never touched by it ----
storage_yaml "0 1 2" "0 1" >"$T_TMP/st/storage.yaml"
deliver "$M/storage.yaml" "$T_TMP/st/storage.yaml" 1
pvc_vol() { "$PVQ" get pvc "$1" -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; c=json.load(sys.stdin)[0]; print(c.get("volume") or c.get("volumeName") or "")' 2>/dev/null; }
wait_for 20 '[ -n "$(pvc_vol claim0)" ] && [ -n "$(pvc_vol claim1)" ]' || fail "claims not bound: $("$PODVISOR" get pvc 2>&1)"
: >"$PVCS"
for c in claim0 claim1; do echo "$c $(pvc_vol $c)" >>"$PVCS"; done
ok "claims bound before the churn: $(tr '\n' ' ' <"$PVCS")"

# ---- the churn ----
# The moments of the kills: KILLS distinct operation indices.
declare -A KILL_AT=()
while [ ${#KILL_AT[@]} -lt "$KILLS" ] && [ ${#KILL_AT[@]} -lt "$OPS" ]; do rnd "$OPS"; KILL_AT[$R]=1; done
N_CREATE=0 N_MODIFY=0 N_DELETE=0 N_INVALID=0 N_SWAP=0 N_KILL=0 N_BAD_AT_KILL=0 N_SETTLE=0 N_DOWN=0 N_DELIVER=(0 0 0 0)
T0=$SECONDS
BADLOG=""

TRACE=$T_TMP/trace HOWS=(write rsync backup vim)
: >"$TRACE"
# history SLOT...: the operations on the slots named in the differences,
# and the daemon's events on their files (what it read, and when).
history() {
	local s p
	for s in $(grep -oE '\b(p[0-9][0-9]|[dsc][0-9]+)\b' "$T_TMP/diff" | sort -u | head -5); do
		grep -E "^op [0-9]+: $s " "$TRACE" | tail -8
		p=$(slot_path "$s")
		"$PVQ" get events "file:$p" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    ev = json.load(sys.stdin)
except Exception:
    ev = []
for e in ev[-6:]:
    print("  %s: %s x%d (last at %s): %s" % (sys.argv[1], e["reason"], e["count"], e["at"], e["message"][:160]))' "$s"
	done
}
# read_valid SLOT: wait until the daemon has read SLOT's last valid write
# (UNREAD), if it may not have yet.
read_valid() {
	local p
	[ -n "${UNREAD[$1]:-}" ] || return 0
	p=$(slot_path "$1")
	wait_read "${p#"$M"/}" "${UNREAD[$1]}" '.*' 10 || fail "op $op: the daemon did not read $1's write"
	unset "UNREAD[$1]"
}
op_write() { # SLOT VALID(1|0) ATTRS
	local p how
	p=$(slot_path "$1")
	if [ "$2" = 1 ]; then
		render "$1" $3 >"$T_TMP/next"
		[ "$DOWN" = 1 ] || { read_valid "$1"; UNREAD[$1]=$(file_seen "${p#"$M"/}"); }
	else
		rnd 3
		render_bad "$1" "$R" >"$T_TMP/next"
		read_valid "$1"
	fi
	rnd 4
	how=$R
	N_DELIVER[how]=$((N_DELIVER[how] + 1))
	deliver "$p" "$T_TMP/next" "$how"
	if [ "$2" = 1 ]; then GOOD[$1]=$3; BAD[$1]=0; else BAD[$1]=1; fi
	echo "op $op: $1 $([ "$2" = 1 ] && echo "valid: $3" || echo "invalid ($(head -c 60 "$T_TMP/next" | tr '\n' ' '))") delivered by ${HOWS[how]} at ${EPOCHREALTIME%.*}" >>"$TRACE"
}

op_swap() { # rename a new copy of the directory over the old one
	local new=$T_TMP/m.new old=$T_TMP/m.old
	rm -rf "$new" "$old"
	cp -a "$M" "$new"
	mv "$M" "$old" && mv "$new" "$M" && rm -rf "$old"
}

# one_op: one random operation (op is its number). DOWN=1: the daemon is
# down (killed), so a delete is not waited for: the next daemon must
# notice it at its start-up scan.
DOWN=0
one_op() {
	rnd ${#SLOTS[@]}
	s=${SLOTS[R]}
	rnd 100
	if [ "$SWAP" = 1 ] && [ $R -lt 3 ]; then
		op_swap
		echo "op $op: directory swapped" >>"$TRACE"
		N_SWAP=$((N_SWAP + 1))
	elif [ -z "${GOOD[$s]:-}" ] && [ "${BAD[$s]:-0}" = 0 ]; then # no file yet
		if [ $R -lt 85 ]; then
			new_attrs "$s"
			op_write "$s" 1 "$A"
			N_CREATE=$((N_CREATE + 1))
		else
			op_write "$s" 0
			N_INVALID=$((N_INVALID + 1))
		fi
	elif [ $R -lt 45 ]; then
		if [ -n "${GOOD[$s]:-}" ]; then modify_attrs "$s"; else new_attrs "$s"; fi
		op_write "$s" 1 "$A"
		N_MODIFY=$((N_MODIFY + 1))
	elif [ $R -lt 70 ]; then
		p=$(slot_path "$s")
		seen=$([ -n "${GOOD[$s]:-}" ] && file_seen "${p#"$M"/}")
		rnd 2
		if [ $R = 0 ]; then rm -f "$p"; else mv "$p" "$T_TMP/deleted.yaml"; fi
		rm -f "$p~"
		# A file gone for less than 300 ms is an edit (vim's rename dance),
		# not a delete: the model counts a delete once the daemon did.
		[ -n "$seen" ] && [ "$DOWN" = 0 ] && { wait_read "${p#"$M"/}" "$seen" Removed 10 || fail "op $op: the daemon did not remove $s"; }
		unset "GOOD[$s]" "UNREAD[$s]"
		BAD[$s]=0
		echo "op $op: $s deleted$([ "$DOWN" = 1 ] && echo " (daemon down)")" >>"$TRACE"
		N_DELETE=$((N_DELETE + 1))
	else
		op_write "$s" 0
		N_INVALID=$((N_INVALID + 1))
	fi
}

for op in $(seq 0 $((OPS - 1))); do
	one_op
	# now and then a pause, long enough for pods to start and stop
	rnd 5
	[ $R = 0 ] && sleep 0.$((RANDOM % 5 + 1))
	if [ -n "${KILL_AT[$op]:-}" ]; then
		if [ -n "${CHURN_KILL_SETTLED:-}" ]; then
			settle 60 || { fail "before the kill at operation $op: the node differs"; diag "$(cat "$T_TMP/diff")"; }
		fi
		for b in "${!UNREAD[@]}"; do read_valid "$b"; done
		t1=$SECONDS
		echo "op $op: kill -9" >>"$TRACE"
		kill -9 "$DAEMON"
		wait "$DAEMON" 2>/dev/null
		N_KILL=$((N_KILL + 1))
		# half the time, one more operation while no daemon runs
		rnd 2
		[ $R = 0 ] && { DOWN=1; one_op; DOWN=0; N_DOWN=$((N_DOWN + 1)); }
		if [ "${CHURN_BAD_AT_KILL:-}" = fix ]; then
			for b in "${!BAD[@]}"; do
				[ "${BAD[$b]}" = 1 ] || continue
				if [ -n "${GOOD[$b]:-}" ]; then op_write "$b" 1 "${GOOD[$b]}"; else rm -f "$(slot_path "$b")"; BAD[$b]=0; fi
			done
		fi
		for b in "${!BAD[@]}"; do
			[ "${BAD[$b]}" = 1 ] && [ -n "${GOOD[$b]:-}" ] && { N_BAD_AT_KILL=$((N_BAD_AT_KILL + 1)); BADLOG="$BADLOG $b@op$op"; }
		done
		start || { fail "daemon restart after kill -9 at operation $op"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
		echo "# kill -9 at operation $op; restarted in $((SECONDS - t1)) s"
		# half the time, check the node before going on (pods adopted,
		# nothing doubled); the other half, churn on at once
		rnd 2
		if [ $R = 0 ]; then
			N_SETTLE=$((N_SETTLE + 1))
			settle 30 && ok "kill -9 at operation $op, restart: the node is what the directory says" ||
				{ fail "kill -9 at operation $op, restart: the node differs from the directory"; diag "$(cat "$T_TMP/diff")" "$(history)"; }
		fi
	fi
done
echo "# $OPS operations in $((SECONDS - T0)) s: $N_CREATE creates, $N_MODIFY modifies, $N_DELETE deletes, $N_INVALID invalid writes, $N_SWAP directory swaps, $N_KILL kill -9, $N_DOWN operations while the daemon was down (delivered in place ${N_DELIVER[0]}, rsync ${N_DELIVER[1]}, backup ${N_DELIVER[2]}, vim ${N_DELIVER[3]})"
echo "# files with a bad edit (and a valid version before it) at a restart: $N_BAD_AT_KILL${BADLOG:+ (${BADLOG# })}"
[ "$N_KILL" = "$KILLS" ] && ok "$N_KILL kill -9 of the daemon, each restarted" || fail "$N_KILL kills, wanted $KILLS"

BADNOW=""
for b in "${!BAD[@]}"; do [ "${BAD[$b]}" = 1 ] && BADNOW="$BADNOW $b${GOOD[$b]:+ (last valid: ${GOOD[$b]})}"; done
settle 90 && ok "after $OPS operations the node runs what the directory asks for" ||
	{ fail "after $OPS operations the node differs from the directory (SEED=$SEED)"; diag "$(cat "$T_TMP/diff")" "files with a bad edit now:${BADNOW:- none}" "$(history)"; }
r=$(grep -c 'nothing from it is applied' "$LOG")
echo "# load failures reported: $r"

# ---- everything gone: back to the baseline ----
find "$M" -mindepth 1 -not -name zz-marker.yaml -not -name team -delete
for s in "${!GOOD[@]}"; do unset "GOOD[$s]"; done
: >"$PVCS"
settle 60 && ok "the emptied directory: no pod, Service or ConfigMap left" || { fail "the emptied directory: objects left"; diag "$(cat "$T_TMP/diff")"; }
wait_for 30 '[ -z "$(leaks_diff "$BASE" "$(leak_counts)")" ]'
# The status directory follows: with every object gone, only node.yaml.
wait_for 30 '[ -z "$(find "$S/status" -name "*.yaml" ! -name node.yaml)" ]'
left=$(find "$S/status" -name "*.yaml" ! -name node.yaml | head -5)
[ -z "$left" ] && [ -s "$S/status/node.yaml" ] && ok "the status directory holds node.yaml alone again" ||
	fail "status files left: $left"
NOW=$(leak_counts)
d=$(leaks_diff "$BASE" "$NOW")
[ -z "$d" ] && ok "nothing leaked: $NOW" || { fail "leaks after the churn (SEED=$SEED)"; diag "$d" "baseline: $BASE" "now: $NOW"; leak_detail | diff "$T_TMP/base-detail" - | grep '^[<>]' | head -20 | sed 's/^/# /'
	for pid in $(leak_detail | diff "$T_TMP/base-detail" - | sed -n 's/^> process \([0-9]*\) .*/\1/p'); do
		l=$(grep -E "pid ${pid}[,)]" "$LOG" | head -3)
		if [ -n "$l" ]; then
			echo "$l" | sed 's/^/# log: /'
		else
			echo "# process $pid is in no line of the daemon's log: no daemon recorded it"
		fi
	done
	[ -n "${CHURN_KEEP_LOG:-}" ] && cp "$LOG" "$CHURN_KEEP_LOG"; }
kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
stop_daemon TERM
[ -n "${CHURN_KEEP_LOG:-}" ] && cp "$LOG" "$CHURN_KEEP_LOG" && cp "$TRACE" "$CHURN_KEEP_LOG.ops"
echo "# SEED=$SEED"
done_testing
