#!/bin/bash
# PersistentVolumes and claims (issue #5): static hostPath and local
# volumes bound by the smallest fit, data surviving its pod, the
# local-path provisioner with WaitForFirstConsumer, a pod waiting for its
# claim, Retain vs Delete, a claim in use kept bound, the bindings
# surviving kill -9 of the daemon, and a PersistentVolume manifest named
# like a provisioned volume refused.
# asan: yes
. "$(dirname "$0")/lib_pods.sh"

H=$T_TMP/host
LP=$T_TMP/local-path
mkdir -p "$H/pv1" "$H/pv2" "$H/pv3" "$H/pv4" "$H/pv5" "$H/local-here" "$H/local-there"
# the node's settings from a config file (--host-path-allow, --local-path-root, --node-name)
printf 'nodeName: node-a\nhostPathAllow:\n- %s\nlocalPathRoot: %s\n' "$H" "$LP" >"$T_TMP/node.yaml"
printf 'nodeName: node-a\nhostPathAlow: [/srv]\n' >"$T_TMP/bad.yaml"
r=$("$PODVISOR" daemon --manifests "$M" --config "$T_TMP/bad.yaml" 2>&1)
[ $? = 2 ] && echo "$r" | grep -q "bad.yaml:2:1: unknown key \"hostPathAlow\"" \
	&& ok "a config file with an unknown key: refused, with file:line:col" || fail "bad config: $r"
# --claim-grace 1000: a missing claim keeps its volume 1 s (the default 5 s,
# in each of the dozen waits for it, was a third of this test)
start() { start_daemon --config "$T_TMP/node.yaml" --claim-grace 1000; }
start || { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

# field KIND NAME EXPR: a value of `get KIND NAME -o internal-json` (o: the object)
field() {
	"$PVQ" get "$1" "$2" -o internal-json 2>/dev/null | "$PY" -c "
import json, sys
try:
    items = json.load(sys.stdin)
    o = items[0] if items else None
    print(eval(sys.argv[1]) if o else '')
except Exception:
    print('')" "$3"
}
wait_field() { # KIND NAME EXPR VALUE [SECONDS]
	local i=0 end=$((SECONDS + 2 * ${5:-20} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(field "$1" "$2" "$3")" = "$4" ] && return 0
		nap $((i++))
	done
	return 1
}
pv_yaml() { # NAME SIZE POLICY PATH [EXTRA...]
	cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $1, labels: {speed: ${6:-slow}}}
spec:
  capacity: {storage: $2}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: $3
  storageClassName: manual
  hostPath: {path: $4, type: ${5:-Directory}}
YAML
}
claim_yaml() { # NAME SIZE CLASS
	printf -- '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: %s}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: %s\n  resources: {requests: {storage: %s}}\n' "$1" "$3" "$2"
}
claim_pod() { # NAME CLAIM COMMAND
	cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:test
    command: [sh, -c, "$3"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: $2}}
YAML
}

# static volumes: the smallest that fits is chosen
{ pv_yaml pv-small 1Gi Retain "$H/pv1"; pv_yaml pv-big 5Gi Delete "$H/pv2"; } >"$T_TMP/pvs.yaml"
claim_yaml data 500Mi manual >"$T_TMP/claim.yaml"
drop pvs.yaml "$T_TMP/pvs.yaml"
drop claim.yaml "$T_TMP/claim.yaml"
wait_field pvc data "o['status'] + ' ' + o['volume']" "Bound pv-small" \
	&& ok "a claim binds the smallest static volume that fits" || fail "data: $("$PODVISOR" get pvc; "$PODVISOR" get pv)"
[ "$(field pv pv-small "o['status'] + ' ' + o['claim']")" = "Bound default/data" ] && [ "$(field pv pv-big "o['status']")" = Available ] \
	&& ok "get pv: the bound volume names its claim, the other is Available" || fail "pv: $("$PODVISOR" get pv)"
"$PODVISOR" get pvc | grep -Eq '^data +Bound +pv-small +1Gi +RWO +manual ' && ok "get pvc prints kubectl's columns" || fail "get pvc: $("$PODVISOR" get pvc)"

# data written through the claim outlives the pod
claim_pod writer data "echo persisted > /data/out; sleep 100000" >"$T_TMP/writer.yaml"
drop writer.yaml "$T_TMP/writer.yaml"
wait_status writer Running || fail "writer: $(pod_json writer "p['status']") $("$PODVISOR" describe pod writer | tail -3)"
for _ in $(seq 50); do [ -f "$H/pv1/out" ] && break; sleep 0.1; done
[ "$(cat "$H/pv1/out" 2>/dev/null)" = persisted ] && ok "a pod writes through the claim to the volume's hostPath" || fail "pv1: $(ls -la "$H/pv1")"
rm "$M/writer.yaml"
for _ in $(seq 100); do [ -z "$(pod_json writer "p['name']")" ] && break; sleep 0.1; done
claim_pod reader data "cat /data/out; sleep 100000" >"$T_TMP/reader.yaml"
drop reader.yaml "$T_TMP/reader.yaml"
wait_status reader Running || fail "reader: $(pod_json reader "p['status']")"
[ "$("$PODVISOR" exec reader -- cat /data/out 2>&1)" = persisted ] && ok "a new pod on the same claim reads the data after the first is deleted" || fail "reader: $("$PODVISOR" exec reader -- ls -la /data 2>&1)"

# local-path: provisioned on first use (WaitForFirstConsumer)
cat >"$T_TMP/lp.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path}
provisioner: podvisor.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
YAML
claim_yaml lp 2Gi local-path >>"$T_TMP/lp.yaml"
drop lp.yaml "$T_TMP/lp.yaml"
wait_field pvc lp "o['status'] + ' ' + o['reason']" "Pending WaitForFirstConsumer" \
	&& [ ! -e "$LP" ] && ok "a local-path claim waits for its first consumer; nothing is made yet" || fail "lp: $("$PODVISOR" get pvc lp -o yaml)"
claim_pod lpuser lp "echo provisioned > /data/f; sleep 100000" >"$T_TMP/lpuser.yaml"
drop lpuser.yaml "$T_TMP/lpuser.yaml"
wait_status lpuser Running || fail "lpuser: $(pod_json lpuser "p['status']") $("$PODVISOR" describe pod lpuser | tail -3)"
lpvol=$(field pvc lp "o['volume']")
dir=$(field pv "$lpvol" "o['path']")
for _ in $(seq 50); do [ -f "$dir/f" ] && break; sleep 0.1; done
case $lpvol in pvc-*) ;; *) lpvol= ;; esac
[ -n "$lpvol" ] && [ "$dir" = "$LP/${lpvol}_default_lp" ] && [ "$(cat "$dir/f" 2>/dev/null)" = provisioned ] \
	&& [ "$(field pv "$lpvol" "o['capacity'] + ' ' + o['reclaimPolicy'] + ' ' + o['storageClass']")" = "2Gi Delete local-path" ] \
	&& ok "its pod gets a directory provisioned under --local-path-root ($lpvol)" || fail "lp volume '$lpvol' '$dir': $(ls -laR "$LP" 2>&1 | head)"

# a pod whose claim cannot bind yet waits, then starts once a volume appears
claim_yaml big 8Gi manual >"$T_TMP/big.yaml"
claim_pod bigpod big "sleep 100000" >"$T_TMP/bigpod.yaml"
drop big.yaml "$T_TMP/big.yaml"
drop bigpod.yaml "$T_TMP/bigpod.yaml"
wait_status bigpod CreateContainerConfigError || fail "bigpod: $(pod_json bigpod "p['status']")"
"$PODVISOR" describe pod bigpod | grep -q 'persistentvolumeclaim "big" is Pending' \
	&& ok "a pod with an unbound claim waits, and says why" || fail "bigpod: $("$PODVISOR" describe pod bigpod | tail -3)"
pv_yaml pv-huge 10Gi Retain "$H/pv3" >"$T_TMP/huge.yaml"
drop huge.yaml "$T_TMP/huge.yaml"
wait_status bigpod Running && [ "$(field pvc big "o['volume']")" = pv-huge ] \
	&& ok "it starts by itself once a volume that fits appears" || fail "bigpod after pv: $(pod_json bigpod "p['status']")"

# local volumes: nodeAffinity against this node's name
local_pv() { # NAME NODE
	cat <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: $1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  local: {path: $H/$1}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [$2]}]
YAML
}
local_pv local-there node-b >"$T_TMP/local.yaml"
claim_yaml near 1Gi fast >>"$T_TMP/local.yaml"
drop local.yaml "$T_TMP/local.yaml"
# the claim listed proves the binder has run with both (one file, one pass)
for _ in $(seq 100); do [ -n "$(field pvc near "o['status']")" ] && break; sleep 0.1; done
[ "$(field pvc near "o['status'] + '/' + o['volume']")" = Pending/ ] && [ "$(field pv local-there "o['status']")" = Available ] \
	&& ok "a local volume of another node is not bound" || fail "near: $("$PODVISOR" get pvc near; "$PODVISOR" get pv local-there)"
local_pv local-here node-a >"$T_TMP/local2.yaml"
drop local2.yaml "$T_TMP/local2.yaml"
wait_field pvc near "o['volume']" local-here && ok "one whose nodeAffinity names this node is" || fail "near: $("$PODVISOR" get pv; "$PODVISOR" get pvc near)"

# kill -9: bindings, provisioned volumes and pods stay as they were
before=$("$PODVISOR" get pvc -o internal-json | "$PY" -c "import json,sys; print(sorted((c['name'], c['volume']) for c in json.load(sys.stdin)))")
stop_daemon KILL
start || fail "daemon restart"
sleep 1
after=$("$PODVISOR" get pvc -o internal-json | "$PY" -c "import json,sys; print(sorted((c['name'], c['volume']) for c in json.load(sys.stdin)))")
[ "$before" = "$after" ] && [ "$(field pvc lp "o['status']")" = Bound ] && [ "$(pod_json reader "p['status']")" = Running ] \
	&& ok "after kill -9 the claims are bound to the same volumes" || fail "bindings: $before vs $after"

# a claim deleted while a pod uses it: its volume stays bound until the pod
# goes, past the grace any missing claim gets (1 s: --claim-grace). The proof that the
# grace is over: an unused claim deleted just after it has its volume
# Released (a class of its own, so that no later claim wants the volume).
pv_yaml pv-spare 1Gi Retain "$H/pv4" | sed 's/storageClassName: manual/storageClassName: spare/' >"$T_TMP/spare-pv.yaml"
claim_yaml spare 1Gi spare >"$T_TMP/spare.yaml"
drop spare-pv.yaml "$T_TMP/spare-pv.yaml"
drop spare.yaml "$T_TMP/spare.yaml"
wait_field pvc spare "o['volume']" pv-spare || fail "spare: $("$PODVISOR" get pvc spare)"
rm "$M/big.yaml"
t0=$EPOCHREALTIME
rm "$M/spare.yaml"
wait_field pv pv-spare "o['status']" Released 20 || fail "pv-spare: $("$PODVISOR" get pv pv-spare)"
# --claim-grace 1000 is what holds it: at least 1 s (plus the removal's
# own 0.3 s), and well before the default 5 s
held=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
awk -v h="$held" 'BEGIN { exit !(h >= 1.0 && h < 4.5) }' \
	&& ok "--claim-grace 1000: an unused deleted claim's volume is Released after ${held} s (1 s grace, not the default 5)" \
	|| fail "--claim-grace 1000: pv-spare Released after ${held} s"
[ "$(field pv pv-huge "o['status'] + ' ' + o['claim']")" = "Bound default/big" ] \
	&& ok "a claim deleted while in use keeps its volume Bound past the grace period" || fail "pv-huge: $("$PODVISOR" get pv pv-huge)"
rm "$M/bigpod.yaml"
wait_field pv pv-huge "o['status']" Released && ok "and releases it once its pod is gone" || fail "pv-huge after pod: $("$PODVISOR" get pv pv-huge)"

# Retain: the data stays and the volume is never bound again
rm "$M/reader.yaml"
for _ in $(seq 100); do [ -z "$(pod_json reader "p['name']")" ] && break; sleep 0.1; done
rm "$M/claim.yaml"
wait_field pv pv-small "o['status']" Released || fail "pv-small: $("$PODVISOR" get pv pv-small)"
[ "$(cat "$H/pv1/out" 2>/dev/null)" = persisted ] && ok "Retain: the claim deleted, the volume is Released and its data kept" || fail "retain data"
claim_yaml again 500Mi manual >"$T_TMP/again.yaml"
drop again.yaml "$T_TMP/again.yaml"
wait_field pvc again "o['status']" Bound || fail "again: $("$PODVISOR" get pvc again)"
[ "$(field pvc again "o['volume']")" = pv-big ] && [ "$(field pv pv-small "o['status']")" = Released ] \
	&& ok "a new claim does not get the Released volume, though it is the smallest" || fail "again bound to $(field pvc again "o['volume']")"

# Delete: the claim deleted, the volume's data goes
echo junk >"$H/pv2/file"
mkdir "$H/pv2/sub"
ln -s "$H/pv1" "$H/pv2/sub/other" # removed, not followed
rm "$M/again.yaml"
wait_field pv pv-big "o['status'] + ' ' + o['reason']" "Released Deleted" && [ ! -e "$H/pv2" ] && [ -f "$H/pv1/out" ] \
	&& ok "Delete: the claim deleted, the volume's directory is removed (not what its symlinks point to)" || fail "pv-big: $("$PODVISOR" get pv pv-big -o yaml; ls "$H")"
rm "$M/lpuser.yaml"
for _ in $(seq 100); do [ -z "$(pod_json lpuser "p['name']")" ] && break; sleep 0.1; done
rm "$M/lp.yaml"
for _ in $(seq 100); do [ -z "$(field pv "$lpvol" "o['name']")" ] && break; sleep 0.1; done
[ -z "$(field pv "$lpvol" "o['name']")" ] && [ ! -e "$dir" ] && [ -d "$LP" ] \
	&& ok "a provisioned volume goes with its claim: directory and volume removed" || fail "lp after delete: $("$PODVISOR" get pv; ls -la "$LP")"
# Delete never removes an allowed prefix itself, nor a tree other volumes use
pv_yaml pv-root 1Gi Delete "$H" | sed 's/storageClassName: manual/storageClassName: edge/' >"$T_TMP/rootpv.yaml"
claim_yaml rootclaim 1Gi edge >"$T_TMP/rootclaim.yaml"
drop rootpv.yaml "$T_TMP/rootpv.yaml"
drop rootclaim.yaml "$T_TMP/rootclaim.yaml"
wait_field pvc rootclaim "o['volume']" pv-root || fail "rootclaim: $("$PODVISOR" get pvc rootclaim)"
rm "$M/rootclaim.yaml"
wait_field pv pv-root "o['status'] + ' ' + o['reason']" "Failed VolumeFailedDelete" && [ -f "$H/pv1/out" ] \
	&& "$PODVISOR" describe pv pv-root | grep -q "only strictly under a --host-path-allow prefix" \
	&& ok "Delete of a volume at the allowed prefix itself is refused: Failed, nothing removed" || fail "pv-root: $("$PODVISOR" describe pv pv-root; ls "$H")"

# a claim whose file is broken when the daemon starts is not taken for deleted
stop_daemon KILL
cp "$M/local.yaml" "$T_TMP/local.good"
printf 'apiVersion: v1\nkind: [broken\n' >"$M/local.yaml"
start || fail "daemon restart"
sleep 2 # past the grace a missing claim gets (1 s)
# and a pass of the binder since: a new claim bound
{ pv_yaml pv-probe 1Gi Retain "$H/pv5" | sed 's/storageClassName: manual/storageClassName: probe/'; claim_yaml probe 1Gi probe; } >"$T_TMP/probe.yaml"
drop probe.yaml "$T_TMP/probe.yaml"
wait_field pvc probe "o['volume']" pv-probe || fail "probe: $("$PODVISOR" get pvc probe)"
[ "$(field pv local-here "o['status'] + ' ' + o['claim']")" = "Bound default/near" ] \
	&& ok "a claim whose manifest fails to load at start-up keeps its volume Bound" || fail "local-here: $("$PODVISOR" get pv local-here)"
drop local.yaml "$T_TMP/local.good"
wait_field pvc near "o['status'] + ' ' + o['volume']" "Bound local-here" && ok "and has it again once the file is fixed" || fail "near: $("$PODVISOR" get pvc near)"
"$PODVISOR" describe pv pv-small | grep -q "Released" && "$PODVISOR" describe pvc near | grep -q "local-here" \
	&& ok "describe pv and pvc" || fail "describe: $("$PODVISOR" describe pv pv-small)"

# daemon_clean: the daemon still runs, and ASan/UBSan have said nothing
daemon_clean() {
	kill -0 "$DAEMON" 2>/dev/null && ! grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' "$LOG"
}

# A PersistentVolume manifest named like a volume podvisor provisioned
# (say copied from `get pv -o yaml`), with reclaim Delete, never takes the
# provisioned volume over: refused, said so, and when the claim goes the
# provisioned volume's own Retain keeps its data.
cat >"$T_TMP/keep.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: podvisor.io/local-path
reclaimPolicy: Retain
YAML
claim_yaml kept 1Gi keep >>"$T_TMP/keep.yaml"
drop keep.yaml "$T_TMP/keep.yaml"
wait_field pvc kept "o['status']" Bound || fail "kept: $("$PODVISOR" get pvc kept -o yaml)"
kvol=$(field pvc kept "o['volume']")
kdir=$(field pv "$kvol" "o['path']")
echo precious >"$kdir/data"
pv_yaml "$kvol" 1Gi Delete "$kdir" | sed 's/storageClassName: manual/storageClassName: keep/' >"$T_TMP/clash.yaml"
drop clash.yaml "$T_TMP/clash.yaml"
for _ in $(seq 50); do "$PODVISOR" describe pv "$kvol" 2>/dev/null | grep -q "AlreadyExists" && break; sleep 0.1; done
"$PODVISOR" describe pv "$kvol" | grep -q "AlreadyExists.*podvisor provisioned" && grep -q "persistentvolume/$kvol: AlreadyExists" "$LOG" \
	&& [ "$(field pv "$kvol" "o['status'] + ' ' + o['source'] + ' ' + o['path']")" = "Bound LocalPath $kdir" ] \
	&& [ "$("$PODVISOR" get pv -o internal-json | "$PY" -c "import json,sys; print(sum(v['name'] == sys.argv[1] for v in json.load(sys.stdin)))" "$kvol")" = 1 ] \
	&& ok "a PersistentVolume named like a provisioned volume is refused, with a warning event; the provisioned one stays" \
	|| fail "clash: $("$PODVISOR" describe pv "$kvol"; "$PODVISOR" get pv)"
rm "$M/keep.yaml"
wait_field pv "$kvol" "o['status']" Released 20
[ "$(cat "$kdir/data" 2>/dev/null)" = precious ] && [ "$(field pv "$kvol" "o['status'] + ' ' + o['reclaimPolicy']")" = "Released Retain" ] \
	&& ok "its claim deleted: the provisioned volume is Released and keeps its data (the refused manifest said Delete)" \
	|| fail "clash data: $(ls -la "$kdir" 2>&1) $("$PODVISOR" get pv "$kvol" 2>&1)"
daemon_clean && ok "the daemon is alive and clean after the name clash" || fail "daemon after clash: $(grep -m1 -A14 "ERROR: AddressSanitizer\|runtime error:" "$LOG")"
rm "$M/clash.yaml"

# Many claims in one file, past every initial array capacity on the way
# (the inputs, the persisted records, the binder's results) and past the
# 512 the node once stopped at: provisioned and bound; half deleted, their
# volumes deleted; back again, all bound, and the kept half's data intact.
NMANY=520
many_yaml() { # STEP: every STEP-th claim
	printf 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: many}\nprovisioner: podvisor.io/local-path\nreclaimPolicy: Delete\n'
	for i in $(seq 0 "$1" $((NMANY - 1))); do claim_yaml "$(printf 'm-%03d' "$i")" 1Mi many; done
}
# get pvc and get pv as JSON, one after the other, for python
TWO='import json
def two(t):
    d = json.JSONDecoder()
    a, i = d.raw_decode(t)
    return a, d.raw_decode(t[i:].lstrip())[0]
'
both() { "$PVQ" get pvc -o internal-json && "$PODVISOR" get pv -o internal-json; }
# many: "BOUND TOTAL" of the claims m-*, then "VOLUMES" of class many
many() {
	both 2>/dev/null | "$PY" -c "$TWO
import sys
try:
    c, v = two(sys.stdin.read())
    c = [x for x in c if x['name'].startswith('m-')]
    print(sum(x['status'] == 'Bound' for x in c), len(c), sum(x['storageClass'] == 'many' for x in v))
except Exception:
    print('')"
}
wait_many() { # WANT [SECONDS]
	local i=0 end=$((SECONDS + 2 * ${2:-60} + 1))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(many)" = "$1" ] && return 0
		nap $((i++))
	done
	return 1
}
# the kept (even) claims' volumes and paths, and a file in each
many_map() {
	both | "$PY" -c "$TWO
import sys
c, v = two(sys.stdin.read())
path = {x['name']: x['path'] for x in v}
for x in sorted(c, key=lambda x: x['name']):
    if x['name'].startswith('m-') and int(x['name'][2:]) % 2 == 0:
        print(x['name'], x['volume'], path.get(x['volume'], ''))"
}
many_yaml 1 >"$T_TMP/many.yaml"
t0=$SECONDS
drop many.yaml "$T_TMP/many.yaml"
wait_many "$NMANY $NMANY $NMANY" && ok "$NMANY claims in one file: all provisioned and Bound" || fail "many: $(many)"
many_map >"$T_TMP/many.before"
while read -r name vol dir; do echo "$name" >"$dir/data"; done <"$T_TMP/many.before"
many_yaml 2 >"$T_TMP/many.half"
drop many.yaml "$T_TMP/many.half"
wait_many "$((NMANY / 2)) $((NMANY / 2)) $((NMANY / 2))" \
	&& [ "$(find "$LP" -maxdepth 1 -name 'pvc-*_default_m-*' | wc -l)" = $((NMANY / 2)) ] \
	&& ok "half of them deleted: their volumes and directories go, the others stay" || fail "many half: $(many) $(ls "$LP" | wc -l)"
drop many.yaml "$T_TMP/many.yaml"
wait_many "$NMANY $NMANY $NMANY" && ok "and back again: all Bound" || fail "many again: $(many)"
many_map >"$T_TMP/many.after"
bad=0
while read -r name vol dir; do [ "$(cat "$dir/data" 2>/dev/null)" = "$name" ] || bad=$((bad + 1)); done <"$T_TMP/many.after"
cmp -s "$T_TMP/many.before" "$T_TMP/many.after" && [ "$bad" = 0 ] && [ "$(wc -l <"$T_TMP/many.after")" = $((NMANY / 2)) ] \
	&& ok "the kept half: the same volumes, their data intact" || fail "many kept: $bad bad; $(diff "$T_TMP/many.before" "$T_TMP/many.after" | head -5)"
daemon_clean && ok "the daemon is alive and clean after $NMANY claims ($((SECONDS - t0)) s)" \
	|| fail "daemon after many: $(grep -m1 -A14 "ERROR: AddressSanitizer\|runtime error:" "$LOG")"
done_testing
