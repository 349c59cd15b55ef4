#!/usr/bin/env bash
# Quick start, command 1: set up, then run the default matrix (configs/default.yaml) end to end.
# Extra arguments go to `harness run`, e.g. ./run-matrix.sh --arch s390x -v
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
"$top/scripts/setup.sh"
exec "$top/build/harness/cli/harness" run "$@"
