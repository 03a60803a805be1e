#!/bin/bash
# make install, into a prefix of the test's own: the binary runs,
# podvisor(8) renders and has every command, the systemd unit passes
# systemd-analyze verify and is the one promised (Type=notify,
# Restart=always, KillMode=process), and the example node config is one
# the daemon takes: its node label schedules a pod with that nodeSelector.
. "$(dirname "$0")/lib_pods.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$T_TMP/prefix
E=$T_TMP/etc

# The binary under test as it is (-o: not rebuilt), the man page made from it.
if make -s -C "$ROOT" -o "$PODVISOR" install PODVISOR="$PODVISOR" MANPAGE="$T_TMP/podvisor.8" \
	PREFIX="$P" SYSCONFDIR="$E" >"$T_TMP/install.log" 2>&1; then
	ok "make install PREFIX=... SYSCONFDIR=..."
else
	fail "make install: $(tail -5 "$T_TMP/install.log")"
fi
[ -x "$P/bin/podvisor" ] && "$P/bin/podvisor" --version >/dev/null 2>&1 &&
	ok "the installed binary runs" || fail "no runnable $P/bin/podvisor"

page=$(MANWIDTH=100 man -l "$P/share/man/man8/podvisor.8" 2>"$T_TMP/man.err")
missing=
for cmd in check daemon get describe logs exec delete image rollout wait top port-forward version completion; do
	echo "$page" | grep -q "^   $cmd\$" || missing="$missing $cmd"
done
[ -n "$page" ] && [ -z "$missing" ] && echo "$page" | grep -q -- '--shutdown-pods-on-exit' &&
	ok "podvisor(8) renders, with a section for every command and the daemon's options" ||
	fail "man page: missing sections:$missing; $(head -3 "$T_TMP/man.err")"
warn=$(LC_ALL=C.UTF-8 groff -man -ww -z "$P/share/man/man8/podvisor.8" 2>&1)
[ -z "$warn" ] && ok "groff -ww finds nothing to warn about" || fail "groff: $(echo "$warn" | head -3)"

unit=$P/lib/systemd/system/podvisor.service
if systemd-analyze verify --man=no "$unit" >"$T_TMP/verify.log" 2>&1; then
	ok "systemd-analyze verify podvisor.service"
else
	fail "systemd-analyze verify: $(head -3 "$T_TMP/verify.log")"
fi
grep -qx 'Type=notify' "$unit" && grep -qx 'Restart=always' "$unit" && grep -qx 'KillMode=process' "$unit" &&
	grep -q "^ExecStart=$P/bin/podvisor daemon " "$unit" &&
	ok "the unit: Type=notify, Restart=always, KillMode=process, ExecStart the installed binary" ||
	fail "unit: $(grep -E '^(Type|Restart|KillMode|ExecStart)=' "$unit")"
[ -d "$E/podvisor/manifests" ] && [ -s "$E/podvisor/node.yaml.example" ] &&
	ok "$E/podvisor/manifests and node.yaml.example" || fail "no /etc/podvisor files"

# The example config, as the daemon reads it (its hostPathAllow need not exist).
start_daemon --config "$E/podvisor/node.yaml.example" || { fail "the daemon refuses the example config: $(tail -3 "$LOG")"; done_testing; exit 1; }
grep -iE 'warn|error' "$LOG" | grep -qv 'state directory' && fail "the example config draws warnings: $(grep -iE 'warn|error' "$LOG" | head -3)" ||
	ok "the daemon takes the example node config without a warning"
cat >"$T_TMP/p.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: edge-only}
spec:
  nodeSelector: {podvisor.io/role: edge}
  containers:
  - {name: c, image: busybox:test, command: [sleep, "1000"]}
YAML
mv "$T_TMP/p.yaml" "$M/p.yaml"
wait_status edge-only Running 20 && ok "its label podvisor.io/role=edge schedules a pod that selects it" ||
	fail "edge-only: $(pod_json edge-only "p['status']")"
stop_daemon TERM
done_testing
