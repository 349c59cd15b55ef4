// `harness ci github|gitlab --shards N`: writes the CI configuration that runs the matrix as N
// shards and merges them (config/ci.h), to -o FILE or standard output.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/config/ci.h"
#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {

CLI::App* AddCi(CLI::App& app, CiArgs& args) {
  CLI::App* ci = app.add_subcommand(
      "ci", "write a GitHub Actions workflow or GitLab CI pipeline that runs the matrix as shards and merges them");
  ci->add_option("system", args.system, "github or gitlab")->required()->check(CLI::IsMember({"github", "gitlab"}));
  ci->add_option("--shards", args.shards, "how many shard jobs (1-200)")->required();
  ci->add_option("--matrix", args.matrix, "the matrix, relative to the repository root (default: configs/default.yaml)");
  ci->add_option("-o,--output", args.output,
                 "write here (e.g. .github/workflows/harness.yml or .gitlab-ci.yml); default: standard output");
  ci->add_option("--runner", args.runner_labels,
                 "a label the jobs' runner must have (GitHub runs-on; GitLab tags:), repeatable; default: GitHub's "
                 "ubuntu-latest, any GitLab runner");
  ci->add_option("--image", args.image, "the jobs' container image, a Debian (default: debian:bookworm)");
  ci->add_option("--schedule", args.schedule,
                 "the nightly's cron, five fields in UTC (default: '0 1 * * *'); GitLab keeps schedules in its "
                 "settings, so there it is the comment saying what to set");
  ci->add_option("--timeout", args.timeout_minutes, "each shard job's timeout in minutes, 1-7200 (default: 360)");
  ci->add_option("run_args", args.run_args,
                 "after --: more `harness run` arguments for every shard, e.g. -- --history /srv/history --fail-on new");
  return ci;
}

int CiCommand(const CiArgs& args) {
  const CiOptions options{.shards = args.shards,
                          .matrix = args.matrix,
                          .runner_labels = args.runner_labels,
                          .image = args.image,
                          .schedule = args.schedule,
                          .timeout_minutes = args.timeout_minutes,
                          .run_args = args.run_args};
  const std::string text = args.system == "github" ? GithubWorkflow(options) : GitlabPipeline(options);
  if (args.output.empty()) {
    std::cout << text;
    return kExitPass;
  }
  WriteFileAtomic(args.output, text);
  std::cerr << "harness: wrote " << args.output << " (" << args.shards << " shards of " << args.matrix << ")\n";
  return kExitPass;
}

}  // namespace harness
