#!/bin/bash
# test_vm.sh on an emulated 32-bit ARM machine (armhf, a Cortex-A15):
# Debian's armhf (armmp-lpae) kernel and busybox, the armhf podvisor of
# make check's cross build as PID 1, the examples' pods, the hello
# Service through qemu's port forward, Ctrl-Alt-Del to power off.
# Skipped, saying why, when make check built no armhf binary (CHECK_CROSS
# without armhf, or a mirror without armhf).
# long: yes
VM_ARCH=armhf exec bash "$(dirname "$0")/test_vm.sh" "$@"
