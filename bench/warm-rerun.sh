#!/usr/bin/env bash
# Usage: bench/warm-rerun.sh [OUT] [harness run options...]
# A warm re-run of the default matrix (nothing changed since the last run into OUT): its wall
# time against the sum of its cells' stage times, i.e. what running the cells side by side
# (the scheduler, -j budget) saves over running them one after another. The first run into a
# new OUT builds everything; only the second is measured.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/e2e-out/default}
shift || true
harness=$top/build/harness/cli/harness
jobs=$(nproc)
"$harness" run -j "$jobs" --out "$out" "$@" >"$out.warm-1.log" 2>&1 || true
start=$(date +%s.%N)
"$harness" run -j "$jobs" --out "$out" "$@" >"$out.warm-2.log" 2>&1 || true
end=$(date +%s.%N)
python3 - "$out/results.json" "$start" "$end" "$jobs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
cells = r["cells"]
summed = sum(s["seconds"] for c in cells for s in c["stages"] if not s.get("skipped"))
verdicts = {}
for c in cells:
    verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
print(f"warm re-run of {len(cells)} cells with -j {sys.argv[4]}: {wall:.1f} s wall")
print(f"sum of the cells' stage times: {summed:.1f} s (one cell after another would take about this)")
print("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
PY
echo "command: $harness run -j $jobs --out $out $*  (logs: $out.warm-2.log)"
