#!/bin/bash
# asan: yes
# Events outlive the daemon (issue #15, item 1): what `get events` and
# `describe` showed before a kill -9 or a SIGTERM of the daemon, they
# show after its restart, counts included (STATE/events.jsonl, read back
# at start). A file cut short by the kill, or with lines that are not
# JSON, loses only those lines. Many: 700 files made and removed, more
# events than the ring's 512: after a restart the newest are all shown,
# and the file stays bounded (rewritten from the ring at 1,024 lines).
. "$(dirname "$0")/lib_pods.sh"

start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# rows: `get events` as "TYPE|REASON|OBJECT|MESSAGE|COUNT" lines, the
# columns cut where the header's names start (LAST SEEN is an age, and
# carries the count as " (xN)").
rows() {
	"$PODVISOR" get events "$@" 2>/dev/null | "$PY" -c '
import re, sys
lines = sys.stdin.read().splitlines()
if not lines:
    sys.exit(0)
h = lines[0]
cols = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
at = [h.index(c) for c in cols] + [None]
for l in lines[1:]:
    f = [l[at[i]:at[i + 1]].strip() for i in range(5)]
    m = re.search(r"\(x(\d+)\)", f[0])
    print("|".join(f[1:] + [m.group(1) if m else "1"]))'
}
count_of() { rows | grep -F "$1" | tail -1 | awk -F'|' '{ print $NF }'; }

pod_yaml good Always sleep 1000 >"$T_TMP/good.yaml" && drop good.yaml "$T_TMP/good.yaml"
pod_yaml bad Always sleep 1000 | sed 's/^\( *\)image: busybox:test/\1image: nosuch:1\n\1imagePullPolicy: Never/' >"$T_TMP/bad.yaml" && drop bad.yaml "$T_TMP/bad.yaml"
wait_status good Running 30 || fail "good: $(pod_json good "p['status']")"
wait_for 30 'rows | grep -q "^Warning|ErrImageNeverPull|pod/default/bad|"' || fail "no ErrImageNeverPull event: $(rows)"
# a Warning counted again: the missing image is tried on every pass
"$PODVISOR" image import "$T_TMP/oci" busybox:other >/dev/null 2>&1 # a pass, nothing else
wait_for 30 '[ "$(count_of "|ErrImageNeverPull|pod/default/bad|")" -ge 2 ]' || diag "the missing image's event was not counted twice: $(rows | grep bad)"
rows | grep -v '|zz' >"$T_TMP/before"
n_before=$(wc -l <"$T_TMP/before")
c_before=$(count_of "|ErrImageNeverPull|pod/default/bad|")
grep -q '^Normal|Scheduled|pod/default/good|' "$T_TMP/before" && grep -q '^Normal|Started|pod/default/good|' "$T_TMP/before" &&
	grep -q "^Normal|Loaded|file:$M/good.yaml|" "$T_TMP/before" && ok "events before the restart: $n_before" ||
	fail "events before: $(cat "$T_TMP/before")"
# --for KIND/NAME: one object's events, as kubectl events --for
rows --for pod/good >"$T_TMP/for"
[ -s "$T_TMP/for" ] && ! grep -qv '|pod/default/good|' "$T_TMP/for" && grep -q '^Normal|Started|pod/default/good|' "$T_TMP/for" &&
	[ "$(rows --for po/good)" = "$(rows pod/default/good)" ] && [ -z "$(rows --for pod/good -n other)" ] &&
	[ "$(rows --for "file:$M/good.yaml" | cut -d'|' -f2)" = Loaded ] &&
	ok "get events --for pod/good (and po/, -n, file:PATH): that object's events only" ||
	fail "--for: $(cat "$T_TMP/for"); file: $(rows --for "file:$M/good.yaml")"
"$PODVISOR" get events --for good >/dev/null 2>"$T_TMP/err"; rc=$?
"$PODVISOR" get pods --for pod/good >/dev/null 2>>"$T_TMP/err"; rc2=$?
[ "$rc" = 1 ] && [ "$rc2" = 2 ] && grep -q "must be KIND/NAME" "$T_TMP/err" && grep -q "applies to events only" "$T_TMP/err" &&
	ok "--for without a KIND, or on pods: a clear error" || fail "--for errors: $rc $rc2 $(cat "$T_TMP/err")"

# same_events: every event shown before is shown now (TYPE, REASON,
# OBJECT, MESSAGE), its count not lower
same_events() {
	rows >"$T_TMP/after"
	"$PY" - "$T_TMP/before" "$T_TMP/after" <<'PY'
import sys
def load(f):
    d = {}
    for l in open(f):
        k, _, c = l.rstrip("\n").rpartition("|")
        d[k] = max(d.get(k, 0), int(c))
    return d
b, a = load(sys.argv[1]), load(sys.argv[2])
bad = ["%s (x%d): %s" % (k, c, "gone" if k not in a else "x%d now" % a[k]) for k, c in b.items() if a.get(k, 0) < c]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

stop_daemon KILL >/dev/null
start_daemon || fail "restart after kill -9"
same_events >"$T_TMP/diff" && ok "after kill -9 and a restart, the $n_before events are still shown, counts kept (ErrImageNeverPull x$c_before)" ||
	fail "events lost by the restart: $(cat "$T_TMP/diff")"
"$PODVISOR" describe pod good 2>&1 | grep -q "Scheduled" && ok "describe pod shows the events from before the restart" ||
	fail "describe pod good: $("$PODVISOR" describe pod good 2>&1 | tail -8)"

stop_daemon TERM >/dev/null
start_daemon || fail "restart after SIGTERM"
same_events >"$T_TMP/diff" && ok "after SIGTERM and a restart, too" || fail "events lost by a SIGTERM restart: $(cat "$T_TMP/diff")"

# A file cut short by a kill, and lines that are not JSON: only they are lost.
stop_daemon KILL >/dev/null
printf 'not json at all\n{"object": "pod/default/x", "type": "Normal"}\n{"object": "pod/def' >>"$S/events.jsonl"
start_daemon || fail "restart with a damaged events file: $(tail -5 "$LOG")"
same_events >"$T_TMP/diff" && ! rows | grep -q 'pod/default/x' && ok "a damaged events file: its bad lines skipped, the others read back" ||
	fail "damaged file: $(cat "$T_TMP/diff") $(rows | grep 'pod/default/x')"
[ "$(stat -c %a "$S/events.jsonl")" = 600 ] && ok "the events file is root's only (0600)" || fail "mode $(stat -c %a "$S/events.jsonl")"

# ---- many: more events than the ring holds ----
# Files made and removed: their Removed events are about objects no
# daemon will speak of again, so after a restart only the file can show
# them.
cm_files() { # FROM TO
	local i
	for i in $(seq "$1" "$2"); do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm%04d}\ndata: {k: v}\n' "$i" >"$M/.cm$i.tmp"
		mv "$M/.cm$i.tmp" "$M/cm$(printf %04d "$i").yaml"
	done
}
cm_files 1 700
wait_for 180 'rows | grep -q "|Loaded|file:$M/cm0700.yaml|"' || { fail "cm0700 not loaded"; diag "$(tail -5 "$LOG")" "$(ls "$M" | wc -l) files"; }
[ "$(rows | wc -l)" = 512 ] && ok "700 files: the ring shows the newest 512 events" || fail "$(rows | wc -l) events shown"
rm -f "$M"/cm0*.yaml
wait_for 180 'rows | grep -q "|Removed|file:$M/cm0700.yaml|"' || { fail "cm0700 not removed"; diag "$(tail -5 "$LOG")"; }
# the newest 400: the restarted daemon's own first events push out a few
rows | tail -400 >"$T_TMP/before"
stop_daemon KILL >/dev/null
start_daemon || fail "restart after the 700 files"
same_events >"$T_TMP/diff" && [ "$(rows | wc -l)" = 512 ] &&
	ok "700 files made and removed, kill -9, restart: the newest 400 events still shown (512 in all)" ||
	fail "after restart: $(rows | wc -l) events; lost: $(head -5 "$T_TMP/diff")"

lines=$(wc -l <"$S/events.jsonl")
[ "$lines" -le $((1024 + 512)) ] && [ "$lines" -ge 400 ] &&
	ok "1,400 events and more: the file holds $lines lines (rewritten at 1,024, so at most 1,024 + 512)" ||
	fail "events.jsonl has $lines lines"
! rows | grep -q "|file:$M/cm0001.yaml|" && ok "the oldest events are gone from the ring and the file" ||
	fail "cm0001's events still shown: $(rows | grep cm0001)"

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && { fail "sanitizer report"; diag "$(grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$LOG")"; } || ok "no sanitizer report"
done_testing
