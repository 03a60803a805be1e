#!/bin/bash
# asan: yes
# The daemon pulls the images pods need (issue 18 item 6), by their
# imagePullPolicy, from Debian's docker-registry serving on 127.0.0.1 in
# this test's network namespace: a pod whose image is only in the
# registry starts (Pulling, Pulled); IfNotPresent with the image here
# does not reach the registry (it is stopped); Always pulls again (the
# registry stopped: ErrImagePull, started again: the retry runs the pod);
# a wrong digest is ErrImagePull then ImagePullBackOff, other pods
# untouched; a registry started late is reached by the back-off's retry;
# pods sharing an image (2, then a Deployment of 20) make one pull, as the
# registry's log counts; `get pods` answers while a pull hangs; Never is
# ErrImageNeverPull; node.yaml's registries (insecure, mirrors) and
# `check --config`. imagePullSecrets, from a registry with htpasswd auth
# and no credentials on the node: a dockerconfigjson Secret gets the
# image while a pod without it, pulling at once, gets HTTP 401 (no shared
# pull); missing and wrong-type Secrets are a FailedToRetrieveImagePullSecret
# Warning and the pull goes on; 20 pods naming 3 Secrets each (30 in all,
# both formats, data and stringData) run; the merged credentials are a
# 0600 file under STATE/pull-creds while a pull runs, not on its command
# line, and gone after. The registries die with the namespace.
. "$(dirname "$0")/lib_pods.sh"

PUSH="$(dirname "$0")/registry_push.py"
REG=127.0.0.1:5000
LATE=127.0.0.1:5002
SLOW=127.0.0.1:5003
MIRROR=127.0.0.1:5004
AUTHREG=127.0.0.1:5005
HANG=127.0.0.1:5006
if ! command -v docker-registry >/dev/null; then
	echo "1..0 # SKIP needs docker-registry (scripts/deps.sh installs it)"
	exit 0
fi
ip link set lo up

. "$(dirname "$0")/lib_registry.sh"

# manifest_gets NAME REPO REF: the manifest GETs registry NAME served for REPO:REF.
manifest_gets() {
	grep -c "\"GET /v2/$2/manifests/$3 HTTP" "$T_TMP/$1/log"
}
# events_of POD: "REASON MESSAGE" lines, oldest first.
events_of() {
	"$PVQ" get events "pod/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        print(e["reason"], e["message"])
except Exception:
    pass'
}
# pod_of NAME IMAGE [POLICY]: a pod running sleep from IMAGE.
pod_of() {
	cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: $2
${3:+    imagePullPolicy: $3}
    command: ["sh", "-c", "exec sleep 1000"]
EOF
}
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

start_registry reg "$REG" && ok "docker-registry serves on $REG" ||
	{ fail "docker-registry did not start"; diag "$(cat "$T_TMP/reg/log")"; done_testing; exit 1; }
for repo in test/busybox test/always test/shared test/many test/mirrored; do
	"$PY" "$PUSH" "http://$REG" "$repo" 1 "$T_TMP/oci" >/dev/null || fail "push $repo"
done
DIGEST=$("$PY" "$PUSH" "http://$REG" test/busybox 1 "$T_TMP/oci") && ok "images pushed to $REG" || fail "push"

# --- the node's settings ---------------------------------------------------------------
cat >"$T_TMP/node.yaml" <<EOF
registries:
  insecure: ["$REG", "$LATE", "$SLOW", "$MIRROR", "$AUTHREG", "$HANG"]
  mirrors:
    "127.0.0.9:5999": ["$MIRROR"]
imagePullBackoffBase: 400
EOF
out=$("$PODVISOR" check --config "$T_TMP/node.yaml" 2>&1) && grep -q "all accepted" <<<"$out" &&
	ok "check --config accepts registries and imagePullBackoffBase" || { fail "check --config"; diag "$out"; }
printf 'registries:\n  insecure: ["http://x/y"]\n' >"$T_TMP/bad-node.yaml"
out=$("$PODVISOR" check --config "$T_TMP/bad-node.yaml" 2>&1)
[ $? = 1 ] && grep -q "bad-node.yaml:2:" <<<"$out" && grep -q "HOST\[:PORT\]" <<<"$out" &&
	ok "check --config refuses a bad insecure registry, at FILE:LINE:COL" || { fail "check --config bad"; diag "$out"; }
printf 'registries:\n  mirrors: {docker.io: "m"}\n' >"$T_TMP/bad-node.yaml"
out=$("$PODVISOR" check --config "$T_TMP/bad-node.yaml" 2>&1)
[ $? = 1 ] && grep -q "bad-node.yaml:2:.*REGISTRY: \[MIRROR, ...\]" <<<"$out" &&
	ok "... and mirrors that are not lists" || { fail "check --config bad mirrors"; diag "$out"; }
"$PODVISOR" daemon --help | grep -q -- "--registry-mirror REGISTRY=MIRROR" &&
	"$PODVISOR" daemon --help | grep -q -- "--image-pull-backoff-base" &&
	ok "daemon --help documents the pull settings" || fail "daemon --help"

# what a daemon killed mid-pull would have left
mkdir -m 0700 "$S/pull-creds" && echo '{"auths": {}}' >"$S/pull-creds/1234-1.json"
start_daemon --config "$T_TMP/node.yaml" && ok "daemon starts" || { fail "daemon start"; diag "$(tail -20 "$LOG")"; }
[ ! -e "$S/pull-creds/1234-1.json" ] && ok "a credentials file left by an earlier daemon is removed at start" ||
	fail "STATE/pull-creds: $(ls -A "$S/pull-creds")"

# --- IfNotPresent: pulled once, then not again --------------------------------------------
t0=$EPOCHREALTIME
pod_of first "$REG/test/busybox:1" >"$T_TMP/first.yaml" && drop first.yaml "$T_TMP/first.yaml"
if wait_status first Running 30; then
	ok "a pod whose image is only in the registry starts ($(since "$t0") s from the file to Running)"
else
	fail "first: $(pod_json first "p['status']")"; diag "$(events_of first)" "$(tail -20 "$LOG")"
fi
ev=$(events_of first)
grep -n "" <<<"$ev" | grep -E "^[0-9]+:Pulling Pulling image \"$REG/test/busybox:1\"" >/dev/null &&
	[ "$(grep -n '^Pulling' <<<"$ev" | cut -d: -f1)" -lt "$(grep -n '^Pulled' <<<"$ev" | cut -d: -f1)" ] &&
	grep -qE "^Pulled Successfully pulled image \"$REG/test/busybox:1\" in [0-9.]+s" <<<"$ev" &&
	ok "events: Pulling, then Pulled (kubelet's wording)" || { fail "pull events"; diag "$ev"; }
"$PVQ" image ls | grep -q "$REG/test/busybox" && ok "the pulled image is in the store" || fail "image ls"
[ "$(manifest_gets reg test/busybox 1)" = 1 ] && ok "one manifest GET for it" ||
	{ fail "manifest GETs: $(manifest_gets reg test/busybox 1)"; diag "$(grep manifests "$T_TMP/reg/log")"; }

stop_registry reg && ok "registry stopped" || fail "registry still runs"
pod_of second "$REG/test/busybox:1" IfNotPresent >"$T_TMP/second.yaml" && drop second.yaml "$T_TMP/second.yaml"
wait_status second Running 20 && ! events_of second | grep -q '^Pulling' &&
	ok "IfNotPresent with the image in the store: Running, no pull (the registry is down)" ||
	{ fail "second: $(pod_json second "p['status']")"; diag "$(events_of second)"; }

# --- Always: every start pulls ----------------------------------------------------------
pod_of always "$REG/test/always:1" Always >"$T_TMP/always.yaml" && drop always.yaml "$T_TMP/always.yaml"
wait_status always ErrImagePull 20 && ok "Always, registry down: ErrImagePull" ||
	{ fail "always: $(pod_json always "p['status']")"; diag "$(events_of always)"; }
events_of always | grep -qE "^Failed Failed to pull image \"$REG/test/always:1\": registry $REG, .*manifest 1" &&
	ok "a Failed event with the pull's error line" || { fail "Failed event"; diag "$(events_of always)"; }
wait_status always ImagePullBackOff 10 && ok "then ImagePullBackOff" || fail "always: $(pod_json always "p['status']")"
"$PODVISOR" get pods always | grep -qE "^always +0/1 +(ImagePullBackOff|ErrImagePull) " &&
	ok "get pods STATUS shows it as kubectl does" || { fail "get pods"; diag "$("$PODVISOR" get pods always)"; }
before=$(manifest_gets reg test/always 1)
start_registry reg "$REG" && ok "registry started again" || fail "registry restart"
wait_status always Running 30 && ok "the back-off's retry pulls it: Running" ||
	{ fail "always after the registry came back: $(pod_json always "p['status']")"; diag "$(events_of always)"; }
[ "$(manifest_gets reg test/always 1)" -gt "$before" ] && ok "... with a manifest GET" || fail "no manifest GET for always"
# Always with the image in the store: a new start pulls again
n0=$(manifest_gets reg test/busybox 1)
pod_of again "$REG/test/busybox:1" Always >"$T_TMP/again.yaml" && drop again.yaml "$T_TMP/again.yaml"
wait_status again Running 20 && [ "$(manifest_gets reg test/busybox 1)" = $((n0 + 1)) ] &&
	events_of again | grep -q '^Pulled' &&
	ok "Always with the image in the store pulls it again (a manifest GET, Pulled)" ||
	{ fail "again: $(pod_json again "p['status']") gets $n0 -> $(manifest_gets reg test/busybox 1)"; diag "$(events_of again)"; }

# --- a wrong digest ---------------------------------------------------------------------
pid_first=$(pod_json first "p['containers'][0].get('pid', '')")
ZERO=sha256:0000000000000000000000000000000000000000000000000000000000000000
pod_of wrong "$REG/test/busybox@$ZERO" >"$T_TMP/wrong.yaml" && drop wrong.yaml "$T_TMP/wrong.yaml"
wait_status wrong ErrImagePull 20 && events_of wrong | grep -qE "^Failed .*manifest $ZERO: HTTP 404 MANIFEST_UNKNOWN" &&
	ok "a wrong digest: ErrImagePull, the event says MANIFEST_UNKNOWN" ||
	{ fail "wrong: $(pod_json wrong "p['status']")"; diag "$(events_of wrong)"; }
wait_status wrong ImagePullBackOff 10 && events_of wrong | grep -q '^BackOff Back-off pulling image' &&
	ok "then ImagePullBackOff and a BackOff event" || { fail "wrong: $(pod_json wrong "p['status']")"; diag "$(events_of wrong)"; }
msg=$(pod_json wrong "[c for c in p['containers']][0].get('message', '')")
[ "$(pod_json first "p['status']")" = Running ] && [ "$(pod_json first "p['restarts']")" = 0 ] &&
	[ "$(pod_json first "p['containers'][0].get('pid', '')")" = "$pid_first" ] &&
	ok "the other pods are untouched" || fail "first changed: $(pod_json first "p")"
"$PVQ" image ls -q | grep -q "$ZERO" && fail "the wrong digest left an image" || ok "nothing stored for the wrong digest"

# --- a registry started late ---------------------------------------------------------------
pod_of late "$LATE/test/late:1" >"$T_TMP/late.yaml" && drop late.yaml "$T_TMP/late.yaml"
wait_for 20 '[[ "$(pod_json late "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' &&
	ok "a registry not there yet: $(pod_json late "p['status']")" || fail "late: $(pod_json late "p['status']")"
start_registry late "$LATE" && "$PY" "$PUSH" "http://$LATE" test/late 1 "$T_TMP/oci" >/dev/null &&
	ok "the registry comes up with the image" || fail "late registry"
t0=$EPOCHREALTIME
wait_status late Running 30 && ok "the back-off's retry gets it: Running ($(since "$t0") s after the push)" ||
	{ fail "late: $(pod_json late "p['status']")"; diag "$(events_of late)" "$(grep -i pull "$LOG" | tail -5)"; }

# --- pods sharing an image: one pull ---------------------------------------------------------
for n in s1 s2; do pod_of "$n" "$REG/test/shared:1" >"$M/.$n" && mv "$M/.$n" "$M/$n.yaml"; done
wait_status s1 Running 30 && wait_status s2 Running 30 && ok "two pods of one image run" ||
	fail "shared: $(pod_json s1 "p['status']") $(pod_json s2 "p['status']")"
[ "$(manifest_gets reg test/shared 1)" = 1 ] && ok "... from one pull (one manifest GET)" ||
	{ fail "shared: $(manifest_gets reg test/shared 1) manifest GETs"; diag "$(grep 'pulling image' "$LOG")"; }
cat >"$T_TMP/many.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: many
spec:
  replicas: 20
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: $REG/test/many:1
        command: ["sh", "-c", "exec sleep 1000"]
EOF
t0=$EPOCHREALTIME
drop many.yaml "$T_TMP/many.yaml"
running() { "$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["name"].startswith("many-") and p["status"] == "Running"))'; }
wait_for 60 '[ "$(running)" = 20 ]' && ok "a Deployment of 20 replicas of an image not here: 20 Running ($(since "$t0") s)" ||
	fail "many: $(running) running"
[ "$(manifest_gets reg test/many 1)" = 1 ] && [ "$(grep -c "pulling image $REG/test/many:1" "$LOG")" = 1 ] &&
	ok "... from one pull (one manifest GET, one child)" ||
	{ fail "many: $(manifest_gets reg test/many 1) manifest GETs"; diag "$(grep 'pulling image' "$LOG")"; }

# --- a pull that hangs: the daemon answers ------------------------------------------------------
hang_server 5003
SLOWPID=$!
sleep 0.3
pod_of slow "$SLOW/test/slow:1" >"$T_TMP/slow.yaml" && drop slow.yaml "$T_TMP/slow.yaml"
wait_for 10 'events_of slow | grep -q "^Pulling"' && ok "a pull from a registry that never answers has begun" || fail "slow: no Pulling"
worst=0
for _ in $(seq 10); do
	a=$EPOCHREALTIME
	"$PVQ" get pods >/dev/null 2>&1 || fail "get pods failed during the pull"
	b=$(since "$a")
	worst=$(awk -v a="$worst" -v b="$b" 'BEGIN { print (b > a ? b : a) }')
done
[ "$(pod_json slow "p['status']")" = ContainerCreating ] && awk -v w="$worst" 'BEGIN { exit !(w < 1.0) }' &&
	ok "while it hangs, get pods answers (slowest of 10: ${worst} s) and the pod is ContainerCreating" ||
	fail "slow: $(pod_json slow "p['status']"), slowest get pods ${worst} s"
kill "$SLOWPID"
wait_status slow ErrImagePull 30 || wait_status slow ImagePullBackOff 5
[[ "$(pod_json slow "p['status']")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]] &&
	ok "the registry gone, the hanging pull fails: $(pod_json slow "p['status']")" || fail "slow: $(pod_json slow "p['status']")"

# --- a mirror from node.yaml -----------------------------------------------------------------
start_registry mirror "$MIRROR" && "$PY" "$PUSH" "http://$MIRROR" test/mirrored 1 "$T_TMP/oci" >/dev/null ||
	fail "mirror registry"
pod_of mirrored "127.0.0.9:5999/test/mirrored:1" >"$T_TMP/mirrored.yaml" && drop mirrored.yaml "$T_TMP/mirrored.yaml"
wait_status mirrored Running 30 && [ "$(manifest_gets mirror test/mirrored 1)" = 1 ] &&
	ok "registries.mirrors: a registry that is not there is served by its mirror" ||
	{ fail "mirrored: $(pod_json mirrored "p['status']")"; diag "$(events_of mirrored)"; }

# --- imagePullSecrets ------------------------------------------------------------------------
# dockerconfigjson NAME REGISTRY USER:PASS [dockercfg]: a Secret holding USER:PASS for
# REGISTRY, in data (base64) as kubectl create secret docker-registry writes it,
# or the old .dockercfg format in stringData.
pull_secret() {
	local auth
	auth=$(printf %s "$3" | base64 -w0)
	if [ "${4:-}" = dockercfg ]; then
		printf -- '---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s}\ntype: kubernetes.io/dockercfg\nstringData:\n  .dockercfg: %s\n' \
			"$1" "'{\"$2\": {\"auth\": \"$auth\"}}'"
	else
		printf -- '---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s}\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: %s\n' \
			"$1" "$(printf '{"auths": {"%s": {"auth": "%s"}}}' "$2" "$auth" | base64 -w0)"
	fi
}
# secret_pod NAME IMAGE POLICY SECRET...: a pod naming the SECRETs.
secret_pod() {
	local name=$1 image=$2 policy=$3
	shift 3
	printf -- '---\n'
	pod_of "$name" "$image" "$policy"
	[ $# = 0 ] || printf '  imagePullSecrets:\n'
	for s in "$@"; do printf '  - name: %s\n' "$s"; done
}
# warnings_of POD: "REASON MESSAGE" of its Warning events.
warnings_of() {
	"$PVQ" get events "pod/default/$1" -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
try:
    for e in json.load(sys.stdin):
        if e.get("type") == "Warning":
            print(e["reason"], e["message"])
except Exception:
    pass'
}
creds_files() { find "$S/pull-creds" -type f 2>/dev/null; }

if ! command -v htpasswd >/dev/null; then
	ok "# SKIP imagePullSecrets: needs htpasswd (scripts/deps.sh installs it)"
else
start_auth_registry authreg "$AUTHREG"
for repo in private/app private/many; do
	"$PY" "$PUSH" --user alice:s3cret "http://$AUTHREG" "$repo" 1 "$T_TMP/oci" >/dev/null || fail "push $repo"
done
[ ! -e "$S/auth.json" ] && ok "the node has no credentials (no STATE/auth.json)" || fail "STATE/auth.json exists"
{
	pull_secret regcred "$AUTHREG" alice:s3cret
	pull_secret wrongtype "$AUTHREG" alice:s3cret | sed 's|kubernetes.io/dockerconfigjson|Opaque|'
} >"$T_TMP/secrets.yaml"
drop secrets.yaml "$T_TMP/secrets.yaml"
# without the secret first in the file: the two pulls start in one pass
{
	secret_pod nosecret "$AUTHREG/private/app:1" Always
	secret_pod private "$AUTHREG/private/app:1" Always regcred
} >"$T_TMP/private.yaml"
drop private.yaml "$T_TMP/private.yaml"
wait_status private Running 30 && ok "a pod naming a dockerconfigjson Secret pulls from the registry and runs" ||
	{ fail "private: $(pod_json private "p['status']")"; diag "$(events_of private)" "$(grep -i pull "$LOG" | tail -5)"; }
wait_for 20 '[[ "$(pod_json nosecret "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' &&
	events_of nosecret | grep -q "^Failed Failed to pull image \"$AUTHREG/private/app:1\": registry $AUTHREG, .*HTTP 401: the registry wants credentials, and there are none for $AUTHREG" &&
	ok "the same image pulled at once without the Secret: $(pod_json nosecret "p['status']"), HTTP 401 (it does not share the other's pull)" ||
	{ fail "nosecret: $(pod_json nosecret "p['status']")"; diag "$(events_of nosecret)"; }
! warnings_of private | grep -q FailedToRetrieveImagePullSecret && ok "no FailedToRetrieveImagePullSecret for a Secret that is there" ||
	fail "private: $(warnings_of private)"

secret_pod missing "$AUTHREG/private/app:1" Always gone wrongtype >"$T_TMP/missing.yaml"
drop missing.yaml "$T_TMP/missing.yaml"
WANT="FailedToRetrieveImagePullSecret Unable to retrieve some image pull secrets (gone, wrongtype: its type is Opaque, not kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg); attempting to pull the image may not succeed."
wait_for 20 'warnings_of missing | grep -qF "$WANT"' &&
	ok "a missing and a wrong-type Secret: a Warning FailedToRetrieveImagePullSecret, in the kubelet's words, with the type" ||
	{ fail "missing: no FailedToRetrieveImagePullSecret"; diag "$(warnings_of missing)"; }
wait_for 20 '[[ "$(pod_json missing "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' &&
	events_of missing | grep -q '^Pulling' && events_of missing | grep -q "^Failed .*HTTP 401: the registry wants credentials" &&
	ok "... and the pull goes on without them: HTTP 401, $(pod_json missing "p['status']")" ||
	{ fail "missing: $(pod_json missing "p['status']")"; diag "$(events_of missing)"; }

# many: pod i names other-K (another registry), old-K and new-K (K = i mod 10): the
# right credentials in the old format for even K (then wrong ones under the same
# key), in the new one under a URL key for odd K. Always: every pod pulls with its own.
for k in $(seq 0 9); do
	pull_secret "other-$k" "127.0.0.1:5999" "bob:nope$k"
	if [ $((k % 2)) = 0 ]; then
		pull_secret "old-$k" "$AUTHREG" alice:s3cret dockercfg
		pull_secret "new-$k" "$AUTHREG" "alice:wrong$k" # the same key: the first wins
	else
		pull_secret "old-$k" "127.0.0.1:5998" "carol:x$k" dockercfg
		pull_secret "new-$k" "http://$AUTHREG/v2/" alice:s3cret
	fi
done >"$T_TMP/many-secrets.yaml"
drop many-secrets.yaml "$T_TMP/many-secrets.yaml"
for i in $(seq 0 19); do
	secret_pod "sec-$i" "$AUTHREG/private/many:1" Always "other-$((i % 10))" "old-$((i % 10))" "new-$((i % 10))"
done >"$T_TMP/many-pods.yaml"
t0=$EPOCHREALTIME
drop many-pods.yaml "$T_TMP/many-pods.yaml"
sec_running() { "$PVQ" get pods -o internal-json 2>/dev/null | "$PY" -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["name"].startswith("sec-") and p["status"] == "Running"))'; }
wait_for 90 '[ "$(sec_running)" = 20 ]' &&
	ok "20 pods naming 3 Secrets each (30 Secrets, both formats): 20 Running ($(since "$t0") s)" ||
	{ fail "many secrets: $(sec_running) running"; diag "$(events_of sec-0)" "$(events_of sec-1)"; }
n=$(grep -c "pulling image $AUTHREG/private/many:1" "$LOG")
[ "$n" -ge 10 ] && [ "$n" -le 20 ] && ok "... in $n pulls: none shared across the 10 sets of credentials, none more than one per pod" ||
	fail "many secrets: $n pulls"

# while a pull runs: the credentials file, its mode, the child's command line
hang_server 5006
HANGPID=$!
sleep 0.3
{ pull_secret hangcred "$HANG" alice:s3cret; secret_pod hang "$HANG/test/hang:1" Always hangcred; } >"$T_TMP/hang.yaml"
drop hang.yaml "$T_TMP/hang.yaml"
wait_for 10 'events_of hang | grep -q "^Pulling"' && wait_for 10 '[ -n "$(creds_files)" ]' || fail "hang: no pull or no credentials file"
f=$(creds_files)
child=$(pgrep -f "image pull .*$HANG/test/hang:1" | head -1)
[ "$(wc -l <<<"$f")" = 1 ] && [ "$(stat -c %a "$f")" = 600 ] && [ "$(stat -c %a "$S/pull-creds")" = 700 ] &&
	grep -q "$HANG" "$f" && ok "while the pull runs: one credentials file under STATE/pull-creds, 0600 in a 0700 directory" ||
	{ fail "credentials file: $f"; diag "$(ls -la "$S/pull-creds")"; }
cmd=$(tr '\0' ' ' </proc/"$child"/cmdline 2>/dev/null)
[ "$(wc -l <<<"$f")" = 1 ] && grep -qF -- "--creds $f " <<<"$cmd" && ! grep -q "s3cret\|$(printf alice:s3cret | base64)" <<<"$cmd" &&
	ok "the child gets it as --creds FILE, no secret on its command line" || { fail "child command line"; diag "$cmd"; }
kill "$HANGPID"
wait_for 30 '[[ "$(pod_json hang "p[\"status\"]")" =~ ^(ErrImagePull|ImagePullBackOff)$ ]]' || fail "hang: $(pod_json hang "p['status']")"
wait_for 10 '[ -z "$(creds_files)" ]' && ok "the pulls over, no credentials file is left in STATE/pull-creds" ||
	{ fail "credentials files left: $(creds_files)"; diag "$(grep "pull" "$LOG" | tail -20)"; }

# the node's file: after the pod's Secrets, and still used for what they do not cover
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AUTHREG" "$(printf alice:wrong | base64)" >"$S/auth.json"
secret_pod precede "$AUTHREG/private/app:1" Always regcred >"$T_TMP/precede.yaml"
drop precede.yaml "$T_TMP/precede.yaml"
wait_status precede Running 30 && ok "a pod's Secret comes before the node's file (wrong credentials there): Running" ||
	{ fail "precede: $(pod_json precede "p['status']")"; diag "$(events_of precede)"; }
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$AUTHREG" "$(printf alice:s3cret | base64)" >"$S/auth.json"
secret_pod nodeonly "$AUTHREG/private/app:1" Always other-0 gone >"$T_TMP/nodeonly.yaml"
drop nodeonly.yaml "$T_TMP/nodeonly.yaml"
wait_status nodeonly Running 30 && ok "Secrets with nothing for the registry: the node's file serves the pull" ||
	{ fail "nodeonly: $(pod_json nodeonly "p['status']")"; diag "$(events_of nodeonly)"; }
rm -f "$S/auth.json"
wait_for 10 '[ -z "$(creds_files)" ]' && ok "... and no credentials file is left" || fail "credentials files left: $(creds_files)"
! grep -q "s3cret\|$(printf alice:s3cret | base64)" "$LOG" && ok "the daemon's log holds no password" || fail "a password in the log"
fi

# --- Never ----------------------------------------------------------------------------------
pod_of never "$REG/test/shared:2" Never >"$T_TMP/never.yaml" && drop never.yaml "$T_TMP/never.yaml"
wait_status never ErrImageNeverPull 20 && [ "$(manifest_gets reg test/shared 2)" = 0 ] &&
	ok "Never: ErrImageNeverPull, the registry not asked" || fail "never: $(pod_json never "p['status']")"

kill -0 "$DAEMON" && ok "the daemon is still running" || fail "the daemon died"
grep -q "ERROR: AddressSanitizer\|runtime error" "$LOG" && fail "sanitizer reports in the log" || ok "no sanitizer report"
done_testing
