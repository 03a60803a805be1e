#!/bin/bash
# Run a fuzzer for SECONDS: fuzz_load seeded with the shared manifest
# corpus and examples/, any other with tests/fuzz/seeds/NAME/.
#   tests/fuzz/run.sh FUZZER SECONDS [--tap]
# Fails on any crash, leak, timeout or out-of-memory; the input that did it
# is kept under build/fuzz/artifacts/ (fuzz_load) or artifacts-NAME/.
set -u
fuzzer=$1
seconds=${2:-60}
tap=${3:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS:-$here/../shared/corpus}
name=$(basename "$fuzzer")
work=$(dirname "$fuzzer")
suffix=""
[ "$name" = fuzz_load ] || suffix="-$name"
mkdir -p "$work/corpus$suffix" "$work/artifacts$suffix"
log=$(mktemp /tmp/podvisor-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
seeds=()
if [ "$name" = fuzz_load ]; then
	for d in accept reject flagged; do
		[ -d "$corpus/$d" ] && seeds+=("$corpus/$d")
	done
	[ -d "$here/examples" ] && seeds+=("$here/examples")
fi
[ -d "$here/tests/fuzz/seeds/$name" ] && seeds+=("$here/tests/fuzz/seeds/$name")
# a leak inside libseccomp itself: see lsan.supp
[ "$name" = fuzz_seccomp ] && export LSAN_OPTIONS="suppressions=$here/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
"$fuzzer" "$work/corpus$suffix" "${seeds[@]}" \
	-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-detect_leaks=1 -print_final_stats=1 -artifact_prefix="$work/artifacts$suffix/" >"$log" 2>&1
rc=$?
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
# A run that executed nothing (a fuzzer that exits at once, stats not
# printed) proves nothing: that is a failure too.
if [ $rc = 0 ] && ! [ "${runs:-0}" -gt 0 ] 2>/dev/null; then
	echo "$name exited 0 but executed no inputs" >>"$log"
	rc=1
fi
if [ "$tap" = --tap ]; then
	echo "1..1"
	if [ $rc = 0 ]; then
		echo "ok 1 - $name ran ${runs:-?} inputs in ${seconds}s: no crash, leak or timeout"
	else
		echo "not ok 1 - $name failed (exit $rc); artifacts in $work/artifacts$suffix"
		grep -E 'ERROR|SUMMARY|artifact|==[0-9]+==|executed no inputs' "$log" | head -30 | sed 's/^/# /'
	fi
else
	tail -20 "$log"
fi
exit $rc
