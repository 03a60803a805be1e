#!/bin/sh
# Build the static archives that Debian does not ship, for `make static`:
# libmnl, libnfnetlink, libnetfilter_conntrack, libip4tc (from iptables)
# and a small libcurl (HTTP(S) with OpenSSL and c-ares, nothing else).
# Their sources are Debian's own source packages (`apt-get source`, the
# version of the installed -dev package), built at build time into a
# prefix of the build directory; nothing is copied into the repository.
#
#   scripts/static-deps.sh PREFIX      e.g. build/static-deps
#
# PREFIX/lib holds the .a files and their .pc files, PREFIX/include the
# headers. A library is built once: PREFIX/.done-NAME records the Debian
# version and this script's checksum, and a change of either rebuilds it.
#
# PV_STATIC_SRC=DIR takes the unpacked source of NAME from DIR/NAME
# instead of the Debian mirror (a machine without one).
#
# PV_STATIC_HOST=TRIPLET (make static-cross: aarch64-linux-gnu) builds
# them for that target, with its cross compiler and pkg-config.
#
# Needs: scripts/deps.sh static (compilers, libssl-dev, libc-ares-dev),
# dpkg-dev, and deb-src lines for the mirror: added here, as root, to
# /etc/apt/sources.list.d/podvisor-deb-src.sources when none exists.
set -eu

[ $# = 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
mkdir -p "$1"
PREFIX=$(cd "$1" && pwd)
WORK=$PREFIX/src
JOBS=$(nproc)
SELF_SUM=$(cksum <"$0" | cut -d' ' -f1)
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
export CFLAGS="-O2 -g0"
mkdir -p "$PREFIX/lib" "$PREFIX/include" "$WORK"

say() { echo "static-deps: $*" >&2; }
die() { say "$*"; exit 1; }

# The source package and version behind an installed -dev package of the
# build's architecture (a cross build may have others): "libmnl=1.0.4-3".
src_of() {
	dpkg-query -W -f='${source:Package}=${source:Version}' "$1:$(dpkg --print-architecture)" 2>/dev/null ||
		die "$1 is not installed (scripts/deps.sh static)"
}

# Debian's source index: deb-src lines beside the deb lines of Debian's
# mirror, added when there are none.
ensure_deb_src() {
	[ -n "$(apt-get source --print-uris -qq libmnl 2>/dev/null)" ] && return 0
	[ "$(id -u)" = 0 ] || die "apt has no deb-src lines; add them for Debian's mirror, or run this as root"
	out=/etc/apt/sources.list.d/podvisor-deb-src.sources
	say "adding deb-src lines for Debian's mirror: $out"
	{
		echo "# Debian's source packages, for podvisor's static build (scripts/static-deps.sh)"
		for f in /etc/apt/sources.list.d/*.sources; do
			[ "$f" = "$out" ] && continue
			if ! grep -q '^Types:.*deb' "$f" 2>/dev/null || ! grep -q '^URIs:.*debian' "$f"; then
				continue
			fi
			sed 's/^Types:.*/Types: deb-src/' "$f"
			echo
		done
	} >"$out.tmp"
	sed -n 's/^deb[[:space:]]\(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list >"${out%.sources}.list" 2>/dev/null || true
	[ -s "${out%.sources}.list" ] || rm -f "${out%.sources}.list"
	if grep -q '^Types:' "$out.tmp"; then mv "$out.tmp" "$out"; else rm -f "$out.tmp"; fi
	apt-get update -qq
	[ -n "$(apt-get source --print-uris -qq libmnl 2>/dev/null)" ] || die "still no source packages after adding deb-src lines"
}

# apt-get source, as root without handing the download to the _apt user
# (who cannot write here, and says so).
apt_source() {
	if [ "$(id -u)" = 0 ]; then
		apt-get -o APT::Sandbox::User=root source -qq "$@"
	else
		apt-get source -qq "$@"
	fi
}

# fetch NAME=VERSION: unpack the source of NAME (Debian's patches applied)
# into $WORK/NAME and print that directory.
fetch() {
	name=${1%%=*}
	rm -rf "${WORK:?}/$name" "$WORK/dl-$name"
	if [ -n "${PV_STATIC_SRC:-}" ] && [ -d "$PV_STATIC_SRC/$name" ]; then
		cp -a "$PV_STATIC_SRC/$name" "$WORK/$name"
	else
		ensure_deb_src
		mkdir -p "$WORK/dl-$name"
		(cd "$WORK/dl-$name" && { apt_source "$1" >/dev/null 2>&1 || apt_source "$name" >/dev/null; }) ||
			die "apt-get source $name failed (is the mirror reachable? deb-src configured?)"
		dir=$(find "$WORK/dl-$name" -mindepth 1 -maxdepth 1 -type d | head -1)
		[ -n "$dir" ] || die "apt-get source $name unpacked nothing"
		mv "$dir" "$WORK/$name"
		rm -rf "$WORK/dl-$name"
	fi
	echo "$WORK/$name"
}

# build NAME=VERSION FUNCTION: run FUNCTION in NAME's source tree unless
# the stamp says this version was built by this script.
build() {
	name=${1%%=*}
	stamp="$PREFIX/.done-$name"
	want="$1 $SELF_SUM"
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
	t0=$(date +%s)
	say "building $1"
	dir=$(fetch "$1")
	(cd "$dir" && $2) >"$WORK/$name.log" 2>&1 || {
		tail -40 "$WORK/$name.log" >&2
		die "$name failed; full log: $WORK/$name.log"
	}
	echo "$want" >"$stamp"
	rm -rf "${WORK:?}/$name"
	say "built $name in $(($(date +%s) - t0)) s"
}

# A tree without configure (a git checkout in PV_STATIC_SRC) gets one.
# Debian's patches to Makefile.am or configure.ac rerun automake through
# the tree's own rebuild rules (hence autoconf, automake and libtool in
# scripts/deps.sh static); curl keeps those rules off (maintainer mode):
# its patches that count, the C ones, apply all the same.
configure_static() {
	[ -x configure ] || autoreconf -fi
	./configure --prefix="$PREFIX" --libdir="$PREFIX/lib" --enable-static --disable-shared \
		--disable-dependency-tracking --quiet ${PV_STATIC_HOST:+--host="$PV_STATIC_HOST"} "$@"
}

build_libmnl() {
	configure_static
	make -j"$JOBS" -C src
	make -C src install
	make -C include install
	make install-pkgconfigDATA
}

build_libnfnetlink() {
	configure_static
	make -j"$JOBS" -C src
	make -C src install
	make -C include install
	make install-pkgconfigDATA
}

# libnftnl.a defines __abi_breakage too (each .so keeps its own): renamed.
build_libnetfilter_conntrack() {
	configure_static CPPFLAGS="-D__abi_breakage=nfct_abi_breakage"
	make -j"$JOBS" -C src
	make -C src install
	make -C include install
	make install-pkgconfigDATA
}

# Only libiptc/ of the iptables tree: libip4tc.a, its .pc and headers.
build_iptables() {
	configure_static --disable-nftables --disable-ipv6 --disable-bpf-compiler \
		--disable-nfsynproxy --disable-libipq --disable-connlabel
	make -j"$JOBS" -C libiptc libip4tc.la
	mkdir -p "$PREFIX/include/libiptc" "$PREFIX/lib/pkgconfig"
	cp libiptc/.libs/libip4tc.a "$PREFIX/lib/"
	for h in libiptc.h ipt_kernel_headers.h xtcshared.h libxtc.h; do
		cp "include/libiptc/$h" "$PREFIX/include/libiptc/"
	done
	cp libiptc/libip4tc.pc "$PREFIX/lib/pkgconfig/"
}

# libcurl for image pull: HTTP and HTTPS (OpenSSL), names resolved by
# c-ares (no NSS, which a static glibc can only dlopen), no other
# protocol and none of the optional libraries Debian's build links. It
# does not read openssl.cnf: one that loads a provider or an engine
# (a shared object) would have OpenSSL dlopen it.
build_curl() {
	configure_static --with-openssl --enable-ares --disable-openssl-auto-load-config --without-zlib --without-brotli --without-zstd \
		--without-libidn2 --without-nghttp2 --without-librtmp --without-libssh2 --without-libssh \
		--without-libpsl --without-gssapi --without-libgsasl --without-hyper \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
		--disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
		--disable-ftp --disable-file --disable-manual --disable-ntlm-wb --disable-ntlm \
		--disable-netrc --disable-cookies --disable-alt-svc --disable-hsts --disable-doh \
		--disable-websockets --disable-mime --disable-unix-sockets \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
	make -j"$JOBS" -C lib
	make -C lib install
	make -C include install
	make install-pkgconfigDATA
}

build "$(src_of libmnl-dev)" build_libmnl
build "$(src_of libnfnetlink-dev)" build_libnfnetlink
build "$(src_of libnetfilter-conntrack-dev)" build_libnetfilter_conntrack
build "$(src_of libip4tc-dev)" build_iptables
build "$(src_of libcurl4-openssl-dev)" build_curl
