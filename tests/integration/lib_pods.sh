# Shared by the pod tests: enter throwaway namespaces, build and import
# the busybox image, start the daemon, read pod state. Source it first
# thing; it re-executes the test inside `unshare`.
# shellcheck shell=bash
if [ "$(id -u)" != 0 ]; then # counted as skipped; CI runs as root
	echo "1..0 # SKIP needs root (namespaces, mounts, cgroups, the pod network)"
	exit 0
fi
if [ -z "${PV_IN_NS:-}" ]; then
	exec unshare --mount --net --pid --fork --mount-proc --uts env PV_IN_NS=1 PV_TEST_ID=$$ bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_image.sh"
# Under ASan: LeakSanitizer stops the world with ptrace at exit, which
# hangs in a process that has joined a pod's PID namespace (podvisor
# exec). Leaks are the unit tests' business; here ASan and UBSan watch the
# daemon for memory errors and undefined behaviour (they abort it).
case "$PODVISOR" in */asan/*) export ASAN_OPTIONS=detect_leaks=0 ;; esac
PY=$(command -v /usr/bin/python3 || command -v python3)
# The waits below read the daemon's state over and over: they use the
# plain build's CLI when there is one (tests/run.sh says where), as an
# ASan CLI costs 50-100 ms of CPU a call. What a test asserts with
# "$PODVISOR" itself still runs the build under test.
PVQ=${PODVISOR_PLAIN:-$PODVISOR}
[ -x "$PVQ" ] || PVQ=$PODVISOR

mount --make-rprivate /
mount -t tmpfs tmpfs "$T_TMP"
# `ip netns add` names live in /run/netns, which is not namespaced: tests
# run two at a time (tests/run.sh), so each has a /run/netns of its own.
mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns
# cgroups are not namespaced: a name of our own, removed whatever happens.
CG=podvisor-test-$PV_TEST_ID
cg_cleanup() {
	local d
	for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}
# We are PID 1 of this namespace: kill -9 -1 ends every other process in
# it (daemon, pods), after which their cgroups can go.
trap 'kill -9 -1 2>/dev/null; sleep 0.3; cg_cleanup; umount -l "$T_TMP" 2>/dev/null; rm -rf "$T_TMP"' EXIT
M=$T_TMP/manifests
S=$T_TMP/state
mkdir -p "$M" "$S"
export PODVISOR_STATE=$S
LOG=$T_TMP/daemon.log

make_busybox_oci "$T_TMP/oci" busybox:test >/dev/null 2>&1 || { fail "build the busybox image"; done_testing; exit 1; }
"$PODVISOR" image import "$T_TMP/oci" busybox:test >/dev/null 2>&1 && ok "busybox image imported" || fail "busybox image import"

# PROXY_MODE (iptables, nftables): the daemon's --proxy-mode; unset, its default.
start_daemon() { # [EXTRA DAEMON ARGS...]
	"$PODVISOR" daemon --manifests "$M" --backoff-base 300 --cgroup-parent "$CG" \
		${PROXY_MODE:+--proxy-mode "$PROXY_MODE"} "$@" >>"$LOG" 2>&1 &
	DAEMON=$!
	for _ in $(seq 100); do
		[ -S "$S/podvisor.sock" ] && "$PODVISOR" get pods -A >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_daemon SIGNAL [SECONDS]: signal the daemon and wait for it to exit
# (at most SECONDS, default 20); returns its exit status, or 124.
stop_daemon() {
	local i
	kill -"$1" "$DAEMON" 2>/dev/null
	for i in $(seq $((${2:-20} * 10))); do
		kill -0 "$DAEMON" 2>/dev/null || { wait "$DAEMON"; return $?; }
		sleep 0.1
	done
	kill -9 "$DAEMON"
	wait "$DAEMON" 2>/dev/null
	return 124
}

# json_field POD EXPR: a value from `get pods -o internal-json` via python.
pod_json() {
	"$PVQ" get pods -A -o internal-json 2>/dev/null | "$PY" -c "
import json, sys
try:
    pods = [p for p in json.load(sys.stdin) if p['name'] == sys.argv[1]]
    p = pods[0] if pods else None
    print(eval(sys.argv[2]) if p else '')
except Exception:
    print('')" "$1" "$2"
}

# nap N: the pause after the Nth try of a wait. Short at first, as most
# waits end within a second, then longer: a try runs the CLI and Python
# (some 40 ms of CPU), and tries every 0.1 s kept a core busy per waiting
# test, on a machine whose two cores run two tests and their daemons.
nap() {
	if [ "$1" -lt 10 ]; then
		sleep 0.05
	elif [ "$1" -lt 30 ]; then
		sleep 0.15
	else
		sleep 0.3
	fi
}

# wait_status POD STATUS [SECONDS]: within 2 x SECONDS of the clock (the
# daemon is slower too on a loaded machine).
wait_status() {
	local i=0 end=$((SECONDS + 2 * ${3:-20} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(pod_json "$1" "p['status']")" = "$2" ] && return 0
		nap $((i++))
	done
	return 1
}

pod_yaml() { # NAME RESTARTPOLICY COMMAND...
	local name=$1 policy=$2
	shift 2
	cat <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $name
spec:
  restartPolicy: $policy
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox:test
    command: [$(printf '"%s", ' "$@" | sed 's/, $//')]
YAML
}

# drop NAME CONTENT-FILE: deliver like rsync (temp name, then rename)
drop() {
	cp "$2" "$M/.$1.XXXXXX" && mv "$M/.$1.XXXXXX" "$M/$1"
}


# Proof that the daemon read a file, instead of sleeping and hoping: each
# time it reads one it records an event on "file:PATH" (Loaded, Updated,
# Unchanged, FailedLoad, Removed), the same one again counted.
# file_seen NAME: how many times it has read $M/NAME so far, and which
# event is its latest ("COUNT FIRST/AT/N/REASON/MESSAGE"). The daemon keeps
# its last 512 events of all objects: under churn the file's oldest ones
# go and the count can shrink, while a new read always changes the latest.
file_seen() {
	"$PVQ" get events "file:$M/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    ev = json.load(sys.stdin)
except Exception:
    ev = []
if not ev:
    print(0)  # never read (tests compare with "0")
else:
    e = ev[-1]
    print(sum(x["count"] for x in ev),
          "%d/%d/%d/%s/%s" % (e["first"], e["at"], e["count"], e["reason"], e["message"]))'
}

# file_last NAME: the reason of the latest event of $M/NAME.
file_last() {
	"$PVQ" get events "file:$M/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    print(json.load(sys.stdin)[-1]["reason"])
except Exception:
    print("")'
}

# wait_read NAME BEFORE REASON [SECONDS]: wait until the daemon has read
# $M/NAME again since file_seen said BEFORE (or since it had read it
# BEFORE times, a number alone), with REASON as the outcome (REASON may
# list several: "Loaded|Updated"). It gives up after SECONDS of the clock,
# not after a count of tries: 200 tries of a wait that could not succeed
# once took 50 s.
wait_read() {
	local i=0 end=$((SECONDS + ${4:-10} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		"$PVQ" get events "file:$M/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, re, sys
count, _, latest = sys.argv[1].partition(" ")
try:
    ev = json.load(sys.stdin)
except Exception:
    ev = []
if not ev:
    sys.exit(1)
e = ev[-1]
if latest:  # another latest event: read since (its count may have shrunk)
    new = latest != "%d/%d/%d/%s/%s" % (e["first"], e["at"], e["count"], e["reason"], e["message"])
else:
    new = sum(x["count"] for x in ev) > int(count)
sys.exit(0 if new and re.fullmatch(sys.argv[2], e["reason"]) else 1)' "$2" "$3" && return 0
		nap $((i++))
	done
	return 1
}

# wait_for SECONDS EXPR: until the bash expression EXPR holds (0), or 1
# after 2 x SECONDS of the clock (generous: a loaded machine is slow).
wait_for() {
	local i=0 end=$((SECONDS + 2 * $1 + 1))
	while :; do
		eval "$2" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		nap $((i++))
	done
}

# svc_json NAME EXPR: the Python expression EXPR over the Service NAME as
# `get svc NAME -o internal-json` shows it (s), or '' when absent.
svc_json() {
	"$PVQ" get svc "$1" -o internal-json 2>/dev/null | "$PY" -c "
import json, sys
try:
    s = json.load(sys.stdin)[0]
    print(eval(sys.argv[1]))
except Exception:
    print('')" "$2"
}

# job_field NAME KEY: a key of the Job NAME's row in `get jobs -o internal-json`.
job_field() {
	"$PVQ" get jobs -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for j in json.load(sys.stdin):
        if j["name"] == sys.argv[1]:
            print(j.get(sys.argv[2], ""))
except Exception:
    pass' "$1" "$2"
}

# wait_job NAME STATUS [SECONDS]: until the Job's status is STATUS.
wait_job() {
	local i=0 end=$((SECONDS + 2 * ${3:-30} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(job_field "$1" status)" = "$2" ] && return 0
		nap $((i++))
	done
	return 1
}
