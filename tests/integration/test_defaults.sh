#!/bin/bash
# asan: yes
# Defaulting per kind: `check -o json X.yaml` must equal X.json, which was
# written by hand from Kubernetes' defaults.go (see defaults/README.md).
. "$(dirname "$0")/lib.sh"
dir=$(dirname "$0")/defaults

compare() { # GOT WANT: print the differences, exit 1 if any
	python3 - "$1" "$2" <<'PY'
import json, sys
got, want = (json.load(open(p)) for p in sys.argv[1:3])
bad = []
def diff(x, y, p):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x: bad.append(f"missing {p}.{k} = {json.dumps(y[k])[:120]}")
            elif k not in y: bad.append(f"unexpected {p}.{k} = {json.dumps(x[k])[:120]}")
            else: diff(x[k], y[k], f"{p}.{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)): diff(u, v, f"{p}[{i}]")
    elif x != y or type(x) != type(y):
        bad.append(f"{p}: got {json.dumps(x)[:120]}, want {json.dumps(y)[:120]}")
diff(got, want, "")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}

for y in "$dir"/*.yaml; do
	name=$(basename "$y" .yaml)
	if ! "$PODVISOR" check -o json "$y" >"$T_TMP/$name.json" 2>"$T_TMP/err"; then
		fail "defaults: $name does not load"
		diag "$(cat "$T_TMP/err")"
		continue
	fi
	if out=$(compare "$T_TMP/$name.json" "$dir/$name.json"); then
		ok "defaults: $name matches Kubernetes"
	else
		fail "defaults: $name differs from Kubernetes"
		diag "$out"
	fi
done

done_testing
