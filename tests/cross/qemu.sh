#!/bin/bash
# tests/cross/qemu.sh ARCH PROGRAM [ARG...]: run a program built for ARCH
# (arm64, armhf: make cross) under qemu-user, with the target's loader and
# multiarch libraries from / (/lib/ld-linux-aarch64.so.1,
# /usr/lib/aarch64-linux-gnu/...). qemu-user passes system calls to the
# host's kernel; uname(2) reports the guest's machine (aarch64, armv7l).
set -u
case "${1:-}" in
arm64) qemu="qemu-aarch64-static" ;;
armhf) qemu="qemu-arm-static" ;;
*)
	echo "usage: tests/cross/qemu.sh arm64|armhf PROGRAM [ARG...]" >&2
	exit 2
	;;
esac
shift
command -v "$qemu" >/dev/null || {
	echo "tests/cross/qemu.sh: $qemu is missing (scripts/deps.sh cross-arm64 installs qemu-user-static)" >&2
	exit 127
}
exec "$qemu" -L / "$@"
