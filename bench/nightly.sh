#!/usr/bin/env bash
# Usage: bench/nightly.sh [OUT] [harness run options...]
# The whole nightly matrix (configs/nightly.yaml: Debian 5.10, 6.1 and 6.12 x six arches x gcc
# and clang; 30 cells built and booted, 6 excluded by the toolchain data), then its wall time
# and each built cell's build time from results.json. Cold on 2 cores this is hours: run it on an
# otherwise idle machine. The first run also fetches 5.10 and 6.12 (private apt, ~120 MB each)
# and imports each tree into git once.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/nightly-out}
shift || true
"$top/scripts/setup.sh"
harness=$top/build/harness/cli/harness
mkdir -p "$out"
"$harness" run "$top/configs/nightly.yaml" --list
start=$(date +%s.%N)
status=0
"$harness" run "$top/configs/nightly.yaml" -j "$(nproc)" --out "$out" "$@" >"$out/nightly.log" 2>&1 || status=$?
end=$(date +%s.%N)
python3 - "$out/results.json" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
verdicts = {}
for c in r["cells"]:
    verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
    stages = {s["stage"]: s["seconds"] for s in c["stages"] if not s.get("skipped")}
    facts = c.get("facts", {})
    if c["verdict"] == "excluded":
        print(f"{c['cell']:32} excluded: {c['detail']}")
    else:
        print(f"{c['cell']:32} {c['verdict']:22} build {stages.get('build', 0):7.1f} s  boot {stages.get('boot', 0):5.1f} s"
              f"  {facts.get('tree_version', '')}  {facts.get('toolchain_version', '')}")
print(f"nightly wall time: {wall / 60:.1f} min; verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
PY
echo "command: $harness run $top/configs/nightly.yaml -j $(nproc) --out $out $*  (log: $out/nightly.log)"
exit $status
