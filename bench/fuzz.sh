#!/usr/bin/env bash
# Fuzzes each libFuzzer target of tests/fuzz for SECONDS (default 60), one after the other, and
# prints per target the seconds it ran, libFuzzer's executions and the crashes it wrote. Exits 1
# when any target crashed (the input is under WORK/artifacts/<target>/, the log beside it).
#
#   bench/fuzz.sh [SECONDS]
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_WORK_DIR (default
# $FUZZ_BUILD_DIR/fuzz-work: the growing corpus, seeds, logs, crashes), FUZZ_TARGETS (default
# all), JOBS (build jobs, default 2). Needs clang++ and libFuzzer (clang, libclang-rt-14-dev).
# Reproduce a crash with: $FUZZ_BUILD_DIR/tests/fuzz/fuzz_<target> <crash file>
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${FUZZ_WORK_DIR:-$build/fuzz-work}
read -r -a targets <<< "${FUZZ_TARGETS:-record console elf btf_diff series diagnose matrix expected tar}"

run() {
  echo "+ $*" >&2
  "$@"
}

run cmake -S "$root" -B "$build" -DHARNESS_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
run cmake --build "$build" --target harness_fuzz -j"${JOBS:-2}" >/dev/null
# Seeds are regenerated from tests/data, configs/, kernel-patches/ and the ELF writer each run.
rm -rf "$work/seeds"
run "$build/tests/fuzz/harness_fuzz_seeds" "$work/seeds"

failed=0
printf '%-10s %8s %12s %8s  %s\n' target seconds executions crashes log
for target in "${targets[@]}"; do
  corpus=$work/corpus/$target
  artifacts=$work/artifacts/$target
  log=$work/$target.log
  rm -rf "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  start=$(date +%s%N)
  set +e
  # -timeout: an input that takes 30 s (parsing that grows faster than its input) is a finding;
  # generous, as a shared machine can stall a process for seconds.
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "$work/seeds/$target" >"$log" 2>&1
  status=$?
  set -e
  elapsed=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { print ns / 1e9 }')
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # slow-unit-* files only report a slow input; crash-, leak-, timeout- and oom- are findings.
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi  # died without an artifact
  printf '%-10s %8.1f %12s %8d  %s\n' "$target" "$elapsed" "${executions:-?}" "$crashes" "$log"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    grep -m1 -E 'ERROR: |terminate called|runtime error' "$log" | sed 's/^/    /' >&2 || true
    find "$artifacts" -type f ! -name 'slow-unit-*' | sed 's/^/    input: /' >&2
  fi
done
exit "$failed"
