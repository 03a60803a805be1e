#!/bin/bash
# make demo: podvisor on examples/, in throwaway namespaces so that
# nothing is left on this machine afterwards. DEMO_SECONDS=N keeps the
# node running N seconds (default 6) before it is torn down.
set -eu
bin=$(realpath "${1:-build/podvisor}")
cd "$(dirname "$0")/.."
if [ -z "${PV_IN_NS:-}" ]; then
	echo "== podvisor check examples/"
	"$bin" check examples/ || true
	echo
	exec unshare --mount --net --pid --fork --mount-proc --uts env PV_IN_NS=1 PV_DEMO_ID=$$ \
		bash "$0" "$bin"
fi
. tests/integration/lib_image.sh
T=$(mktemp -d /tmp/podvisor-demo.XXXXXX)
CG=podvisor-demo-$PV_DEMO_ID
mount --make-rprivate /
mount -t tmpfs tmpfs "$T"
ip link set lo up
trap 'kill -9 -1 2>/dev/null; sleep 0.3
	for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG"); do find "$d" -depth -type d -exec rmdir {} \; ; done
	umount -l "$T"; rm -rf "$T"' EXIT
export PODVISOR_STATE=$T/state

echo "== building a busybox image (from Debian's busybox-static) and importing it"
make_busybox_oci "$T/oci" busybox:stable >/dev/null
"$bin" image import "$T/oci" busybox:stable
"$bin" image ls
echo
echo "== podvisor daemon --manifests (a copy of examples/, log in $T/daemon.log)"
cp -a examples "$T/manifests"
"$bin" daemon --manifests "$T/manifests" --cgroup-parent "$CG" --local-path-root "$T/volumes" \
	>"$T/daemon.log" 2>&1 &
disown # the trap ends it with kill -9: no "Killed" from the shell at the end
sleep 2
"$bin" get pods -o wide
echo
echo "== podvisor get svc, get ep"
"$bin" get svc
"$bin" get ep
echo
echo "== podvisor get pvc, get pv (the writer pod's claim, provisioned by podvisor)"
"$bin" get pvc
"$bin" get pv
"$bin" logs writer || true
echo
echo "== curl localhost:30080 (the hello NodePort Service)"
for _ in $(seq 50); do curl -s --max-time 1 localhost:30080 >/dev/null && break; sleep 0.1; done
for _ in 1 2 3; do curl -s --max-time 2 localhost:30080 || echo "(no answer)"; done
echo
echo "== podvisor exec hello -- nslookup hello.default.svc.cluster.local (cluster DNS)"
"$bin" exec hello -- nslookup hello.default.svc.cluster.local || true
echo
echo "== podvisor logs hello"
"$bin" logs hello
echo
echo "== podvisor exec hello -- ps"
"$bin" exec hello -- ps
echo
echo "== podvisor describe pod hello"
"$bin" describe pod hello
echo
echo "== podvisor get deploy, get rs (the hello Deployment)"
"$bin" get deploy
"$bin" get rs
echo
echo "== a rollout: hello.yaml's pod template edited (GREETING=v2, with a change-cause)"
sed -i -e 's|kubernetes.io/change-cause: .*|kubernetes.io/change-cause: "set GREETING=v2"|' \
	-e 's|^        imagePullPolicy: Never$|&\n        env:\n        - name: GREETING\n          value: v2|' \
	"$T/manifests/hello.yaml"
"$bin" rollout status deploy/hello --timeout=180s || true
"$bin" get rs
"$bin" rollout history deploy/hello
echo
echo "== podvisor rollout undo deploy/hello (rewrites the template in the file)"
"$bin" rollout undo deploy/hello || true
echo "(the file against examples/hello.yaml: the first template again, as podvisor writes it;"
echo " the ConfigMap and Service documents are untouched)"
diff -u "$PWD/examples/hello.yaml" "$T/manifests/hello.yaml" | tail -n +3 | head -40 || true
"$bin" rollout status deploy/hello --timeout=180s || true
"$bin" rollout history deploy/hello
"$bin" get deploy
sleep "${DEMO_SECONDS:-6}"
echo
echo "== after ${DEMO_SECONDS:-6} s"
"$bin" get pods
"$bin" logs --tail 2 hello
echo
echo "== podvisor get jobs, get cronjobs, logs job/count-to-ten (examples/counter-job.yaml)"
"$bin" get jobs
"$bin" get cronjobs
"$bin" logs --tail 3 job/count-to-ten || true
echo
echo "== the daemon's log"
cat "$T/daemon.log"
echo
echo "Pods, Deployments (with rollouts), StatefulSets, DaemonSets, Jobs, CronJobs, Services,"
echo "cluster DNS and volumes run today. Tearing the demo down."
