#!/bin/bash
# The Service tests of test_services.sh (ClusterIP, NodePort from the node,
# 127.0.0.1 and another host, headless, ExternalName, hostPort, affinity,
# hairpin, endpoints following readiness, a flush repaired, a switch of
# proxy mode and back) on the nftables proxier: --proxy-mode nftables.
# asan: yes
PROXY_MODE=nftables exec bash "$(dirname "$0")/test_services.sh" "$@"
