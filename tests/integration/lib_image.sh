# shellcheck shell=bash
# Building OCI images for tests with plain shell tools (tar, gzip,
# sha256sum, stat, printf), from Debian's busybox-static. Source it after
# lib.sh (or alone: it needs nothing from it).
#
#   make_busybox_oci DIR [REFNAME]
#       An OCI image layout of busybox in DIR (created; REFNAME, default
#       "latest", is its org.opencontainers.image.ref.name). Prints the
#       manifest digest. Two gzip layers:
#         1. bin/busybox and its applets (symlinks), etc/passwd and
#            etc/group (root, nobody), etc/group- (a hardlink of
#            etc/group), etc/motd, data/lower.txt, tmp/ (1777), root/,
#            proc/ sys/ dev/ run/ var/ usr/
#         2. etc/.wh.motd (removes etc/motd), data/.wh..wh..opq with
#            data/upper.txt (data/ shows only upper.txt), etc/layer2
#       Config: Env PATH=..., Cmd ["sh"], WorkingDir "/". The same inputs
#       give the same digests (reproducible tars, gzip -n).
#   make_deep_oci DIR N
#       An OCI layout of N layers in DIR: busybox's first layer, then layer
#       i (2..N) adds /l/i, whites out /l/(i-1), makes /o opaque and puts
#       /o/only (holding i) in it. Stacked right: ls /l is N, /o/only is N.
#   make_busybox_archive DIR OUT
#       Tar the layout DIR into OUT (OUT ending in .gz or .tgz: gzipped).
#   import_busybox STATE [NAME[:TAG]]
#       Build the busybox layout in a temporary directory next to STATE and
#       import it with "$PODVISOR image import --state STATE" as NAME
#       (default busybox:latest); prints the manifest digest, or the
#       import's output on standard error when it fails.
#
# Lower-level pieces, for tests that need images of their own:
#   oci_init DIR                      empty layout (oci-layout, blobs/sha256)
#   oci_tar ROOTFS OUT                reproducible tar of ROOTFS's contents
#   oci_add_blob DIR FILE             move FILE into DIR's blobs; prints "DIGEST SIZE"
#   oci_image DIR REFNAME CONFIG LAYER...
#       Write config, manifest and index.json for the layer files LAYER
#       (lowest first; *.tar.gz / *.tgz are tar+gzip, *.tar.zst tar+zstd,
#       anything else tar; they are moved into the layout). CONFIG is the
#       JSON of the config's "config" object. REFNAME "" means no
#       ref.name annotation. Prints the manifest digest.
#   oci_arch                          this machine as an OCI architecture

PV_BUSYBOX=${PV_BUSYBOX:-/bin/busybox}
PV_BUSYBOX_APPLETS="sh ls cat echo sleep httpd hostname id ps mount umount wget true false env
pwd kill grep head tail wc seq date mkdir touch rm dd free ln cp mv chmod chown sed awk
printf test [ uname which find xargs sort uniq cut tr basename dirname stat du df tee yes
nc ip ifconfig ping nslookup top vi less sync whoami expr timeout stty tty clear reset md5sum
sha256sum gzip gunzip tar nohup nproc mktemp readlink realpath rmdir usleep watch"
PV_OCI_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# oci_arch, oci_init, oci_tar, oci_add_blob, oci_image: scripts/oci-lib.sh,
# which scripts/rootfs-to-oci.sh uses too (the README's recipe).
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/oci-lib.sh"

# _busybox_rootfs1 DIR / _busybox_rootfs2 DIR: the two layers' contents.
_busybox_rootfs1() {
	local r=$1
	mkdir -p "$r"/{bin,etc,data,root,proc,sys,dev,run,var,usr,tmp} || return 1
	chmod 0755 "$r" "$r"/{bin,etc,data,proc,sys,dev,run,var,usr} && chmod 0700 "$r/root" &&
		chmod 1777 "$r/tmp" || return 1
	cp "$PV_BUSYBOX" "$r/bin/busybox" && chmod 0755 "$r/bin/busybox" || return 1
	# busybox's own shell makes the links without an exec each: 3x faster
	# (this machine's, when PV_BUSYBOX is another architecture's).
	# shellcheck disable=SC2086
	"$(if "$PV_BUSYBOX" true 2>/dev/null; then echo "$PV_BUSYBOX"; else echo /bin/busybox; fi)" sh -c 'cd "$1" && shift && for a; do ln -s busybox "$a" || exit 1; done' \
		sh "$r/bin" $PV_BUSYBOX_APPLETS || return 1
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
	ln "$r/etc/group" "$r/etc/group-" || return 1
	echo "hello from layer 1" >"$r/etc/motd"
	echo lower >"$r/data/lower.txt"
	chmod 0644 "$r/etc/passwd" "$r/etc/group" "$r/etc/motd" "$r/data/lower.txt"
}

_busybox_rootfs2() {
	local r=$1
	mkdir -p "$r/etc" "$r/data" && chmod 0755 "$r" "$r/etc" "$r/data" || return 1
	: >"$r/etc/.wh.motd"
	: >"$r/data/.wh..wh..opq"
	echo upper >"$r/data/upper.txt"
	echo 2 >"$r/etc/layer2"
	chmod 0644 "$r/etc/.wh.motd" "$r/data/.wh..wh..opq" "$r/data/upper.txt" "$r/etc/layer2"
}

# make_busybox_oci DIR [REFNAME] [EXTRA]: EXTRA is more of the config's
# "config" object, e.g. ',"StopSignal":"USR2"'.
make_busybox_oci() {
	local dir=$1 refname=${2-latest} extra=${3:-} work rc=1
	[ -x "$PV_BUSYBOX" ] || { echo "make_busybox_oci: no $PV_BUSYBOX (apt-get install busybox-static)" >&2; return 1; }
	mkdir -p "$dir" || return 1
	work=$(mktemp -d "$(dirname "$dir")/.busybox-oci.XXXXXX") || return 1
	if _busybox_rootfs1 "$work/r1" && _busybox_rootfs2 "$work/r2" &&
		oci_tar "$work/r1" "$work/l1.tar" && gzip -n -1 "$work/l1.tar" &&
		oci_tar "$work/r2" "$work/l2.tar" && gzip -n "$work/l2.tar"; then
		oci_image "$dir" "$refname" \
			"{\"Env\":[\"$PV_OCI_PATH_ENV\"],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/\"$extra}" \
			"$work/l1.tar.gz" "$work/l2.tar.gz"
		rc=$?
	fi
	rm -rf "$work"
	return $rc
}

make_busybox_archive() {
	local dir=$1 out=$2 z=
	case $out in *.gz | *.tgz) z=-z ;; esac
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@946684800 $z \
		-C "$dir" -cf "$out" .
}

import_busybox() {
	local state=$1 ref=${2:-busybox:latest} tmp digest out rc
	: "${PODVISOR:?PODVISOR must point at the binary}"
	mkdir -p "$(dirname "$state")" || return 1
	tmp=$(mktemp -d "$(dirname "$state")/.busybox-import.XXXXXX") || return 1
	digest=$(make_busybox_oci "$tmp/oci")
	rc=$?
	if [ $rc = 0 ]; then
		out=$("$PODVISOR" image import --state "$state" "$tmp/oci" "$ref" 2>&1)
		rc=$?
		[ $rc = 0 ] || echo "$out" >&2
	fi
	rm -rf "$tmp"
	[ $rc = 0 ] && echo "$digest"
}

make_deep_oci() {
	local dir=$1 n=$2 i r layers=()
	mkdir -p "$dir/r1" && _busybox_rootfs1 "$dir/r1" && oci_tar "$dir/r1" "$dir/l1.tar" || return 1
	layers=("$dir/l1.tar")
	for i in $(seq 2 "$n"); do
		r="$dir/r$i"
		mkdir -p "$r/l" "$r/o" || return 1
		echo "$i" >"$r/l/$i"
		: >"$r/l/.wh.$((i - 1))"
		: >"$r/o/.wh..wh..opq"
		echo "$i" >"$r/o/only"
		oci_tar "$r" "$dir/l$i.tar" || return 1
		layers+=("$dir/l$i.tar")
	done
	oci_image "$dir/oci" deep '{"Cmd":["sh"],"Env":["PATH=/bin"]}' "${layers[@]}"
}
