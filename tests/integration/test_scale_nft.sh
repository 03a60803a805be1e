#!/bin/bash
# The scale test of test_scale.sh (Services past every array's first
# capacity, each cluster IP answering, half deleted and added back with
# the same addresses, NodePorts, hostPorts) on the nftables proxier:
# --proxy-mode nftables.
# asan: yes
# long: yes
PROXY_MODE=nftables exec bash "$(dirname "$0")/test_scale.sh" "$@"
