#!/bin/bash
# asan: yes
# `podvisor image pull` against real registries: Debian's docker-registry
# (distribution 2.8) serving on 127.0.0.1 inside this test's own network
# namespace, images pushed to it with tests/integration/registry_push.py.
# Pull by tag and by digest, a pod run from the pulled image, a wrong
# digest, a blob and a manifest corrupted on the registry's disk, a blob
# larger than its descriptor, Basic auth with a credentials file, a
# resumed download, two pulls of one blob at once, an image index, a
# mirror, and an image of more layers than any array's first capacity.
# Every failure must leave nothing in the store. The registries die with
# the namespace (lib_pods.sh: kill -9 -1 at exit), whatever happens.
. "$(dirname "$0")/lib_pods.sh"

PUSH="$(dirname "$0")/registry_push.py"
REG=127.0.0.1:5000
AUTHREG=127.0.0.1:5001
if ! command -v docker-registry >/dev/null || ! command -v htpasswd >/dev/null; then
	echo "1..0 # SKIP needs docker-registry and htpasswd (scripts/deps.sh installs them)"
	exit 0
fi
ip link set lo up

. "$(dirname "$0")/lib_registry.sh"

# pull WANT_RC PATTERN DESC ARGS...: `podvisor image pull ARGS`; passes when
# it exits WANT_RC and its output (in $OUT) matches the extended regexp.
pull() {
	local want=$1 pat=$2 desc=$3 rc
	shift 3
	OUT=$("$PODVISOR" image pull "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$OUT"; then
		ok "$desc"
	else
		fail "$desc (exit $rc, wanted $want, output should match /$pat/)"
		diag "$OUT"
	fi
}

# blob_file DIR DIGEST: where registry DIR keeps the blob.
blob_file() {
	local hex=${2#sha256:}
	echo "$T_TMP/$1/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# layers_of LAYOUT: the layer digests of its first manifest, lowest first.
layers_of() {
	"$PY" - "$1" <<'PY'
import json, sys
d = sys.argv[1]
ix = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + ix["manifests"][0]["digest"][7:]))
print(" ".join(l["digest"] for l in m["layers"]))
PY
}

# nothing_left STATE NAME: no record of NAME, no layout being pulled, no
# partial download.
nothing_left() {
	! "$PVQ" image ls -q --state "$1" 2>/dev/null | grep -qF "$2" &&
		[ -z "$(ls -A "$1/images/pull" 2>/dev/null)" ] &&
		[ -z "$(find "$1/images/downloads" -name '*.partial' 2>/dev/null)" ]
}

# small_image DIR TEXT: a one-layer image of its own (no layer shared
# with any other); prints the manifest digest.
small_image() {
	mkdir -p "$1/root" && echo "$2" >"$1/root/file" && head -c 300000 /dev/urandom >"$1/root/noise" &&
		oci_tar "$1/root" "$1/l.tar" && gzip -n "$1/l.tar" &&
		oci_image "$1/oci" "" '{"Cmd":["sh"]}' "$1/l.tar.gz"
}

start_registry reg "$REG" && ok "docker-registry serves on $REG" ||
	{ fail "docker-registry did not start"; diag "$(cat "$T_TMP/reg/log")"; done_testing; exit 1; }
DIGEST=$("$PY" "$PUSH" "http://$REG" test/busybox 1 "$T_TMP/oci") &&
	ok "busybox pushed as test/busybox:1" || { fail "push busybox"; diag "$DIGEST"; }

# --- usage -------------------------------------------------------------------------
out=$("$PODVISOR" image pull --help); rc=$?
[ $rc = 0 ] && grep -q '^Usage: podvisor image pull' <<<"$out" && grep -q '^Exit status' <<<"$out" &&
	grep -q -- '--insecure' <<<"$out" && ok "image pull --help" || { fail "image pull --help (exit $rc)"; diag "$out"; }
"$PODVISOR" image --help | grep -q 'pull NAME' && ! "$PODVISOR" image --help | grep -q 'never pulls' &&
	ok "image --help lists pull" || fail "image --help does not list pull"
expect_rc 2 "pull without a name is a usage error" "$PODVISOR" image pull
expect_rc 2 "pull of an invalid name is a usage error" "$PODVISOR" image pull 'Bad Name'
expect_rc 2 "pull with two names is a usage error" "$PODVISOR" image pull a b

# --- by tag, then again, then by digest ----------------------------------------------
S1=$T_TMP/s1
img1() { "$PODVISOR" image --state "$S1" "$@"; }
t0=$EPOCHREALTIME
pull 0 "^pulled $REG/test/busybox:1 $DIGEST\$" "pull $REG/test/busybox:1 --insecure" --state "$S1" --insecure "$REG/test/busybox:1"
t1=$EPOCHREALTIME
diag "pull of test/busybox:1 (2 layers, 1.1 MB): $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f s", b - a }')"
[ "$(grep -c ' pulled$' <<<"$OUT")" = 2 ] && grep -qE '^layer sha256:[0-9a-f]{64} \([0-9.]+[kM]?B\) pulled$' <<<"$OUT" &&
	ok "one line per layer: digest, size, pulled" || { fail "progress lines"; diag "$OUT"; }
img1 ls | grep -qE "^$REG/test/busybox +1 +${DIGEST:7:12} " &&
	ok "image ls shows the pulled image" || { fail "image ls"; diag "$(img1 ls 2>&1)"; }
[ -z "$(find "$S1/images/pull" "$S1/images/downloads/sha256" -mindepth 1)" ] &&
	ok "a pull that worked leaves no download and no layout" || { fail "leftovers"; diag "$(find "$S1/images/pull" "$S1/images/downloads")"; }
pull 0 "^pulled " "pulling it again works" --state "$S1" --insecure "$REG/test/busybox:1"
[ "$(grep -c ' exists$' <<<"$OUT")" = 2 ] && ! grep -q ' pulled$' <<<"$OUT" &&
	ok "layers in the store are not downloaded again (exists)" || { fail "second pull downloaded"; diag "$OUT"; }
pull 1 "registry $REG, repository test/busybox: manifest 1: .*SSL.*needs --insecure" \
	"without --insecure, the registry is reached over https only" --state "$S1" "$REG/test/busybox:1"
pull 0 "^pulled $REG/test/busybox@$DIGEST $DIGEST\$" "pull by digest" --state "$S1" --insecure "$REG/test/busybox@$DIGEST"
img1 inspect "$REG/test/busybox@$DIGEST" | grep -q "\"digest\": \"$DIGEST\"" &&
	ok "the image pulled by digest is found by digest" || fail "inspect by digest"
pull 1 "registry $REG, repository test/busybox: manifest 2: HTTP 404 MANIFEST_UNKNOWN" \
	"a missing tag: HTTP 404 and the registry's error code" --state "$S1" --insecure "$REG/test/busybox:2"
ZERO=sha256:0000000000000000000000000000000000000000000000000000000000000000
pull 1 "registry $REG, repository test/busybox: manifest $ZERO: HTTP 404 MANIFEST_UNKNOWN" \
	"a wrong digest is refused with a clear error" --state "$S1" --insecure "$REG/test/busybox@$ZERO"
nothing_left "$S1" "$ZERO" && [ "$(img1 ls -q | wc -l)" = 2 ] &&
	ok "the wrong digest left nothing in the store" || fail "wrong digest left something"
pull 1 "registry $REG, repository test/nothing: manifest 1: HTTP 404 (NAME|MANIFEST)_UNKNOWN" \
	"a missing repository" --state "$S1" --insecure "$REG/test/nothing:1"

# --- a pod runs from the pulled image --------------------------------------------------
pull 0 "^pulled $REG/test/busybox:1 " "pull into the daemon's store" --insecure "$REG/test/busybox:1"
start_daemon && ok "daemon starts" || { fail "daemon start"; diag "$(tail -20 "$LOG")"; }
pod_yaml pulled Always sh -c 'cat /etc/layer2; exec sleep 1000' | sed "s|image: busybox:test|image: $REG/test/busybox:1|" >"$T_TMP/pulled.yaml"
drop pulled.yaml "$T_TMP/pulled.yaml"
if wait_status pulled Running; then
	ok "a pod of the pulled image is Running"
else
	fail "pod of the pulled image: $(pod_json pulled "p['status']")"
	diag "$("$PODVISOR" describe pod pulled 2>&1)" "$(tail -20 "$LOG")"
fi
wait_for 10 '[ "$("$PVQ" logs pulled 2>/dev/null)" = 2 ]' && ok "it runs the image's files (both layers)" ||
	fail "logs: $("$PVQ" logs pulled 2>&1)"

# --- an index: the manifest for this machine -----------------------------------------------
make_deep_oci "$T_TMP/deep" 20 >/dev/null 2>&1 && DEEP=$("$PY" "$PUSH" "http://$REG" test/deep 1 "$T_TMP/deep/oci") &&
	ok "an image of 20 layers pushed" || fail "push the deep image"
other=s390x
[ "$(oci_arch)" = s390x ] && other=amd64
# busybox's manifest in test/deep too, then an index of both
"$PY" "$PUSH" "http://$REG" test/deep bb "$T_TMP/oci" >/dev/null
IDX=$("$PY" "$PUSH" --index "http://$REG" test/deep multi "$other=$DEEP" "$(oci_arch)=$DIGEST" 2>&1) &&
	ok "an index of linux/$other and linux/$(oci_arch) pushed" || { fail "push an index"; diag "$IDX"; }
pull 0 "^pulled $REG/test/deep:multi $DIGEST\$" "an image index gives the manifest for linux/$(oci_arch)" --insecure "$REG/test/deep:multi"
pull 0 "^pulled $REG/test/deep@$IDX $DIGEST\$" "pull by the index's digest" --insecure "$REG/test/deep@$IDX"
"$PODVISOR" image inspect "$REG/test/deep@$IDX" >/dev/null 2>&1 &&
	ok "the image pulled by an index digest is found by that digest" || fail "inspect by index digest"

# --- many layers --------------------------------------------------------------------------------
pull 0 "^pulled $REG/test/deep:1 $DEEP\$" "pull an image of 20 layers" --insecure "$REG/test/deep:1"
[ "$(grep -c ' pulled$' <<<"$OUT")" = 20 ] && ok "20 layers pulled, one line each" || { fail "deep progress"; diag "$OUT"; }
[ "$("$PODVISOR" image inspect "$REG/test/deep:1" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["layers"]))')" = 20 ] &&
	ok "inspect shows its 20 layers" || fail "deep inspect"
cat >"$T_TMP/deep.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: deep
spec:
  containers:
  - name: main
    image: $REG/test/deep:1
    command: ["sh", "-c", "echo \$(ls /l) \$(cat /o/only); exec sleep 1000"]
EOF
drop deep.yaml "$T_TMP/deep.yaml"
wait_status deep Running && wait_for 10 '[ "$("$PVQ" logs deep 2>/dev/null)" = "20 20" ]' &&
	ok "a pod of the 20-layer image sees its layers stacked in order" ||
	{ fail "deep pod: $(pod_json deep "p['status']") $("$PVQ" logs deep 2>&1)"; diag "$(tail -20 "$LOG")"; }

# --- corruption on the registry's disk -------------------------------------------------------------
S2=$T_TMP/s2
small_image "$T_TMP/bad" bad >/dev/null && BAD=$("$PY" "$PUSH" "http://$REG" test/bad 1 "$T_TMP/bad/oci") || fail "push test/bad"
BADL=$(layers_of "$T_TMP/bad/oci")
f=$(blob_file reg "$BADL")
size=$(stat -c %s "$f")
cp "$f" "$T_TMP/bad.blob"
head -c "$size" /dev/zero >"$f" # the same size, other bytes
pull 1 "registry $REG, repository test/bad: blob $BADL: digest mismatch: expected $BADL, got sha256:[0-9a-f]{64}" \
	"a blob corrupted on the registry fails the pull: digest mismatch, expected and got" --state "$S2" --insecure "$REG/test/bad:1"
nothing_left "$S2" test/bad && [ ! -e "$S2/images/layers/sha256/${BADL#sha256:}" ] &&
	ok "the corrupt blob left no image, no layer, no partial download" || { fail "corrupt blob left something"; diag "$(find "$S2/images")"; }
head -c $((size + 1000)) /dev/zero >"$f" # longer than its descriptor
pull 1 "blob $BADL: the registry sent more than the $size bytes its descriptor says" \
	"a blob longer than its descriptor is refused" --state "$S2" --insecure "$REG/test/bad:1"
nothing_left "$S2" test/bad && ok "... and leaves nothing" || fail "long blob left something"
cp "$T_TMP/bad.blob" "$f"
mf=$(blob_file reg "$BAD")
cp "$mf" "$T_TMP/bad.manifest"
sed -i 's/"schemaVersion"/"schemaversion"/' "$mf"
pull 1 "manifest $BAD: digest mismatch: expected $BAD, got sha256:" \
	"a manifest fetched by digest must have that digest" --state "$S2" --insecure "$REG/test/bad@$BAD"
nothing_left "$S2" test/bad && ok "... and nothing is stored" || fail "bad manifest left something"
cp "$T_TMP/bad.manifest" "$mf"
pull 0 "^pulled $REG/test/bad:1 $BAD\$" "the repaired registry serves the image again" --state "$S2" --insecure "$REG/test/bad:1"

# --- resuming ------------------------------------------------------------------------------------------
S3=$T_TMP/s3
L1=$(layers_of "$T_TMP/oci" | cut -d' ' -f1)
l1size=$(stat -c %s "$(blob_file reg "$L1")")
mkdir -p "$S3/images/downloads/sha256"
head -c $((l1size / 2)) "$(blob_file reg "$L1")" >"$S3/images/downloads/sha256/${L1#sha256:}.partial"
pull 0 "^pulled $REG/test/busybox:1 $DIGEST\$" "a pull resumes a partial download" --state "$S3" --insecure "$REG/test/busybox:1"
grep -q "blob $L1: resuming after" <<<"$OUT" && ok "... from where it stopped (a Range request)" || { fail "no resume"; diag "$OUT"; }
"$PODVISOR" image rm --state "$S3" "$REG/test/busybox:1" >/dev/null
head -c $((l1size / 2)) /dev/urandom >"$S3/images/downloads/sha256/${L1#sha256:}.partial"
pull 0 "^pulled " "a corrupt partial download is started over" --state "$S3" --insecure "$REG/test/busybox:1"
grep -q "resuming after" <<<"$OUT" && nothing_left "$S3" nothing &&
	ok "... after its digest failed, and nothing partial is left" || { fail "restart"; diag "$OUT"; }

# --- two pulls of the same blobs at once ------------------------------------------------------------------
S4=$T_TMP/s4
"$PODVISOR" image pull --state "$S4" --insecure "$REG/test/deep:1" >"$T_TMP/p1" 2>&1 &
p1=$!
"$PODVISOR" image pull --state "$S4" --insecure "$REG/test/deep:1" >"$T_TMP/p2" 2>&1
r2=$?
wait $p1
r1=$?
[ $r1 = 0 ] && [ $r2 = 0 ] && [ "$("$PVQ" image ls -q --state "$S4")" = "$REG/test/deep:1" ] &&
	ok "two pulls of one image at once both succeed" || { fail "concurrent pulls ($r1 $r2)"; diag "$(cat "$T_TMP/p1" "$T_TMP/p2")"; }

# --- mirrors -------------------------------------------------------------------------------------------------
pull 0 "^pulled 127.0.0.9:5999/test/busybox:1 $DIGEST\$" "a mirror serves a registry that is not there" \
	--state "$T_TMP/s5" --insecure --mirror "$REG" 127.0.0.9:5999/test/busybox:1
pull 0 "^pulled $REG/test/busybox:1 " "a mirror that is down is skipped for the registry" \
	--state "$T_TMP/s5" --insecure --mirror 127.0.0.1:5999 "$REG/test/busybox:1"
pull 1 "mirror|127.0.0.9:5999" "no mirror and no registry: the pull fails" \
	--state "$T_TMP/s5" --insecure --mirror 127.0.0.1:5999 127.0.0.9:5999/test/busybox:2

# --- Basic auth ---------------------------------------------------------------------------------------------
start_auth_registry authreg "$AUTHREG"
"$PY" "$PUSH" --user alice:s3cret "http://$AUTHREG" private/busybox 1 "$T_TMP/oci" >/dev/null && ok "pushed with credentials" || fail "auth push"
S6=$T_TMP/s6
pull 1 "registry $AUTHREG, repository private/busybox: manifest 1: HTTP 401: the registry wants credentials, and there are none for $AUTHREG" \
	"without credentials the pull is refused" --state "$S6" --insecure "$AUTHREG/private/busybox:1"
nothing_left "$S6" private && ok "... and nothing is stored" || fail "refused pull left something"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AUTHREG" "$(printf alice:wrong | base64)" >"$T_TMP/wrong.json"
pull 1 "registry $AUTHREG, repository private/busybox: manifest 1: HTTP 401: the credentials were refused" \
	"wrong credentials are refused" --state "$S6" --insecure --creds "$T_TMP/wrong.json" "$AUTHREG/private/busybox:1"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AUTHREG" "$(printf alice:s3cret | base64)" >"$T_TMP/creds.json"
pull 0 "^pulled $AUTHREG/private/busybox:1 $DIGEST\$" "--creds FILE (config.json, auth) gets it" \
	--state "$S6" --insecure --creds "$T_TMP/creds.json" "$AUTHREG/private/busybox:1"
"$PODVISOR" image rm --state "$S6" "$AUTHREG/private/busybox:1" >/dev/null
printf '{"auths": {"http://%s/v2/": {"username": "alice", "password": "s3cret"}}}\n' "$AUTHREG" >"$S6/auth.json"
pull 0 "^pulled $AUTHREG/private/busybox:1 " "STATE/auth.json (username, password; a URL as the key) is the default" \
	--state "$S6" --insecure "$AUTHREG/private/busybox:1"
pull 1 "credentials file: .*nope.json" "a --creds FILE that is missing is an error" \
	--state "$S6" --insecure --creds "$T_TMP/nope.json" "$AUTHREG/private/busybox:1"

done_testing
