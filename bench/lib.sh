# Shared by the benchmark scripts of bench/ (sourced, not run).
#
# What a benchmark script does with it:
#
#   . "$(dirname "$0")/lib.sh"
#   bench_ns "$0" "$@"         # re-runs the script in throwaway namespaces
#   bench_setup                # T (a tmpfs unless BENCH_DISK=1), cleanup trap, PODVISOR_STATE, PY
#   bench_image busybox:bench  # the tests' busybox OCI image, imported
#   bench_daemon [ARGS...]     # podvisor daemon on $T/m, DAEMON=its pid
#   ... measure ...
#   bench_section NAME <<EOF   # this run's Markdown section of BENCHMARKS.md
#
# Results go to $BENCH_OUT (make bench sets it; default build/bench/out):
# NAME.md is the script's section of BENCHMARKS.md (bench/report.sh puts
# the sections together), NAME*.tsv the raw samples the plots are drawn
# from. Nothing is left behind in the host's namespaces: the script runs
# in its own mount, network and PID namespaces, on a tmpfs.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# bench_ns SCRIPT ARGS...: unless already inside, exec SCRIPT again in new
# mount, network, PID and UTS namespaces. Arguments that name existing
# files are made absolute (the script may change directory).
bench_ns() {
	local script=$1 a
	shift
	[ -n "${PV_IN_NS:-}" ] && return 0
	local args=()
	for a in "$@"; do
		if [ -e "$a" ]; then args+=("$(realpath "$a")"); else args+=("$a"); fi
	done
	mkdir -p "${BENCH_OUT:-build/bench/out}"
	exec unshare --mount --net --pid --fork --mount-proc --uts \
		env PV_IN_NS=1 PV_TEST_ID=$$ BENCH_OUT="$(realpath "${BENCH_OUT:-build/bench/out}")" \
		bash "$script" "${args[@]}"
}

# bench_setup: T (a tmpfs; BENCH_DISK=1: a directory of /tmp), CG (the cgroup parent), PODVISOR_STATE, PY; a
# trap that kills everything in the PID namespace and removes the cgroups
# and mounts. A script may define bench_cleanup_hook to run first.
bench_setup() {
	T=$(mktemp -d /tmp/podvisor-bench.XXXXXX)
	mount --make-rprivate /
	# BENCH_DISK=1: T stays on /tmp's own filesystem (the daemon's state,
	# the pods' overlay layers), as a node's /var/lib is on its disk.
	[ "${BENCH_DISK:-0}" = 1 ] || mount -t tmpfs tmpfs "$T"
	# /run of our own: iptables run by anything else on the machine takes
	# the lock file /run/xtables.lock, which wakes the daemon (rightly).
	mount -t tmpfs tmpfs /run
	mkdir -p /run/netns
	CG=podvisor-bench-$PV_TEST_ID
	[ -n "${KEEP:-}" ] || trap bench_cleanup EXIT
	ip link set lo up
	export PODVISOR_STATE=$T/state
	mkdir -p "$T/m" "$T/state" "$T/in"
	PY=$(command -v /usr/bin/python3 || command -v python3)
	BENCH_OUT=${BENCH_OUT:-$PWD/build/bench/out}
	mkdir -p "$BENCH_OUT"
}

bench_cleanup() {
	local d
	set +e # a script's set -e must not stop the cleanup halfway
	disown -a 2>/dev/null
	declare -F bench_cleanup_hook >/dev/null && bench_cleanup_hook
	kill -9 -1 2>/dev/null
	sleep 0.3
	for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	umount -R -l "$T" 2>/dev/null
	rm -rf "$T"
}

# bench_image REF: the tests' busybox image as an OCI layout in $T/oci,
# imported into podvisor's store as REF.
bench_image() {
	# shellcheck source=../tests/integration/lib_image.sh
	. "$BENCH_DIR/../tests/integration/lib_image.sh"
	make_busybox_oci "$T/oci" "$1" >/dev/null 2>&1 || { echo "bench: cannot build the image" >&2; exit 1; }
	"$PODVISOR" image import "$T/oci" "$1" >/dev/null 2>&1 || { echo "bench: cannot import the image" >&2; exit 1; }
}

# bench_daemon ARGS...: start the daemon on $T/m, wait until it answers.
bench_daemon() {
	"$PODVISOR" daemon --manifests "$T/m" --cgroup-parent "$CG" "$@" >"$T/log" 2>&1 &
	DAEMON=$!
	local _
	for _ in $(seq 200); do
		"$PODVISOR" get pods >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "bench: the daemon does not answer: $(tail -3 "$T/log")" >&2
	exit 1
}

# bench_running: how many pods get pods lists as Running.
bench_running() {
	"$PODVISOR" get pods -o internal-json 2>/dev/null |
		"$PY" -c 'import json,sys; print(sum(p["status"] == "Running" for p in json.load(sys.stdin)))'
}

# bench_machine: one line on what the numbers were measured on.
bench_machine() {
	local cores mem os kernel cc
	cores=$(nproc)
	mem=$(awk '/^MemTotal/ {printf "%d GiB", $2 / 1048576 + 0.5}' /proc/meminfo)
	os=$(. /etc/os-release && echo "$PRETTY_NAME" | sed 's/ GNU\/Linux//')
	kernel=$(uname -r | cut -d- -f1)
	cc=$(${CC:-cc} -dumpfullversion 2>/dev/null || echo '?')
	echo "$cores cores, $mem, $os, kernel $kernel, gcc $cc -O2"
}

# bench_stats: "median min max n" of the numbers on stdin (one a line).
bench_stats() {
	"${PY:-python3}" -c '
import statistics, sys
v = sorted(float(x) for x in sys.stdin.read().split())
if not v:
    print("- - - 0")
else:
    print("%g %g %g %d" % (statistics.median(v), v[0], v[-1], len(v)))'
}

# bench_section NAME: stdin is this run's Markdown section for
# BENCHMARKS.md; it goes to $BENCH_OUT/NAME.md.
bench_section() {
	cat >"$BENCH_OUT/$1.md"
	echo "bench: wrote $BENCH_OUT/$1.md" >&2
}

# bench_podman: podman configured for this sandbox (the peer of start and
# density): runc, cgroupfs, file events, overlay storage on the tmpfs,
# the image of $T/oci loaded (an OCI archive keeps the layout's ref.name).
# Sets HAVE_PODMAN=1 and PODMAN_VERSION, and podman_cmd (podman with this
# configuration); says why not on stderr otherwise. PODMAN=0: not wanted.
podman_cmd() { return 1; }
bench_podman() {
	HAVE_PODMAN=
	PODMAN_VERSION=
	if [ "${PODMAN:-1}" = 0 ]; then
		echo "bench: PODMAN=0: podvisor only" >&2
		return 1
	fi
	if ! command -v podman >/dev/null; then
		echo "bench: podman is not installed (scripts/deps.sh bench): podvisor only" >&2
		return 1
	fi
	mkdir -p "$T/podman/root" "$T/podman/run" "$T/podman/tmp"
	cat >"$T/podman/containers.conf" <<EOF2
[containers]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$T/podman/tmp"
EOF2
	cat >"$T/podman/storage.conf" <<EOF2
[storage]
driver = "overlay"
graphroot = "$T/podman/root"
runroot = "$T/podman/run"
EOF2
	podman_cmd() {
		CONTAINERS_CONF=$T/podman/containers.conf CONTAINERS_STORAGE_CONF=$T/podman/storage.conf \
			podman "$@"
	}
	if tar -C "$T/oci" -cf "$T/podman/image.tar" . &&
		podman_cmd load -i "$T/podman/image.tar" >"$T/podman/pull.log" 2>&1; then
		HAVE_PODMAN=1
		PODMAN_VERSION=$(podman --version | awk '{print $3}')
		return 0
	fi
	echo "bench: podman cannot load the image: $(tail -3 "$T/podman/pull.log")" >&2
	return 1
}
