#!/bin/bash
# A machine that boots straight into pods (issue #18, item 11): Debian's
# kernel, an initramfs of busybox, podvisor, a directory of manifests and
# an image store, booted under qemu with podvisor as PID 1.
#
#   scripts/vm-demo.sh build OUT PODVISOR [MANIFESTS]
#       OUT/vmlinuz and OUT/initramfs.cpio.gz. PODVISOR is copied in (a
#       dynamically linked one with the libraries ldd names; `make static`
#       needs none); MANIFESTS (default examples/) become the node's
#       manifests directory; busybox:stable, made from Debian's
#       busybox-static, is imported into its image store.
#   scripts/vm-demo.sh boot OUT [PORT [QEMU-OPTION...]]
#       Boot it: the serial console on standard output, localhost:PORT
#       (default 8080) forwarded to the guest's NodePort 30080.
#   scripts/vm-demo.sh monitor SOCKET COMMAND...
#       One command to the qemu monitor listening on SOCKET (boot's
#       `-monitor unix:SOCKET,server,nowait`), e.g. sendkey ctrl-alt-delete.
#   scripts/vm-demo.sh demo OUT PODVISOR
#       build, boot in the background, print the HTTP answer through the
#       forwarded port, then shut the machine down (Ctrl-Alt-Del: podvisor
#       stops its pods and powers off). VM_SECONDS=N keeps it up N seconds
#       first (default 5).
#
# The kernel is Debian's linux-image-amd64 of the package mirror
# (`apt-get download`, never installed on this machine), kept in
# OUT/kernel with the few modules the node loads (OUT/kernel/order):
# veth, bridge, overlay, virtio-net, and the netfilter modules of both
# proxy backends. Software emulation when there is no /dev/kvm.
#
# The guest: 10.0.2.15 on qemu's user-mode network (gateway 10.0.2.2,
# DNS 10.0.2.3). Its /init (stage 1, busybox sh) loads the modules,
# configures eth0, copies itself into a tmpfs and switch_roots into it
# (pivot_root(2), which every container start makes, is refused out of
# the initramfs itself), where podvisor is exec'd as PID 1.
#
# VM_ARCH=arm64 (or armhf) builds and boots an ARM machine instead
# (qemu's virt board, emulated): PODVISOR is then a build for it (make
# cross ARCH=arm64: its libraries are taken from the multiarch
# directories, readelf naming them), busybox comes from busybox-static of
# that architecture (apt-get download), the kernel from linux-image-arm64
# (linux-image-armmp-lpae), and VM_IMPORTER names a podvisor that runs
# here for the image import (default build/podvisor).
#
# Needs (scripts/deps.sh installs them on amd64): qemu-system-x86 (and
# qemu-system-arm for arm64), kmod (depmod/modprobe resolve the modules'
# dependencies here), busybox-static, binutils' readelf, python3 (the
# monitor). Runs as root (device nodes, image import).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ARCH=${VM_ARCH:-$(dpkg --print-architecture)}
# qemu, its machine and CPU, the console, the libraries' multiarch triplet,
# Debian's kernel flavour, the OCI architecture
case $ARCH in
amd64) QEMU=qemu-system-x86_64 MACHINE=pc CPU=max CONSOLE=ttyS0 TRIPLET=x86_64-linux-gnu FLAVOUR=amd64 OCI=amd64 ;;
arm64) QEMU=qemu-system-aarch64 MACHINE=virt CPU=max CONSOLE=ttyAMA0 TRIPLET=aarch64-linux-gnu FLAVOUR=arm64 OCI=arm64 ;;
armhf) QEMU=qemu-system-arm MACHINE=virt CPU=cortex-a15 CONSOLE=ttyAMA0 TRIPLET=arm-linux-gnueabihf FLAVOUR=armmp-lpae OCI=arm ;;
*) echo "vm-demo: VM_ARCH=$ARCH: amd64, arm64 or armhf" >&2; exit 2 ;;
esac
say() { echo "vm-demo: $*" >&2; }
die() { say "$*"; exit 1; }

# The modules the node needs, named as modprobe knows them; their
# dependencies come along, in load order.
MODULES="virtio_pci virtio_net virtio_input veth bridge br_netfilter overlay
ip_tables iptable_nat iptable_filter xt_nat xt_MASQUERADE xt_mark ipt_REJECT
xt_addrtype xt_comment xt_conntrack xt_recent xt_statistic xt_tcpudp xt_sctp
nf_conntrack_netlink nf_tables nft_chain_nat nft_ct nft_nat nft_masq
nft_numgen nft_reject_inet nft_fib_inet"

# download DIR PACKAGE: PACKAGE's .deb (of $ARCH) into DIR, never installed.
download() {
	chmod 755 "$1" # apt's sandbox user writes the download there
	(cd "$1" && apt-get download -q "$2:$ARCH" >/dev/null 2>&1) ||
		(cd "$1" && apt-get download "$2:$ARCH") || die "cannot download $2:$ARCH"
}

# kernel OUT: OUT/kernel/vmlinuz, OUT/kernel/modules/*.ko, OUT/kernel/order,
# and (another architecture's) OUT/kernel/busybox.
kernel() {
	local out=$1/kernel pkg ver tmp m
	pkg=$(apt-cache depends "linux-image-$FLAVOUR:$ARCH" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {sub(/:.*/, "", $2); print $2; exit}')
	[ -n "$pkg" ] || die "apt knows no linux-image-$FLAVOUR:$ARCH (apt-get update? dpkg --add-architecture?)"
	ver=${pkg#linux-image-}
	[ -f "$out/.done-$ver" ] && return 0
	say "fetching Debian's kernel $ver (apt-get download $pkg)"
	rm -rf "$out"
	mkdir -p "$out/modules"
	tmp=$(mktemp -d "$1/kernel-dl.XXXXXX")
	download "$tmp" "$pkg"
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	if [ "$ARCH" != "$(dpkg --print-architecture)" ]; then
		download "$tmp" busybox-static
		dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/bb"
		cp "$tmp/bb/bin/busybox" "$out/busybox"
	fi
	depmod -b "$tmp/root" "$ver"
	cp "$tmp/root/boot/vmlinuz-$ver" "$out/vmlinuz"
	: >"$out/order"
	for m in $MODULES; do
		modprobe -d "$tmp/root" -S "$ver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r m; do
		cp "$m" "$out/modules/"
		basename "$m" >>"$out/order"
	done
	rm -rf "$tmp"
	[ -s "$out/order" ] || die "no modules resolved from $pkg"
	touch "$out/.done-$ver"
	say "kernel $ver: $(wc -l <"$out/order") modules"
}

# needed ELF: the libraries ELF names (DT_NEEDED), and theirs, as paths
# in $TRIPLET's multiarch directories; its program interpreter first.
# readelf reads any architecture's ELF, where ldd runs the program.
needed() {
	local todo=("$1") seen=" " f n d p
	readelf -lW "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p'
	while [ ${#todo[@]} != 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for n in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[[ $seen == *" $n "* ]] && continue
			seen="$seen$n "
			p=""
			for d in /lib/$TRIPLET /usr/lib/$TRIPLET /lib /usr/lib; do
				[ -e "$d/$n" ] && { p=$d/$n; break; }
			done
			[ -n "$p" ] || die "$f needs $n, not in /usr/lib/$TRIPLET"
			echo "$p"
			todo+=("$p")
		done
	done
}

# copy_elf FILE ROOT DEST: FILE to ROOT/DEST, and for a dynamic
# executable every library it needs, at its own path under ROOT.
copy_elf() {
	local f=$1 root=$2 lib
	install -D -m 755 "$f" "$root/$3"
	for lib in $(needed "$f"); do
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}

build() {
	local out=$1 bin=$2 manifests=${3:-$HERE/../examples} st root a bb=/bin/busybox importer
	[ -x "$bin" ] || die "no podvisor binary at $bin"
	[ -d "$manifests" ] || die "no manifests directory $manifests"
	command -v "$QEMU" >/dev/null || die "no $QEMU (scripts/deps.sh)"
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	bin=$(realpath "$bin")
	kernel "$out"
	cp "$out/kernel/vmlinuz" "$out/vmlinuz"
	[ -f "$out/kernel/busybox" ] && bb=$out/kernel/busybox
	importer=$bin
	"$bin" version >/dev/null 2>&1 || importer=${VM_IMPORTER:-$HERE/../build/podvisor}

	st=$out/stage
	rm -rf "$st"
	root=$st/root # what stage 1 copies into the tmpfs root
	mkdir -p "$st/dev" "$st/proc" "$st/newroot" "$root/bin" "$root/etc/podvisor" "$root/var/lib/podvisor"
	mknod -m 600 "$st/dev/console" c 5 1 # the kernel opens it for init
	install -m 755 "$bb" "$st/busybox"
	for a in sh mount umount insmod ip cp mkdir switch_root cat echo; do ln -s busybox "$st/$a"; done
	cp -a "$out/kernel/modules" "$st/modules"
	cp "$out/kernel/order" "$st/modules/order"
	install -m 755 "$bb" "$root/bin/busybox"
	copy_elf "$bin" "$root" bin/podvisor
	cp -a "$manifests" "$root/etc/podvisor/manifests"
	printf 'nameserver 10.0.2.3\n' >"$root/etc/resolv.conf"
	printf 'podvisor-vm\n' >"$root/etc/hostname"
	printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"

	say "importing busybox:stable into the image store"
	# shellcheck source=tests/integration/lib_image.sh
	. "$HERE/../tests/integration/lib_image.sh"
	PV_BUSYBOX=$bb PV_OCI_ARCH=$OCI make_busybox_oci "$out/oci" busybox:stable >/dev/null
	"$importer" image import --state "$root/var/lib/podvisor" "$out/oci" busybox:stable >/dev/null
	rm -rf "$out/oci"

	cat >"$st/init" <<'EOF'
#!/sh
# podvisor's initramfs, stage 1 (scripts/vm-demo.sh): the kernel modules
# the node needs, the network of qemu's user-mode stack, then a tmpfs root
# (the kernel refuses pivot_root(2) out of the initramfs itself, and every
# container start makes one) with podvisor exec'd in it as PID 1.
export PATH=/
mount -t proc proc /proc
n=0
while read -r m; do
	insmod "/modules/$m" || echo "init: insmod $m failed"
	n=$((n + 1))
done </modules/order
echo "init: $n modules loaded"
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mount -t tmpfs -o mode=0755 root /newroot
cp -a /root/. /newroot/
umount /proc
echo "init: switching to the tmpfs root, podvisor as PID 1"
exec switch_root /newroot /bin/podvisor daemon --manifests /etc/podvisor/manifests \
	--state /var/lib/podvisor --local-path-root /var/lib/podvisor/volumes
EOF
	chmod 755 "$st/init"
	(cd "$st" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out/initramfs.cpio.gz"
	rm -rf "$st"
	say "$out/vmlinuz, $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB)"
}

boot() {
	local out=$1 port=${2:-8080} accel
	shift $(($# < 2 ? $# : 2))
	[ -f "$out/initramfs.cpio.gz" ] || die "nothing built in $out (scripts/vm-demo.sh build)"
	accel=${VM_ACCEL:-tcg} # /dev/kvm may be there and hang (nested)
	[ $# != 0 ] || set -- -nographic # the console on this terminal
	# ARM: qemu's virt board, with a virtio keyboard for Ctrl-Alt-Del
	[ "$MACHINE" = virt ] && set -- -device virtio-keyboard-pci "$@"
	exec "$QEMU" -accel "$accel" -M "$MACHINE" -cpu "$CPU" -m 512 -smp 2 -no-reboot \
		-kernel "$out/vmlinuz" -initrd "$out/initramfs.cpio.gz" \
		-append "console=$CONSOLE panic=-1 loglevel=4" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:30080" -device virtio-net-pci,netdev=n0 \
		"$@"
}

# monitor SOCKET COMMAND...: one command to qemu's monitor on SOCKET.
monitor() {
	python3 - "$@" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(" ".join(sys.argv[2:]).encode() + b"\n")
time.sleep(0.5)
EOF
}

demo() {
	local out=$1 bin=$2 port=${VM_PORT:-8080} qemu i answer=""
	build "$out" "$bin"
	say "booting (console in $out/console.log; localhost:$port is the guest's NodePort 30080)"
	boot "$out" "$port" -display none -serial "file:$out/console.log" \
		-monitor "unix:$out/monitor.sock,server,nowait" &
	qemu=$!
	for i in $(seq 600); do
		answer=$(curl -s --max-time 2 "http://127.0.0.1:$port/") && [ -n "$answer" ] && break
		kill -0 "$qemu" 2>/dev/null || break
		sleep 0.5
	done
	cat "$out/console.log"
	echo
	if [ -n "$answer" ]; then
		echo "== curl localhost:$port (the hello Service's NodePort, inside the VM)"
		echo "$answer"
	else
		say "no HTTP answer on localhost:$port"
	fi
	sleep "${VM_SECONDS:-5}"
	echo "== Ctrl-Alt-Del: podvisor stops every pod and powers off"
	monitor "$out/monitor.sock" sendkey ctrl-alt-delete
	for i in $(seq 120); do kill -0 "$qemu" 2>/dev/null || break; sleep 0.5; done
	kill "$qemu" 2>/dev/null && say "still up after 60 s: stopped"
	wait "$qemu" || true
	tail -n +"$(($(wc -l <"$out/console.log") - 15))" "$out/console.log"
	[ -n "$answer" ]
}

case "${1:-}" in
build) [ $# -ge 3 ] || die "usage: $0 build OUT PODVISOR [MANIFESTS]"; shift; build "$@" ;;
boot) [ $# -ge 2 ] || die "usage: $0 boot OUT [PORT [QEMU-OPTION...]]"; shift; boot "$@" ;;
demo) [ $# = 3 ] || die "usage: $0 demo OUT PODVISOR"; shift; demo "$@" ;;
monitor) [ $# -ge 3 ] || die "usage: $0 monitor SOCKET COMMAND..."; shift; monitor "$@" ;;
*) die "usage: $0 build|boot|demo OUT ... (see the script's head)" ;;
esac
