#!/bin/bash
# Manifest files as the daemon reads them (issue 14). (1) A file with a bad
# edit keeps its last valid version in force across a daemon restart
# (kill -9): the pod keeps running, `describe` says which version is in
# force; fixed, the file is applied; deleted while the daemon is down, its
# pod goes. (2) Symlinks out of the directory, FIFOs and oversized files
# are refused with an event naming the file (and `check` refuses the same
# files); a symlink inside the directory, or into an allowed one, is
# followed. (3) The whole directory swapped (rename, `ln -sfn`) or missing
# for a while: the new content is applied, the pods of unchanged files keep
# running. (4) Many: 40 files, 20 of them going bad across a restart.
# (5) At a restart, a file that fails keeps its objects against a file
# that claimed them while the daemon was down (20 of them).
# asan: yes
# long: yes
. "$(dirname "$0")/lib_pods.sh"

# saved_copy FILE: the copy of $M/FILE in the state directory (named by a
# hash; its first line names the file), or nothing.
saved_copy() {
	grep -lx "# podvisor: the last valid version of ${1//\//%2F}" "$S"/manifests/* 2>/dev/null
}
# ncopies PREFIX: how many saved copies are of files whose name starts so.
ncopies() {
	head -qn1 "$S"/manifests/* 2>/dev/null | grep -c "^# podvisor: the last valid version of $1"
}

# events FILE: the events of file $M/FILE (or of PATH when absolute) as
# "REASON COUNT MESSAGE" lines.
events() {
	local f=$1
	case "$f" in /*) ;; *) f=$M/$f ;; esac
	"$PVQ" get events "file:$f" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["reason"], e["count"], e["message"])
except Exception:
    pass'
}
# reason_count FILE REASON: how many times FILE had an event REASON.
reason_count() {
	events "$1" | awk -v r="$2" '$1 == r { n += $2 } END { print n + 0 }'
}
# wait_reason FILE REASON [BEFORE] [SECONDS]: until FILE has had more than
# BEFORE (default 0) events REASON.
wait_reason() {
	wait_for "${4:-20}" "[ \$(reason_count '$1' '$2') -gt ${3:-0} ]"
}
pid_of() { pod_json "$1" "p['containers'][0]['pid']"; }
sleeper() { # NAME [LABEL VALUE]: a pod that sleeps
	pod_yaml "$1" Always sleep 3600 | sed "s/^  name: $1\$/  name: $1\n  labels: {v: \"${2:-1}\"}/"
}
put() { # NAME: a sleeper pod NAME in $M/NAME.yaml, delivered like rsync
	sleeper "$1" >"$T_TMP/$1.yaml" && drop "$1.yaml" "$T_TMP/$1.yaml"
}
bad() { # FILE: a bad edit of $M/FILE (a flow mapping never closed)
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken\nspec: [\n' >"$T_TMP/bad" &&
		drop "$1" "$T_TMP/bad"
}
# marker: proof a reconcile pass ran after what came before: a pod from a
# new file runs.
MARK=0
marker() {
	MARK=$((MARK + 1))
	put "mark$MARK" && wait_status "mark$MARK" Running || fail "marker pod mark$MARK: $(pod_json "mark$MARK" "p['status']")"
	rm -f "$M/mark$MARK.yaml"
}
restart_hard() { # kill -9 the daemon, then start it again with ARGS
	kill -9 "$DAEMON" && wait "$DAEMON" 2>/dev/null
	start_daemon "$@" || { fail "daemon restart"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
}
ALLOW=$T_TMP/allowed
mkdir -p "$ALLOW" "$T_TMP/outside" "$M/.real"
DARGS=(--manifest-link-allow "$ALLOW")
# A file deep in subdirectories: its path (escaped, each "/" 3 bytes) far
# longer than a file name may be; its copy is named by a hash.
DEEP=$(printf 'a-rather-long-directory-name-%02d/' $(seq 1 8))deep.yaml
mkdir -p "$M/${DEEP%/*}"
deep() { # TEXT: $M/$DEEP, written and renamed into place
	printf '%b' "$1" >"$M/${DEEP%/*}/.tmp" && mv "$M/${DEEP%/*}/.tmp" "$M/$DEEP"
}
deep_v() { "$PVQ" get cm -o internal-json 2>/dev/null | "$PY" -c 'import json, sys; print(" ".join(c.get("data", {}).get("v", "?") for c in json.load(sys.stdin) if c["name"] == "deep"))' 2>/dev/null; }
deep 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: {v: "1"}\n'

# ---- (1) the last valid version across a restart ----
put web
put keep
cat >"$M/dep.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep}
spec:
  replicas: 1
  selector: {matchLabels: {app: dep}}
  template:
    metadata: {labels: {app: dep}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: busybox:test, command: [sleep, "3600"]}]
YAML
dep_pid() { "$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c 'import json, sys; print(" ".join(str(p["containers"][0]["pid"]) for p in json.load(sys.stdin) if p["name"].startswith("dep-")))'; }
start_daemon "${DARGS[@]}" || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }
wait_status web Running && wait_status keep Running || fail "web: $(pod_json web "p['status']") keep: $(pod_json keep "p['status']")"
WUID=$(pod_json web "p['uid']") WPID=$(pid_of web)
wait_for 20 '[ -n "$(dep_pid)" ]' || fail "no pod of Deployment dep"
DPID=$(dep_pid)
bad web.yaml
bad dep.yaml
wait_reason web.yaml FailedLoad && ok "a bad edit of web.yaml is reported" || fail "no FailedLoad: $(events web.yaml)"
deep 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep\n'
wait_reason "$DEEP" FailedLoad && [ -n "$(saved_copy "$DEEP")" ] && ok "a file ${#DEEP} bytes deep: its bad edit reported, its copy kept" ||
	fail "$DEEP: $(events "$DEEP"); copies: $(head -qn1 "$S"/manifests/* 2>&1)"
[ -n "$(saved_copy web.yaml)" ] && ok "its last valid version is kept in the state directory ($(saved_copy web.yaml))" ||
	fail "no copy of web.yaml: $(head -qn1 "$S"/manifests/* 2>&1)"
restart_hard "${DARGS[@]}"
wait_reason web.yaml LastValidVersion && ok "after kill -9 and a restart: $(events web.yaml | grep LastValidVersion)" ||
	fail "no LastValidVersion event: $(events web.yaml)"
wait_reason "$DEEP" LastValidVersion && [ "$(deep_v)" = 1 ] && ok "and for the deep file: ConfigMap deep v=1 in force" ||
	fail "deep: '$(deep_v)'; $(events "$DEEP")"
rm -r "$M/${DEEP%%/*}"
marker
[ "$(pod_json web "p['uid']")" = "$WUID" ] && [ "$(pid_of web)" = "$WPID" ] && [ "$(pod_json web "p['status']")" = Running ] &&
	ok "the pod of the bad file keeps running (same uid, same pid $WPID)" ||
	fail "web: $(pod_json web "p['status']") uid $(pod_json web "p['uid']") pid $(pid_of web) (was $WUID, $WPID)"
[ "$(dep_pid)" = "$DPID" ] && "$PODVISOR" describe deploy dep 2>&1 | grep -q "^Source: *last valid version from .*; the file now fails: $M/dep.yaml:" &&
	ok "the same for a Deployment: its pod runs on (pid $DPID), describe deploy says which version is in force" ||
	fail "dep pods: '$(dep_pid)' (was $DPID); $("$PODVISOR" describe deploy dep 2>&1 | grep -E '^(Manifest|Source)')"
rm "$M/dep.yaml"
d=$("$PODVISOR" describe pod web 2>&1)
echo "$d" | grep -q "^Source: .*last valid version from 20[0-9-]*T[0-9:]*Z; the file now fails: $M/web.yaml:[0-9]*:[0-9]*: " &&
	ok "describe: $(echo "$d" | grep ^Source:)" || { fail "describe does not say the last valid version is in force"; diag "$d"; }
sleeper web 2 >"$T_TMP/web.yaml" && drop web.yaml "$T_TMP/web.yaml"
wait_for 20 '[ "$(pod_json web "p[\"labels\"][\"v\"]")" = 2 ]' && ok "fixed: the new version is applied (label v=2)" ||
	fail "web labels: $(pod_json web "p.get('labels')"); $(events web.yaml)"
"$PODVISOR" describe pod web 2>&1 | grep -q "^Source: .*the file as it is" && ok "describe: the file as it is is in force" ||
	fail "describe after the fix: $("$PODVISOR" describe pod web 2>&1 | grep ^Source)"
[ "$(pid_of web)" = "$WPID" ] && ok "a label edit did not restart it" || fail "web restarted: pid $(pid_of web), was $WPID"

# Deleted while the daemon is down: the file's absence is the truth.
kill -9 "$DAEMON" && wait "$DAEMON" 2>/dev/null
rm "$M/web.yaml"
start_daemon "${DARGS[@]}" || { fail "daemon restart"; done_testing; exit 1; }
wait_status web "" && ok "web.yaml deleted while the daemon was down: its pod is gone" || fail "web: $(pod_json web "p['status']")"
wait_for 10 '[ -z "$(saved_copy web.yaml)" ]' && ok "and its saved copy is removed" || fail "stale copy: $(saved_copy web.yaml)"
[ "$(pod_json keep "p['status']")" = Running ] && ok "keep runs on" || fail "keep: $(pod_json keep "p['status']")"

# ---- (2) what is refused, what is followed ----
sleeper evil >"$T_TMP/outside/evil.yaml"
ln -s "$T_TMP/outside/evil.yaml" "$M/evil.yaml"
ln -s /etc/passwd "$M/pw.yaml"
wait_reason evil.yaml Refused && wait_reason pw.yaml Refused && ok "symlinks out of the directory are refused" || fail "evil: $(events evil.yaml); pw: $(events pw.yaml)"
events pw.yaml | grep -q "Refused 1 manifest pw.yaml is a symlink to /etc/passwd, outside the manifests directory" &&
	ok "the event names the file and the target: $(events pw.yaml)" || fail "pw.yaml: $(events pw.yaml)"
sleeper inlink >"$M/.real/inlink.txt"
ln -s .real/inlink.txt "$M/inlink.yaml"
sleeper allowed >"$ALLOW/allowed.yaml"
ln -s "$ALLOW/allowed.yaml" "$M/allowed.yaml"
wait_status inlink Running && ok "a symlink inside the directory is followed" || fail "inlink: $(pod_json inlink "p['status']") $(events inlink.yaml)"
wait_status allowed Running && ok "a symlink into --manifest-link-allow is followed" || fail "allowed: $(pod_json allowed "p['status']") $(events allowed.yaml)"
[ -z "$(pod_json evil "p['status']")" ] && ok "nothing from the refused symlink is applied" || fail "evil runs"
mkfifo "$M/pipe.yaml"
wait_reason pipe.yaml Refused && ok "a FIFO is refused: $(events pipe.yaml)" || fail "pipe.yaml: $(events pipe.yaml)"
timeout 10 "$PODVISOR" get pods >/dev/null && ok "the daemon still answers get pods" || fail "get pods does not answer"
mknod "$M/null.yaml" c 1 3
wait_reason null.yaml Refused && events null.yaml | grep -q "is a character device, not a regular file" && ok "a device is refused" || fail "null.yaml: $(events null.yaml)"
IPID=$(pid_of inlink)
mkfifo "$M/.fifo" && mv "$M/.fifo" "$M/inlink.yaml"
wait_reason inlink.yaml Refused && ok "a file replaced by a FIFO is refused" || fail "inlink.yaml: $(events inlink.yaml)"
marker
[ "$(pid_of inlink)" = "$IPID" ] && ok "what was in force from it stays (inlink runs, same pid)" || fail "inlink: $(pod_json inlink "p['status']") pid $(pid_of inlink), was $IPID"
{ sleeper big; yes '# padding padding padding padding' | head -c $((5 * 1024 * 1024)); } >"$T_TMP/big.yaml"
drop big.yaml "$T_TMP/big.yaml"
wait_reason big.yaml Refused && events big.yaml | grep -q "larger than the limit of 4194304 bytes" && ok "a 5 MiB file is refused: $(events big.yaml)" ||
	fail "big.yaml: $(events big.yaml)"
out=$("$PODVISOR" check --manifest-link-allow "$ALLOW" "$M" 2>&1)
for want in "pw.yaml: error: is a symlink to /etc/passwd, outside the manifests directory" \
	"evil.yaml: error: is a symlink to $T_TMP/outside/evil.yaml, outside the manifests directory" \
	"pipe.yaml: error: is a FIFO, not a regular file: refused" "inlink.yaml: error: is a FIFO" \
	"null.yaml: error: is a character device, not a regular file: refused" \
	"big.yaml: error: is $(stat -c %s "$M/big.yaml") bytes, larger than the limit of 4194304 bytes"; do
	echo "$out" | grep -qF "$want" || { fail "check does not say: $want"; diag "$out"; }
done
echo "$out" | grep -q "^Pod default/allowed" && ok "check: the same refusals, and the allowed symlink is read" || { fail "check"; diag "$out"; }
rm -f "$M/evil.yaml" "$M/pw.yaml" "$M/pipe.yaml" "$M/big.yaml" "$M/null.yaml"
sleeper inlink >"$T_TMP/inlink.yaml" && drop inlink.yaml "$T_TMP/inlink.yaml"

# ---- (3) the whole directory swapped, or missing for a while ----
KPID=$(pid_of keep) APID=$(pid_of allowed) IPID=$(pid_of inlink)
N=$(reason_count keep.yaml Unchanged)
cp -a "$M" "$T_TMP/new"
rm "$T_TMP/new/inlink.yaml"
sleeper swapped >"$T_TMP/new/swapped.yaml"
mv "$M" "$T_TMP/old" && mv "$T_TMP/new" "$M"
wait_status swapped Running && ok "a directory swapped by rename: the new file is applied" || fail "swapped: $(pod_json swapped "p['status']")"
wait_status inlink "" && ok "the file missing from the new directory is deleted" || fail "inlink: $(pod_json inlink "p['status']")"
[ "$(reason_count keep.yaml Unchanged)" -gt "$N" ] && [ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of allowed)" = "$APID" ] &&
	ok "the pods of unchanged files keep running (same pids)" || fail "keep $(pid_of keep) (was $KPID), allowed $(pid_of allowed) (was $APID)"
rm -rf "$T_TMP/old"

# The directory replaced by a symlink to it, then the symlink swapped.
mv "$M" "$T_TMP/v1" && ln -s "$T_TMP/v1" "$M"
put viasym # (the same directory: a rescan may find nothing to do, or not happen)
wait_status viasym Running && ok "the directory replaced by a symlink to it: files are still read" || fail "viasym: $(pod_json viasym "p['status']")"
rm "$M/viasym.yaml"
cp -a "$T_TMP/v1" "$T_TMP/v2"
rm "$T_TMP/v2/swapped.yaml"
sleeper linked >"$T_TMP/v2/linked.yaml"
ln -sfn "$T_TMP/v2" "$M"
wait_status linked Running && wait_status swapped "" && ok "ln -sfn to another directory: its content is applied" ||
	fail "linked: $(pod_json linked "p['status']") swapped: $(pod_json swapped "p['status']")"
[ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of allowed)" = "$APID" ] && [ "$(reason_count allowed.yaml Loaded)" = 1 ] && ok "unchanged files' pods keep running" || fail "keep $(pid_of keep) (was $KPID)"

# Missing for a while: nothing stops; back, its content is the truth.
LPID=$(pid_of linked)
rm "$M"
wait_reason "$M" ManifestsMissing && events "$M" | grep -q "ManifestsMissing.*to delete everything, make it an empty directory" &&
	ok "a missing directory is an event that says how to delete everything: $(events "$M" | grep ManifestsMissing | tail -1)" || fail "$M: $(events "$M")"
ln -s "$T_TMP/v2" "$M"
wait_reason "$M" ManifestsBack && ok "and its return is one too" || fail "$M: $(events "$M")"
marker
[ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of linked)" = "$LPID" ] && ok "no pod was stopped while it was missing" || fail "keep $(pid_of keep) (was $KPID), linked $(pid_of linked) (was $LPID)"
# A daemon started while it is missing: the saved versions are in force.
kill -9 "$DAEMON" && wait "$DAEMON" 2>/dev/null
rm "$M"
start_daemon "${DARGS[@]}" || { fail "daemon start without the directory"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
wait_reason "$M" ManifestsMissing && events "$M" | grep -q "the saved last valid versions are in force" &&
	ok "started without the directory: the saved versions are in force" || fail "$M: $(events "$M")"
ln -s "$T_TMP/v2" "$M"
wait_reason "$M" ManifestsBack || fail "$M: $(events "$M")"
marker
[ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of linked)" = "$LPID" ] && ok "and no pod was stopped" || fail "keep $(pid_of keep) (was $KPID), linked $(pid_of linked) (was $LPID)"
# A real directory again (re-made, then filled by cp), then rm -r: its
# files' deletions are seen one by one, and kept with the directory gone.
N=$(reason_count keep.yaml Unchanged)
rm "$M" && cp -a "$T_TMP/v2" "$M"
wait_reason keep.yaml Unchanged "$N" || fail "keep.yaml: $(events keep.yaml)"
rm -rf "$M"
wait_reason keep.yaml Kept && events keep.yaml | grep -q "^Kept .*an empty one deletes everything" &&
	ok "rm -r of the directory: $(events keep.yaml | grep Kept)" || fail "keep.yaml: $(events keep.yaml)"
B=$(reason_count "$M" ManifestsBack)
mv "$T_TMP/v2" "$M"
wait_reason "$M" ManifestsBack "$B" || fail "$M: $(events "$M")"
marker
[ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of linked)" = "$LPID" ] && ok "re-made, removed, back: no pod was stopped" || fail "keep $(pid_of keep) (was $KPID), linked $(pid_of linked) (was $LPID)"
# A symlinked directory whose target goes away and comes back unseen (only
# the symlink's own directory is watched): SIGHUP looks again.
mv "$M" "$T_TMP/v3" && ln -s "$T_TMP/v3" "$M"
A=$(reason_count "$M" ManifestsMissing) B=$(reason_count "$M" ManifestsBack)
mv "$T_TMP/v3" "$T_TMP/v3.away"
wait_reason "$M" ManifestsMissing "$A" || fail "$M: $(events "$M")"
mv "$T_TMP/v3.away" "$T_TMP/v3"
kill -HUP "$DAEMON"
wait_reason "$M" ManifestsBack "$B" && ok "a symlinked directory's target back: seen at SIGHUP" || fail "$M: $(events "$M")"
put viasym2
wait_status viasym2 Running && ok "and its files are read again" || fail "viasym2: $(pod_json viasym2 "p['status']")"
rm "$M/viasym2.yaml"

# ---- (4) many: 40 files, 20 of them bad across a restart ----
for i in $(seq 1 40); do
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm%s}\ndata: {v: "1"}\n' "$i" >"$T_TMP/cm.yaml"
	drop "cm$i.yaml" "$T_TMP/cm.yaml"
done
ncm() { "$PVQ" get cm -o internal-json 2>/dev/null | "$PY" -c 'import json, sys; print(len([c for c in json.load(sys.stdin) if c["name"].startswith("cm")]))' 2>/dev/null; }
wait_for 20 '[ "$(ncm)" = 40 ]' && ok "40 ConfigMaps from 40 files" || fail "$(ncm) ConfigMaps"
for i in $(seq 1 20); do bad "cm$i.yaml"; done
wait_reason cm20.yaml FailedLoad || fail "cm20.yaml: $(events cm20.yaml)"
[ "$(ncopies cm)" = 40 ] && ok "40 saved copies" || fail "saved: $(head -qn1 "$S"/manifests/*)"
APID=$(pid_of allowed)
ALOADS=$(reason_count allowed.yaml Loaded) # events outlive a restart: count on from here
printf 'manifestLinkAllow:\n- %s\nmanifestMaxBytes: 100000\n' "$ALLOW" >"$T_TMP/node.yaml"
restart_hard --config "$T_TMP/node.yaml" # the same settings, from node.yaml
wait_reason cm20.yaml LastValidVersion || fail "cm20.yaml: $(events cm20.yaml)"
n=0
for i in $(seq 1 20); do [ "$(reason_count "cm$i.yaml" LastValidVersion)" = 1 ] && n=$((n + 1)); done
[ "$n" = 20 ] && [ "$(ncm)" = 40 ] && ok "after a restart: 20 bad files with their last valid version in force, 40 ConfigMaps" ||
	fail "$n LastValidVersion events, $(ncm) ConfigMaps"
marker
[ "$(pid_of keep)" = "$KPID" ] && [ "$(pid_of allowed)" = "$APID" ] && [ "$(reason_count allowed.yaml Loaded)" = $((ALOADS + 1)) ] && ok "keep still runs, and allowed is loaded once more (node.yaml's manifestLinkAllow)" ||
	fail "keep $(pid_of keep) (was $KPID), allowed $(pid_of allowed) (was $APID): $(events allowed.yaml)"
{ sleeper big; yes '# padding' | head -c 200000; } >"$T_TMP/big.yaml" && drop big.yaml "$T_TMP/big.yaml"
wait_reason big.yaml Refused && events big.yaml | grep -q "larger than the limit of 100000 bytes" && ok "node.yaml's manifestMaxBytes: $(events big.yaml)" ||
	fail "big.yaml: $(events big.yaml)"
rm "$M/big.yaml"
rm -f "$M"/cm*.yaml
wait_for 20 '[ "$(ncm)" = 0 ]' && ok "all 40 deleted" || fail "$(ncm) left"
wait_for 10 '[ "$(ncopies cm)" = 0 ]' && ok "and their saved copies" || fail "saved: $(head -qn1 "$S"/manifests/*)"

# ---- (5) at a restart, the file that held an object keeps it ----
# zh$i.yaml holds ConfigMap own$i; while the daemon is down it goes bad
# and ah$i.yaml (sorted first) claims own$i: the saved version of zh$i
# is in force, ah$i fails as a duplicate (the order of the scan does not
# decide). zm$i.yaml moves mv$i to am$i.yaml while the daemon is down:
# the move is applied. 20 of each.
cmv() { # NAME: ConfigMap NAME's data v, or nothing
	"$PVQ" get cm -o internal-json 2>/dev/null | "$PY" -c 'import json, sys; print(" ".join(c.get("data", {}).get("v", "?") for c in json.load(sys.stdin) if c["name"] == sys.argv[1]))' "$1" 2>/dev/null
}
cm_file() { # FILE NAME V
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {v: "%s"}\n' "$2" "$3" >"$T_TMP/cm.yaml" &&
		drop "$1" "$T_TMP/cm.yaml"
}
for i in $(seq 1 20); do cm_file "zh$i.yaml" "own$i" 1; cm_file "zm$i.yaml" "mv$i" 1; done
wait_for 20 '[ "$(cmv own20)" = 1 ] && [ "$(cmv mv20)" = 1 ]' || fail "own20 '$(cmv own20)' mv20 '$(cmv mv20)'"
wait_for 10 '[ "$(ncopies zh)" = 20 ]' || fail "copies of zh: $(ncopies zh)"
kill -9 "$DAEMON" && wait "$DAEMON" 2>/dev/null
for i in $(seq 1 20); do
	bad "zh$i.yaml"; cm_file "ah$i.yaml" "own$i" 2
	cm_file "zm$i.yaml" "other$i" 1; cm_file "am$i.yaml" "mv$i" 2
done
start_daemon "${DARGS[@]}" || { fail "daemon restart"; diag "$(tail -20 "$LOG")"; done_testing; exit 1; }
wait_reason zh20.yaml LastValidVersion && wait_reason ah20.yaml FailedLoad || fail "zh20: $(events zh20.yaml); ah20: $(events ah20.yaml)"
n=0 m=0
for i in $(seq 1 20); do
	[ "$(cmv "own$i")" = 1 ] && n=$((n + 1))
	[ "$(cmv "mv$i")" = 2 ] && [ "$(cmv "other$i")" = 1 ] && m=$((m + 1))
done
[ "$n" = 20 ] && [ "$(ncopies zh)" = 20 ] && ok "the holders' saved versions are in force over the files that claimed their objects while the daemon was down (20)" ||
	fail "$n of 20 own\$i from zh (v=1); $(ncopies zh) copies of zh; own1 '$(cmv own1)': $(events ah1.yaml)"
[ "$m" = 20 ] && ok "objects moved between files while the daemon was down: moved (20)" ||
	fail "$m of 20 moved; mv1 '$(cmv mv1)' other1 '$(cmv other1)': $(events am1.yaml)"
rm -f "$M"/zh*.yaml "$M"/ah*.yaml "$M"/zm*.yaml "$M"/am*.yaml

kill -0 "$DAEMON" 2>/dev/null && ok "the daemon is alive" || fail "the daemon died"
grep -qE "ERROR: AddressSanitizer|runtime error:" "$LOG" && fail "sanitizer report" || ok "no sanitizer report"
stop_daemon TERM
done_testing
