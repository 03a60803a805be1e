#!/bin/bash
# asan: yes
# Air-gapped nodes (issue 18 item 7): OCI archives and layouts delivered
# into the images-import directory (STATE/images-import) are imported by
# the daemon under the names their index.json gives, and the pods waiting
# for them start; the same file again is not imported twice (nor after a
# restart); a bare tag, a corrupt archive are refused with a warning event,
# nothing imported, the daemon fine. `image import SRC` without NAME.
# Many: 20 archives delivered at once for 20 waiting pods; 270 files
# found at start, past the queue's 256: all read, the overflow said once;
# SIGHUP rescans without importing anything again.
# `image prune` keeps what manifests and pods use (asking the daemon),
# removes the rest, and refuses without a daemon.
. "$(dirname "$0")/lib_pods.sh"

IMP=$S/images-import
events_on() { # OBJECT: "TYPE REASON MESSAGE (xCOUNT)" lines
	"$PVQ" get events "$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["type"], e["reason"], e["message"], "(x%d)" % e["count"])
except Exception:
    pass'
}
# deliver FILE NAME: as rsync does (a dotfile, then a rename), keeping mtime
deliver() { cp -p "$1" "$IMP/.$2.XyZ123" && mv "$IMP/.$2.XyZ123" "$IMP/$2"; }
# set_names LAYOUT CONTAINERD-NAME REF-NAME: the annotations of its manifest
set_names() {
	"$PY" - "$@" <<'PY'
import json, sys
d, cn, rn = sys.argv[1:4]
ix = json.load(open(d + "/index.json"))
ann = {}
if cn: ann["io.containerd.image.name"] = cn
if rn: ann["org.opencontainers.image.ref.name"] = rn
ix["manifests"][0]["annotations"] = ann
json.dump(ix, open(d + "/index.json", "w"))
PY
}

# archives: a whole ref.name; a containerd name beside a bare tag; a bare tag only
make_busybox_oci "$T_TMP/a1" "registry.local/airgap/app:1" >/dev/null && make_busybox_archive "$T_TMP/a1" "$T_TMP/app.tar.gz" &&
	cp -a "$T_TMP/a1" "$T_TMP/a2" && set_names "$T_TMP/a2" "registry.local/airgap/ctr:2" "2" && make_busybox_archive "$T_TMP/a2" "$T_TMP/ctr.tar" &&
	cp -a "$T_TMP/a1" "$T_TMP/a3" && set_names "$T_TMP/a3" "" "3" && make_busybox_archive "$T_TMP/a3" "$T_TMP/bare.tar" &&
	ok "archives built" || fail "build archives"

# --- the CLI: names from the archive ---------------------------------------------------
out=$("$PODVISOR" image import --state "$T_TMP/cli" "$T_TMP/ctr.tar" 2>&1)
[ $? = 0 ] && grep -q "^imported registry.local/airgap/ctr:2$" <<<"$out" &&
	"$PVQ" image ls -q --state "$T_TMP/cli" | grep -qx "registry.local/airgap/ctr:2" &&
	ok "image import SRC without NAME: the io.containerd.image.name" || { fail "import ctr.tar"; diag "$out"; }
out=$("$PODVISOR" image import --state "$T_TMP/cli" "$T_TMP/bare.tar" 2>&1)
[ $? = 1 ] && grep -q '"3" is a tag, not a name' <<<"$out" &&
	ok "a bare tag in ref.name is refused, saying so" || { fail "import bare.tar"; diag "$out"; }
"$PODVISOR" image import --help | grep -q "Usage: podvisor image import \[--state DIR\] SRC \[NAME\[:TAG\]\]" &&
	ok "image import --help: NAME is optional" || fail "import --help"

# --- the daemon's import directory ---------------------------------------------------------
start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(tail -20 "$LOG")"; }
[ -d "$IMP" ] && ok "STATE/images-import made" || fail "no $IMP"
cat >"$T_TMP/app.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "registry.local/airgap/app:1", command: ["sh", "-c", "exec sleep 1000"]}
EOF
drop app.yaml "$T_TMP/app.yaml"
wait_for 20 '[[ "$(pod_json app "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' &&
	ok "a pod of an image not here, no registry: $(pod_json app "p['status']")" || fail "app: $(pod_json app "p['status']")"
t0=$EPOCHREALTIME
deliver "$T_TMP/app.tar.gz" app.tar.gz
wait_status app Running 30 && ok "the archive delivered, the pod runs ($(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s)" ||
	{ fail "app: $(pod_json app "p['status']")"; diag "$(events_on "file:$IMP/app.tar.gz")" "$(tail -10 "$LOG")"; }
events_on "file:$IMP/app.tar.gz" | grep -q "^Normal Imported imported registry.local/airgap/app:1 in .* (x1)$" &&
	ok "an Imported event names the image" || { fail "Imported event"; diag "$(events_on "file:$IMP/app.tar.gz")"; }
deliver "$T_TMP/app.tar.gz" app.tar.gz
wait_for 10 'grep -q "app.tar.gz: imported already" "$LOG"' &&
	events_on "file:$IMP/app.tar.gz" | grep -q "Imported .*(x1)$" &&
	ok "the same file again is not imported twice" || { fail "re-import"; diag "$(events_on "file:$IMP/app.tar.gz")"; }
"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))["app.tar.gz"]; assert e["ok"] and "airgap/app:1" in e["names"]' "$S/images-import.json" &&
	ok "STATE/images-import.json records it" || fail "record: $(cat "$S/images-import.json")"

# a layout directory renamed in, with a containerd name
cp -a "$T_TMP/a2" "$IMP/.ctr-layout" && mv "$IMP/.ctr-layout" "$IMP/ctr-layout"
wait_for 20 '"$PVQ" image ls -q | grep -qx "registry.local/airgap/ctr:2"' &&
	ok "an OCI layout directory renamed in is imported under its io.containerd.image.name" ||
	{ fail "ctr-layout"; diag "$(events_on "file:$IMP/ctr-layout")"; }

# refused: a bare tag, a corrupt archive
n=$("$PVQ" image ls -q | wc -l)
deliver "$T_TMP/bare.tar" bare.tar
wait_for 20 'events_on "file:$IMP/bare.tar" | grep -q "^Warning FailedImport .*is a tag, not a name"' &&
	ok "a bare tag: a FailedImport warning saying why" || { fail "bare"; diag "$(events_on "file:$IMP/bare.tar")"; }
head -c 200000 /dev/urandom >"$T_TMP/corrupt.tar.gz"
deliver "$T_TMP/corrupt.tar.gz" corrupt.tar.gz
wait_for 20 'events_on "file:$IMP/corrupt.tar.gz" | grep -q "^Warning FailedImport not imported: "' &&
	ok "a corrupt archive: $(events_on "file:$IMP/corrupt.tar.gz" | head -1 | cut -c1-120)" ||
	{ fail "corrupt"; diag "$(events_on "file:$IMP/corrupt.tar.gz")" "$(tail -5 "$LOG")"; }
[ "$("$PVQ" image ls -q | wc -l)" = "$n" ] && ok "nothing imported from them" || fail "image ls: $("$PVQ" image ls -q)"
[ -z "$(ls -A "$S/images/tmp" 2>/dev/null)" ] && ok "nothing left in the store's tmp" || fail "tmp: $(ls -A "$S/images/tmp")"
[ "$(pod_json app "p['status']")" = Running ] && "$PVQ" get pods >/dev/null && ok "the daemon and the pod are fine" || fail "after corrupt"
# rsync's temporaries and dotfiles are never read
cp "$T_TMP/corrupt.tar.gz" "$IMP/.hidden.tar.gz"
sleep 0.5
! grep -q "hidden" "$LOG" && ok "dotfiles are ignored" || fail "a dotfile was read"

# --- a restart: nothing imported again ----------------------------------------------------------
c=$(grep -c "images-import: importing" "$LOG")
stop_daemon TERM >/dev/null
start_daemon && ok "daemon restarted" || fail "restart"
wait_for 10 'grep -q "app.tar.gz: imported already" "$LOG"'
sleep 0.5
[ "$(grep -c "images-import: importing" "$LOG")" = "$c" ] && ok "after a restart, nothing is imported again" ||
	{ fail "re-imported after restart"; diag "$(grep "images-import" "$LOG" | tail -8)"; }
# a changed file is imported again
touch "$IMP/app.tar.gz"
sleep 0.1
mv "$IMP/app.tar.gz" "$IMP/app2.tar.gz" && mv "$IMP/app2.tar.gz" "$IMP/app.tar.gz"
wait_for 20 '[ "$(events_on "file:$IMP/app.tar.gz" | grep -c "^Normal Imported")" = 2 ]' &&
	ok "a changed file (mtime) is imported again" || { fail "changed"; diag "$(events_on "file:$IMP/app.tar.gz")"; }
# --- many: 20 archives for 20 waiting pods; 270 files, past the queue's 256 ----------------
{
	for i in $(seq 20); do
		printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: many%d, labels: {app: many}}\n' "$i"
		printf 'spec:\n  terminationGracePeriodSeconds: 0\n  containers:\n'
		printf '  - {name: c, image: "registry.local/many/img-%d:1", command: [sleep, "1000"]}\n' "$i"
	done
} >"$T_TMP/many.yaml"
drop many.yaml "$T_TMP/many.yaml"
for i in $(seq 20); do
	cp -a "$T_TMP/a1" "$T_TMP/m$i" && set_names "$T_TMP/m$i" "registry.local/many/img-$i:1" "" &&
		make_busybox_archive "$T_TMP/m$i" "$T_TMP/many$i.tar" && rm -rf "$T_TMP/m$i" || fail "archive many$i"
done
for i in $(seq 20); do deliver "$T_TMP/many$i.tar" "many$i.tar"; done
wait_for 90 '[ "$("$PVQ" get pods -o internal-json | "$PY" -c "import json,sys; print(sum(p[\"name\"].startswith(\"many\") and p[\"status\"] == \"Running\" for p in json.load(sys.stdin)))")" = 20 ]' &&
	ok "20 archives delivered at once: 20 images, the 20 pods waiting for them run" ||
	{ fail "many: $("$PVQ" get pods 2>&1 | grep -c 'many.*Running') running"; diag "$(grep images-import "$LOG" | tail -5)"; }
[ "$("$PVQ" image ls -q | grep -c '^registry.local/many/img-')" = 20 ] && ok "image ls: the 20 of them" ||
	fail "image ls: $("$PVQ" image ls -q | grep -c many)"
# delivered while the daemon is stopped: its first scan finds all 270 at once
stop_daemon TERM >/dev/null
for i in $(seq 270); do printf 'not an archive %d\n' "$i" >"$IMP/junk$i.tar"; done
start_daemon || fail "restart with 270 files waiting"
wait_for 180 '[ "$("$PY" -c "import json,sys; print(sum(k.startswith(\"junk\") for k in json.load(open(sys.argv[1]))))" "$S/images-import.json" 2>/dev/null)" = 270 ]' &&
	ok "270 files at once (the queue holds 256): every one read and refused, recorded" ||
	fail "junk: $("$PY" -c "import json,sys; print(sum(k.startswith('junk') for k in json.load(open(sys.argv[1]))))" "$S/images-import.json") recorded"
grep -q "images-import: more than 256 files waiting; the others are read once these are done" "$LOG" &&
	[ "$(grep -c 'more than 256 files waiting' "$LOG")" = 1 ] && ok "the full queue is said once" ||
	fail "overflow warnings: $(grep -c 'more than 256 files waiting' "$LOG")"
[ "$(grep -c 'images-import: importing .*/junk' "$LOG")" = 270 ] && ok "each of them read once" ||
	fail "junk imports started: $(grep -c 'images-import: importing .*/junk' "$LOG")"
c=$(grep -c "images-import: importing" "$LOG")
kill -HUP "$DAEMON"
wait_for 20 'grep -q "SIGHUP: rescanning $IMP" "$LOG"' && sleep 0.5
[ "$(grep -c "images-import: importing" "$LOG")" = "$c" ] && grep -q "junk270.tar: imported already" "$LOG" &&
	ok "SIGHUP rescans the directory: nothing imported again" || fail "SIGHUP: $(grep images-import "$LOG" | tail -3)"
rm -f "$M/many.yaml" "$IMP"/junk*.tar
# their images are in use until the pods are gone (prune below counts on it)
wait_for 90 '[ "$("$PVQ" get pods -o internal-json | "$PY" -c "import json,sys; print(sum(p[\"name\"].startswith(\"many\") for p in json.load(sys.stdin)))")" = 0 ]' ||
	fail "many pods still there: $("$PVQ" get pods 2>&1 | grep -c many)"

# --- prune: the images in use stay ----------------------------------------------------------------
"$PODVISOR" image import "$T_TMP/oci" keep/cron:1 >/dev/null 2>&1 || fail "import keep/cron:1"
cat >"$T_TMP/cron.yaml" <<EOF
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          initContainers: [{name: init, image: "busybox:test", command: ["true"]}]
          containers: [{name: main, image: "keep/cron:1", command: ["true"]}]
EOF
n=$(file_seen cron.yaml)
drop cron.yaml "$T_TMP/cron.yaml"
wait_read cron.yaml "$n" Loaded || fail "cron.yaml not read"
before=$("$PVQ" image ls -q | sort)
out=$("$PODVISOR" image prune --dry-run 2>&1)
[ $? = 0 ] && grep -qx "would remove registry.local/airgap/ctr:2" <<<"$out" &&
	grep -qx "kept registry.local/airgap/app:1 (in use)" <<<"$out" &&
	grep -qx "kept docker.io/keep/cron:1 (in use)" <<<"$out" &&
	grep -qx "kept docker.io/library/busybox:test (in use)" <<<"$out" &&
	[ "$("$PVQ" image ls -q | sort)" = "$before" ] &&
	ok "prune --dry-run: keeps the images of a pod and of a CronJob's template (init containers too), removes nothing" ||
	{ fail "prune --dry-run"; diag "$out"; }
out=$("$PODVISOR" image prune 2>&1)
[ $? = 0 ] && grep -qx "removed registry.local/airgap/ctr:2" <<<"$out" &&
	grep -qx "removed registry.local/many/img-20:1" <<<"$out" &&
	[ "$("$PVQ" image ls -q | sort)" = "$(grep -vx registry.local/airgap/ctr:2 <<<"$before" | grep -v '^registry.local/many/')" ] &&
	ok "prune removes the unused images only (the many pods' are gone with them)" || { fail "prune"; diag "$out" "$("$PVQ" image ls -q)"; }
[ "$(pod_json app "p['status']")" = Running ] && ok "the pod runs on" || fail "app after prune"

kill -0 "$DAEMON" && ok "the daemon runs" || fail "the daemon died"
grep -q "ERROR: AddressSanitizer\|runtime error" "$LOG" && fail "sanitizer reports in the log" || ok "no sanitizer report"
stop_daemon TERM >/dev/null
n=$("$PVQ" image ls -q | wc -l)
out=$("$PODVISOR" image prune 2>&1)
[ $? = 1 ] && grep -q "no daemon says which images are in use; nothing removed" <<<"$out" &&
	[ "$("$PVQ" image ls -q | wc -l)" = "$n" ] && ok "without a daemon, prune refuses and removes nothing" ||
	{ fail "prune without a daemon"; diag "$out"; }
done_testing
