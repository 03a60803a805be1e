#!/bin/sh
# make demo: what podvisor can do on this checkout, on examples/.
# Today that is the manifest loader: every object the daemon would run,
# with Kubernetes' defaults applied, or the located errors it would report.
set -eu
bin=${1:-build/podvisor}
cd "$(dirname "$0")/.."

echo "== podvisor check examples/"
"$bin" check examples/
echo
echo "== what the node would run for examples/hello.yaml, defaults applied"
"$bin" check -o yaml examples/hello.yaml 2>/dev/null | sed -n '1,60p'
echo "   ..."
echo
echo "== a broken edit is refused with its location, and nothing else changes"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/containerPort: 8080/containerPort: "8080"/; s/name: hello$/name: Hello/' examples/hello.yaml >"$tmp/hello.yaml"
"$bin" check "$tmp/hello.yaml" || true
echo
echo "The daemon (podvisor daemon --manifests DIR) is being built next: see"
echo "the project's issues. 'make check' runs every test."
