#!/usr/bin/env bash
# CI step: every fuzz target for 30 s from its seeds; fails on any crash. See bench/fuzz.sh.
set -euo pipefail
exec "$(dirname "$0")/../bench/fuzz.sh" 30
