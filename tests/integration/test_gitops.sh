#!/bin/bash
# A fleet fed from one directory (#18 item 4): three nodes, three daemons,
# each in a network namespace of its own with its own state directory and
# labels, fed by `rsync -a --delete` from one source. Each runs exactly the
# pods that select it (and all run the pod that selects nothing); a bad
# edit pushed to all keeps every running pod; a deleted file's pods go
# everywhere; the status directories, rsynced back, say who runs what.
. "$(dirname "$0")/lib_pods.sh"

SRC=$T_TMP/src
mkdir -p "$SRC"
NODES="a b c"
# node_* NODE: that node's directories, its CLI
node_m() { echo "$T_TMP/node-$1/manifests"; }
node_s() { echo "$T_TMP/node-$1/state"; }
on() { # NODE PODVISOR-ARGS...: the CLI against NODE's daemon
	local n=$1
	shift
	PODVISOR_STATE=$(node_s "$n") "$PVQ" "$@"
}
declare -A DPID
for n in $NODES; do
	mkdir -p "$(node_m "$n")" "$(node_s "$n")"
	ip netns add "node-$n"
	ip -n "node-$n" link set lo up
	PODVISOR_STATE=$(node_s "$n") ip netns exec "node-$n" "$PODVISOR" daemon --manifests "$(node_m "$n")" \
		--node-name "node-$n" --node-label "zone=$n" --cgroup-parent "$CG-$n" \
		>>"$T_TMP/daemon-$n.log" 2>&1 &
	DPID[$n]=$!
done
for n in $NODES; do
	for _ in $(seq 100); do on "$n" get pods >/dev/null 2>&1 && break; sleep 0.1; done
	PODVISOR_STATE=$(node_s "$n") "$PODVISOR" image import "$T_TMP/oci" busybox:test >/dev/null 2>&1 ||
		fail "image import on node-$n"
done
on a get pods >/dev/null 2>&1 && on b get pods >/dev/null 2>&1 && on c get pods >/dev/null 2>&1 &&
	ok "three daemons, each in a network namespace of its own" || fail "daemons: $(tail -3 "$T_TMP"/daemon-*.log)"

pod() { # NAME [ZONE]: a pod, for ZONE's node only when given
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  terminationGracePeriodSeconds: 0\n' "$1"
	[ -n "${2:-}" ] && printf '  nodeSelector: {zone: %s}\n' "$2"
	printf '  containers:\n  - {name: c, image: busybox:test, command: [sleep, "1000"]}\n'
}
# Every node's own files, and one pod for all: written aside, then published.
for n in $NODES; do pod "app-$n" "$n" >"$SRC/app-$n.yaml"; done
pod everywhere >"$SRC/everywhere.yaml"
push() { # rsync the source to every node, as a fleet's sync does
	for n in $NODES; do rsync -a --delete "$SRC/" "$(node_m "$n")/"; done
}
# spec.nodeName: node-c's alone, whatever its labels
{ pod pinned; echo "  nodeName: node-c"; } >"$SRC/pinned.yaml"
push
# running NODE: the names of NODE's Running pods, sorted, one line
running() {
	on "$1" get pods -o internal-json 2>/dev/null |
		"$PY" -c 'import json,sys; print(" ".join(sorted(p["name"] for p in json.load(sys.stdin) if p["status"] == "Running")))'
}
wait_running() { # NODE WANT
	local i=0 end=$((SECONDS + 61))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(running "$1")" = "$2" ] && return 0
		nap $((i++))
	done
	return 1
}
all_ok=1
# want NODE: what NODE should run
want() { if [ "$1" = c ]; then echo "app-$1 everywhere pinned"; else echo "app-$1 everywhere"; fi; }
for n in $NODES; do
	wait_running "$n" "$(want "$n")" || { all_ok=; fail "node-$n runs: $(running "$n")"; }
done
[ -n "$all_ok" ] && ok "each node runs exactly its pod (nodeSelector zone), the pod for all, and node-c the pod naming it (spec.nodeName)" || true
for n in $NODES; do
	[ -z "$(on "$n" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin) if p["name"].startswith("app-") and p["name"] != "app-'"$n"'" and p["status"] == "Running"))')" ] ||
		fail "node-$n runs another zone's pod"
done

# A bad edit pushed to all: every running pod stays.
before=$(for n in $NODES; do on "$n" get pods -o internal-json | "$PY" -c 'import json,sys; print(" ".join(sorted(p["uid"] for p in json.load(sys.stdin))))'; done)
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: everywhere}\nspec:\n  containers: [ {name: c, image: busybox:test\n' >"$SRC/everywhere.yaml"
push
seen=1
for n in $NODES; do # proof that each daemon read the bad file: its FailedLoad event
	for _ in $(seq 100); do on "$n" get events 2>/dev/null | grep -q "FailedLoad" && break; sleep 0.1; done
	on "$n" get events 2>/dev/null | grep -q "FailedLoad" || { seen=; fail "node-$n did not see the bad file"; }
done
after=$(for n in $NODES; do on "$n" get pods -o internal-json | "$PY" -c 'import json,sys; print(" ".join(sorted(p["uid"] for p in json.load(sys.stdin))))'; done)
[ -n "$seen" ] && [ "$before" = "$after" ] && for n in $NODES; do [ "$(running "$n")" = "$(want "$n")" ] || false; done &&
	ok "a bad edit pushed to all three: each saw it (FailedLoad), every pod keeps running, untouched" ||
	fail "after the bad push: $(for n in $NODES; do echo "$n: $(running "$n")"; done)"

# A file deleted at the source: its pods go everywhere; the others stay.
pod everywhere >"$SRC/everywhere.yaml"
rm -f "$SRC/app-b.yaml"
push
gone=1
for n in $NODES; do
	w=$(want "$n")
	[ "$n" = b ] && w="everywhere"
	wait_running "$n" "$w" || { gone=; fail "node-$n after the delete: $(running "$n")"; }
done
[ -n "$gone" ] && ok "app-b.yaml deleted at the source: its pod is gone from node-b, the rest run on" || true

# The status directories, rsynced back to one place, say who runs what.
mkdir -p "$T_TMP/fleet"
for n in $NODES; do
	# (the export follows a pass by a second: app-b's removal must be in)
	for _ in $(seq 100); do
		[ -s "$(node_s "$n")/status/pods/default/everywhere.yaml" ] &&
			[ ! -e "$(node_s "$n")/status/pods/default/app-b.yaml" ] && break
		sleep 0.1
	done
	rsync -a "$(node_s "$n")/status/" "$T_TMP/fleet/$n/"
done
report=$("$PY" - "$T_TMP/fleet" <<'PY'
import glob, os, sys, yaml
for d in sorted(glob.glob(sys.argv[1] + "/*")):
    node = yaml.safe_load(open(d + "/node.yaml"))
    pods = sorted(yaml.safe_load(open(p))["metadata"]["name"] for p in glob.glob(d + "/pods/*/*.yaml"))
    print(node["metadata"]["name"], node["metadata"]["labels"]["zone"], " ".join(pods))
PY
)
[ "$report" = "node-a a app-a everywhere
node-b b everywhere
node-c c app-c everywhere pinned" ] && ok "the three status directories, rsynced back, name each node, its labels and its pods" ||
	fail "fleet status: $report"

for n in $NODES; do kill -TERM "${DPID[$n]}" 2>/dev/null; done
for n in $NODES; do wait "${DPID[$n]}" 2>/dev/null; done
for n in $NODES; do ip netns del "node-$n" 2>/dev/null; done
for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG-*" 2>/dev/null); do
	find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
done
done_testing
