#!/usr/bin/env bash
# The real-kernel tests kept out of ./run-tests.sh and CI (CTest label e2e-extended) to hold a
# cold CI run under an hour: today e2e.KernelWithoutBtfIsBtfFileMissing, a second whole x86_64
# build without CONFIG_DEBUG_INFO_BTF (btf file missing, and a stale image against the BTF
# build), e2e.CorpusAgreesWithExpectedVerdicts (the regression corpus: 12 entries on x86_64,
# arm64 and s390x), e2e.DefineOutputFormatFixesOutputFormat, e2e.BisectOnX86_64SaysNothingToBisect
# (the real bisect's x86_64 endpoints), e2e.NightlyDebian61Arm64ClangPasses and
# e2e.NightlyDebian510S390xGccPasses and e2e.NightlyDebian612X86_64ClangPasses (the nightly
# matrix's clang cells and its 5.10 and 6.12 trees)
# and e2e.ShardsSharingRedisMergeToTheVerdictsOfOneRun (three shards with empty local caches
# sharing a redis-server, merged; one shard again from Redis alone and with no cache) and
# e2e.LinkStepCorpusIncrementalEqualsClean (five link-step corpus entries on x86_64, built
# incrementally and from clean: the same verdict and BTF; issue 24's invariant). Most need the default matrix's kernels (the e2e_built fixture),
# which ctest builds first if needed. Sets up like ./run-tests.sh, then prints each test's time.
#
#   bench/e2e-extended.sh [ctest arguments]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
cd "$top/build"
exec ctest --output-on-failure -L e2e-extended "$@"
