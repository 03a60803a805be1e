#!/bin/bash
# asan: yes
# A node whose root filesystem is read-only (an appliance image, a
# read-only rootfs with only the state directory writable), with no
# network: in this test's own mount namespace / is remounted read-only,
# and the daemon starts pods from the local store, imports an archive
# delivered to its images-import directory, reports a pull that cannot
# reach any registry, and writes nothing outside the state directory.
. "$(dirname "$0")/lib_pods.sh"

# everything the test itself writes lives in $T_TMP (a tmpfs of its own)
make_busybox_oci "$T_TMP/a1" "registry.local/ro/app:1" >/dev/null && make_busybox_archive "$T_TMP/a1" "$T_TMP/app.tar.gz" ||
	fail "build the archive"
# the daemon (and so its pods) in a mount namespace of its own whose / is
# read-only; the test's own processes keep theirs
unshare --mount --propagation private sh -c 'mount -o remount,bind,ro / || exit 99; exec "$0" daemon "$@"' \
	"$PODVISOR" --manifests "$M" --backoff-base 300 --cgroup-parent "$CG" --local-path-root "$S/volumes" >>"$LOG" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do
	[ -S "$S/podvisor.sock" ] && "$PVQ" get pods -A >/dev/null 2>&1 && break
	kill -0 "$DAEMON" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$DAEMON" 2>/dev/null; then
	wait "$DAEMON"
	[ $? = 99 ] && { echo "1..0 # SKIP cannot remount / read-only in a mount namespace"; exit 0; }
	fail "the daemon did not start on a read-only root"; diag "$(tail -20 "$LOG")"; done_testing; exit 1
fi
ok "the daemon starts on a read-only root"
nsenter -t "$DAEMON" -m touch /podvisor-ro-probe 2>/dev/null && { rm -f /podvisor-ro-probe; fail "its / is writable"; } ||
	ok "its / is read-only"
pod_yaml local Always sh -c 'echo ok from a read-only node; exec sleep 1000' >"$T_TMP/local.yaml" && drop local.yaml "$T_TMP/local.yaml"
wait_status local Running 30 && ok "a pod of a local image runs" || { fail "local: $(pod_json local "p['status']")"; diag "$(tail -20 "$LOG")"; }
wait_for 10 '[ "$("$PVQ" logs local 2>/dev/null)" = "ok from a read-only node" ]' && ok "its log is there" || fail "logs: $("$PVQ" logs local 2>&1)"

cat >"$T_TMP/app.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "registry.local/ro/app:1", command: ["sh", "-c", "exec sleep 1000"]}
EOF
drop app.yaml "$T_TMP/app.yaml"
wait_for 20 '[[ "$(pod_json app "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' &&
	ok "no network: the pull fails cleanly ($(pod_json app "p['status']"))" || fail "app: $(pod_json app "p['status']")"
cp "$T_TMP/app.tar.gz" "$S/images-import/.app.tar.gz.Ab12Cd" && mv "$S/images-import/.app.tar.gz.Ab12Cd" "$S/images-import/app.tar.gz"
wait_status app Running 30 && ok "an archive delivered to STATE/images-import runs the pod" ||
	{ fail "app: $(pod_json app "p['status']")"; diag "$(grep images-import "$LOG" | tail -5)"; }
grep -i "read-only file system" "$LOG" && fail "something was written outside the state directory" ||
	ok "nothing tried to write outside the state directory (no EROFS in the log)"
kill -0 "$DAEMON" && ok "the daemon runs" || fail "the daemon died"
grep -q "ERROR: AddressSanitizer\|runtime error" "$LOG" && fail "sanitizer reports in the log" || ok "no sanitizer report"
done_testing
