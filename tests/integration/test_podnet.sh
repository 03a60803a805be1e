#!/bin/bash
# The pod network: a bridge on the node, a veth per pod with an address
# from the pod CIDR, pods reaching each other and the node reaching pods;
# addresses kept across daemon restarts and released with the pod.
. "$(dirname "$0")/lib_pods.sh"

start_daemon || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

ip -4 addr show pv0 2>/dev/null | grep -q 'inet 10.88.0.1/16' && ip link show pv0 | grep -q 'state UP\|,UP' \
	&& ok "the node bridge pv0 is up with the pod CIDR's gateway 10.88.0.1/16" || fail "bridge: $(ip addr show pv0 2>&1)"
pv0_mac() { ip link show pv0 | awk '/link\/ether/ {print $2}'; }
bmac=$(pv0_mac)
[ "$bmac" = 0a:58:0a:58:00:01 ] && ok "the bridge's MAC comes from the gateway address (0a:58:0a:58:00:01)" || fail "pv0 MAC $bmac"

cat >"$M/.net.tmp" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: srv}
spec:
  containers:
  - {name: httpd, image: "busybox:test", command: [httpd, -f, -p, "8080", -h, /etc]}
---
apiVersion: v1
kind: Pod
metadata: {name: cli}
spec:
  containers:
  - name: sleeper
    image: busybox:test
    command: [sleep, "1000"]
    env:
    - name: MY_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
---
apiVersion: v1
kind: Pod
metadata: {name: hn}
spec:
  hostNetwork: true
  containers:
  - {name: sleeper, image: "busybox:test", command: [sleep, "1000"]}
YAML
mv "$M/.net.tmp" "$M/net.yaml"
wait_status srv Running && wait_status cli Running && wait_status hn Running \
	&& ok "three pods Running" || fail "pods: srv=$(pod_json srv "p['status']") cli=$(pod_json cli "p['status']") hn=$(pod_json hn "p['status']")"
srv_ip=$(pod_json srv "p['podIP']")
cli_ip=$(pod_json cli "p['podIP']")
case "$srv_ip/$cli_ip" in
10.88.*/10.88.*) [ "$srv_ip" != "$cli_ip" ] && ok "each pod has its own address from 10.88.0.0/16 ($srv_ip, $cli_ip)" || fail "same ip";;
*) fail "pod IPs: '$srv_ip' '$cli_ip'";;
esac
"$PODVISOR" get pods -o wide | grep -q "^srv .* $srv_ip " && ok "get pods -o wide shows the IP" || fail "wide: $("$PODVISOR" get pods -o wide)"
# Before srv has sent a frame (no IPv6, its gateway's MAC known: nothing
# to learn it from), the bridge already forwards to its port: a dynamic
# entry podvisor made, so the first packet to it is not flooded to all.
srv_veth=$(IFS=. read -r a b c d <<<"$srv_ip"; printf 'pv%02x%02x%02x%02x' "$a" "$b" "$c" "$d")
srv_mac=$(IFS=. read -r a b c d <<<"$srv_ip"; printf '0a:58:%02x:%02x:%02x:%02x' "$a" "$b" "$c" "$d")
fdb=$(bridge fdb show br pv0 2>&1 | grep "^$srv_mac ")
grep -q "dev $srv_veth master pv0" <<<"$fdb" && ! grep -qE "permanent|static" <<<"$fdb" \
	&& ok "the bridge forwards to the pod's port before the pod said a word ($srv_mac, dynamic)" \
	|| fail "bridge forwarding entry for $srv_mac: '$fdb'; the bridge's: $(bridge fdb show br pv0 | grep -v permanent | tr "\n" ";"); $srv_veth: $(ip -br link show "$srv_veth")"

for _ in $(seq 30); do out=$(curl -s --max-time 2 "http://$srv_ip:8080/hostname"); [ "$out" = srv ] && break; sleep 0.2; done
[ "$out" = srv ] && ok "the node reaches a pod by its IP (HTTP from busybox httpd)" || fail "node -> pod: '$out'"
out=$("$PODVISOR" exec cli -- wget -qO- "http://$srv_ip:8080/hostname" 2>&1)
[ "$out" = srv ] && ok "a pod reaches another pod by its IP" || fail "pod -> pod: '$out'"
[ "$("$PODVISOR" exec cli -- sh -c 'echo $MY_IP')" = "$cli_ip" ] && ok "env fieldRef status.podIP is the pod's address" \
	|| fail "MY_IP=$("$PODVISOR" exec cli -- sh -c 'echo $MY_IP')"
"$PODVISOR" exec hn -- cat /proc/net/dev | grep -q 'pv0:' && ! "$PODVISOR" exec cli -- cat /proc/net/dev | grep -q 'pv0:' \
	&& ok "a hostNetwork pod is in the node's network namespace, others are not" || fail "hostNetwork"

# addresses survive a daemon restart; a deleted pod's veth and address go
stop_daemon 9
start_daemon
[ "$(pod_json srv "p['podIP']")" = "$srv_ip" ] && [ "$(pod_json cli "p['podIP']")" = "$cli_ip" ] \
	&& ok "a restarted daemon keeps the pods' addresses" || fail "after restart: $(pod_json srv "p['podIP']") $(pod_json cli "p['podIP']")"
[ "$(curl -s --max-time 2 "http://$srv_ip:8080/hostname")" = srv ] && ok "and traffic to the pod still flows" || fail "traffic after restart"
# the node side is named after the pod's address, unique among live pods
veth=$srv_veth
ip link show "$veth" 2>/dev/null | grep -q "master pv0" && ok "the pod's host-side veth is $veth, on the bridge" || fail "no $veth on pv0: $(ip -br link | grep '^pv')"
# One queue each way on both ends (veth's default is one per CPU, cut
# back to one after registering them all).
srv_pid=$(pgrep -f "httpd -f -p 8080 -h /etc" | head -1)
q_node=$(ip -d link show "$veth" 2>&1) q_pod=$(nsenter -t "$srv_pid" -n ip -d link show eth0 2>&1)
grep -q "numtxqueues 1 numrxqueues 1 " <<<"$q_node" && grep -q "numtxqueues 1 numrxqueues 1 " <<<"$q_pod" \
	&& ok "both ends of the pod's veth have one queue each way" || fail "veth queues: node '$q_node' pod '$q_pod'"
# No IPv6 address on either end (addrgenmode none): no DAD, router
# solicitation or MLD report flooded to every port of the bridge; the
# pod's lo keeps ::1.
v6=$("$PODVISOR" exec srv -- cat /proc/net/if_inet6 2>&1)
[ -z "$(ip -6 addr show dev "$veth" 2>&1)" ] && ! grep -q eth0 <<<"$v6" && grep -q '^0*1 .* lo$' <<<"$v6" \
	&& ok "neither end of the pod's veth has an IPv6 address; the pod's lo keeps ::1" \
	|| fail "IPv6: node side '$(ip -6 addr show dev "$veth" 2>&1)', in the pod '$v6'"
# MACs follow from addresses: the node knows the pod's and the pod the
# gateway's beforehand, so no ARP broadcast is flooded to every port.
ip neigh show "$srv_ip" dev pv0 | grep -q "lladdr $srv_mac PERMANENT" \
	&& ok "the node has a permanent neighbour entry for the pod ($srv_ip at $srv_mac)" \
	|| fail "node's entry for $srv_ip: '$(ip neigh show "$srv_ip" dev pv0)'"
arp=$("$PODVISOR" exec cli -- cat /proc/net/arp 2>&1)
grep -Eq '^10\.88\.0\.1 +0x1 +0x6 +0a:58:0a:58:00:01 ' <<<"$arp" \
	&& ok "the pod has a permanent entry for its gateway (the bridge's MAC)" || fail "pod's ARP table: $arp"
# take srv out of the file, keeping the others
"$PY" - "$M/net.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("---\n")
open(sys.argv[1] + ".tmp", "w").write("---\n".join(d for d in docs if "name: srv" not in d))
PY
mv "$M/net.yaml.tmp" "$M/net.yaml"
for _ in $(seq 50); do [ -z "$(pod_json srv "p['name']")" ] && break; sleep 0.1; done
! ip link show "$veth" >/dev/null 2>&1 && ok "deleting the pod removes its veth" || fail "$veth left behind"
[ -z "$(ip neigh show "$srv_ip" dev pv0 nud permanent)" ] && ok "and the node's permanent neighbour entry for its address" \
	|| fail "entry left: $(ip neigh show "$srv_ip" dev pv0)"
[ "$(pv0_mac)" = "$bmac" ] && ok "the bridge keeps its MAC when a port goes (the pods' gateway entry stays right)" \
	|| fail "pv0 MAC now $(pv0_mac)"
cat >"$M/.n2" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: srv2}
spec:
  containers:
  - {name: c, image: "busybox:test", command: [httpd, -f, -p, "8080", -h, /etc]}
YAML
mv "$M/.n2" "$M/srv2.yaml"
wait_status srv2 Running
[ "$(pod_json srv2 "p['podIP']")" = "$srv_ip" ] && ok "its address is free again (given to the next pod)" || fail "srv2 got $(pod_json srv2 "p['podIP']")"
# The node still holds srv's neighbour entry for that address; the new pod
# has the same MAC (0a:58 + the address, as the CNI plugins), so it is
# reached at once, not after the entry goes stale (35-50 s).
mac=$(IFS=. read -r a b c d <<<"$srv_ip"; printf '0a:58:%02x:%02x:%02x:%02x' "$a" "$b" "$c" "$d")
[ "$("$PODVISOR" exec srv2 -- cat /sys/class/net/eth0/address)" = "$mac" ] && ok "the pod's MAC comes from its address ($mac)" \
	|| fail "srv2 MAC: $("$PODVISOR" exec srv2 -- cat /sys/class/net/eth0/address 2>&1)"
# Only "connection refused" (httpd not listening yet) is tried again: a
# request lost to the old MAC times out, and fails the check.
for _ in $(seq 50); do
	out=$(curl -s --max-time 5 "http://$srv_ip:8080/hostname"); rc=$?
	[ $rc = 7 ] || break
	sleep 0.1
done
[ "$out" = srv2 ] && ok "the node reaches the new pod on the reused address at once" \
	|| fail "node -> srv2: '$out' (curl exit $rc; $(ip neigh show "$srv_ip"))"

done_testing
