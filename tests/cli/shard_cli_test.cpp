// Integration: `harness run --shard K/3` on a git repository of the fake kernel tree (three
// arches, s390x's build failing BTF generation), each shard into its own --out, then `harness
// merge`: the merged verdicts and exit code should be those of one unsharded run. Also
// `--list --shard`, an empty shard, and merge's errors through the binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/support/fake_tree_cli.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ShardCliTest : public FakeTreeCliTest {
 protected:
  void SetUp() override {
    FakeTreeCliTest::SetUp();
    if (!IsSkipped()) MakeRepo();
  }
  // The fake tree as a git repository, one commit whose s390 build fails BTF generation.
  void MakeRepo() {
    const fs::path repo = dir_ / "linux";
    fs::copy(fs::path(HARNESS_TEST_DATA) / "fakelinux", repo, fs::copy_options::recursive);
    WriteFile(repo / "local.mk", "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) +
                                     "\nifeq ($(ARCH),s390)\nFAIL := btf\nendif\n");
    Git(repo, {"init", "-q"});
    Git(repo, {"add", "-A"});
    Git(repo, {"commit", "-q", "-m", "fake"});
    WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, git: " + repo.string() +
                                        ", ref: HEAD}]\narches: [x86_64, arm64, s390x]\n"
                                        "kconfig: {base: tinyconfig, fragments: [common.config]}\n");
  }
  ProcessResult Run(const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> argv = {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect",
                                     "-j", "1", "--out", (dir_ / out).string(), "--cache", (dir_ / "cache").string(),
                                     "--data-dir", HARNESS_SOURCE_DIR};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Exec(argv, {{"PATH", path_}});
  }
  ProcessResult Merge(std::vector<std::string> dirs, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {HARNESS_BIN, "merge"};
    for (const auto& d : dirs) argv.push_back((dir_ / d).string());
    argv.insert(argv.end(), {"--out", (dir_ / out).string()});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Exec(argv);
  }
  // cell id -> verdict, from a results.json.
  std::map<std::string, std::string> Verdicts(const std::string& out) {
    std::map<std::string, std::string> verdicts;
    const auto j = nlohmann::json::parse(ReadFile(dir_ / out / "results.json"));
    for (const auto& c : j.at("cells")) verdicts[c.at("cell").get<std::string>()] = c.at("verdict").get<std::string>();
    return verdicts;
  }
};

// Given the matrix as three shards and merged, the verdicts and the exit code should be those of
// one unsharded run, with report.html and summary.md for the whole matrix.
TEST_F(ShardCliTest, MergedShardsEqualOneRun) {
  const ProcessResult whole = Run("whole", {});
  ASSERT_EQ(whole.exit_code, 1) << whole.output;  // s390x fails
  std::set<std::string> listed;
  for (int k = 1; k <= 3; ++k) {
    const std::string shard = std::to_string(k) + "/3";
    const ProcessResult list = Run("unused", {"--list", "--shard", shard});
    ASSERT_EQ(list.exit_code, 0) << list.output;
    EXPECT_THAT(list.output, HasSubstr("shard " + shard + ": 1 cell, 1 to run"));
    for (const char* arch : {"x86_64", "arm64", "s390x"}) {
      if (list.output.find(std::string("run      fake/none/") + arch) != std::string::npos) listed.insert(arch);
    }
    // Run by hand without --run-id: each shard makes up its own id, and merge takes them.
    const ProcessResult r = Run("shard-" + std::to_string(k), {"--shard", shard});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  }
  EXPECT_EQ(listed.size(), 3u);  // one arch per shard, each once
  EXPECT_FALSE(fs::exists(dir_ / "unused" / "results.json"));  // --list builds nothing

  const ProcessResult merged = Merge({"shard-3", "shard-1", "shard-2"}, "merged");
  EXPECT_EQ(merged.exit_code, whole.exit_code) << merged.output;
  EXPECT_THAT(merged.output, HasSubstr("merged 3 shards"));
  EXPECT_EQ(Verdicts("merged"), Verdicts("whole"));
  EXPECT_EQ(Verdicts("merged").at("fake/none/x86_64/gcc"), "built");
  EXPECT_NE(Verdicts("merged").at("fake/none/s390x/gcc"), "built");
  const auto j = nlohmann::json::parse(ReadFile(dir_ / "merged" / "results.json"));
  EXPECT_EQ(j["run"]["merged_shards"], 3);
  EXPECT_EQ(j["exit_code"], 1);
  for (const auto& c : j["cells"]) {
    // The artifacts are found where the shards wrote them.
    EXPECT_TRUE(fs::exists(fs::path(c["artifacts"].get<std::string>()) / "build.log")) << c.dump();
  }
  EXPECT_THAT(ReadFile(dir_ / "merged" / "summary.md"), HasSubstr("| fake/none/s390x/gcc |"));
  EXPECT_THAT(ReadFile(dir_ / "merged" / "report.html"), HasSubstr("../shard-"));
  EXPECT_THAT(ReadFile(dir_ / "merged" / "junit.xml"), HasSubstr("tests=\"3\""));

  // A shard missing, given twice, or a directory that is no shard: exit 2, naming them.
  ProcessResult bad = Merge({"shard-1", "shard-3"}, "bad");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("shard 2 of 3 is missing"));
  bad = Merge({"shard-1", "shard-2", "shard-3", "shard-2"}, "bad");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("shard 2 of 3 is given twice"));
  bad = Merge({"shard-1", "shard-2", "shard-3", "whole"}, "bad");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("holds a run that was not sharded"));
  bad = Merge({"shard-1", "shard-2", "cache"}, "bad");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("has no results.json"));
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "results.json"));

  // --allow-missing: shard 2's job died (its artifact holds no results.json): the whole report
  // all the same, shard 2's cell a harness error naming it, the others as one run had them; exit 2.
  fs::create_directories(dir_ / "shard-2-died");
  const ProcessResult partial = Merge({"shard-1", "shard-2-died", "shard-3"}, "partial", {"--allow-missing"});
  EXPECT_EQ(partial.exit_code, 2) << partial.output;
  EXPECT_THAT(partial.output, HasSubstr("merged 2 shards"));
  EXPECT_THAT(partial.output, HasSubstr("shard 2 of 3 produced no results.json"));
  const auto whole_verdicts = Verdicts("whole");
  int lost = 0;
  for (const auto& [cell, verdict] : Verdicts("partial")) {
    if (verdict == "harness-error") {
      ++lost;
    } else {
      EXPECT_EQ(verdict, whole_verdicts.at(cell)) << cell;
    }
  }
  EXPECT_EQ(lost, 1);
  EXPECT_EQ(Verdicts("partial").size(), 3u);
  for (const char* file : {"summary.md", "report.html", "junit.xml"}) {
    EXPECT_THAT(ReadFile(dir_ / "partial" / file), HasSubstr("shard 2 of 3 produced no output")) << file;
  }
  EXPECT_EQ(nlohmann::json::parse(ReadFile(dir_ / "partial" / "results.json"))["exit_code"], 2);
  // Shard 2 not given at all (its artifact never uploaded) is the same.
  EXPECT_EQ(Merge({"shard-1", "shard-3"}, "partial", {"--allow-missing"}).exit_code, 2);
}

// Given last night's results.json in a persistent --out, tonight's run of that shard should
// remove it before its first stage: when the job then dies before writing its own (here: no make
// on its PATH), no results.json is left for a merge to take as tonight's. A run stamps its
// --run-id and start time, and a merge given the CI's --run-id refuses a shard of another run,
// naming its file and both ids.
TEST_F(ShardCliTest, StaleResultsAreRemovedStampedAndRefusedByMerge) {
  const ProcessResult last_night = Run("shard-1", {"--shard", "1/3", "--run-id", "night-1"});
  ASSERT_TRUE(last_night.exit_code == 0 || last_night.exit_code == 1) << last_night.output;
  const std::string stale = ReadFile(dir_ / "shard-1" / "results.json");
  const auto j = nlohmann::json::parse(stale);
  EXPECT_EQ(j["run"]["run_id"], "night-1");
  EXPECT_EQ(j["run"]["started"].get<std::string>().size(), std::string("2026-12-07T01:00:00Z").size());

  std::vector<std::string> argv = {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect",
                                   "--shard", "1/3", "--run-id", "night-2", "--out", (dir_ / "shard-1").string(),
                                   "--cache", (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR};
  const ProcessResult died = Exec(argv, {{"PATH", (dir_ / "no-tools").string()}});
  EXPECT_EQ(died.exit_code, 2) << died.output;
  EXPECT_FALSE(fs::exists(dir_ / "shard-1" / "results.json")) << "last night's results.json outlived tonight's run";

  // The CI's artifact of that shard still holds last night's file (say, restored from a cache).
  WriteFile(dir_ / "shard-1" / "results.json", stale);
  for (const char* k : {"2", "3"}) {
    const ProcessResult r = Run(std::string("shard-") + k, {"--shard", std::string(k) + "/3", "--run-id", "night-2"});
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  }
  const ProcessResult merged = Merge({"shard-1", "shard-2", "shard-3"}, "merged", {"--run-id", "night-2"});
  EXPECT_EQ(merged.exit_code, 2) << merged.output;
  EXPECT_THAT(merged.output, HasSubstr("'" + (dir_ / "shard-1" / "results.json").string() +
                                       "' is from run 'night-1', not from run 'night-2' (--run-id)"));
  EXPECT_FALSE(fs::exists(dir_ / "merged" / "results.json"));
}

// Given more shards than build groups, the extra shard should run nothing, succeed with a note,
// and write a results.json with no cells that merge accepts.
TEST_F(ShardCliTest, EmptyShardWritesEmptyResults) {
  const ProcessResult r = Run("shard-4", {"--shard", "4/4"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("has no cells"));
  const auto j = nlohmann::json::parse(ReadFile(dir_ / "shard-4" / "results.json"));
  EXPECT_TRUE(j["cells"].empty());
  EXPECT_EQ(j["run"]["shard"]["index"], 4);
  EXPECT_EQ(j["run"]["matrix_cells"].size(), 3u);
}

// Given --list --shards 3 --json FILE, every cell should carry its tree, series, arch, toolchain,
// shard and estimate, for a CI to build its job matrix from; --list --shard K/3 --json should
// hold exactly the cells given shard K. --shards goes with --list only, and not with --shard.
TEST_F(ShardCliTest, ListJsonForADynamicMatrix) {
  ProcessResult r = Run("unused", {"--list", "--shards", "3", "--json", (dir_ / "all.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto all = nlohmann::json::parse(ReadFile(dir_ / "all.json"));
  EXPECT_EQ(all["shards"], 3);
  ASSERT_EQ(all["cells"].size(), 3u);
  std::map<int, std::string> cell_of_shard;
  for (const auto& c : all["cells"]) {
    EXPECT_EQ(c["cell"], "fake/none/" + c["arch"].get<std::string>() + "/gcc");
    EXPECT_EQ(c["tree"], "fake");
    EXPECT_EQ(c["series"], "none");
    EXPECT_EQ(c["toolchain"], "gcc");
    EXPECT_EQ(c["excluded"], "");
    EXPECT_GT(c["estimated_seconds"].get<double>(), 0);
    EXPECT_EQ(c["estimated_seconds"], c["cold_build_seconds"]);  // no history: the arch's cold build
    cell_of_shard[c["shard"].get<int>()] = c["cell"].get<std::string>();
  }
  EXPECT_EQ(cell_of_shard.size(), 3u);
  for (int k = 1; k <= 3; ++k) {
    const fs::path file = dir_ / ("shard-" + std::to_string(k) + ".json");
    r = Run("unused", {"--list", "--shard", std::to_string(k) + "/3", "--json", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto one = nlohmann::json::parse(ReadFile(file));
    ASSERT_EQ(one["cells"].size(), 1u);
    EXPECT_EQ(one["cells"][0]["shard"], k);
    EXPECT_EQ(one["cells"][0]["cell"], cell_of_shard[k]);
  }
  EXPECT_FALSE(fs::exists(dir_ / "unused" / "results.json"));
  r = Run("unused", {"--shards", "3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: --shards 3 goes with --list"));
  r = Run("unused", {"--list", "--shards", "3", "--shard", "1/3"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--shards and --shard: give one"));
}

TEST_F(ShardCliTest, BadShardFlag) {
  for (const char* bad : {"0/3", "4/3", "x"}) {
    const ProcessResult r = Run("out", {"--shard", bad, "--list"});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_THAT(r.output, HasSubstr("harness: error: --shard '" + std::string(bad) + "'"));
  }
}

// `harness ci` writes the file it is asked for; bad counts are harness errors.
TEST_F(ShardCliTest, CiWritesWorkflow) {
  ProcessResult r = Exec({HARNESS_BIN, "ci", "github", "--shards", "3", "-o", (dir_ / "wf" / "harness.yml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(ReadFile(dir_ / "wf" / "harness.yml"), HasSubstr("--shard ${{ matrix.shard }}/3"));
  r = Exec({HARNESS_BIN, "ci", "gitlab", "--shards", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("parallel: 2"));
  r = Exec({HARNESS_BIN, "ci", "gitlab", "--shards", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--shards 0: give between 1 and 200 shards"));
  // The knobs, and the run arguments after --.
  r = Exec({HARNESS_BIN, "ci", "gitlab", "--shards", "2", "--runner", "kvm", "--image", "debian:trixie", "--timeout",
            "90", "--schedule", "0 3 * * 0", "--", "--history", "/srv/h", "--fail-on", "new"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--run-id $CI_PIPELINE_ID --history /srv/h --fail-on new\n"));
  EXPECT_THAT(r.output, HasSubstr("  tags: [\"kvm\"]\n"));
  r = Exec({HARNESS_BIN, "ci", "github", "--shards", "2", "--schedule", "0 25 * * *"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("harness: error: --schedule '0 25 * * *': the hour field '25' is not from 0 to 23"));
}

}  // namespace
}  // namespace harness
