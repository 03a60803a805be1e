#!/bin/sh
# Install the Debian packages podvisor needs to build and test, if any
# are missing. Idempotent, and silent when everything is there.
set -eu

PACKAGES="build-essential pkg-config clang libclang-rt-14-dev
libyaml-dev libjson-c-dev libarchive-dev nettle-dev libssl-dev libcurl4-openssl-dev libmnl-dev libnftnl-dev nftables libiptc-dev iptables libldns-dev libnetfilter-conntrack-dev libcap-dev
libseccomp-dev libcmocka-dev busybox-static curl iproute2 util-linux
python3 python3-yaml hyperfine time zstd procps tzdata zsh tmux strace systemd man-db groff-base rsync
docker-registry apache2-utils"
# `scripts/deps.sh bench`: also what make bench compares podvisor with.
[ "${1:-}" = bench ] && PACKAGES="$PACKAGES podman runc conmon catatonit containernetworking-plugins gnuplot-nox"
# `scripts/deps.sh static`: also what make static links (the .a files
# Debian has; scripts/static-deps.sh builds the rest from Debian's sources).
[ "${1:-}" = static ] && PACKAGES="$PACKAGES dpkg-dev autoconf automake libtool file binutils libzstd-dev liblz4-dev libacl1-dev
libbz2-dev liblzma-dev zlib1g-dev libxml2-dev libc-ares-dev libnftnl-dev libnfnetlink-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "podvisor: missing packages:$missing" >&2
	echo "podvisor: run as root (or: sudo apt-get install -y$missing)" >&2
	exit 1
fi
echo "podvisor: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
