#!/bin/bash
# test_vm.sh on an emulated arm64 machine: Debian's arm64 kernel and
# busybox, the arm64 podvisor of make check's cross build as PID 1, the
# examples' pods, the hello Service through qemu's port forward,
# Ctrl-Alt-Del to power off. Skipped, saying why, when make check built
# no arm64 binary (CHECK_CROSS without arm64, or a mirror without arm64).
# long: yes
VM_ARCH=arm64 exec bash "$(dirname "$0")/test_vm.sh" "$@"
