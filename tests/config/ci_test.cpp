// The generated CI files, parsed back with yaml-cpp and checked against what each system
// requires: the job graph, the matrix size, the exact commands, the image, the artifacts and
// the cache.
#include "harness/config/ci.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "harness/core/error.h"
#include "tests/support/error_of.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

// The `run:` lines of a GitHub job's steps.
std::vector<std::string> Runs(const YAML::Node& job) {
  std::vector<std::string> runs;
  for (const auto& step : job["steps"]) {
    if (step["run"]) runs.push_back(step["run"].as<std::string>());
  }
  return runs;
}

// The step of a GitHub job that uses `action` (an empty node when none does).
YAML::Node Uses(const YAML::Node& job, const std::string& action) {
  for (const auto& step : job["steps"]) {
    if (step["uses"] && step["uses"].as<std::string>() == action) return step;
  }
  return YAML::Node();
}

TEST(GithubWorkflowTest, OneJobPerShardThenMerge) {
  const YAML::Node wf = YAML::Load(GithubWorkflow({.shards = 3, .matrix = "configs/nightly.yaml"}));
  const YAML::Node shard = wf["jobs"]["shard"], merge = wf["jobs"]["merge"];
  ASSERT_TRUE(shard.IsMap());
  ASSERT_TRUE(merge.IsMap());
  EXPECT_EQ(wf["jobs"].size(), 2u);
  EXPECT_EQ(wf["env"]["HARNESS_MATRIX"].as<std::string>(), "configs/nightly.yaml");
  EXPECT_EQ(wf["env"]["HARNESS_CCACHE_REMOTE"].as<std::string>(), "${{ secrets.HARNESS_CCACHE_REMOTE }}");

  // The matrix: shards 1..3, none cancelled by another's failure.
  EXPECT_EQ(shard["strategy"]["matrix"]["shard"].as<std::vector<int>>(), (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(shard["strategy"]["fail-fast"].as<bool>());
  EXPECT_EQ(shard["container"].as<std::string>(), "debian:bookworm");
  EXPECT_EQ(merge["container"].as<std::string>(), "debian:bookworm");

  const auto runs = Runs(shard);
  EXPECT_THAT(runs, ::testing::Contains(HasSubstr("scripts/setup.sh")));
  EXPECT_THAT(runs, ::testing::Contains(
                        "build/harness/cli/harness run \"$HARNESS_MATRIX\" --shard ${{ matrix.shard }}/3 "
                        "--out harness-out/shard-${{ matrix.shard }} --run-id ${{ github.run_id }}"));
  // Not run_attempt: after "Re-run failed jobs" the shards that passed keep their first attempt's
  // artifacts, and the merge of attempt 2 would refuse them as another run's.
  const YAML::Node upload = Uses(shard, "actions/upload-artifact@v4");
  ASSERT_TRUE(upload.IsMap());
  EXPECT_EQ(upload["if"].as<std::string>(), "always()");
  EXPECT_EQ(upload["with"]["name"].as<std::string>(), "shard-${{ matrix.shard }}");
  EXPECT_THAT(upload["with"]["path"].as<std::string>(), HasSubstr("harness-out/shard-${{ matrix.shard }}\n"));
  // The cache: restored from the newest night of this shard, saved even when a cell failed.
  const YAML::Node restore = Uses(shard, "actions/cache/restore@v4"), save = Uses(shard, "actions/cache/save@v4");
  ASSERT_TRUE(restore.IsMap());
  ASSERT_TRUE(save.IsMap());
  const std::string key = "harness-shard-${{ matrix.shard }}-of-3-${{ github.run_id }}";
  EXPECT_THAT(restore["with"]["path"].as<std::string>(), HasSubstr("~/.cache/harness\n"));
  EXPECT_EQ(restore["with"]["key"].as<std::string>(), key);
  EXPECT_EQ(restore["with"]["restore-keys"].as<std::string>(), "harness-shard-${{ matrix.shard }}-of-3-\n");
  EXPECT_EQ(save["with"]["key"].as<std::string>(), key);
  EXPECT_EQ(save["with"]["path"].as<std::string>(), restore["with"]["path"].as<std::string>());
  EXPECT_EQ(save["if"].as<std::string>(), "always()");

  // The merge waits for every shard, runs even when one failed, and publishes the page.
  EXPECT_EQ(merge["needs"].as<std::string>(), "shard");
  EXPECT_EQ(merge["if"].as<std::string>(), "always()");
  EXPECT_EQ(Uses(merge, "actions/download-artifact@v4")["with"]["pattern"].as<std::string>(), "shard-*");
  EXPECT_EQ(Uses(merge, "actions/download-artifact@v4")["with"]["path"].as<std::string>(), "harness-out");
  EXPECT_THAT(Runs(merge), ::testing::Contains(
                               "build/harness/cli/harness merge harness-out/shard-* --out harness-out --allow-missing "
                               "--summary-to-env --run-id ${{ github.run_id }}"));
  EXPECT_THAT(Uses(merge, "actions/upload-artifact@v4")["with"]["path"].as<std::string>(),
              HasSubstr("harness-out/report.html"));
}

TEST(GitlabPipelineTest, ParallelShardsThenMergeStage) {
  const YAML::Node p = YAML::Load(GitlabPipeline({.shards = 4, .matrix = "configs/default.yaml"}));
  EXPECT_EQ(p["stages"].as<std::vector<std::string>>(), (std::vector<std::string>{"shard", "merge"}));
  const YAML::Node shard = p["shard"], merge = p["merge"];
  EXPECT_EQ(shard["stage"].as<std::string>(), "shard");
  EXPECT_EQ(shard["parallel"].as<int>(), 4);
  EXPECT_EQ(shard["image"].as<std::string>(), "debian:bookworm");
  EXPECT_EQ(shard["script"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"scripts/setup.sh",
                                      "build/harness/cli/harness run \"$HARNESS_MATRIX\" --shard "
                                      "$CI_NODE_INDEX/4 --out harness-out/shard-$CI_NODE_INDEX --run-id $CI_PIPELINE_ID"}));
  EXPECT_EQ(shard["artifacts"]["when"].as<std::string>(), "always");
  EXPECT_EQ(shard["artifacts"]["paths"][0].as<std::string>(), "harness-out/shard-$CI_NODE_INDEX");
  EXPECT_FALSE(shard["artifacts"]["reports"]);  // the merge reports every cell, once
  EXPECT_EQ(shard["cache"]["key"].as<std::string>(), "harness-shard-$CI_NODE_INDEX-of-4");
  EXPECT_EQ(shard["cache"]["paths"][0].as<std::string>(), ".cache/harness");
  EXPECT_EQ(p["variables"]["HARNESS_CACHE"].as<std::string>(), "$CI_PROJECT_DIR/.cache/harness");

  EXPECT_EQ(merge["stage"].as<std::string>(), "merge");
  EXPECT_EQ(merge["needs"][0]["job"].as<std::string>(), "shard");
  EXPECT_TRUE(merge["needs"][0]["artifacts"].as<bool>());
  EXPECT_EQ(merge["when"].as<std::string>(), "always");
  EXPECT_EQ(merge["image"].as<std::string>(), "debian:bookworm");
  // One run id for every shard and the merge, so a shard's results.json from another pipeline is refused.
  EXPECT_EQ(merge["script"][1].as<std::string>(),
            "build/harness/cli/harness merge harness-out/shard-* --out harness-out --allow-missing --run-id $CI_PIPELINE_ID");
  EXPECT_EQ(merge["artifacts"]["reports"]["junit"].as<std::string>(), "harness-out/junit.xml");
}

// The workflow reads the repository only, and a run in progress (a nightly) is never cancelled
// by the next: one group per workflow and ref.
TEST(GithubWorkflowTest, ReadOnlyAndOneRunAtATime) {
  const YAML::Node wf = YAML::Load(GithubWorkflow({.shards = 2}));
  ASSERT_TRUE(wf["permissions"].IsMap());
  EXPECT_EQ(wf["permissions"].size(), 1u);
  EXPECT_EQ(wf["permissions"]["contents"].as<std::string>(), "read");
  EXPECT_EQ(wf["concurrency"]["group"].as<std::string>(), "${{ github.workflow }}-${{ github.ref }}");
  EXPECT_FALSE(wf["concurrency"]["cancel-in-progress"].as<bool>());
  EXPECT_TRUE(wf["on"]["workflow_dispatch"].IsDefined());
  EXPECT_EQ(wf["on"]["schedule"][0]["cron"].as<std::string>(), "0 1 * * *");
}

// A pipeline runs only when scheduled or started by hand, never on a push.
TEST(GitlabPipelineTest, WorkflowRulesScheduleAndWeb) {
  const YAML::Node rules = YAML::Load(GitlabPipeline({.shards = 2}))["workflow"]["rules"];
  ASSERT_TRUE(rules.IsSequence());
  std::vector<std::string> ifs;
  for (const auto& rule : rules) ifs.push_back(rule["if"].as<std::string>());
  EXPECT_EQ(ifs, (std::vector<std::string>{"$CI_PIPELINE_SOURCE == \"schedule\"", "$CI_PIPELINE_SOURCE == \"web\""}));
}

// GitLab's parallel: takes 2..200: one shard is one plain job running 1/1.
TEST(GitlabPipelineTest, OneShardIsAPlainJob) {
  const YAML::Node p = YAML::Load(GitlabPipeline({.shards = 1}));
  EXPECT_FALSE(p["shard"]["parallel"]);
  EXPECT_THAT(p["shard"]["script"][1].as<std::string>(),
              HasSubstr("--shard 1/1 --out harness-out/shard-1 --run-id $CI_PIPELINE_ID"));
  const YAML::Node wf = YAML::Load(GithubWorkflow({.shards = 1}));
  EXPECT_EQ(wf["jobs"]["shard"]["strategy"]["matrix"]["shard"].as<std::vector<int>>(), (std::vector<int>{1}));
}

// Given every knob, each job should take the runner labels and the image, the shards the
// timeout, the nightly the schedule, and every shard's run line the extra arguments quoted once
// for the shell (a '#' or ': ' in one stays in the line), with the header saying how to regenerate.
TEST(GithubWorkflowTest, Knobs) {
  const CiOptions options{.shards = 2,
                          .runner_labels = {"self-hosted", "x64"},
                          .image = "registry.example:5000/debian:12",
                          .schedule = "30 2 * * 1-5",
                          .timeout_minutes = 90,
                          .run_args = {"--history", "/srv/h", "--cmdline", "console=ttyS0 # a: b"}};
  const std::string text = GithubWorkflow(options);
  EXPECT_THAT(text, HasSubstr("# Generated by `harness ci github --shards 2 --matrix configs/default.yaml --runner "
                              "self-hosted --runner x64 --image registry.example:5000/debian:12 --schedule "
                              "'30 2 * * 1-5' --timeout 90 -- --history /srv/h --cmdline 'console=ttyS0 # a: b'`"));
  const YAML::Node wf = YAML::Load(text);
  EXPECT_EQ(wf["on"]["schedule"][0]["cron"].as<std::string>(), "30 2 * * 1-5");
  for (const char* job : {"shard", "merge"}) {
    EXPECT_EQ(wf["jobs"][job]["runs-on"].as<std::vector<std::string>>(), (std::vector<std::string>{"self-hosted", "x64"}));
    EXPECT_EQ(wf["jobs"][job]["container"].as<std::string>(), "registry.example:5000/debian:12");
  }
  EXPECT_EQ(wf["jobs"]["shard"]["timeout-minutes"].as<int>(), 90);
  EXPECT_THAT(Runs(wf["jobs"]["shard"]),
              ::testing::Contains("build/harness/cli/harness run \"$HARNESS_MATRIX\" --shard ${{ matrix.shard }}/2 "
                                  "--out harness-out/shard-${{ matrix.shard }} --run-id ${{ github.run_id }} "
                                  "--history /srv/h --cmdline 'console=ttyS0 # a: b'"));
  // The defaults: GitHub's hosted runner, Debian bookworm, 6 hours, 01:00 UTC.
  const YAML::Node plain = YAML::Load(GithubWorkflow({.shards = 2}));
  EXPECT_EQ(plain["jobs"]["shard"]["runs-on"].as<std::string>(), "ubuntu-latest");
  EXPECT_EQ(plain["jobs"]["shard"]["timeout-minutes"].as<int>(), 360);
}

TEST(GitlabPipelineTest, Knobs) {
  const CiOptions options{.shards = 3,
                          .runner_labels = {"kvm", "big"},
                          .image = "debian:trixie",
                          .schedule = "0 3 * * 0",
                          .timeout_minutes = 90,
                          .run_args = {"--fail-on", "new", "--history", "/srv/a b"}};
  const std::string text = GitlabPipeline(options);
  // GitLab keeps the schedule in its settings: the file says what to set.
  EXPECT_THAT(text, HasSubstr("Schedules with the cron \"0 3 * * 0\", UTC"));
  const YAML::Node p = YAML::Load(text);
  for (const char* job : {"shard", "merge"}) {
    EXPECT_EQ(p[job]["tags"].as<std::vector<std::string>>(), (std::vector<std::string>{"kvm", "big"}));
    EXPECT_EQ(p[job]["image"].as<std::string>(), "debian:trixie");
  }
  EXPECT_EQ(p["shard"]["timeout"].as<std::string>(), "1h 30m");
  EXPECT_EQ(p["shard"]["script"][1].as<std::string>(),
            "build/harness/cli/harness run \"$HARNESS_MATRIX\" --shard $CI_NODE_INDEX/3 --out "
            "harness-out/shard-$CI_NODE_INDEX --run-id $CI_PIPELINE_ID --fail-on new --history '/srv/a b'");
  EXPECT_EQ(YAML::Load(GitlabPipeline({.shards = 2, .timeout_minutes = 45}))["shard"]["timeout"].as<std::string>(), "45m");
  const YAML::Node plain = YAML::Load(GitlabPipeline({.shards = 2}));
  EXPECT_FALSE(plain["shard"]["tags"]);
  EXPECT_EQ(plain["shard"]["timeout"].as<std::string>(), "6h");
}

std::string CiError(const CiOptions& options) {
  return testing::HarnessErrorOf([&] { GithubWorkflow(options); });
}

// Given a knob that cannot go into the file as it is, the error should name it and say what is accepted.
TEST(CiOptionsTest, KnobErrors) {
  EXPECT_EQ(CiError({.schedule = "0 1 * *"}),
            "--schedule '0 1 * *': expected five cron fields (minute hour day-of-month month day-of-week, UTC), "
            "e.g. '0 1 * * *'; it has 4");
  EXPECT_EQ(CiError({.schedule = "61 1 * * *"}), "--schedule '61 1 * * *': the minute field '61' is not from 0 to 59");
  EXPECT_EQ(CiError({.schedule = "0 1 * * MON"}),
            "--schedule '0 1 * * MON': the day of the week field 'MON' is not *, a number or a range N-M (no names)");
  EXPECT_EQ(CiError({.schedule = "*/0 1 * * *"}), "--schedule '*/0 1 * * *': the minute field '*/0' has no step of 1 or more after '/'");
  EXPECT_EQ(CiError({.schedule = "0 1 0 * *"}), "--schedule '0 1 0 * *': the day of the month field '0' is not from 1 to 31");
  for (const char* good : {"*/15 * * * *", "0 1,13 1-15 */2 1-5", "5 4 31 12 6"}) {
    EXPECT_EQ(CiError({.schedule = good}), "no error") << good;
  }
  EXPECT_THAT(CiError({.timeout_minutes = 0}), HasSubstr("--timeout 0: give a shard job's minutes from 1 to 7200"));
  EXPECT_THAT(CiError({.timeout_minutes = 7201}), HasSubstr("--timeout 7201"));
  EXPECT_THAT(CiError({.runner_labels = {"a b"}}), HasSubstr("--runner 'a b': a runner label or tag is letters"));
  EXPECT_THAT(CiError({.runner_labels = {"x\", \"y"}}), HasSubstr("--runner"));
  EXPECT_THAT(CiError({.image = ""}), HasSubstr("--image '': expected an image reference"));
  EXPECT_THAT(CiError({.image = "debian:bookworm\nrun: x"}), HasSubstr("--image"));
  for (const char* own : {"--shard", "--out=x", "--run-id", "--list"}) {
    EXPECT_THAT(CiError({.run_args = {own}}), HasSubstr("every shard job sets --shard, --out and --run-id itself")) << own;
  }
  EXPECT_THAT(CiError({.run_args = {"--cmdline", "a\nb"}}), HasSubstr("holds a line break"));
}

TEST(CiOptionsTest, Errors) {
  EXPECT_THROW(GithubWorkflow({.shards = 0}), HarnessError);
  EXPECT_THROW(GitlabPipeline({.shards = 201}), HarnessError);
  EXPECT_THROW(GithubWorkflow({.shards = 2, .matrix = "/abs/m.yaml"}), HarnessError);
  EXPECT_THROW(GithubWorkflow({.shards = 2, .matrix = "m.yaml; rm -rf /"}), HarnessError);
  EXPECT_NO_THROW(GithubWorkflow({.shards = 200}));
}

}  // namespace
}  // namespace harness
