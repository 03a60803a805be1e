#!/bin/bash
# tests/cross/unit.sh ARCH TEST-BINARY [ARG...]: one unit test binary (or
# tests/cross/test_arch) built for ARCH, run under qemu-user
# (tests/cross/qemu.sh), its TAP passed on. A result that
# tests/cross/qemu-skips.tsv lists for this binary is turned into a skip
# with the reason written there when it failed (one that passes, passes):
# those tests need something of the kernel's that qemu-user does not pass
# through. The
# exit status is the number of failures left, or the binary's own status
# when that says something else went wrong (a crash, a timeout).
set -u
cd "$(dirname "$0")/../.." || exit 2
arch=$1 bin=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CMOCKA_MESSAGE_OUTPUT=TAP tests/cross/qemu.sh "$arch" "$bin" "$@" >"$out" 2>&1
rc=$?
awk -F'\t' -v bin="$(basename "$bin")" -v rc="$rc" '
FNR == NR { # the list: binary, test, why
	if ($0 !~ /^#/ && NF >= 3 && $1 == bin)
		why[$2] = $3
	next
}
/^(not )?ok([ \t]|$)/ && tolower($0) !~ /#[ \t]*skip/ {
	num = name = $0
	sub(/^(not )?ok[ \t]+/, "", num)
	sub(/[^0-9].*/, "", num)
	sub(/^(not )?ok[ \t]+[0-9]+[ \t]*(-[ \t]*)?/, "", name)
	if ($0 ~ /^ok/) {
		print
		next
	}
	failed++
	if (name in why) {
		printf "ok %s - %s # SKIP under qemu-user: %s\n", num, name, why[name]
		next
	}
	left++
}
{ print }
END {
	# cmocka exits with its count of failed tests; a status it would not
	# give (a signal: 128+N) is passed on as it is
	if (rc == 0 || (failed > 0 && rc <= failed))
		exit left > 0 ? 1 : 0
	exit rc
}' tests/cross/qemu-skips.tsv "$out"
