#!/usr/bin/env bash
# Usage: bench/module-btf-cost.sh [BUILDS] [REPS]
# What checking the test module's BTF costs a boot: each arch's existing build under BUILDS
# (default build/e2e-out/default/debian-6.1) booted REPS times (default 5) by `harness boot`
# without --module (old_s) and with --module <build>/harness-btfmod/btfmod.ko (new_s),
# alternating; prints the median `boot` stage of each and the difference.
# Target (issue 26): the module and BPF checks add no more than 0.3 s to a boot on any arch.
COMPARE=module exec "$(dirname "$0")/kernel-verdict-cost.sh" "${1:-}" "${2:-5}"
