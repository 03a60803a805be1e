#!/bin/bash
# tests/cross/check.sh ARCH [BINARY]: `podvisor check` with the binary
# make cross built for ARCH (build-cross-ARCH/podvisor, or BINARY: make
# static-cross's build-cross-ARCH/static/podvisor), under qemu-user,
# against the native one ($PODVISOR): examples/ must load, and every file of examples/
# and of the corpus ($CORPUS) must give the same objects (-o json, with
# every default filled in), messages and exit status on both: a parser
# that read a file otherwise on another architecture (a 32-bit long, a
# signed char, an argument order) would show here. TAP.
set -u
cd "$(dirname "$0")/../.." || exit 2
arch=$1
bin=${2:-build-cross-$arch/podvisor}
case $arch in
arm64) goarch=arm64 ;;
armhf) goarch=arm ;;
*) goarch=$arch ;;
esac
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# make static-cross's binary: linked statically, for ARCH
if [[ $bin == */static/* ]]; then
	what=$(file -b "$bin")
	case $arch in arm64) machine="ARM aarch64" ;; *) machine="ARM, EABI5" ;; esac
	if [[ $what == *"statically linked"* && $what == *"$machine"* ]]; then
		ok "file says: ${what%%, BuildID*}"
	else
		not_ok "file says statically linked, $machine: $what"
	fi
	syms=$(nm "$bin" 2>&1)
	if grep -q ' T curl_easy_perform$' <<<"$syms" && grep -q ' T SSL_CTX_new$' <<<"$syms" &&
		grep -q ' T ares_init$' <<<"$syms" && grep -q ' T archive_read_new$' <<<"$syms"; then
		ok "libcurl (with OpenSSL and c-ares) and libarchive are linked in"
	else
		not_ok "libcurl (with OpenSSL and c-ares) and libarchive are linked in"
	fi
fi

if tests/cross/qemu.sh "$arch" "$bin" check examples/ >"$out/examples" 2>&1 &&
	grep -q ' 0 errors' "$out/examples"; then
	ok "$bin check examples/ (under qemu-user): $(grep -m1 ' 0 errors' "$out/examples")"
else
	not_ok "$bin check examples/ (under qemu-user)"
	sed 's/^/# /' "$out/examples"
fi

if tests/cross/qemu.sh "$arch" "$bin" version --client >"$out/version" 2>&1 &&
	grep -q "linux/$goarch\$" "$out/version"; then
	ok "podvisor version --client says linux/$goarch"
else
	not_ok "podvisor version --client says linux/$goarch"
	sed 's/^/# /' "$out/version"
fi

# same FILE...: each file checked alone (-o json) by both binaries
same() {
	local f what=$1 diffs=0 total=0
	shift
	for f in "$@"; do
		total=$((total + 1))
		"$PODVISOR" check -o json "$f" >"$out/native" 2>&1
		echo "exit $?" >>"$out/native"
		tests/cross/qemu.sh "$arch" "$bin" check -o json "$f" >"$out/cross" 2>&1
		echo "exit $?" >>"$out/cross"
		if ! cmp -s "$out/native" "$out/cross"; then
			diffs=$((diffs + 1))
			[ "$diffs" -le 5 ] && diff -u "$out/native" "$out/cross" | head -20 | sed "s|^|# $f: |"
		fi
	done
	if [ "$diffs" = 0 ]; then
		ok "$what: the $total files load the same on $arch as natively"
	else
		not_ok "$what: $diffs of the $total files load otherwise on $arch than natively"
	fi
}
if [ ! -x "${PODVISOR:-}" ]; then
	skip "examples/, as natively" "no native podvisor to compare with (PODVISOR=${PODVISOR:-})"
	skip "the corpus, as natively" "no native podvisor to compare with (PODVISOR=${PODVISOR:-})"
else
	mapfile -t files < <(find examples -type f -name '*.yaml' | sort)
	same "examples/" "${files[@]}"
	if [ -d "${CORPUS:-}" ]; then
		mapfile -t files < <(find "$CORPUS" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
		same "the corpus" "${files[@]}"
	else
		skip "the corpus, as natively" "no corpus at CORPUS=${CORPUS:-}"
	fi
fi
echo "1..$n"
[ "$failed" = 0 ]
