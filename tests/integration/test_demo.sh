#!/bin/bash
# make demo (scripts/demo.sh) as a newcomer runs it: it ends with status 0
# and its closing words, no shell "Killed" message, every example pod
# Running on the way, and nothing left behind: no demo cgroup, no process,
# no temporary directory.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (namespaces, mounts, cgroups, the pod network)"
	exit 0
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
before=$(ls -d /tmp/podvisor-demo.* 2>/dev/null | wc -l)
DEMO_SECONDS=1 timeout 300 bash "$root/scripts/demo.sh" "$PODVISOR" >"$T_TMP/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "Tearing the demo down" "$T_TMP/out" && ok "make demo ends with status 0 and its closing words" ||
	{ fail "demo: status $rc"; diag "$(tail -30 "$T_TMP/out")"; }
! grep -qE "Killed|Terminated|Segmentation|Aborted" "$T_TMP/out" && ok "no shell job message (Killed, ...) in its output" ||
	{ fail "a job message"; diag "$(grep -E "Killed|Terminated|Segmentation|Aborted" "$T_TMP/out")"; }
grep -qE "^hello-[a-z0-9]+-[a-z0-9]+ +1/1 +Running" "$T_TMP/out" && ok "the example Deployment's pods ran" ||
	{ fail "no hello pod Running in the demo's output"; diag "$(grep -A8 'get pods' "$T_TMP/out" | head -30)"; }
left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name 'podvisor-demo-*' 2>/dev/null | wc -l)
after=$(ls -d /tmp/podvisor-demo.* 2>/dev/null | wc -l)
[ "$left" = 0 ] && [ "$after" -le "$before" ] && ! pgrep -f "podvisor-demo" >/dev/null &&
	ok "nothing left: no demo cgroup, temporary directory or process" ||
	fail "left behind: $left cgroups, $after temporary directories (was $before), processes: $(pgrep -af podvisor-demo)"
done_testing
