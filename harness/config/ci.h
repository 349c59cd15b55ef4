#pragma once
// `harness ci github|gitlab`: the CI configuration that runs a matrix as N shards on the CI
// system's own job matrix (one job per `harness run --shard K/N`, each in a debian:bookworm
// container set up by scripts/setup.sh), then one job that runs `harness merge` over all their
// output directories. Written as text, with comments for the engineer who commits it; the tests
// parse it back with yaml-cpp.
#include <string>

namespace harness {

struct CiOptions {
  int shards = 1;
  std::string matrix = "configs/default.yaml";  // relative to the repository root
};

// Throws HarnessError when `options` cannot make a configuration (shards outside 1..200, an
// absolute or empty matrix path).
void CheckCiOptions(const CiOptions& options);

// .github/workflows/harness.yml: strategy.matrix over shard 1..N, then a merge job.
std::string GithubWorkflow(const CiOptions& options);

// .gitlab-ci.yml: a `shard` job with parallel: N (CI_NODE_INDEX), then a `merge` stage.
std::string GitlabPipeline(const CiOptions& options);

}  // namespace harness
