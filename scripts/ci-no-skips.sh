#!/usr/bin/env bash
# CI gate: fails when an e2e or integration test was skipped. In CI every tool is installed, so a
# skip there means a missing dependency or a broken check, and must not pass as green.
#
#   ctest --test-dir build --output-junit "$PWD/build/ctest-junit.xml" ...
#   scripts/ci-no-skips.sh build build/ctest-junit.xml
#
# Reads which tests ran and were skipped from ctest's JUnit file (--output-junit, CMake >= 3.21)
# and which tests carry the labels from `ctest -N -L` in the build directory. Unit tests may skip
# (they never need tools). LABELS overrides the label regex (default: e2e|integration).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR CTEST_JUNIT_XML" >&2
  exit 2
fi
build_dir=$1
junit=$2
labels=${LABELS:-e2e|integration}

if [[ ! -s $junit ]]; then
  echo "ci-no-skips: error: '$junit' is missing or empty; run ctest with --output-junit first" >&2
  exit 2
fi

# Names of the labelled tests: "  Test #12: proc_runner_test.RealRunnerTest.ReportsExitCode".
labelled=$(ctest --test-dir "$build_dir" -N -L "$labels" | sed -n 's/^ *Test *#[0-9]*: \(.*\)$/\1/p')
if [[ -z $labelled ]]; then
  echo "ci-no-skips: error: no test in '$build_dir' has a label matching '$labels'" >&2
  exit 2
fi

# Names of the skipped test cases: a <testcase name="..."> whose body holds a <skipped .../>.
skipped=$(awk '
  /<testcase / {
    name = $0
    sub(/.*<testcase[^>]* name="/, "", name)
    sub(/".*/, "", name)
    # Parameterised gtest names carry quotes: match them as `ctest -N` prints them.
    gsub(/&quot;/, "\"", name); gsub(/&apos;/, "\047", name)
    gsub(/&lt;/, "<", name); gsub(/&gt;/, ">", name); gsub(/&amp;/, "\\&", name)
    in_case = 1
    if ($0 ~ /\/>[[:space:]]*$/) in_case = 0
  }
  in_case && /<skipped/ { print name; in_case = 0 }
  /<\/testcase>/ { in_case = 0 }
' "$junit" | sort -u)

# Tests whose skip depends on the machine, not on an installed tool, each with its reason. A
# skip of one of these is printed, not failed.
may_skip=(
  # needs a /dev/kvm that runs a vCPU, so that the harness tries KVM at all; CI hosts differ
  e2e.KvmThatAbortsFallsBackToTcg
)
allowed=$(comm -12 <(printf '%s\n' "${may_skip[@]}" | sort -u) <(printf '%s\n' "$skipped"))
if [[ -n $allowed ]]; then
  echo "ci-no-skips: skipped because of this machine (allowed, see may_skip in $0):" >&2
  printf '%s\n' "$allowed" | sed 's/^/  /' >&2
fi
skipped=$(comm -23 <(printf '%s\n' "$skipped") <(printf '%s\n' "${may_skip[@]}" | sort -u))

bad=$(comm -12 <(printf '%s\n' "$labelled" | sort -u) <(printf '%s\n' "$skipped"))
if [[ -n $bad ]]; then
  echo "ci-no-skips: error: these $labels tests were skipped, but CI has every tool installed:" >&2
  printf '%s\n' "$bad" | sed 's/^/  /' >&2
  echo "ci-no-skips: each skip names its reason in the ctest log; install what is missing (scripts/setup.sh)" >&2
  exit 1
fi
echo "ci-no-skips: no $labels test was skipped"
