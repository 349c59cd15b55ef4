#!/usr/bin/env bash
# CI step: the unit and integration suites built with ASan and UBSan in build-asan. Fails when a
# test fails or when any process (a test, or a harness binary it ran) wrote a sanitizer report.
#
#   scripts/ci-sanitize.sh        environment: ASAN_BUILD_DIR (default build-asan), JOBS (default 2)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${ASAN_BUILD_DIR:-$root/build-asan}
reports=$build/sanitizer-reports
jobs=${JOBS:-2}

run() {
  echo "+ $*" >&2
  "$@"
}

run cmake -S "$root" -B "$build" -DHARNESS_SANITIZE=address,undefined -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
run cmake --build "$build" -j"$jobs"

# Reports go to files as well as failing their process, so one written by a child process
# whose exit status a test ignores is still caught.
rm -rf "$reports"
mkdir -p "$reports"
# strict_memcmp=0: Boost.Process 1.74's environment find() memcmp()s "KEY=" against shorter
# entries; the bytes differ at the entry's NUL at the latest, so only a strict reading of
# memcmp (all n bytes) calls that an overflow. Real overflows are still reported.
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:strict_memcmp=0:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
status=0
run ctest --test-dir "$build" -L 'unit|integration' --output-on-failure -j"$jobs" || status=$?

if [ -n "$(ls -A "$reports")" ]; then
  echo "ci-sanitize: sanitizer reports in $reports:" >&2
  for report in "$reports"/*; do
    echo "== $report" >&2
    head -40 "$report" >&2
  done
  exit 1
fi
exit "$status"
