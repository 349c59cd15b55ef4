#!/usr/bin/env bash
# Quick start, command 2: set up, then run every test: unit, integration and the end-to-end
# tests that build the Debian 6.1 kernel for six arches and boot each under QEMU.
# Extra arguments go to ctest, e.g. ./run-tests.sh -L unit
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
# What only the tests need, on top of what scripts/setup.sh installs for ./run-matrix.sh.
test_packages=(
  clang libfuzzer-14-dev libclang-rt-14-dev           # fuzz targets and sanitizer runtime (CI: scripts/ci-fuzz.sh)
  chromium                                            # report.html loaded headless (integration test)
  redis-server                                        # the shared ccache server (integration test; never started in production)
  tmux                                                # live progress checked in a real terminal (integration test)
)
"$top/scripts/setup.sh" "${test_packages[@]}"
cd "$top/build"
# e2e-extended tests (more real kernel builds) are left to bench/e2e-extended.sh.
exec ctest --output-on-failure -j2 -LE e2e-extended "$@"
