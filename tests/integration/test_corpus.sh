#!/bin/bash
# asan: yes
# The shared corpus of real manifests: accept/ must load, reject/ must be
# refused at the line EXPECT.tsv names, flagged/ refused with a fix.
. "$(dirname "$0")/lib.sh"

# The corpus must be there, whole: a missing directory or EXPECT.tsv
# would otherwise test nothing and say nothing.
for d in accept reject flagged; do
	if [ -n "$(ls -A "$CORPUS/$d" 2>/dev/null)" ]; then
		ok "corpus $d/ has $(ls "$CORPUS/$d" | wc -l) files"
	else
		fail "corpus $d/ is missing or empty (CORPUS=$CORPUS)"
	fi
done
EXPECT=$CORPUS/reject/EXPECT.tsv
if [ -r "$EXPECT" ] && [ "$(head -1 "$EXPECT" | cut -f1,3)" = "$(printf 'file\tline')" ]; then
	ok "reject/EXPECT.tsv is there, with its header"
else
	fail "reject/EXPECT.tsv is missing, unreadable or has no 'file ... line' header"
fi
# Each rejected file is named in EXPECT.tsv, and each row has its file.
unlisted=$(comm -23 <(ls "$CORPUS/reject" 2>/dev/null | grep -vx EXPECT.tsv | sort) \
	<(tail -n +2 "$EXPECT" 2>/dev/null | cut -f1 | sort))
nofile=$(comm -13 <(ls "$CORPUS/reject" 2>/dev/null | sort) <(tail -n +2 "$EXPECT" 2>/dev/null | cut -f1 | sort))
[ -z "$unlisted" ] && [ -z "$nofile" ] && ok "EXPECT.tsv and the files of reject/ match one to one" \
	|| { fail "EXPECT.tsv and reject/ differ"; diag "not in EXPECT.tsv: $unlisted" "no such file: $nofile"; }

# Accepted files: exit 0, no error lines (warnings are fine). One by one
# with the plain build when the run has one (tests/run.sh): under ASan
# each call cost a quarter of a second, and the check of accept/ as a
# whole, below, has the build under test parse every one of these files.
PVA=${PODVISOR_PLAIN:-$PODVISOR}
[ -x "$PVA" ] || PVA=$PODVISOR
for f in "$CORPUS"/accept/*; do
	out=$("$PVA" check "$f" 2>&1)
	rc=$?
	if [ $rc = 0 ] && ! grep -q ': error:' <<<"$out"; then
		ok "accept $(basename "$f")"
	else
		fail "accept $(basename "$f") (exit $rc)"
		diag "$out"
	fi
done

# Rejected files: exit 1, quickly, first error at the expected line
# (within one line for pure YAML syntax errors, as libyaml may report the
# next token), in file:line:col: error: form.
while IFS=$'\t' read -r file what line _; do
	[ "$file" = file ] && continue
	f="$CORPUS/reject/$file"
	start=$(date +%s%N)
	out=$(timeout 10 "$PODVISOR" check "$f" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	first=$(grep -m1 -E ': error: ' <<<"$out")
	got=$(sed -nE 's/^[^:]+:([0-9]+):[0-9]+: error: .*/\1/p' <<<"$first")
	slack=0
	grep -q 'YAML syntax' <<<"$first" && slack=1
	if [ $rc = 1 ] && [ -n "$got" ] && [ $((got - line)) -le $slack ] && [ $((line - got)) -le $slack ]; then
		ok "reject $file at line $line ($ms ms)"
	else
		fail "reject $file: wanted exit 1 and an error at line $line ($what); exit $rc"
		diag "$out"
	fi
	# Hostile input must be refused, not expanded or recursed into until
	# the 10 s timeout (exit 124). How fast is bench/'s, not a test's.
	if [ $rc != 124 ]; then
		ok "reject $file ends before the timeout"
	else
		fail "reject $file ran into the 10 s timeout"
	fi
done < <(cat "$EXPECT" 2>/dev/null)

# Flagged files: exit 1 and a message that says what to do.
for f in "$CORPUS"/flagged/*; do
	out=$("$PODVISOR" check "$f" 2>&1)
	rc=$?
	if [ $rc = 1 ] && grep -qE ': error: .*(use apiVersion: [a-z./0-9]+|remove one of them)' <<<"$out"; then
		ok "flagged $(basename "$f") says how to fix it"
	else
		fail "flagged $(basename "$f") (exit $rc)"
		diag "$out"
	fi
done

# The whole accept/ directory at once: the files come from unrelated
# examples, so names repeat across files; those (and only those) are
# reported, as errors naming the other file.
out=$("$PODVISOR" check -q "$CORPUS/accept" 2>&1)
rc=$?
other=$(grep ': error: ' <<<"$out" | grep -v 'is already defined in ')
dups=$(grep -c 'is already defined in ' <<<"$out")
if [ $rc = 1 ] && [ -z "$other" ] && [ "$dups" -gt 0 ]; then
	ok "accept/ as a directory: $dups cross-file duplicates named, nothing else"
else
	fail "accept/ as a directory (exit $rc)"
	diag "$other"
fi

done_testing
