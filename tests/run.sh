#!/bin/bash
# The test runner `make check` calls. Every test speaks TAP ("ok N - ...",
# "not ok N - ...", a plan "1..N"); this runs them all, shows failures in
# full, and ends with one summary line: "N passed, M failed, K skipped".
#
# A result with a SKIP directive ("ok N - ... # SKIP why") is skipped, not
# passed. A producer that prints no plan, whose results do not add up to
# its plans (an early exit, a test binary that died), that exits non-zero
# without a failed result, or that is missing, is a failure
# (tests/tap_count.awk has the rules).
#
#   BUILD=build tests/run.sh        everything
#   ONLY=asan tests/run.sh          the sanitizer builds only
#   ONLY=unit|integration|fuzz      one group
#   CROSS="arm64 armhf" ONLY=cross  the unit tests built by make cross,
#                                   under qemu-user (make check-cross)
#   JOBS=1 tests/run.sh             integration tests and fuzzers one at a
#                                   time (default: 2 at once)
#   ASAN_TWICE=1 tests/run.sh       the tests marked `# asan: yes` against
#                                   the plain build as well
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
export PODVISOR="$PWD/$BUILD/podvisor" PODVISOR_ASAN="$PWD/$BUILD/asan/podvisor"
# the plain CLI, for the tests' polling (tests/integration/lib_pods.sh)
export PODVISOR_PLAIN="$PODVISOR"
export CORPUS="${CORPUS:-$PWD/../shared/corpus}"
passed=0
failed=0
skipped=0
failures=()
LOG=$(mktemp -d /tmp/podvisor-tests.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# report NAME PASSED FAILED SKIPPED OUTPUT-FILE [PROBLEM...]: add to the
# totals, print the producer's line, and its output when it failed.
report() {
	local name=$1 p=$2 f=$3 s=$4 out=$5
	shift 5
	[ $# -gt 0 ] && f=$((f + 1)) # the producer itself went wrong
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	printf '%-44s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" != 0 ]; then
		failures+=("$name")
		[ -s "$out" ] && sed 's/^/    /' "$out" | grep -vE '^    ok [0-9]+' | tail -60
		[ $# = 0 ] || printf '    run.sh: %s\n' "$@"
	elif [ "$s" != 0 ]; then
		grep -iE '^(not )?ok([ \t].*)?#[ \t]*skip|^1\.\.0' "$out" | sed 's/^/    /'
	fi
}

# exec_producer NAME CMD...: run one TAP producer into its log; its exit
# status and seconds into NAME's .rc file.
log_of() { echo "$LOG/$(echo "$1" | tr '/ ()' '____')"; }
exec_producer() {
	local name=$1 base t0 rc cpu
	shift
	base=$(log_of "$name")
	t0=$SECONDS
	times >"$base.times0" # the children's CPU so far (the main shell's unit tests)
	# No test may hang CI: each gets TEST_TIMEOUT seconds (default 600).
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" "$@" >"$base.log" 2>&1
	rc=$?
	# the CPU seconds of the producer and everything it waited for (a
	# test is PID 1 of its namespace: its pods' processes are reaped by it)
	# (times itself in this shell: in a $(...) it would count that subshell's)
	times >"$base.times"
	cpu=$(awk 'FNR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
		c[FILENAME == ARGV[1]] = n } END { printf "%d", c[0] - c[1] + 0.5 }' "$base.times0" "$base.times")
	echo "$rc $((SECONDS - t0)) $cpu" >"$base.rc"
}

# collect NAME: count a finished producer's results and report them.
collect() {
	local name=$1 base rc secs cpu counts problems=()
	base=$(log_of "$name")
	read -r rc secs cpu <"$base.rc"
	mapfile -t counts < <(awk -f tests/tap_count.awk "$base.log")
	problems=("${counts[@]:1}")
	read -r p f s <<<"${counts[0]}"
	if [ "$rc" = 124 ]; then
		problems+=("timed out after ${TEST_TIMEOUT:-600}s")
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		problems+=("exited with status $rc without a failed result")
	elif [ "$rc" != 0 ] && [ ${#problems[@]} != 0 ]; then
		problems+=("exited with status $rc")
	fi
	report "$name ($secs s, cpu ${cpu:-?} s)" "$p" "$f" "$s" "$base.log" "${problems[@]}"
}

# run NAME CMD...: run one TAP producer now, count its results.
run() {
	exec_producer "$@"
	collect "$1"
}

# Producers that only wait on the kernel and on their own daemons (the
# integration tests, the fuzzers) run JOBS at a time (default 2: the
# machines have two cores); their results are reported in order.
JOBS=${JOBS:-2}
pool=()
waiters=() # PIDs of producers started by pool_add_waiter
# busy: how many producers that count against JOBS are running
busy() {
	local n w
	n=$(jobs -rp | wc -l)
	for w in "${waiters[@]}"; do
		kill -0 "$w" 2>/dev/null && n=$((n - 1))
	done
	echo "$n"
}
pool_add() {
	while [ "$(busy)" -ge "$JOBS" ]; do
		wait -n
	done
	exec_producer "$@" &
	pool+=("$1")
}
# pool_add_waiter NAME CMD...: a producer that mostly waits on the clock
# (marked `# waits: yes`: a CronJob's minutes) runs beside the JOBS
# others, not in their place.
pool_add_waiter() {
	exec_producer "$@" &
	waiters+=($!)
	pool+=("$1")
}
pool_drain() {
	local name
	wait
	[ ${#pool[@]} = 0 ] && return
	mapfile -t pool < <(printf '%s\n' "${pool[@]}" | sort) # reported by name
	for name in "${pool[@]}"; do
		collect "$name"
	done
	pool=()
}

# missing NAME WHAT: a producer that should be there and is not.
missing() {
	report "$1" 0 0 0 /dev/null "$2"
}

want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ] || { [ "$ONLY" = asan ] && [ "$2" = asan ]; }; }

export CMOCKA_MESSAGE_OUTPUT=TAP
# unit NAME-PREFIX DIR: every unit test source has its binary in DIR.
unit() {
	local src t
	for src in tests/unit/test_*.c; do
		t=$(basename "$src" .c)
		if [ -x "$2/$t" ]; then
			run "$1/$t" "$2/$t"
		else
			missing "$1/$t" "$2/$t is not built (make check builds it)"
		fi
	done
}
# The include graph against ARCHITECTURE.md's layers (no cycle, calls down).
want unit plain && run "layers/include-graph" python3 tests/layers.py --tap
want unit plain && unit unit "$BUILD/tests"
want unit asan && unit unit-asan "$BUILD/asan/tests"
# Other architectures (README, "Other architectures"): for each of CROSS
# (make check: CHECK_CROSS, default arm64 armhf; make check-cross ARCH=...), the
# unit tests make cross built in build-cross-ARCH/, run under qemu-user
# (what qemu-user cannot run is skipped, with why: tests/cross/unit.sh,
# qemu-skips.tsv); the arch as podvisor names it; and `podvisor check`
# of examples/ and the corpus against the native binary (tests/cross/check.sh).
for a in ${CROSS:-}; do
	want cross cross || break
	# make check could not install the architecture's packages (a mirror
	# without arm64 or armhf): said, and counted as skipped, not passed
	if [ -s "build-cross-$a/NO-PACKAGES" ]; then
		printf '1..0 # SKIP no %s packages from the mirror: %s\n' "$a" \
			"$(tr '\n' ' ' <"build-cross-$a/NO-PACKAGES")" >"$LOG/cross-$a.skip"
		report "cross-$a (not built)" 0 0 1 "$LOG/cross-$a.skip"
		continue
	fi
	for src in tests/unit/test_*.c tests/cross/test_arch.c; do
		t=$(basename "$src" .c)
		bin=build-cross-$a/tests/$t
		args=()
		[ "$t" = test_arch ] && bin=build-cross-$a/tests/cross/$t && args=("$(sed 's/armhf/arm/' <<<"$a")")
		if [ -x "$bin" ]; then
			run "unit-$a/$t" tests/cross/unit.sh "$a" "$bin" "${args[@]}"
		else
			missing "unit-$a/$t" "$bin is not built (make cross ARCH=$a builds it)"
		fi
	done
	if [ -x "build-cross-$a/podvisor" ]; then
		run "cross-$a/podvisor check (qemu)" tests/cross/check.sh "$a"
	else
		missing "cross-$a/podvisor check (qemu)" "build-cross-$a/podvisor is not built (make cross ARCH=$a builds it)"
	fi
	# make static-cross's binary, when there is one
	[ -x "build-cross-$a/static/podvisor" ] &&
		run "cross-$a/static podvisor check (qemu)" tests/cross/check.sh "$a" "build-cross-$a/static/podvisor"
done
# A test marked `# asan: yes` (those with "many" variants: counts past
# every array's first capacity) runs against the ASan+UBSan build, and
# only there: the two builds are one source, and running such a test
# twice doubled the suite's time. ASAN_TWICE=1 runs it against the plain
# build too; every other test runs against the plain build.
# The tests marked `# long: yes` start first, so that none of them runs
# alone at the end while the other core has nothing left to do; those
# marked `# waits: yes` (little CPU: a test of 130 s used 24 s of it) run
# beside the others, from the start.
for t in $(grep -l '^# long: yes' tests/integration/test_*.sh) \
	$(grep -L '^# long: yes' tests/integration/test_*.sh); do
	add=pool_add
	grep -q '^# waits: yes' "$t" && add=pool_add_waiter
	if grep -q '^# asan: yes' "$t"; then
		want integration asan && PODVISOR="$PODVISOR_ASAN" $add "integration-asan/$(basename "$t" .sh)" bash "$t"
		[ -n "${ASAN_TWICE:-}" ] || continue
	fi
	want integration plain && $add "integration/$(basename "$t" .sh)" bash "$t"
done
# Every fuzz target under tests/fuzz/ runs for FUZZ_SECONDS (default 10: a regression check from the seed corpora; `make fuzz` runs them 300 s each).
for src in tests/fuzz/fuzz_*.c; do
	want fuzz plain || break
	f=$(basename "$src" .c)
	name="fuzz/$f (${FUZZ_SECONDS:-10}s)"
	if [ -x "$BUILD/fuzz/$f" ]; then
		pool_add "$name" tests/fuzz/run.sh "$BUILD/fuzz/$f" "${FUZZ_SECONDS:-10}" --tap
	else
		missing "$name" "$BUILD/fuzz/$f is not built (make check builds it)"
	fi
done
pool_drain

echo
[ ${#failures[@]} = 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
