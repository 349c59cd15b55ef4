#pragma once
// `harness ci github|gitlab`: the CI configuration that runs a matrix as N shards on the CI
// system's own job matrix (one job per `harness run --shard K/N`, each in a debian:bookworm
// container set up by scripts/setup.sh), then one job that runs `harness merge` over all their
// output directories. Written as text, with comments for the engineer who commits it; the tests
// parse it back with yaml-cpp.
#include <string>
#include <vector>

namespace harness {

struct CiOptions {
  int shards = 1;
  std::string matrix = "configs/default.yaml";  // relative to the repository root
  // The runners the jobs take: GitHub `runs-on` labels, GitLab `tags:`; none: GitHub's
  // ubuntu-latest, GitLab's any runner.
  std::vector<std::string> runner_labels;
  // The jobs' container: a Debian (scripts/setup.sh installs with apt-get).
  std::string image = "debian:bookworm";
  // When the nightly runs: five cron fields, UTC. GitHub reads it from the file; GitLab keeps
  // schedules in its settings, so there it is only the comment saying what to set.
  std::string schedule = "0 1 * * *";
  int timeout_minutes = 360;  // each shard job's
  // More `harness run` arguments for every shard (e.g. --history DIR --fail-on new), passed
  // through shell-quoted; not --shard, --out or --run-id, which the jobs set.
  std::vector<std::string> run_args;
};

// Throws HarnessError when `options` cannot make a configuration (shards outside 1..200, an
// absolute or empty matrix path, a label or image that is no plain word, a schedule that is not
// five cron fields of numbers in range, a timeout outside 1..7200 minutes, a run argument the
// jobs set themselves or with a line break).
void CheckCiOptions(const CiOptions& options);

// .github/workflows/harness.yml: strategy.matrix over shard 1..N, then a merge job.
std::string GithubWorkflow(const CiOptions& options);

// .gitlab-ci.yml: a `shard` job with parallel: N (CI_NODE_INDEX), then a `merge` stage.
std::string GitlabPipeline(const CiOptions& options);

}  // namespace harness
