#!/bin/sh
# Install the Debian packages podvisor needs to build and test, if any
# are missing. Idempotent, and silent when everything is there.
set -eu

PACKAGES="build-essential pkg-config clang libclang-rt-14-dev
libyaml-dev libjson-c-dev libarchive-dev nettle-dev libssl-dev libcurl4-openssl-dev libmnl-dev libnftnl-dev nftables libiptc-dev iptables libldns-dev libnetfilter-conntrack-dev libcap-dev
libseccomp-dev libcmocka-dev busybox-static curl iproute2 util-linux
python3 python3-yaml hyperfine time zstd procps tzdata zsh tmux strace systemd man-db groff-base rsync
docker-registry apache2-utils"
# The VM tests (tests/integration/test_vm*.sh, make vm-demo) boot an amd64
# and an arm64 guest: qemu-system-x86 and qemu-system-arm run them, kmod
# resolves their kernels' modules.
[ "$(dpkg --print-architecture)" = amd64 ] && PACKAGES="$PACKAGES qemu-system-x86 qemu-system-arm kmod"
# `scripts/deps.sh bench`: also what make bench compares podvisor with.
[ "${1:-}" = bench ] && PACKAGES="$PACKAGES podman runc conmon catatonit containernetworking-plugins gnuplot-nox linux-perf"
# `scripts/deps.sh static`: also what make static links (the .a files
# Debian has; scripts/static-deps.sh builds the rest from Debian's sources).
[ "${1:-}" = static ] && PACKAGES="$PACKAGES dpkg-dev autoconf automake libtool file binutils libzstd-dev liblz4-dev libacl1-dev
libbz2-dev liblzma-dev zlib1g-dev libxml2-dev libc-ares-dev libnftnl-dev libnfnetlink-dev"
# `scripts/deps.sh cross-arm64` (or cross-armhf): also what make cross
# builds and tests that architecture with: Debian's cross compiler and the
# C library it links (only recommended by it), the target's -dev packages
# beside the host's (multiarch: the architecture is added to dpkg),
# qemu-user-static to run what it built. Debian 12's libldns-dev ships a
# doc file that differs between architectures, which dpkg refuses for a
# second one: that doc directory is not installed.
# `scripts/deps.sh static-arm64` (or static-armhf): all that, and what
# make static-cross links for it: the static group's tools, and its -dev
# packages for that architecture.
foreign=""
apt_opts=""
case "${1:-}" in
static-arm64 | static-armhf)
	PACKAGES="$PACKAGES dpkg-dev autoconf automake libtool file binutils libmnl-dev libnfnetlink-dev
libnetfilter-conntrack-dev libiptc-dev libcurl4-openssl-dev"
	for p in libzstd-dev liblz4-dev libacl1-dev libbz2-dev liblzma-dev zlib1g-dev libxml2-dev libc-ares-dev libnfnetlink-dev; do
		PACKAGES="$PACKAGES $p:${1#static-}"
	done
	;;
esac
case "${1:-}" in
cross-arm64 | cross-armhf | static-arm64 | static-armhf)
	foreign=${1#*-}
	triplet=aarch64-linux-gnu
	[ "$foreign" = armhf ] && triplet=arm-linux-gnueabihf
	PACKAGES="$PACKAGES gcc-$triplet libc6-dev-$foreign-cross qemu-user-static"
	for p in libyaml-dev libjson-c-dev libarchive-dev nettle-dev libssl-dev libcurl4-openssl-dev libmnl-dev \
		libnftnl-dev libiptc-dev libldns-dev libnetfilter-conntrack-dev libcap-dev libseccomp-dev libcmocka-dev; do
		PACKAGES="$PACKAGES $p:$foreign"
	done
	apt_opts="-o Dpkg::Options::=--path-exclude=/usr/share/doc/libldns-dev/*"
	;;
esac

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
if [ -n "$foreign" ] && ! dpkg --print-foreign-architectures | grep -qx "$foreign"; then
	dpkg --add-architecture "$foreign"
fi
apt-get update -qq
set -f # $apt_opts holds a pattern for dpkg, not for the shell
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $apt_opts $missing >/dev/null
