#!/bin/bash
# rootfs-to-oci.sh ROOTFS OUT [--cmd CMD] [--env NAME=VALUE]... [--workdir DIR]
#
# An OCI image layout in OUT (a directory, created) of one layer: the
# root filesystem ROOTFS, a directory or a tarball of one (.tar, .tar.gz,
# .tgz). What `podvisor image import OUT NAME:TAG` takes. The tar is
# reproducible (sorted, owners 0, one mtime): the same tree gives the same
# digest. --cmd is the image's command, run by sh -c (default: sh);
# --env adds to its environment (PATH is set); --workdir (default /).
#
#   debootstrap --variant=minbase bookworm /srv/rootfs
#   scripts/rootfs-to-oci.sh /srv/rootfs /srv/images/debian --cmd bash
#   podvisor image import /srv/images/debian debian:bookworm
set -eu
usage() { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
src=$1 out=$2
shift 2
cmd=sh workdir=/ env="\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\""
while [ $# -gt 0 ]; do
	case $1 in
	--cmd) cmd=$2; shift 2 ;;
	--env) case $2 in *=*) ;; *) echo "rootfs-to-oci: --env wants NAME=VALUE, not '$2'" >&2; exit 2 ;; esac
		env+=",\"$(printf '%s' "$2" | sed 's/[\\"]/\\&/g')\""; shift 2 ;;
	--workdir) workdir=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -e "$src" ] || { echo "rootfs-to-oci: $src: no such file or directory" >&2; exit 1; }
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || { echo "rootfs-to-oci: $out is not empty" >&2; exit 1; }
. "$(dirname "$0")/oci-lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/rootfs-to-oci.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -d "$src" ]; then
	root=$src
else
	root=$work/rootfs
	mkdir "$root"
	tar -C "$root" --numeric-owner -xpf "$src"
fi
oci_tar "$root" "$work/layer.tar"
gzip -n "$work/layer.tar"
q() { printf '%s' "$1" | sed 's/[\\"]/\\&/g'; }
mkdir -p "$out"
digest=$(oci_image "$out" latest \
	"{\"Env\":[$env],\"Cmd\":[\"/bin/sh\",\"-c\",\"$(q "$cmd")\"],\"WorkingDir\":\"$(q "$workdir")\"}" \
	"$work/layer.tar.gz")
echo "wrote $out ($digest): podvisor image import $out NAME:TAG" >&2
