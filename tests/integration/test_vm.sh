#!/bin/bash
# A machine that boots straight into pods (issue #18, item 11): Debian's
# kernel and an initramfs of busybox, podvisor, examples/ and an image
# store (scripts/vm-demo.sh), booted under qemu (software emulation) in a
# network namespace of the test's own. podvisor is PID 1 of the machine:
# it mounts /proc, /sys, /dev, /run and cgroup2 (with its controllers on),
# takes its node name from /etc/hostname; the examples' pods run and the
# hello Service answers HTTP through qemu's port forward to NodePort 30080.
# Ctrl-Alt-Del (sent from qemu's monitor) is a SIGINT to podvisor: every
# pod stops gracefully, no Job makes a new pod meanwhile, and the machine
# powers off (qemu exits by itself).
# VM_ARCH=arm64 or armhf (test_vm_arm64.sh, test_vm_armhf.sh): the same on
# an emulated ARM machine (qemu's virt board, Debian's kernel and busybox
# of that architecture), with the podvisor that make check's cross build
# made (build-cross-ARCH/).
# long: yes
set -u
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (device nodes in the initramfs, namespaces)"
	exit 0
fi
: "${PODVISOR:?PODVISOR must point at the binary}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export VM_ARCH=${VM_ARCH:-amd64}
# The VM runs the plain build (an ASan one would need its runtime's
# environment in the guest); the kernel download is kept beside it.
BIN=${PODVISOR_PLAIN:-$PODVISOR}
QEMU=qemu-system-x86_64
if [ "$VM_ARCH" != amd64 ]; then # make check's cross build of it
	export VM_IMPORTER=$BIN # the image import runs here
	BIN=$ROOT/build-cross-$VM_ARCH/podvisor
	QEMU=qemu-system-aarch64
	[ "$VM_ARCH" = armhf ] && QEMU=qemu-system-arm
	if [ ! -x "$BIN" ]; then
		if [[ " ${CROSS-$VM_ARCH} " != *" $VM_ARCH "* ]]; then
			echo "1..0 # SKIP no $VM_ARCH in CHECK_CROSS: no $VM_ARCH podvisor is built"
			exit 0
		elif [ -s "$ROOT/build-cross-$VM_ARCH/NO-PACKAGES" ]; then
			echo "1..0 # SKIP the mirror has no $VM_ARCH packages: $(tr '\n' ' ' <"$ROOT/build-cross-$VM_ARCH/NO-PACKAGES")"
			exit 0
		fi
	fi
fi
OUT=$(dirname "$(realpath "$BIN")")/vm
# Built here, where Debian's mirror is reachable (the kernel's download);
# booted in a network namespace of our own.
if [ -z "${PV_IN_NS:-}" ]; then
	BUILD_LOG=$(mktemp /tmp/podvisor-vm-build.XXXXXX)
	rc=0
	if ! command -v "$QEMU" >/dev/null || [ "$(dpkg --print-architecture)" != amd64 ]; then
		echo "no $QEMU on this amd64 machine (scripts/deps.sh installs it)" >"$BUILD_LOG"
		rc=1
	elif [ ! -x "$BIN" ]; then
		echo "no $BIN (make cross ARCH=$VM_ARCH builds it)" >"$BUILD_LOG"
		rc=1
	else
		"$ROOT/scripts/vm-demo.sh" build "$OUT" "$BIN" "$ROOT/examples" >"$BUILD_LOG" 2>&1 || rc=$?
	fi
	exec unshare --net --mount --pid --fork --mount-proc env PV_IN_NS=1 PV_VM_BUILD="$rc $BUILD_LOG" \
		bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
BUILD_LOG=${PV_VM_BUILD#* }
trap 'kill -9 -1 2>/dev/null; rm -rf "$T_TMP" "$BUILD_LOG"' EXIT
ip link set lo up

if [ "${PV_VM_BUILD%% *}" = 0 ]; then
	ok "$VM_ARCH initramfs built: busybox, podvisor, examples/, an image store ($(du -k "$OUT/initramfs.cpio.gz" | cut -f1) KiB)"
else
	fail "scripts/vm-demo.sh build"
	diag "$(tail -20 "$BUILD_LOG")"
	done_testing
	exit 1
fi

RAW=$T_TMP/console.raw
CON=$T_TMP/console.log # the serial console's lines, without their CRs
con() { tr -d '\r' <"$RAW" >"$CON"; }
MON=$T_TMP/monitor.sock
PORT=18080
"$ROOT/scripts/vm-demo.sh" boot "$OUT" "$PORT" -display none -serial "file:$RAW" \
	-monitor "unix:$MON,server,nowait" >"$T_TMP/qemu.log" 2>&1 &
QEMU=$!

answer=""
for _ in $(seq 480); do # 240 s: software emulation, on a busy machine
	answer=$(curl -s --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null) && [ -n "$answer" ] && break
	kill -0 "$QEMU" 2>/dev/null || break
	sleep 0.5
done
if grep -q "Hello from" <<<"$answer"; then
	ok "the hello Service answers through the forwarded NodePort: $answer"
else
	fail "no HTTP answer on 127.0.0.1:$PORT (forwarded to the guest's 30080)"
	diag "$(tail -30 "$RAW")" "$(cat "$T_TMP/qemu.log")"
fi
con

grep -q "init: switching to the tmpfs root, podvisor as PID 1" "$CON" &&
	grep -q "PID 1: mounted proc on /proc" "$CON" && grep -q "PID 1: mounted cgroup2 on /sys/fs/cgroup" "$CON" &&
	ok "podvisor is the machine's PID 1: it mounted /proc and cgroup2 itself" ||
	fail "not PID 1: $(grep -E 'init:|PID 1' "$CON" | head)"
grep -q "PID 1: hostname podvisor-vm (from /etc/hostname)" "$CON" &&
	grep -q "podvisor daemon: .* node podvisor-vm$" "$CON" &&
	ok "the kernel had no hostname: podvisor-vm from /etc/hostname is the node's name" ||
	fail "hostname: $(grep -E 'hostname|podvisor daemon:' "$CON")"
grep -q "PID 1: enabled the cgroup controllers .*+memory.*+pids" "$CON" && ! grep -q "pids.max: No such file" "$CON" &&
	ok "the pods' cgroups have their controllers (memory, pids: enabled at the root)" ||
	fail "controllers: $(grep -E 'controllers|pids.max' "$CON" | head -3)"
running=$(grep -c "Started: Started container" "$CON")
[ "$running" -ge 5 ] && ok "the examples' pods started ($running containers)" ||
	fail "only $running containers started: $(grep -E 'warning|error' "$CON" | head)"

# Ctrl-Alt-Del: the kernel sends SIGINT to init, as podvisor asked.
"$ROOT/scripts/vm-demo.sh" monitor "$MON" sendkey ctrl-alt-delete || fail "qemu's monitor: no connection"
for _ in $(seq 240); do kill -0 "$QEMU" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$QEMU" 2>/dev/null; then
	fail "the machine is still up 120 s after Ctrl-Alt-Del"
	diag "$(tail -20 "$RAW")"
	kill "$QEMU"
else
	con
	grep -q "Interrupt: stopping every pod, then exiting" "$CON" &&
		grep -q "PID 1: every pod stopped; powering off" "$CON" && grep -q "reboot: Power down" "$CON" &&
		ok "Ctrl-Alt-Del: podvisor stopped every pod, then powered the machine off" ||
		fail "shutdown: $(tail -15 "$CON")"
fi
wait "$QEMU" 2>/dev/null
con
after=$(sed -n '/stopping every pod, then exiting/,$p' "$CON")
stopped=$(grep -c ": stopped$" <<<"$after")
[ "$stopped" -ge 5 ] && ! grep -q "SuccessfulCreate" <<<"$after" &&
	ok "$stopped pods stopped; no Job made a new pod while the node went down" ||
	fail "$stopped pods stopped; created meanwhile: $(grep SuccessfulCreate <<<"$after")"
done_testing
