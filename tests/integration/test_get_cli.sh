#!/bin/bash
# podvisor get selects and shapes its output as kubectl does, for every
# kind: -l SELECTOR (equality and set-based), --field-selector
# (metadata.name, metadata.namespace, status.phase, spec.nodeName; an
# unsupported field is kubectl's BadRequest), --show-labels, --no-headers,
# -o name, -o wide, -n/-A (NAMESPACE first), several names, NotFound
# (exit 1) and "No resources found" (exit 0) in kubectl's words.
# Many: 40 pods with mixed labels in 3 namespaces, 20 Services; the
# subsets each selector picks are checked name by name.
. "$(dirname "$0")/lib_pods.sh"

H=$T_TMP/host
mkdir -p "$H/vol"
printf 'nodeName: node-g\nhostPathAllow:\n- %s\n' "$H" >"$T_TMP/node.yaml"
start_daemon --config "$T_TMP/node.yaml" && ok "daemon starts" \
	|| { fail "daemon start"; diag "$(cat "$LOG")"; done_testing; exit 1; }

NSS=(default ta tb)
# Pod pII: namespace I%3; app web (even I) or db; env prod/dev/test by
# I/3%3; canary on every 7th; every 10th (9, 19, ...) runs `true` once
# (Succeeded), the rest sleep (Running).
pod_ns() { echo "${NSS[$(($1 % 3))]}"; }
pod_app() { [ $(($1 % 2)) = 0 ] && echo web || echo db; }
pod_env() { local e=(prod dev test); echo "${e[$(($1 / 3 % 3))]}"; }
pod_done() { [ $(($1 % 10)) = 9 ]; }
pod_canary() { [ $(($1 % 7)) = 0 ]; }

many() {
	local i name
	for i in $(seq 0 39); do
		name=$(printf 'p%02d' "$i")
		printf -- '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app: %s\n    env: %s\n' \
			"$name" "$(pod_ns "$i")" "$(pod_app "$i")" "$(pod_env "$i")"
		pod_canary "$i" && printf '    canary: "yes"\n'
		if pod_done "$i"; then
			printf 'spec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: busybox:test\n    command: ["true"]\n'
		else
			printf 'spec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: busybox:test\n    command: ["sleep", "3600"]\n'
		fi
	done
	# Services: 10 in default, 6 in ta, 4 in tb; team x on even ones
	for i in $(seq 0 19); do
		local ns=default team=y
		[ "$i" -ge 10 ] && ns=ta
		[ "$i" -ge 16 ] && ns=tb
		[ $((i % 2)) = 0 ] && team=x
		printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s%02d\n  namespace: %s\n  labels: {team: "%s", tier: "t%d"}\nspec:\n  selector: {app: web}\n  ports: [{port: %d, targetPort: 80}]\n' \
			"$i" "$ns" "$team" $((i % 3)) $((8000 + i))
	done
}
many >"$T_TMP/many.yaml"

cat >"$T_TMP/kinds.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {team: "x"}}
spec:
  replicas: 1
  selector: {matchLabels: {app: dweb}}
  template:
    metadata: {labels: {app: dweb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: busybox:test, command: ["sleep", "3600"]}
      - {name: side, image: busybox:test, command: ["sleep", "3600"]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, labels: {team: "y"}}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: sdb}}
  template:
    metadata: {labels: {app: sdb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: busybox:test, command: ["sleep", "3600"]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ta, labels: {team: "x"}}
spec:
  selector:
    matchLabels: {app: agent}
    matchExpressions: [{key: tier, operator: In, values: [b, a]}]
  template:
    metadata: {labels: {app: agent, tier: a}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: busybox:test, command: ["sleep", "3600"]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, labels: {team: "y"}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: busybox:test, command: ["true"]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, labels: {team: "x"}}
spec:
  schedule: "0 0 1 1 *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: main, image: busybox:test, command: ["true"]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, labels: {team: "x"}}
data: {a: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg2, namespace: tb}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, labels: {team: "y"}}
stringData: {a: "1"}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: vol, labels: {team: "x"}}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: $H/vol, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, labels: {team: "x"}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
YAML

drop many.yaml "$T_TMP/many.yaml"
drop kinds.yaml "$T_TMP/kinds.yaml"
G() { "$PODVISOR" get "$@"; }
# names ARGS...: the NAME column of `get ARGS --no-headers`, sorted, one line.
# With -A the NAME column is the second.
names() {
	local col=1 a
	for a in "$@"; do [ "$a" = -A ] && col=2; done
	G "$@" --no-headers 2>/dev/null | awk -v c=$col '{print $c}' | sort | tr '\n' ' '
}
# pnames ARGS...: the same, of the 40 pods only (p00..p39).
pnames() { G pods "$@" --no-headers 2>/dev/null | awk '{print $1}' | grep '^p[0-9]' | sort | tr '\n' ' '; }
# want PRED [NS]: the pod names (sorted) for which PRED I holds, in NS (all when empty).
want() {
	local i out=""
	for i in $(seq 0 39); do
		[ -n "${2:-}" ] && [ "$(pod_ns "$i")" != "$2" ] && continue
		eval "$1" && out="$out$(printf 'p%02d' "$i") "
	done
	echo "$out"
}
settled() {
	[ "$(G pods -A --no-headers 2>/dev/null | grep -cE ' (Running|Completed) ')" = 44 ] &&
		G jobs once 2>/dev/null | grep -q Complete
}
wait_for 90 settled && ok "40 pods, a Deployment's, a StatefulSet's and a DaemonSet's run; the Job completed" \
	|| { fail "not settled: $(G pods -A 2>&1 | grep -vE ' (Running|Completed) ' | head -5)"; diag "$(tail -20 "$LOG")"; }

# --- -n / -A --------------------------------------------------------------
[ "$(pnames -n ta)" = "$(want true ta)" ] && [ "$(want true ta | wc -w)" = 13 ] && ok "-n ta: exactly ta's 13 pods" || fail "-n ta: $(pnames -n ta)"
[ "$(pnames)" = "$(want true default)" ] && [ "$(want true default | wc -w)" = 14 ] && ok "no -n: default's 14 pods" || fail "default: $(pnames)"
[ "$(G pods -A --no-headers | wc -l)" = 44 ] && ok "-A: all 44" || fail "-A: $(G pods -A --no-headers | wc -l)"
G pods -A | head -1 | grep -Eq '^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE$' && G pods -A | grep -Eq '^tb +p02 +1/1 +Running ' \
	&& ok "-A: NAMESPACE first" || fail "-A head: $(G pods -A | head -2)"
for k in svc ep deploy rs sts ds jobs cronjobs cm secrets pvc; do
	h=$(G "$k" -A 2>&1 | head -1)
	case "$h" in NAMESPACE\ *NAME*) ;; *) fail "get $k -A: $h"; continue ;; esac
	ok "get $k -A: NAMESPACE first"
done
G pv -A | head -1 | grep -q '^NAME ' && ok "get pv -A: cluster-scoped, no NAMESPACE" || fail "pv -A: $(G pv -A | head -1)"
[ "$(names svc -n ta)" = "s10 s11 s12 s13 s14 s15 " ] && [ "$(names svc -n tb)" = "s16 s17 s18 s19 " ] \
	&& [ "$(G svc -A --no-headers | wc -l)" = 20 ] && ok "svc -n ta: 6, -n tb: 4, -A: 20" || fail "svc ns: $(names svc -n ta) / $(names svc -n tb)"
[ "$(names ds -n ta)" = "agent " ] && [ "$(names ds)" = "" ] && [ "$(names cm -A)" = "cfg cfg2 " ] \
	&& [ "$(names cm -n tb)" = "cfg2 " ] && ok "ds, cm: -n picks the namespace" || fail "ds/cm ns: $(names ds -n ta) / $(names cm -A)"

# --- -l -------------------------------------------------------------------
check_l() { # SELECTOR PRED [NS]
	local got exp
	if [ -n "${3:-}" ]; then got=$(pnames -n "$3" -l "$1"); else got=$(G pods -A -l "$1" --no-headers | awk '{print $2}' | grep '^p[0-9]' | sort | tr '\n' ' '); fi
	exp=$(want "$2" "${3:-}")
	[ "$got" = "$exp" ] && ok "-l '$1' ${3:+-n $3}: $(echo "$exp" | wc -w) pods, the right ones" \
		|| { fail "-l '$1' ${3:+-n $3}"; diag "got:  $got" "want: $exp"; }
}
check_l 'app=web' '[ $(pod_app $i) = web ]'
check_l 'app==db' '[ $(pod_app $i) = db ]'
check_l 'app!=web' '[ $(pod_app $i) != web ]' ta
check_l 'env in (prod,dev)' '[ $(pod_env $i) != test ]'
check_l 'env notin (prod)' '[ $(pod_env $i) != prod ]' tb
check_l 'canary' 'pod_canary $i'
check_l '!canary' '! pod_canary $i'
check_l 'app=web,env!=dev,!canary' '[ $(pod_app $i) = web ] && [ $(pod_env $i) != dev ] && ! pod_canary $i'
check_l 'app in (web), env in (test,dev)' '[ $(pod_app $i) = web ] && [ $(pod_env $i) != prod ]' default
[ "$(names svc -A -l team=x)" = "s00 s02 s04 s06 s08 s10 s12 s14 s16 s18 " ] && [ "$(names svc -n ta -l 'tier in (t0,t2)')" = "s11 s12 s14 s15 " ] \
	&& [ "$(names svc -A -l 'team=y,tier notin (t1)')" = "s03 s05 s09 s11 s15 s17 " ] \
	&& ok "svc -l: by the Services' own labels (10 team=x; set-based)" || fail "svc -l: $(names svc -A -l team=x) / $(names svc -n ta -l 'tier in (t0,t2)')"
[ "$(names ep -A -l team=y | wc -w)" = 10 ] && ok "ep -l: the Services' labels" || fail "ep -l: $(names ep -A -l team=y)"
for k in "deploy web x" "sts db y" "jobs once y" "cronjobs tick x" "cm cfg x" "secrets sec y" "pvc data x" "pv vol x"; do
	set -- $k
	other=$([ "$3" = x ] && echo y || echo x)
	if [ "$(names "$1" -l "team=$3")" = "$2 " ] && [ "$(names "$1" -l "team in ($3)")" = "$2 " ] \
		&& [ -z "$(names "$1" -l "team=$other")" ] && [ -z "$(names "$1" -l '!team')" ]; then
		ok "get $1 -l: team=$3 picks $2; team=$other and !team none"
	else
		fail "get $1 -l: $(names "$1" -l "team=$3") / $(names "$1" -l "team=$other") / $(names "$1" -l '!team')"
	fi
done
[ "$(names ds -n ta -l team=x)" = "agent " ] && [ -z "$(names ds -n ta -l team=y)" ] && ok "get ds -l" || fail "ds -l: $(names ds -n ta -l team=x)"
[ "$(names rs -l pod-template-hash)" = "$(names rs)" ] && [ -n "$(names rs)" ] && [ -z "$(names rs -l team)" ] \
	&& ok "get rs -l: a Deployment's ReplicaSet has the template's labels and pod-template-hash" || fail "rs -l: $(G rs --show-labels 2>&1)"
out=$(G pods -l 'app in (web' 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q '^error: ' && ok "a bad selector: error, exit 1" || fail "bad -l: $rc $out"
out=$(G pods p00 -l app=web 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "error: selectors and the all flag cannot be used when passing resource/name arguments" ] \
	&& ok "NAME and -l: kubectl's refusal, exit 1" || fail "name -l: $rc $out"

# --- --field-selector ------------------------------------------------------
check_f() { # SELECTOR PRED [NS]
	local got exp
	if [ -n "${3:-}" ]; then got=$(pnames -n "$3" --field-selector "$1"); else got=$(G pods -A --field-selector "$1" --no-headers | awk '{print $2}' | grep '^p[0-9]' | sort | tr '\n' ' '); fi
	exp=$(want "$2" "${3:-}")
	[ "$got" = "$exp" ] && ok "--field-selector '$1' ${3:+-n $3}: $(echo "$exp" | wc -w) pods" \
		|| { fail "--field-selector '$1' ${3:+-n $3}"; diag "got:  $got" "want: $exp"; }
}
check_f 'status.phase=Succeeded' 'pod_done $i'
check_f 'status.phase!=Succeeded' '! pod_done $i' ta
check_f 'status.phase==Running,metadata.namespace=tb' '! pod_done $i && [ $(pod_ns $i) = tb ]'
check_f 'metadata.name=p04' '[ $i = 4 ]'
check_f 'metadata.name!=p04,metadata.namespace!=default' '[ $i != 4 ] && [ $(pod_ns $i) != default ]'
[ "$(G pods -A --field-selector spec.nodeName=node-g --no-headers | wc -l)" = 44 ] \
	&& ok "spec.nodeName=node-g: all 44" || fail "nodeName: $(G pods -A --field-selector spec.nodeName=node-g --no-headers | wc -l)"
out=$(G pods --field-selector spec.nodeName=node-x 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "No resources found in default namespace." ] && ok "spec.nodeName=node-x: none, kubectl's words" || fail "node-x: $rc $out"
[ "$(G pods -A -l app=db --field-selector status.phase=Succeeded -o name | sort | tr '\n' ' ')" = "$(want '[ $(pod_app $i) = db ] && pod_done $i' | sed 's/p/pod\/p/g')" ] \
	&& ok "-l and --field-selector together: both hold" || fail "both: $(G pods -A -l app=db --field-selector status.phase=Succeeded)"
[ "$(names svc -A --field-selector metadata.namespace=tb)" = "s16 s17 s18 s19 " ] && [ "$(names deploy --field-selector metadata.name=web)" = "web " ] \
	&& [ -z "$(names deploy --field-selector metadata.name!=web)" ] && ok "--field-selector metadata.* on svc, deploy" || fail "svc/deploy fields"
out=$(G pods --field-selector x=y 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "x=y": field label not supported: x' ] \
	&& ok "an unsupported field: kubectl's BadRequest, exit 1" || fail "bad field: $rc $out"
out=$(G deploy -l team=x --field-selector status.phase=Running 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = 'Error from server (BadRequest): Unable to find "apps/v1, Resource=deployments" that match label selector "team=x", field selector "status.phase=Running": field label not supported: status.phase' ] \
	&& ok "status.phase on deploy: not supported, exit 1" || fail "deploy phase: $rc $out"
expect_rc 1 "a field selector without an operator: exit 1" "$PODVISOR" get pods --field-selector metadata.name

# --- --show-labels, --no-headers -----------------------------------------
G pods --show-labels | head -1 | grep -Eq ' AGE +LABELS$' && G pods --show-labels | grep -Eq '^p00 .* app=web,canary=yes,env=prod$' \
	&& G pods -n ta --show-labels | grep -Eq '^p01 .* app=db,env=prod$' \
	&& ok "--show-labels: LABELS last, sorted a=b,c=d" || fail "show-labels: $(G pods --show-labels | head -3)"
G pods -o wide --show-labels | head -1 | grep -Eq ' READINESS GATES +LABELS$' && ok "-o wide --show-labels: LABELS after the wide columns" \
	|| fail "wide labels: $(G pods -o wide --show-labels | head -1)"
G cm -n tb --show-labels | grep -Eq '^cfg2 +1 +[0-9].* <none>$' && ok "no labels: <none>" || fail "none: $(G cm -n tb --show-labels)"
G svc -A --show-labels | grep -Eq '^ta +s11 .* team=y,tier=t2$' && ok "svc -A --show-labels" || fail "svc labels: $(G svc -A --show-labels | grep s11)"
[ "$(G pods -A --no-headers | grep -c NAME)" = 0 ] && [ "$(G pods -A | grep -c '^NAMESPACE')" = 1 ] \
	&& [ "$(G svc -n ta --no-headers | wc -l)" = 6 ] && ok "--no-headers: only the rows" || fail "no-headers: $(G pods --no-headers | head -2)"
G pods -A --no-headers | head -1 | grep -Eq '^(default|ta|tb) +p[0-9]+ +' && ok "--no-headers: columns aligned on the rows" || fail "no-headers -A: $(G pods -A --no-headers | head -1)"

# --- -o name ---------------------------------------------------------------
rsname=$(names rs | tr -d ' ')
for k in "pods p00 pod/p00" "svc s00 service/s00" "ep s00 endpoints/s00" "deploy web deployment.apps/web" \
	"rs $rsname replicaset.apps/$rsname" "sts db statefulset.apps/db" "jobs once job.batch/once" \
	"cronjobs tick cronjob.batch/tick" "cm cfg configmap/cfg" "secrets sec secret/sec" \
	"pvc data persistentvolumeclaim/data" "pv vol persistentvolume/vol"; do
	set -- $k
	out=$(G "$1" "$2" -o name 2>&1)
	[ "$out" = "$3" ] && ok "get $1 $2 -o name: $3" || fail "get $1 $2 -o name: $out"
done
[ "$(G ds -n ta -o name)" = daemonset.apps/agent ] && ok "get ds -o name" || fail "ds name: $(G ds -n ta -o name)"
[ "$(G pods -A -l app=db -o name | wc -l)" = 20 ] && G pods -n tb -l app=db -o name | grep -qx pod/p05 \
	&& ok "-o name with -l: 20 lines, KIND/NAME" || fail "name -l: $(G pods -A -l app=db -o name | head -3)"

# --- -o wide ---------------------------------------------------------------
G pods -o wide | head -1 | grep -Eq '^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$' \
	&& G pods -o wide | grep -Eq '^p00 .* 10\.[0-9.]+ +node-g +<none> +<none>$' && ok "pods -o wide: kubectl's columns" || fail "pods wide: $(G pods -o wide | head -2)"
G svc -o wide | grep -Eq '^s00 .* app=web$' && ok "svc -o wide: SELECTOR" || fail "svc wide: $(G svc -o wide | head -2)"
G deploy -o wide | head -1 | grep -Eq ' AGE +CONTAINERS +IMAGES +SELECTOR$' && G deploy -o wide | grep -Eq '^web .* main,side +busybox:test,busybox:test +app=dweb$' \
	&& ok "deploy -o wide: CONTAINERS IMAGES SELECTOR" || fail "deploy wide: $(G deploy -o wide)"
G rs -o wide | grep -Eq "^$rsname .* main,side +busybox:test,busybox:test +app=dweb,pod-template-hash=[a-z0-9]+$" \
	&& ok "rs -o wide: the selector with pod-template-hash" || fail "rs wide: $(G rs -o wide)"
G sts -o wide | head -1 | grep -Eq ' AGE +CONTAINERS +IMAGES$' && G sts -o wide | grep -Eq '^db +1/1 .* main +busybox:test$' \
	&& ok "sts -o wide: CONTAINERS IMAGES" || fail "sts wide: $(G sts -o wide)"
G ds -n ta -o wide | grep -Eq '^agent .* main +busybox:test +app=agent,tier in \(a,b\)$' \
	&& ok "ds -o wide: matchExpressions as kubectl writes them" || fail "ds wide: $(G ds -n ta -o wide)"
G jobs -o wide | head -1 | grep -Eq ' AGE +CONTAINERS +IMAGES +SELECTOR$' && G jobs -o wide | grep -Eq '^once .* main +busybox:test +' \
	&& ok "jobs -o wide" || fail "jobs wide: $(G jobs -o wide)"
G cronjobs -o wide | head -1 | grep -Eq ' AGE +CONTAINERS +IMAGES +SELECTOR$' && G cronjobs -o wide | grep -Eq '^tick .* main +busybox:test +<none>$' \
	&& ok "cronjobs -o wide" || fail "cronjobs wide: $(G cronjobs -o wide)"
G ds -A -o wide --show-labels | head -1 | grep -Eq '^NAMESPACE +NAME .* SELECTOR +LABELS$' && G ds -A -o wide --show-labels | grep -Eq '^ta +agent .* team=x$' \
	&& ok "ds -A -o wide --show-labels: 13 columns" || fail "ds 13 columns: $(G ds -A -o wide --show-labels)"

# --- names, NotFound, nothing found -----------------------------------------
out=$(G pod nosuch 2>"$T_TMP/err"); rc=$?
[ "$rc" = 1 ] && [ -z "$out" ] && [ "$(cat "$T_TMP/err")" = 'Error from server (NotFound): pods "nosuch" not found' ] \
	&& ok "get pod nosuch: NotFound on stderr, exit 1" || fail "nosuch: $rc '$out' $(cat "$T_TMP/err")"
for k in "svc services" "deploy deployments.apps" "rs replicasets.apps" "sts statefulsets.apps" "ds daemonsets.apps" \
	"jobs jobs.batch" "cronjobs cronjobs.batch" "cm configmaps" "secrets secrets" "pvc persistentvolumeclaims" \
	"pv persistentvolumes" "ep endpoints"; do
	set -- $k
	out=$(G "$1" nosuch 2>&1); rc=$?
	[ "$rc" = 1 ] && [ "$out" = "Error from server (NotFound): $2 \"nosuch\" not found" ] && ok "get $1 nosuch: $2 NotFound, exit 1" \
		|| fail "get $1 nosuch: $rc $out"
done
expect_rc 1 "get pod nosuch -o json: exit 1" "$PODVISOR" get pod nosuch -o json
expect_rc 1 "get pod nosuch -o name: exit 1" "$PODVISOR" get pod nosuch -o name
out=$(G pods p00 p03 p06 --no-headers 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$(echo "$out" | awk '{print $1}' | sort | tr '\n' ' ')" = "p00 p03 p06 " ] && ok "get pods a b c: the three" || fail "three: $rc $out"
out=$(G pods p00 nosuch p03 -o name 2>"$T_TMP/err"); rc=$?
[ "$rc" = 1 ] && [ "$(echo "$out" | sort | tr '\n' ' ')" = "pod/p00 pod/p03 " ] && [ "$(cat "$T_TMP/err")" = 'Error from server (NotFound): pods "nosuch" not found' ] \
	&& ok "get pods a nosuch b: a and b shown, NotFound for nosuch, exit 1" || fail "mixed: $rc $out $(cat "$T_TMP/err")"
out=$(G pods p01 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = 'Error from server (NotFound): pods "p01" not found' ] && ok "a pod of another namespace: NotFound here" || fail "p01: $rc $out"
[ "$(G pods p01 -n ta --no-headers | awk '{print $1}')" = p01 ] && ok "and found with -n ta" || fail "p01 -n ta"
out=$(G pods -n empty 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "No resources found in empty namespace." ] && ok "nothing in a namespace: kubectl's words, exit 0" || fail "empty: $rc $out"
out=$(G pods -A -l app=none 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "No resources found" ] && ok "nothing with -A: 'No resources found', exit 0" || fail "-A none: $rc $out"
for k in svc ep deploy rs sts ds jobs cronjobs cm secrets pvc; do
	out=$(G "$k" -n empty 2>&1); rc=$?
	[ "$rc" = 0 ] && [ "$out" = "No resources found in empty namespace." ] || { fail "get $k -n empty: $rc $out"; continue; }
	ok "get $k -n empty: No resources found, exit 0"
done
# --- events: kubectl's table, --no-headers; no selectors ---------------------
G events | head -1 | grep -Eq '^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$' && G events | grep -Eq ' file:.*/kinds.yaml +' \
	&& ok "get events: kubectl's columns" || fail "events: $(G events 2>&1 | head -2)"
[ "$(G events --no-headers | grep -c '^LAST SEEN')" = 0 ] && [ "$(G events --no-headers | wc -l)" -ge 2 ] \
	&& ok "get events --no-headers: rows only" || fail "events no-headers: $(G events --no-headers 2>&1 | head -2)"
expect_rc 2 "get events -l: a usage error" "$PODVISOR" get events -l a=b

out=$(G pv -l team=none -o name 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "No resources found" ] && ok "get pv, none: 'No resources found'" || fail "pv none: $rc $out"

done_testing
