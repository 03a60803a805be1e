# Helpers for integration tests: TAP output and assertions.
# Each test script sources this, calls `ok`/`fail` (or the check_* helpers),
# and ends with `done_testing`.
set -u
: "${PODVISOR:?PODVISOR must point at the binary}"
: "${CORPUS:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/corpus}"
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d /tmp/podvisor-it.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT

ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $*"
}

fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $*"
}

# diag TEXT: show TEXT under the last result, as TAP comments.
diag() {
	printf '%s\n' "$@" | head -40 | sed 's/^/# /'
}

# expect_rc WANT DESC CMD...: run CMD; pass when it exits WANT.
expect_rc() {
	local want=$1 desc=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$desc"
	else
		fail "$desc (exit $rc, wanted $want)"
		diag "$out"
	fi
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
}
