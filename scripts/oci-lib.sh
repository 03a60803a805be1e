# shellcheck shell=bash
# Writing OCI image layouts with plain shell tools (tar, gzip, sha256sum,
# stat, printf): what scripts/rootfs-to-oci.sh and the tests'
# tests/integration/lib_image.sh build images with. Source it.
#
#   oci_arch                          this machine as an OCI architecture
#                                     (PV_OCI_ARCH, when set, instead)
#   oci_init DIR                      empty layout (oci-layout, blobs/sha256)
#   oci_tar ROOTFS OUT                reproducible tar of ROOTFS's contents
#   oci_add_blob DIR FILE             move FILE into DIR's blobs; prints "DIGEST SIZE"
#   oci_image DIR REFNAME CONFIG LAYER...
#       Write config, manifest and index.json for the layer files LAYER
#       (lowest first; *.tar.gz / *.tgz are tar+gzip, *.tar.zst tar+zstd,
#       anything else tar; they are moved into the layout). CONFIG is the
#       JSON of the config's "config" object. REFNAME "" means no
#       ref.name annotation. Prints the manifest digest.

oci_arch() {
	[ -n "${PV_OCI_ARCH:-}" ] && { echo "$PV_OCI_ARCH"; return; } # an image for another machine
	case $(uname -m) in
	x86_64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	armv*) echo arm ;;
	i?86) echo 386 ;;
	*) uname -m ;;
	esac
}

oci_init() {
	mkdir -p "$1/blobs/sha256" &&
		printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
}

oci_tar() {
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@946684800 \
		--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-C "$1" -cf "$2" .
}

oci_add_blob() {
	local sum size
	sum=$(sha256sum <"$2") || return 1
	sum=${sum%% *}
	size=$(stat -c %s "$2") || return 1
	mv -f "$2" "$1/blobs/sha256/$sum" || return 1
	echo "sha256:$sum $size"
}

# _oci_layer_type FILE: "MEDIATYPE DIFFID" of a layer file.
_oci_layer_type() {
	local mt diff
	case $1 in
	*.tar.gz | *.tgz)
		mt=application/vnd.oci.image.layer.v1.tar+gzip
		diff=$(gzip -dc <"$1" | sha256sum) ;;
	*.tar.zst)
		mt=application/vnd.oci.image.layer.v1.tar+zstd
		diff=$(zstd -dc <"$1" | sha256sum) ;;
	*)
		mt=application/vnd.oci.image.layer.v1.tar
		diff=$(sha256sum <"$1") ;;
	esac
	echo "$mt sha256:${diff%% *}"
}

oci_image() {
	local dir=$1 refname=$2 config=$3 layers="" diffs="" l mt diff blob sep="" cfg m ann=""
	shift 3
	oci_init "$dir" || return 1
	for l in "$@"; do
		read -r mt diff <<<"$(_oci_layer_type "$l")" || return 1
		blob=$(oci_add_blob "$dir" "$l") || return 1
		layers+="$sep{\"mediaType\":\"$mt\",\"digest\":\"${blob% *}\",\"size\":${blob#* }}"
		diffs+="$sep\"$diff\""
		sep=,
	done
	printf '{"created":"2000-01-01T00:00:00Z","architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
		"$(oci_arch)" "$config" "$diffs" >"$dir/config.json.tmp"
	cfg=$(oci_add_blob "$dir" "$dir/config.json.tmp") || return 1
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
		"${cfg% *}" "${cfg#* }" "$layers" >"$dir/manifest.json.tmp"
	m=$(oci_add_blob "$dir" "$dir/manifest.json.tmp") || return 1
	[ -n "$refname" ] && ann=",\"annotations\":{\"org.opencontainers.image.ref.name\":\"$refname\"}"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"}%s}]}' \
		"${m% *}" "${m#* }" "$(oci_arch)" "$ann" >"$dir/index.json"
	echo "${m% *}"
}
