#!/bin/bash
# The static binary (make static) against a subset of the integration
# tests: `make check-static` builds it and runs this. Its own checks come
# first (one file, no interpreter, no shared library, libcurl and
# libarchive inside), then each test below with PODVISOR pointing at it;
# one summary line at the end, as tests/run.sh prints.
#
#   BUILD=build tests/static/run.sh
#   TESTS="pods dns" tests/static/run.sh      other integration tests
#                                             (TESTS= : the binary's checks only)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
BIN="$PWD/$BUILD/static/podvisor"
TESTS=${TESTS-check_cli pods services podnet dns image registry pid1 vm}
export PODVISOR="$BIN" PODVISOR_PLAIN="$BIN"
export CORPUS="${CORPUS:-$PWD/../shared/corpus}"
LOG=$(mktemp -d /tmp/podvisor-static.XXXXXX)
trap 'rm -rf "$LOG"' EXIT

# The binary itself, as TAP.
n=0
bad=0
check() { # DESC CMD...: one result, CMD's status
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $desc"; else echo "not ok $n - $desc"; bad=1; fi
}
quiet() { "$@" >/dev/null 2>&1; }
has() { [[ $1 == *"$2"* ]]; }
no_interp() { ! readelf -lW "$BIN" | grep -q INTERP && ! readelf -dW "$BIN" 2>/dev/null | grep -q NEEDED; }
defines() { local s; for s; do nm "$BIN" | grep -q " T $s\$" || return 1; done; }
no_dlopen_names() { ! strings "$BIN" | grep -qE '^lib(curl|curl-gnutls|archive)\.so'; }
binary_checks() {
	local out
	check "$BIN is built" test -x "$BIN" || { echo "1..$n"; return 1; }
	out=$(file -b "$BIN")
	check "file says statically linked ($out)" has "$out" "statically linked"
	out=$(ldd "$BIN" 2>&1)
	check "ldd says: $out" has "$out" "not a dynamic executable"
	check "no program interpreter, no NEEDED library" no_interp
	check "libcurl is linked in, with OpenSSL and c-ares" defines curl_easy_perform SSL_CTX_new ares_init
	check "libarchive is linked in" defines archive_read_new
	check "no library name to dlopen (libcurl, libarchive)" no_dlopen_names
	check "podvisor version runs" quiet "$BIN" version
	check "podvisor check examples/ passes" quiet "$BIN" check examples/
	echo "1..$n"
	return $bad
}

passed=0 failed=0 skipped=0 failures=()
# count NAME LOG RC: add one producer's TAP results to the totals.
count() {
	local name=$1 out=$2 rc=$3 p f s problems
	mapfile -t problems < <(awk -f tests/tap_count.awk "$out")
	read -r p f s <<<"${problems[0]}"
	problems=("${problems[@]:1}")
	[ "$rc" != 0 ] && [ "$f" = 0 ] && problems+=("exited with status $rc without a failed result")
	[ ${#problems[@]} != 0 ] && f=$((f + 1))
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	printf '%-44s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" != 0 ]; then
		failures+=("$name")
		grep -vE '^ok [0-9]+' "$out" | tail -60 | sed 's/^/    /'
		[ ${#problems[@]} = 0 ] || printf '    static/run.sh: %s\n' "${problems[@]}"
	elif [ "$s" != 0 ]; then
		grep -iE '^(not )?ok([ \t].*)?#[ \t]*skip|^1\.\.0' "$out" | sed 's/^/    /'
	fi
}

binary_checks >"$LOG/binary" 2>&1
count "static/binary" "$LOG/binary" $?
# the integration tests say nothing about a binary that is not the static one
[ "$failed" = 0 ] || TESTS=
for t in $TESTS; do
	f=tests/integration/test_$t.sh
	[ -f "$f" ] || { echo "static/run.sh: no $f" >&2; failed=$((failed + 1)); continue; }
	t0=$SECONDS
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" bash "$f" >"$LOG/$t" 2>&1
	count "static/test_$t ($((SECONDS - t0)) s)" "$LOG/$t" $?
done

echo
[ ${#failures[@]} = 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
