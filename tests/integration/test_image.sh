#!/bin/bash
# asan: yes
# long: yes
# `podvisor image` as a user meets it: import from an OCI layout and from
# archives, ls/inspect/rm, shared layers unpacked once, the layers stacked
# as overlayfs lowerdirs and run with chroot, whiteouts and opaque
# directories, corrupt blobs, hostile layers, manifest selection, garbage
# collection, crash leftovers, and usage errors. Needs root.
. "$(dirname "$0")/lib.sh" || exit 1
. "$(dirname "$0")/lib_image.sh" || exit 1
D=${T_TMP:?}
S=$D/state

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (mknod, trusted xattrs, overlay mounts)"
	exit 0
fi

img() { "$PODVISOR" image --state "$S" "$@"; }
# The system's python3 when there is one: a pyenv shim costs half a second a call.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
python3() { "$PYTHON" "$@"; }

# run_img WANT_RC PATTERN DESC ARGS...: run `podvisor image ARGS` against $S;
# pass when it exits WANT_RC and its output (stdout+stderr, kept in $OUT)
# matches the extended regexp PATTERN.
run_img() {
	local want=$1 pat=$2 desc=$3 rc
	shift 3
	OUT=$(img "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$pat" <<<"$OUT"; then
		ok "$desc"
	else
		fail "$desc (exit $rc, wanted $want, output should match /$pat/)"
		diag "$OUT"
	fi
}

# check DESC CMD...: pass when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# layers_of LAYOUT: the layer digests of its first manifest, lowest first.
layers_of() {
	python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
ix = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + ix["manifests"][0]["digest"][7:]))
print(" ".join(l["digest"] for l in m["layers"]))
PY
}

# pytar OUT SPEC...: a tar written entry by entry, in order (python's
# tarfile, PAX format). SPEC fields are separated by "|":
#   f|NAME|CONTENT  d|NAME  l|NAME|TARGET (symlink)  h|NAME|TARGET (hardlink)
#   c|NAME|MAJOR|MINOR (char device)  p|NAME (fifo)
#   s|NAME (setuid file 4755, owner 1000:1001, mtime 12345)
#   x|NAME|XATTR|VALUE (a file with one pax xattr)  X|NAME|XATTR|VALUE (a directory)
pytar() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for spec in specs:
        f = spec.split("|")
        ti = tarfile.TarInfo(f[1])
        ti.mtime, ti.mode, data = 946684800, 0o644, b""
        kind = f[0]
        if kind == "f":
            data = f[2].encode() if len(f) > 2 else b""
        elif kind in ("d", "X"):
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        elif kind == "l":
            ti.type, ti.linkname = tarfile.SYMTYPE, f[2]
        elif kind == "h":
            ti.type, ti.linkname = tarfile.LNKTYPE, f[2]
        elif kind == "c":
            ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, int(f[2]), int(f[3])
        elif kind == "p":
            ti.type = tarfile.FIFOTYPE
        elif kind == "s":
            ti.mode, ti.uid, ti.gid, ti.mtime, data = 0o4755, 1000, 1001, 12345, b"#!/bin/sh\n"
        if kind in ("x", "X"):
            ti.pax_headers = {"SCHILY.xattr." + f[2]: f[3]}
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if data else None)
PY
}

# one_layer_image DIR TAR: a layout of one uncompressed layer; prints the
# layer digest.
one_layer_image() {
	oci_image "$1" "" '{"Cmd":["sh"]}' "$2" >/dev/null && layers_of "$1"
}

layer_dir() { echo "$S/images/layers/sha256/${1#sha256:}"; }
leftovers() { find "$S/images" -name '.tmp.*' 2>/dev/null; ls -A "$S/images/tmp" 2>/dev/null; }

# --- help and usage errors ---------------------------------------------------------
out=$("$PODVISOR" image --help); rc=$?
[ $rc = 0 ] && grep -q '^Usage: podvisor image' <<<"$out" && grep -q 'import SRC \[NAME' <<<"$out" \
	&& ok "podvisor image --help" || { fail "podvisor image --help (exit $rc)"; diag "$out"; }
for sub in import ls rm inspect; do
	out=$("$PODVISOR" image "$sub" --help); rc=$?
	[ $rc = 0 ] && grep -q "^Usage: podvisor image $sub" <<<"$out" && grep -q '^Exit status' <<<"$out" \
		&& ok "podvisor image $sub --help" || { fail "podvisor image $sub --help (exit $rc)"; diag "$out"; }
done
expect_rc 2 "image without a command is a usage error" "$PODVISOR" image
expect_rc 2 "an unknown image command is a usage error" "$PODVISOR" image frob
expect_rc 2 "image --bogus is a usage error" "$PODVISOR" image --bogus ls
expect_rc 2 "import without arguments is a usage error" img import
expect_rc 1 "import with one argument: the names in the layout (its ref.name is a bare tag: none)" img import "$D"
expect_rc 2 "import with three arguments is a usage error" img import "$D" a b
expect_rc 2 "ls with an argument is a usage error" img ls extra
expect_rc 2 "ls --bogus is a usage error" img ls --bogus
expect_rc 2 "rm without a name is a usage error" img rm
expect_rc 2 "inspect without a name is a usage error" img inspect
run_img 2 'invalid image reference "Busybox:1": repository name "Busybox" must be lowercase' \
	"import NAME with uppercase is a usage error naming the problem" import "$D" Busybox:1
run_img 2 'contains whitespace' "import NAME with a space is a usage error" import "$D" "busy box"
run_img 1 "$D/nope: No such file or directory" "import of a missing SRC fails" import "$D/nope" x:1
[ ! -e "$S" ] && ok "usage errors and a failed import created no state directory" \
	|| fail "usage errors created $S"

# --- the busybox image --------------------------------------------------------------
start=$(date +%s%N)
digest=$(make_busybox_oci "$D/bb" test); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
read -r L1 L2 <<<"$(layers_of "$D/bb" 2>/dev/null)"
if [ $rc = 0 ] && [[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] && [ -n "$L2" ]; then
	ok "make_busybox_oci builds a 2-layer layout in $ms ms"
else
	fail "make_busybox_oci (exit $rc, $ms ms, digest '$digest', layers '$L1' '$L2')"
fi
again=$(make_busybox_oci "$D/bb-again" test)
[ "$again" = "$digest" ] && ok "make_busybox_oci is reproducible (same digest twice)" \
	|| fail "make_busybox_oci gave $digest then $again"

# --- import from a layout -----------------------------------------------------------
run_img 0 "imported docker.io/library/busybox:test $digest" "import a layout as busybox:test" \
	import "$D/bb" busybox:test
if grep -q "^unpacking layer $L1 (1.*MB)$" <<<"$OUT" && grep -q "^unpacking layer $L2 (" <<<"$OUT" &&
	[ "$(grep -c '^unpacking layer' <<<"$OUT")" = 2 ]; then
	ok "import says which layers it unpacks, with their sizes"
else
	fail "import progress"
	diag "$OUT"
fi
perms=$(stat -c '%a %u' "$S/images" "$S/images/layers" "$S/images/layers/sha256" "$S/images/refs" \
	"$S/images/tmp" | sort -u)
[ "$perms" = "700 0" ] && ok "the store's directories are 0700 and root-owned" \
	|| { fail "store permissions"; diag "$perms"; }
rec="$S/images/refs/docker.io%2Flibrary%2Fbusybox%3Atest.json"
[ -f "$rec" ] && [ "$(stat -c %a "$rec")" = 600 ] && grep -q "\"digest\": \"$digest\"" "$rec" \
	&& ok "the record refs/docker.io%2Flibrary%2Fbusybox%3Atest.json holds the digest (0600)" \
	|| { fail "image record"; diag "$(ls -la "$S/images/refs")"; }
[ -d "$(layer_dir "$L1")" ] && [ -d "$(layer_dir "$L2")" ] && [ -z "$(leftovers)" ] \
	&& ok "layers unpacked under layers/sha256/<digest>, no temporaries left" \
	|| { fail "layer directories"; diag "$(find "$S/images" -maxdepth 3)"; }

l1=$(layer_dir "$L1")
l2=$(layer_dir "$L2")
if cmp -s "$l1/bin/busybox" /bin/busybox && [ -x "$l1/bin/busybox" ] &&
	[ "$(readlink "$l1/bin/sh")" = busybox ] && [ "$(stat -c %a "$l1/tmp")" = 1777 ] &&
	[ "$(stat -c %a "$l1/root")" = 700 ] && [ "$(stat -c %Y "$l1/etc/passwd")" = 946684800 ]; then
	ok "layer 1: busybox, applet symlinks, modes (tmp 1777, root 0700) and mtimes kept"
else
	fail "layer 1 contents"
	diag "$(ls -la "$l1" "$l1/bin" | head -20)"
fi
[ "$(stat -c %i "$l1/etc/group")" = "$(stat -c %i "$l1/etc/group-")" ] \
	&& ok "layer 1: a hardlink stays a hardlink" || fail "hardlink etc/group- not kept"
wh=$(stat -c '%F %t:%T' "$l2/etc/motd" 2>&1)
[ "$wh" = "character special file 0:0" ] && ok "layer 2: .wh.motd became an overlay whiteout (char 0:0)" \
	|| { fail "whiteout of etc/motd"; diag "$wh"; }
opq=$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' \
	"$l2/data" 2>&1)
[ "$opq" = y ] && [ ! -e "$l2/data/.wh..wh..opq" ] \
	&& ok "layer 2: .wh..wh..opq became trusted.overlay.opaque=y on data/" \
	|| { fail "opaque data/"; diag "$opq"; }
[ -z "$(find "$S" -name '.wh.*')" ] && ok "no file named .wh.* anywhere in the store" \
	|| { fail "a .wh.* file was created"; diag "$(find "$S" -name '.wh.*')"; }

# --- ls, ls -q, inspect, PODVISOR_STATE ---------------------------------------------
size=$(python3 - "$D/bb" <<'PY'
import json, sys
d = sys.argv[1]
ix = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + ix["manifests"][0]["digest"][7:]))
v, u = float(sum(l["size"] for l in m["layers"])), 0
while v >= 999.5:
    v, u = v / 1000, u + 1
print("%.3g%s" % (v, ["B", "kB", "MB", "GB"][u]))
PY
)
out=$(img ls 2>&1); rc=$?
if [ $rc = 0 ] && grep -qE '^IMAGE +TAG +DIGEST +SIZE +AGE$' <<<"$out" &&
	grep -qE "^docker.io/library/busybox +test +${digest:7:12} +$size +[0-9]+s$" <<<"$out"; then
	ok "ls: IMAGE TAG DIGEST SIZE AGE, with the short digest and size $size"
else
	fail "ls (exit $rc, wanted size $size)"
	diag "$out"
fi
out=$(img ls -q)
[ "$out" = docker.io/library/busybox:test ] && ok "ls -q prints the normalized name" \
	|| { fail "ls -q"; diag "$out"; }
out=$(PODVISOR_STATE=$S "$PODVISOR" image ls -q)
[ "$out" = docker.io/library/busybox:test ] && ok "PODVISOR_STATE names the state directory" \
	|| { fail "PODVISOR_STATE"; diag "$out"; }
out=$("$PODVISOR" image ls -q --state "$S")
[ "$out" = docker.io/library/busybox:test ] && ok "--state after the command works too" \
	|| { fail "--state after ls"; diag "$out"; }
img inspect busybox:test >"$D/inspect.json" 2>&1
if python3 - "$D/inspect.json" "$l1" "$l2" "$digest" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ref"] == "docker.io/library/busybox:test", j["ref"]
assert j["digest"] == sys.argv[4]
assert j["layers"] == [sys.argv[2], sys.argv[3]], j["layers"]
c = j["config"]
assert c["Cmd"] == ["sh"] and c["Entrypoint"] == [] and c["WorkingDir"] == "/", c
assert c["Env"] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], c
PY
then
	ok "inspect: layer paths lowest first, Cmd, Env, WorkingDir from the config"
else
	fail "inspect"
	diag "$(cat "$D/inspect.json")"
fi
run_img 0 "\"ref\": \"docker.io/library/busybox:test\"" \
	"inspect NAME@DIGEST finds the image imported under a tag" inspect "busybox@$digest"

# --- a second image sharing the layers is not unpacked again -----------------------
before=$(stat -c '%i %Y' "$l1" "$l2")
run_img 0 "imported docker.io/library/busybox:copy $digest" "import the same layout as busybox:copy" \
	import "$D/bb" busybox:copy
after=$(stat -c '%i %Y' "$l1" "$l2")
if [ "$(grep -c 'already present$' <<<"$OUT")" = 2 ] && ! grep -q unpacking <<<"$OUT" &&
	[ "$before" = "$after" ]; then
	ok "shared layers are not unpacked again (same inodes and mtimes, 'already present')"
else
	fail "shared layers"
	diag "$OUT" "$before" "$after"
fi

# --- import from archives ----------------------------------------------------------
make_busybox_archive "$D/bb" "$D/bb.tar"
make_busybox_archive "$D/bb" "$D/bb.tar.gz"
tar -C "$D" -cf "$D/nested.tar" bb
run_img 0 "imported registry.local:5000/tools/busybox:tar $digest" "import an OCI archive (tar)" \
	import "$D/bb.tar" registry.local:5000/tools/busybox:tar
grep -q "^extracting archive $D/bb.tar" <<<"$OUT" && [ -z "$(leftovers)" ] \
	&& ok "the archive was extracted into the store's tmp/ and removed" \
	|| { fail "archive extraction"; diag "$OUT" "$(leftovers)"; }
run_img 0 "imported docker.io/library/busybox:targz $digest" "import an OCI archive (tar.gz)" \
	import "$D/bb.tar.gz" busybox:targz
run_img 0 "imported docker.io/library/busybox:nested $digest" \
	"import an archive whose layout is in its only directory" import "$D/nested.tar" busybox:nested
mkdir -p "$D/notalayout" && echo hi >"$D/notalayout/hello"
tar -C "$D/notalayout" -cf "$D/notalayout.tar" .
run_img 1 "holds no OCI image layout" "an archive without a layout is refused" \
	import "$D/notalayout.tar" x:1
head -c 3000 /dev/urandom >"$D/garbage.tar"
run_img 1 "garbage.tar" "a file that is not a tar is refused" import "$D/garbage.tar" x:1
run_img 1 "not an OCI image layout" "a directory without oci-layout is refused" \
	import "$D/notalayout" x:1
[ -z "$(leftovers)" ] && ! img ls -q | grep -q '/x:1' && ok "failed archive imports leave nothing" \
	|| { fail "leftovers after failed archive imports"; diag "$(leftovers)"; }
# A blob stored as a hardlink (tar does that for files with one inode).
cp -a "$D/bb" "$D/hl" && ln "$D/hl/blobs/sha256/${L1#sha256:}" "$D/hl/blobs/sha256/0000"
make_busybox_archive "$D/hl" "$D/hl.tar"
if tar -tvf "$D/hl.tar" | grep -q "^h.*${L1#sha256:} link to ./blobs/sha256/0000"; then
	run_img 0 "imported docker.io/library/busybox:hardlinked $digest" \
		"an archive whose layer blob is a tar hardlink is imported" import "$D/hl.tar" busybox:hardlinked
else
	fail "setup: tar did not store the blob as a hardlink"
	diag "$(tar -tvf "$D/hl.tar")"
fi

got=$(import_busybox "$D/state-helper" localhost:5000/bb:1) && [ "$got" = "$digest" ] &&
	[ "$("$PODVISOR" image ls -q --state "$D/state-helper")" = localhost:5000/bb:1 ] &&
	[ -z "$(find "$D" -maxdepth 1 -name '.busybox-*')" ] \
	&& ok "import_busybox STATE NAME builds and imports the image, leaving no temporary" \
	|| { fail "import_busybox"; diag "$got"; }

# --- the layers stack as overlayfs lowerdirs --------------------------------------------
mkdir -p "$D/merged"
out=$(unshare --mount --propagation private bash -c '
	M=$1
	mount -t overlay overlay -o "lowerdir=$2" "$M" || exit 10
	echo "hi=$(chroot "$M" /bin/sh -c "echo hi")"
	echo "motd=$([ -e "$M/etc/motd" ] && echo present || echo absent)"
	echo "data=$(ls -A "$M/data" | tr "\n" " ")"
	echo "layer2=$(cat "$M/etc/layer2")"
	echo "nobody=$(chroot "$M" /bin/sh -c "grep -c ^nobody: /etc/passwd")"
	echo "cwd=$(chroot "$M" /bin/sh -c "cd / && id -u && pwd && ls /bin | wc -l" | tr "\n" " ")"
	echo "tmp=$(stat -c %a "$M/tmp")"
' sh "$D/merged" "$l2:$l1" 2>&1); rc=$?
if [ $rc = 0 ] && grep -qx 'hi=hi' <<<"$out"; then
	ok "overlay of the layers: busybox runs in it (chroot MERGED /bin/sh -c 'echo hi')"
else
	fail "overlay mount and chroot (exit $rc)"
fi
grep -qx 'motd=absent' <<<"$out" && grep -qx 'layer2=2' <<<"$out" \
	&& ok "overlay: the whited-out etc/motd is gone, layer 2's files are there" \
	|| { fail "overlay whiteout"; diag "$out"; }
grep -qx 'data=upper.txt ' <<<"$out" && ok "overlay: the opaque data/ hides layer 1's lower.txt" \
	|| { fail "overlay opaque dir"; diag "$out"; }
grep -qE '^cwd=0 / [0-9]+ $' <<<"$out" && grep -qx 'nobody=1' <<<"$out" && grep -qx 'tmp=1777' <<<"$out" \
	&& ok "overlay: id, pwd, ls, grep work; /tmp is 1777; /etc/passwd has nobody" \
	|| { fail "overlay tools"; diag "$out"; }
grep -q " $D/" /proc/self/mountinfo && fail "a mount leaked out of unshare" || ok "no mount leaked"

# --- corrupt, truncated and missing blobs -------------------------------------------------
# flip_byte FILE OFFSET: invert the byte at OFFSET.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# corrupt_case NAME WHAT PATTERN DESC: import $D/$NAME into a fresh store;
# it must fail matching PATTERN and leave no record, layer or temporary.
corrupt_case() {
	local name=$1 pat=$2 desc=$3 saved=$S
	S=$D/state-$name
	run_img 1 "$pat" "$desc" import "$D/$name" "corrupt:$name"
	if [ -z "$(find "$S/images/refs" "$S/images/layers/sha256" "$S/images/tmp" -mindepth 1 2>&1)" ]; then
		ok "$name: nothing left behind (no record, no layer, no temporary)"
	else
		fail "$name: left behind"
		diag "$(find "$S/images")"
	fi
	S=$saved
}
cp -a "$D/bb" "$D/bad-l2" && flip_byte "$D/bad-l2/blobs/sha256/${L2#sha256:}" 100
corrupt_case bad-l2 "layer $L2: content does not match its digest" \
	"a flipped byte in layer 2 is refused, naming its digest (after layer 1 unpacked)"
cp -a "$D/bb" "$D/bad-l1" && flip_byte "$D/bad-l1/blobs/sha256/${L1#sha256:}" 500000
corrupt_case bad-l1 "layer $L1: content does not match its digest" \
	"a flipped byte in the middle of layer 1 (gzip) is refused as a digest mismatch"
cp -a "$D/bb" "$D/bad-manifest" && flip_byte "$D/bad-manifest/blobs/sha256/${digest#sha256:}" 20
corrupt_case bad-manifest "manifest $digest: content does not match its digest" \
	"a corrupt manifest is refused, naming its digest"
cfg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["digest"])' \
	"$D/bb/blobs/sha256/${digest#sha256:}")
cp -a "$D/bb" "$D/short-config" && truncate -s -1 "$D/short-config/blobs/sha256/${cfg#sha256:}"
corrupt_case short-config "config $cfg: the blob is [0-9]+ bytes, the descriptor says" \
	"a truncated config is refused, naming its digest"
cp -a "$D/bb" "$D/no-l2" && rm "$D/no-l2/blobs/sha256/${L2#sha256:}"
corrupt_case no-l2 "layer $L2 is missing from the layout" "a missing layer blob is refused"
cp -a "$D/bb" "$D/long-l2" && echo x >>"$D/long-l2/blobs/sha256/${L2#sha256:}"
corrupt_case long-l2 "layer $L2: the blob is [0-9]+ bytes, the descriptor says" \
	"a layer blob with bytes appended is refused"

# --- hostile layers --------------------------------------------------------------------
mkdir -p "$D/outside"
echo victim >"$D/outside/victim"
outside_before=$(ls -A "$D/outside")
# hostile NAME PATTERN DESC SPEC...: a one-layer image with the entries SPEC
# must fail to import with PATTERN, writing nothing outside, leaving nothing.
hostile() {
	local name=$1 pat=$2 desc=$3 layer
	shift 3
	pytar "$D/h-$name.tar" "$@" && layer=$(one_layer_image "$D/h-$name" "$D/h-$name.tar")
	run_img 1 "$pat" "$desc" import "$D/h-$name" "hostile:$name"
	if [ "$(ls -A "$D/outside")" = "$outside_before" ] && [ "$(cat "$D/outside/victim")" = victim ] &&
		[ ! -e "$(layer_dir "$layer")" ] && [ -z "$(leftovers)" ] &&
		! img ls -q | grep -q "hostile:$name" &&
		! python3 -c 'import os,sys; os.getxattr(sys.argv[1], "trusted.overlay.opaque")' \
			"$D/outside" 2>/dev/null; then
		ok "$name: nothing written outside the layer, nothing left in the store"
	else
		fail "$name: outside or store changed"
		diag "$(ls -la "$D/outside")" "$(leftovers)"
	fi
}
up="../../../../../../../../../../../../../../.."
hostile dotdot 'a name with "\.\." could write outside; refused' "an entry named ../.../outside/x is refused" \
	"f|ok.txt|fine" "f|$up$D/outside/dotdot|pwned"
hostile symlink 'Cannot extract through symlink' \
	"a symlink to outside, then a file through it, is refused" \
	"l|evil|$D/outside" "f|evil/pwned|pwned"
hostile relsymlink 'Cannot extract through symlink' \
	"a relative symlink to outside, then a file through it, is refused" \
	"l|evil|$up$D/outside" "f|evil/pwned|pwned"
hostile whiteout-through 'refusing to go through it' \
	"a whiteout through a symlink (evil/.wh.victim) is refused" \
	"l|evil|$D/outside" "f|evil/.wh.victim|"
hostile opaque-through 'refusing to go through it' \
	"an opaque marker through a symlink (evil/.wh..wh..opq) is refused" \
	"l|evil|$D/outside" "f|evil/.wh..wh..opq|"
hostile hardlink-out 'a name with "\.\." could write outside; refused' \
	"a hardlink to ../../etc/hostname is refused" "h|hl|$up/etc/hostname"
hostile hardlink-abs 'hl' "a hardlink to /etc/hostname is looked up inside the layer (absent: refused)" \
	"h|hl|/etc/hostname"
hostile whiteout-dir 'a whiteout \(\.wh\.dir\) cannot be a directory' \
	"an entry inside a .wh.* directory is refused" "f|.wh.dir/file|x"
hostile root-file 'the layer root must be a directory' "a layer whose ./ is a file is refused" "f|.|x"
find "$S/images/layers/sha256" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -vqx '[0-9a-f]\{64\}' \
	&& fail "junk in layers/sha256 after the hostile layers" || ok "layers/sha256 holds only layer directories"

# The archive around a layout is held to the same rules.
mkdir -p "$D/outside"
pytar "$D/evil-archive.tar" "f|oci-layout|{\"imageLayoutVersion\":\"1.0.0\"}" \
	"f|$up$D/outside/archive-escape|pwned" "l|blobs|$D/outside" "f|blobs/sha256/x|pwned"
run_img 1 'a name with "\.\." could write outside; refused' \
	"an OCI archive with a ../ member is refused" import "$D/evil-archive.tar" x:evil
[ "$(ls -A "$D/outside")" = "$outside_before" ] && [ -z "$(leftovers)" ] \
	&& ok "evil archive: nothing written outside, nothing left in the store" \
	|| { fail "evil archive wrote outside"; diag "$(ls -la "$D/outside")"; }
pytar "$D/link-archive.tar" "l|blobs|$D/outside" "f|blobs/sha256/x|pwned"
run_img 1 'not an OCI image layout|holds no OCI image layout' \
	"an OCI archive with a symlinked blobs/ does not write through it" \
	import "$D/link-archive.tar" x:evil
[ "$(ls -A "$D/outside")" = "$outside_before" ] && [ -z "$(leftovers)" ] \
	&& ok "symlinked archive: nothing written outside, nothing left in the store" \
	|| { fail "symlinked archive wrote outside"; diag "$(ls -la "$D/outside")"; }

# An absolute name lands inside the layer, like GNU tar's default.
pytar "$D/h-abs.tar" "f|$D/outside/abs|inside"
abs_layer=$(one_layer_image "$D/h-abs" "$D/h-abs.tar")
run_img 0 "imported docker.io/library/hostile:abs" "an absolute entry name is imported" \
	import "$D/h-abs" hostile:abs
[ ! -e "$D/outside/abs" ] && [ "$(cat "$(layer_dir "$abs_layer")$D/outside/abs")" = inside ] \
	&& ok "the absolute entry was written inside the layer, not at $D/outside/abs" \
	|| fail "absolute entry escaped"

# Special files are kept; overlay xattrs from the archive are not.
pytar "$D/special.tar" "d|dev" "c|dev/null|1|3" "p|fifo" "s|suid" "l|link|suid" "h|hard|suid" \
	"x|keep|user.keep|1" "X|notopaque|trusted.overlay.opaque|y" "x|redirect|trusted.overlay.redirect|/x"
sp=$(layer_dir "$(one_layer_image "$D/special" "$D/special.tar")")
run_img 0 "imported docker.io/library/special:1" "a layer with devices, fifos, setuid files and xattrs" \
	import "$D/special" special:1
got=$(stat -c '%n %F %t:%T %a %u:%g %Y %h' "$sp/dev/null" "$sp/fifo" "$sp/suid" 2>&1 | sed "s|$sp/||")
want="dev/null character special file 1:3 644 0:0 946684800 1
fifo fifo 0:0 644 0:0 946684800 1
suid regular file 0:0 4755 1000:1001 12345 2"
[ "$got" = "$want" ] && [ "$(readlink "$sp/link")" = suid ] \
	&& ok "device nodes, fifos, setuid bits, owners, mtimes, symlinks and hardlinks are kept" \
	|| { fail "special files"; diag "$got"; }
xa=$(python3 - "$sp" <<'PY'
import os, sys
sp = sys.argv[1]
def get(p, k):
    try:
        return os.getxattr(os.path.join(sp, p), k).decode()
    except OSError:
        return "-"
print(get("keep", "user.keep"), get("notopaque", "trusted.overlay.opaque"),
      get("redirect", "trusted.overlay.redirect"))
PY
)
[ "$xa" = "1 - -" ] && ok "xattrs are kept, but not trusted.overlay.* from the archive" \
	|| { fail "xattrs (keep opaque redirect: $xa)"; }

# --- manifest selection ------------------------------------------------------------------
# other layout: layer 1 of busybox (same blob) plus a layer of its own.
mkdir -p "$D/l3root/etc" && echo three >"$D/l3root/etc/three"
oci_tar "$D/l3root" "$D/l3.tar" && gzip -n "$D/l3.tar"
cp "$D/bb/blobs/sha256/${L1#sha256:}" "$D/l1copy.tar.gz"
odigest=$(oci_image "$D/other" other '{"Cmd":["sh"]}' "$D/l1copy.tar.gz" "$D/l3.tar.gz")
read -r _ L3 <<<"$(layers_of "$D/other")"
# multi: both manifests in one index, annotated "test" and "other".
cp -a "$D/bb" "$D/multi" && cp -n "$D/other/blobs/sha256/"* "$D/multi/blobs/sha256/"
python3 - "$D/multi/index.json" "$D/other/index.json" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a["manifests"] += b["manifests"]
json.dump(a, open(sys.argv[1], "w"))
PY
run_img 0 "imported docker.io/library/x:other $odigest" \
	"several manifests: the one annotated with the tag is chosen" import "$D/multi" x:other
run_img 0 "imported docker.io/library/x:test $digest" "... and the other one for the other tag" \
	import "$D/multi" x:test
run_img 0 "imported docker.io/library/x@$odigest" "... and NAME@DIGEST chooses by digest" \
	import "$D/multi" "x@$odigest"
run_img 1 'none is named "docker.io/library/x:nope".*names: test, other' \
	"no manifest for the tag: refused, listing the names" import "$D/multi" x:nope
run_img 1 "index.json has no manifest sha256:0{64}" "a digest not in index.json is refused" \
	import "$D/multi" "x@sha256:$(printf '0%.0s' {1..64})"
# platforms: no annotations, one manifest for this machine, one for another.
cp -a "$D/multi" "$D/plat"
python3 - "$D/plat/index.json" "$(oci_arch)" <<'PY'
import json, sys
ix = json.load(open(sys.argv[1]))
for m in ix["manifests"]:
    del m["annotations"]
ix["manifests"][0]["platform"]["architecture"] = "s390x" if sys.argv[2] != "s390x" else "amd64"
json.dump(ix, open(sys.argv[1], "w"))
PY
run_img 0 "imported docker.io/library/x:plat $odigest" \
	"unannotated manifests: the one for linux/$(oci_arch) is chosen" import "$D/plat" x:plat
cp -a "$D/bb" "$D/nested-index"
python3 - "$D/nested-index/index.json" <<'PY'
import json, sys
ix = json.load(open(sys.argv[1]))
ix["manifests"][0]["mediaType"] = "application/vnd.oci.image.index.v1+json"
json.dump(ix, open(sys.argv[1], "w"))
PY
run_img 1 "nested image indexes are not supported" "a nested index is refused clearly" \
	import "$D/nested-index" x:nested

# Docker's media types (docker save from Docker 25, registries' v2 schema 2).
cp -a "$D/bb" "$D/docker"
ddigest=$(python3 - "$D/docker" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
ix = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + ix["manifests"][0]["digest"][7:]))
m["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json"
m["config"]["mediaType"] = "application/vnd.docker.container.image.v1+json"
for l in m["layers"]:
    l["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip"
raw = json.dumps(m).encode()
h = hashlib.sha256(raw).hexdigest()
open(d + "/blobs/sha256/" + h, "wb").write(raw)
ix["manifests"][0].update(mediaType=m["mediaType"], digest="sha256:" + h, size=len(raw))
json.dump(ix, open(d + "/index.json", "w"))
print("sha256:" + h)
PY
)
run_img 0 "imported docker.io/library/x:docker $ddigest" "Docker media types are accepted" \
	import "$D/docker" x:docker

# zstd layers, made with the zstd tool (scripts/deps.sh installs it: a
# missing tool is a failure, not a skip that hides an untested decoder).
if command -v zstd >/dev/null; then
	pytar "$D/z.tar" "f|zstd.txt|zstd works"
	zstd -q --rm "$D/z.tar" -o "$D/z.tar.zst"
	zl=$(layer_dir "$(one_layer_image "$D/zstd" "$D/z.tar.zst")")
	run_img 0 "imported docker.io/library/x:zstd" "a tar+zstd layer is imported" import "$D/zstd" x:zstd
	[ "$(cat "$zl/zstd.txt" 2>&1)" = "zstd works" ] && ok "the zstd layer's file is there" \
		|| fail "zstd layer contents"
else
	fail "no zstd tool to make a tar+zstd layer (scripts/deps.sh installs it)"
fi

# --- rm and garbage collection --------------------------------------------------------
S=$D/state-rm
img import "$D/bb" a:1 >/dev/null 2>&1
img import "$D/other" other:1 >/dev/null 2>&1
[ -d "$(layer_dir "$L1")" ] && [ -d "$(layer_dir "$L2")" ] && [ -d "$(layer_dir "$L3")" ] \
	&& [ "$(ls "$S/images/layers/sha256" | wc -l)" = 3 ] \
	&& ok "two images sharing layer 1: three layer directories" \
	|| { fail "setup for rm"; diag "$(ls -la "$S/images/layers/sha256")"; }
run_img 0 "^removed docker.io/library/a:1$" "rm a:1" rm a:1
if [ -d "$(layer_dir "$L1")" ] && [ ! -e "$(layer_dir "$L2")" ] && [ -d "$(layer_dir "$L3")" ] &&
	[ "$(img ls -q)" = docker.io/library/other:1 ] && [ -z "$(leftovers)" ]; then
	ok "rm removed the record and layer 2, kept layer 1 (used by other:1)"
else
	fail "rm a:1 garbage collection"
	diag "$(ls -la "$S/images/layers/sha256")" "$(img ls -q)"
fi
run_img 1 "image docker.io/library/a:1 is not in the node's image store" \
	"rm of a missing image fails with a clear message" rm a:1
run_img 1 "image docker.io/library/nope:1 is not in the node's image store" \
	"inspect of a missing image fails (ENOENT from lookup)" inspect nope:1
run_img 1 "removed docker.io/library/other:1" "rm of a present and a missing image removes the present one, exit 1" \
	rm nope:2 other:1
[ -z "$(find "$S/images/layers/sha256" "$S/images/refs" -mindepth 1)" ] \
	&& ok "after the last rm no layer and no record is left" \
	|| { fail "store not empty"; diag "$(find "$S/images")"; }
run_img 2 "must be lowercase" "rm with an invalid name removes nothing (exit 2)" rm other:1 Bad
img import "$D/bb" b:1 >/dev/null 2>&1
img import "$D/bb" b:2 >/dev/null 2>&1
img import "$D/bb" c:1 >/dev/null 2>&1
run_img 0 "removed docker.io/library/b@$digest" "rm NAME@DIGEST" rm "b@$digest"
[ "$(img ls -q)" = docker.io/library/c:1 ] && ok "rm NAME@DIGEST removed every tag of NAME with that digest, not c:1" \
	|| { fail "rm by digest"; diag "$(img ls -q)"; }
# Re-importing a name replaces it and collects the layers only it used.
img import "$D/other" c:1 >/dev/null 2>&1
[ ! -e "$(layer_dir "$L2")" ] && [ -d "$(layer_dir "$L3")" ] &&
	img inspect c:1 | grep -q "\"digest\": \"$odigest\"" \
	&& ok "re-importing c:1 as another image replaced it and collected layer 2" \
	|| { fail "re-import"; diag "$(ls "$S/images/layers/sha256")"; }
rm -rf "$(layer_dir "$L3")"
run_img 1 "layer $L3 is missing from the store" "lookup of an image whose layer was deleted fails (EIO)" \
	inspect c:1

# --- what a crash leaves is ignored, then cleaned -----------------------------------------
mkdir -p "$S/images/layers/sha256/.tmp.crash1/bin" "$S/images/tmp/archive.crash"
echo junk >"$S/images/layers/sha256/.tmp.crash1/bin/x"
echo '{"half' >"$S/images/refs/.tmp.crash2"
mkdir -p "$S/images/layers/sha256/$(printf 'a%.0s' {1..64})"
out=$(img ls -q 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = docker.io/library/c:1 ] && ok "ls ignores temporaries a crash left" \
	|| { fail "ls with crash leftovers (exit $rc)"; diag "$out"; }
run_img 0 "imported docker.io/library/d:1" "import after a crash" import "$D/bb" d:1
if [ -z "$(leftovers)" ] && [ ! -e "$S/images/layers/sha256/$(printf 'a%.0s' {1..64})" ]; then
	ok "the next import removed the half-unpacked layer, the temporaries and the orphan layer"
else
	fail "crash leftovers not cleaned"
	diag "$(find "$S/images" -maxdepth 3)"
fi

# --- many: 40 tags, and an image of 40 layers with whiteouts in each --------------------------
for i in $(seq 1 40); do img import "$D/bb" "many:$i" >/dev/null 2>&1 || fail "import many:$i"; done
n=$(img ls -q 2>/dev/null | grep -c '^docker.io/library/many:')
[ "$n" = 40 ] && ok "40 tags of one image: ls lists 40" || fail "ls lists $n of 40 tags"
make_deep_oci "$D/deep" 40 >/dev/null &&
	run_img 0 "imported docker.io/library/deep:1" "an image of 40 layers imports" import "$D/deep/oci" deep:1
# (Relative to the layers' directory: 40 full paths overflow the one page
# of mount options; podvisor itself names them through short links.)
paths=$(img inspect deep:1 2>/dev/null | python3 -c 'import json,os,sys; print(":".join(os.path.basename(l) for l in reversed(json.load(sys.stdin)["layers"])))')
[ "$(tr ':' '\n' <<<"$paths" | grep -c .)" = 40 ] && ok "inspect lists its 40 layers" || fail "inspect deep:1: $paths"
out=$(cd "$S/images/layers/sha256" && unshare --mount --propagation private bash -c '
	mount -t overlay overlay -o "lowerdir=$2" "$1" || exit 10
	echo "l=$(ls "$1/l" | tr "\n" " ")o=$(ls -A "$1/o" | tr "\n" " ")$(cat "$1/o/only")"
	echo "hi=$(chroot "$1" /bin/sh -c "echo hi")"
' sh "$D/merged" "$paths" 2>&1)
grep -qx 'l=40 o=only 40' <<<"$out" && grep -qx 'hi=hi' <<<"$out" &&
	ok "40 layers stacked: each whiteout and opaque directory applied, busybox runs" || { fail "40 layers stacked"; diag "$out"; }

# --- the README's recipe: a root filesystem (a directory or a tarball) -> OCI -> import --------
mkdir -p "$D/rootfs" && _busybox_rootfs1 "$D/rootfs" && tar -C "$D/rootfs" -czf "$D/rootfs.tgz" . || fail "a busybox root filesystem"
for src in "$D/rootfs" "$D/rootfs.tgz"; do
	rm -rf "$D/fromfs"
	if "$(dirname "$0")/../../scripts/rootfs-to-oci.sh" "$src" "$D/fromfs" --cmd 'echo "$GREETING from $(pwd)"' \
		--env 'GREETING=hi "there"' --workdir /etc 2>"$D/err"; then
		run_img 0 "imported docker.io/library/fromfs:1" "rootfs-to-oci.sh ${src##*/} -> image import" import "$D/fromfs" fromfs:1
		cfg=$(img inspect fromfs:1 2>/dev/null | python3 -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c.get("Cmd"), c.get("Env"), c.get("WorkingDir"))')
		layer=$(img inspect fromfs:1 2>/dev/null | python3 -c 'import json,os,sys; print(os.path.basename(json.load(sys.stdin)["layers"][0]))')
		out=$(cd "$S/images/layers/sha256/$layer" && GREETING=hi chroot . /bin/sh -c 'cd /etc && echo "$GREETING from $(pwd)"' 2>&1)
		grep -qF "['/bin/sh', '-c', 'echo \"\$GREETING from \$(pwd)\"']" <<<"$cfg" && grep -qF 'GREETING=hi "there"' <<<"$cfg" &&
			grep -qF "/etc" <<<"$cfg" && [ "$out" = 'hi from /etc' ] &&
			ok "its command, environment and working directory are the image's; busybox runs from the layer" ||
			fail "fromfs from ${src##*/}: config $cfg; run: $out"
		img rm fromfs:1 >/dev/null 2>&1
	else
		fail "rootfs-to-oci.sh ${src##*/}: $(cat "$D/err")"
	fi
done

# --- AGE -------------------------------------------------------------------------------------
set_imported() { # NAME SECONDS_AGO
	python3 - "$S/images/refs/$1" "$2" <<'PY'
import json, sys, time
p = sys.argv[1]
j = json.load(open(p))
j["imported"] = int(time.time()) - int(sys.argv[2])
json.dump(j, open(p, "w"))
PY
}
set_imported 'docker.io%2Flibrary%2Fd%3A1.json' 3700
set_imported 'docker.io%2Flibrary%2Fc%3A1.json' 200000
out=$(img ls 2>&1)
grep -qE '^docker.io/library/d +1 .* 61m$' <<<"$out" && grep -qE '^docker.io/library/c +1 .* 2d7h$' <<<"$out" \
	&& ok "AGE is kubectl's: 61m, 2d7h" || { fail "AGE column"; diag "$out"; }

done_testing
