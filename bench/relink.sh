#!/usr/bin/env bash
# Usage: bench/relink.sh ARCH [OUT]
# Build stage of a series that only touches scripts/link-vmlinux.sh, after the tree was built,
# against a cold (ccache disabled) build of the same arch. Target: 20% of cold or less.
set -euo pipefail
arch=${1:?usage: bench/relink.sh ARCH [OUT]}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$(mktemp -d /tmp/harness-relink.XXXXXX)}
harness=$top/build/harness/cli/harness
series=$top/kernel-patches/regressions/output-format-objdump-fix
stage() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(sum(s["seconds"] for c in r["cells"] for s in c["stages"] if s["stage"]==sys.argv[2]),1))' "$1" "$2"
}
echo "arch $arch, output in $out"
CCACHE_DISABLE=1 "$harness" run --arch "$arch" --stop-after inspect --out "$out" >"$out.cold.log" 2>&1 || true
cold=$(stage "$out/results.json" build)
"$harness" run --arch "$arch" --stop-after inspect --series "$series" --out "$out" >"$out.series.log" 2>&1 || true
relink=$(stage "$out/results.json" build)
echo "cold build:                          $cold s"
echo "after a link-vmlinux.sh-only series: $relink s  ($series)"
echo "ratio: $(echo "scale=3; $relink / $cold * 100" | bc) % of cold"
