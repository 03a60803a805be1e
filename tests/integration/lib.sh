# Helpers for integration tests: TAP output and assertions.
# Each test script sources this, calls `ok`/`fail` (or the check_* helpers),
# and ends with `done_testing`.
set -u
: "${PODVISOR:?PODVISOR must point at the binary}"
: "${CORPUS:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/corpus}"
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d /tmp/podvisor-it.XXXXXX)
# PV_TIMES=1: each result is followed by the seconds since the last one,
# as a TAP comment (where a test spends its time).
T_LAST=$EPOCHREALTIME
t_times() {
	[ -n "${PV_TIMES:-}" ] || return 0
	local now=$EPOCHREALTIME
	awk -v a="$T_LAST" -v b="$now" 'BEGIN { printf "# %+.1fs\n", b - a }'
	T_LAST=$now
}
trap 'rm -rf "$T_TMP"' EXIT

ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $*"
	t_times
}

fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $*"
	t_times
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
