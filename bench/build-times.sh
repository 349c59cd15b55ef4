#!/usr/bin/env bash
# Usage: bench/build-times.sh ARCH [OUT]
# Cold (CCACHE_DISABLE=1), ccache-warm (fresh output dir) and no-op build times through the
# harness, and the harness's overhead against the raw make command it printed.
set -euo pipefail
arch=${1:?usage: bench/build-times.sh ARCH [OUT]}
top=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$(mktemp -d /tmp/harness-bench.XXXXXX)}
harness=$top/build/harness/cli/harness
stage() {  # stage() RESULTS STAGE -> seconds
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(round(sum(s["seconds"] for c in r["cells"] for s in c["stages"] if s["stage"]==sys.argv[2]),1))' "$1" "$2"
}
run() {  # run() OUT [env...] -> wall seconds
  local dir=$1; shift
  local t0=$(date +%s.%N)
  env "$@" "$harness" run --arch "$arch" --stop-after inspect --out "$dir" >"$dir.log" 2>&1 || true
  echo "$(date +%s.%N) - $t0" | bc
}
mkdir -p "$out"
echo "arch $arch, output under $out"
cold=$(run "$out/cold" CCACHE_DISABLE=1)
echo "cold build (ccache disabled):     build stage $(stage "$out/cold/results.json" build) s, harness wall $cold s"
warm=$(run "$out/warm")
echo "ccache-warm build (new out dir):  build stage $(stage "$out/warm/results.json" build) s, harness wall $warm s"
noop=$(run "$out/warm")
echo "no-op re-run (same out dir):      build stage $(stage "$out/warm/results.json" build) s, harness wall $noop s"
cmd=$(cat "$out/warm/debian-6.1/none/$arch-gcc/make-command.txt")
t0=$(date +%s.%N); sh -c "$cmd" >/dev/null 2>&1; raw=$(echo "$(date +%s.%N) - $t0" | bc)
echo "raw make, no-op (the printed command): $raw s"
echo "harness overhead on a no-op: $(echo "$noop - $raw" | bc) s  (harness run --arch $arch --stop-after inspect vs: $cmd)"
