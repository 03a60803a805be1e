#!/bin/bash
# The test runner `make check` calls. Every test speaks TAP ("ok N - ...",
# "not ok N - ..."); this runs them all, shows failures in full, and ends
# with one summary line: "N passed, M failed".
#
#   BUILD=build tests/run.sh        everything
#   ONLY=asan tests/run.sh          the sanitizer builds only
#   ONLY=unit|integration|fuzz      one group
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ONLY=${ONLY:-all}
export PODVISOR="$PWD/$BUILD/podvisor" PODVISOR_ASAN="$PWD/$BUILD/asan/podvisor"
export CORPUS="${CORPUS:-$PWD/../shared/corpus}"
passed=0
failed=0
failures=()
LOG=$(mktemp -d /tmp/podvisor-tests.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# run NAME CMD...: run one TAP producer, count its results.
run() {
	local name=$1 out rc p f
	shift
	out="$LOG/$(echo "$name" | tr '/ ' '__').log"
	# No test may hang CI: each gets TEST_TIMEOUT seconds (default 600).
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" "$@" >"$out" 2>&1
	rc=$?
	[ "$rc" = 124 ] && echo "not ok - $name timed out after ${TEST_TIMEOUT:-600}s" >>"$out"
	p=$(grep -cE '^ok [0-9]+' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1 # it died without saying why in TAP: that is a failure too
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-44s %4d passed, %d failed\n' "$name" "$p" "$f"
	if [ "$f" != 0 ]; then
		failures+=("$name")
		sed 's/^/    /' "$out" | grep -vE '^    ok [0-9]+' | tail -60
	fi
}

want() { [ "$ONLY" = all ] || [ "$ONLY" = "$1" ] || { [ "$ONLY" = asan ] && [ "$2" = asan ]; }; }

export CMOCKA_MESSAGE_OUTPUT=TAP
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	want unit plain && run "unit/$(basename "$t")" "$t"
done
for t in "$BUILD"/asan/tests/test_*; do
	[ -x "$t" ] || continue
	want unit asan && run "unit-asan/$(basename "$t")" "$t"
done
for t in tests/integration/test_*.sh; do
	want integration plain && run "integration/$(basename "$t" .sh)" bash "$t"
	if grep -q '^# asan: yes' "$t"; then
		want integration asan && PODVISOR="$PODVISOR_ASAN" run "integration-asan/$(basename "$t" .sh)" bash "$t"
	fi
done
if [ -x "$BUILD/fuzz/fuzz_load" ]; then
	want fuzz plain && run "fuzz/fuzz_load (${FUZZ_SECONDS:-60}s)" tests/fuzz/run.sh "$BUILD/fuzz/fuzz_load" "${FUZZ_SECONDS:-60}" --tap
fi

echo
[ ${#failures[@]} = 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
