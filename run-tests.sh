#!/usr/bin/env bash
# Quick start, command 2: set up, then run every test: unit, integration and the end-to-end
# tests that build the Debian 6.1 kernel for six arches and boot each under QEMU.
# Extra arguments go to ctest, e.g. ./run-tests.sh -L unit
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
"$top/scripts/setup.sh"
cd "$top/build"
# e2e-extended tests (more real kernel builds) are left to bench/e2e-extended.sh.
exec ctest --output-on-failure -j2 -LE e2e-extended "$@"
