// Integration (issue 24): the harness's shortcuts -- make skipped by .harness-built, .config kept
// across commits, kbuild's own "nothing to relink" -- must never grade a kernel other than the
// one a clean build of the same inputs gives. The harness binary on a git repository of the fake
// tree (tests/data/fakelinux), whose make, kconfig and link-vmlinux.sh model kbuild's blind spots:
// objects depend on KCFLAGS, kconfig runs scripts/pahole-version.sh, and vmlinux does not depend
// on scripts/pahole-flags.sh although its fake pahole reads it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/fake_tree_cli.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BuildInputsCliTest : public FakeTreeCliTest {
 protected:
  void SetUp() override {
    FakeTreeCliTest::SetUp();
    repo_ = dir_ / "linux";
  }
  // The fake tree as a git repository: the first commit, then one per call with `change`
  // applied (a path relative to the tree and its new content). Returns the commit.
  std::string Commit(const std::map<std::string, std::string>& change = {}) {
    if (!fs::exists(repo_)) {
      fs::copy(fs::path(HARNESS_TEST_DATA) / "fakelinux", repo_, fs::copy_options::recursive);
      WriteFile(repo_ / "local.mk", "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\n");
      Git(repo_, {"init", "-q"});
    }
    for (const auto& [path, content] : change) WriteFile(repo_ / path, content);
    Git(repo_, {"add", "-A"});
    Git(repo_, {"commit", "-q", "--allow-empty", "-m", "change " + std::to_string(++commits_)});
    return Git(repo_, {"rev-parse", "HEAD"});
  }

  struct Run {
    int exit_code = -1;
    std::string output;
    nlohmann::json cell;  // the only cell
  };
  // `harness run` of x86_64 at `ref` (empty: the tree as a plain path), always into the same
  // --out, with `env` added to the harness's own environment.
  Run RunAt(const std::string& ref, std::map<std::string, std::string> env = {}) {
    const std::string tree = ref.empty() ? "path: " + repo_.string() : "git: " + repo_.string() + ", ref: " + ref;
    WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, " + tree +
                                        "}]\narches: [x86_64]\nkconfig: {base: tinyconfig, fragments: [common.config]}\n");
    env["PATH"] = path_;
    ProcessResult r = Exec({HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect", "-j", "1",
                            "--out", out().string(), "--cache", (dir_ / "cache").string(), "--data-dir",
                            HARNESS_SOURCE_DIR},
                           env);
    Run run{r.exit_code, r.output, {}};
    if (fs::exists(out() / "results.json")) {
      const auto results = nlohmann::json::parse(ReadFile(out() / "results.json"));
      if (results["cells"].size() == 1) run.cell = results["cells"][0];
    }
    if (run.cell.is_null()) ADD_FAILURE() << "no single cell in results.json; the harness said:\n" << r.output;
    return run;
  }
  fs::path out() const { return dir_ / "out"; }
  fs::path BuildDir() const { return out() / "fake" / "build-x86_64-gcc"; }

  fs::path repo_;
  int commits_ = 0;
};

// Given a passing build, then the same commit with KCFLAGS='-include /nonexistent.h' exported:
// make must run with it (and fail), never be skipped. An exported LLVM=1 must not reach make.
TEST_F(BuildInputsCliTest, KcflagsInTheEnvironmentRunMakeWithThem) {
  const std::string commit = Commit();
  Run first = RunAt(commit);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_EQ(first.cell["verdict"], "built") << first.cell.dump(2);

  Run second = RunAt(commit, {{"KCFLAGS", "-include /nonexistent.h"}, {"LLVM", "1"}});
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_EQ(second.cell["verdict"], "build-failed") << second.cell.dump(2);
  EXPECT_EQ(second.cell["facts"]["make_env"], "KCFLAGS='-include /nonexistent.h'") << second.cell.dump(2);
  EXPECT_THAT(second.cell["facts"]["make_command"].get<std::string>(),
              HasSubstr("KCFLAGS='-include /nonexistent.h' make "));
  EXPECT_THAT(second.cell["facts"]["make_command"].get<std::string>(), ::testing::Not(HasSubstr("LLVM")));
  EXPECT_THAT(second.output, HasSubstr("not given to make (the cell decides these): LLVM=1"));

  // Unset again: make runs (the failed build left no stamp) and the kernel builds.
  Run third = RunAt(commit);
  EXPECT_EQ(third.cell["verdict"], "built") << third.cell.dump(2);
}

// Given a passing build, then its .config edited by hand in the build directory (as one does to
// reproduce a failure there): the next run must make the .config again from the request and run
// make, not skip it on a stamp that never saw the edit.
TEST_F(BuildInputsCliTest, HandEditedConfigIsMadeAgainAndBuilt) {
  const std::string commit = Commit();
  ASSERT_EQ(RunAt(commit).cell["verdict"], "built");
  ASSERT_EQ(RunAt(commit).cell["facts"]["make"], "skipped (inputs unchanged)");
  WriteFile(BuildDir() / ".config", ReadFile(BuildDir() / ".config") + "CONFIG_HAND_EDITED=y\n");

  Run run = RunAt(commit);
  EXPECT_EQ(run.cell["verdict"], "built") << run.cell.dump(2);
  EXPECT_THAT(run.cell["facts"]["make"].get<std::string>(), ::testing::StartsWith("ran")) << run.cell.dump(2);
  EXPECT_THAT(ReadFile(BuildDir() / ".config"), ::testing::Not(HasSubstr("CONFIG_HAND_EDITED")));
  EXPECT_THAT(ReadFile(BuildDir() / "include/config/auto.conf"), ::testing::Not(HasSubstr("CONFIG_HAND_EDITED")));
}

// Given a commit that changes only scripts/pahole-version.sh (which kconfig runs through
// $(shell,...), and which no path pattern of Kconfig files or Makefiles names): the .config
// must be made again, as a clean build's would be.
TEST_F(BuildInputsCliTest, CommitChangingAScriptKconfigRunsRegeneratesConfig) {
  ASSERT_EQ(RunAt(Commit()).cell["verdict"], "built");
  ASSERT_THAT(ReadFile(BuildDir() / ".config"), HasSubstr("CONFIG_PAHOLE_VERSION=124\n"));
  const std::string unrelated = Commit({{"kernel/fork.c", "/* a change kconfig never reads */\n"}});
  Run kept = RunAt(unrelated);
  EXPECT_THAT(kept.output, HasSubstr(".config kept: nothing kconfig read for it changed"));

  Run run = RunAt(Commit({{"scripts/pahole-version.sh", "#!/bin/sh\necho 125\n"}}));
  EXPECT_EQ(run.cell["verdict"], "built") << run.cell.dump(2);
  EXPECT_THAT(run.output, HasSubstr("regenerating .config: scripts/pahole-version.sh changed"));
  EXPECT_THAT(ReadFile(BuildDir() / ".config"), HasSubstr("CONFIG_PAHOLE_VERSION=125\n"));
}

// Given a tree that is a plain directory (no commit to compare), the same: an edit of a script
// kconfig runs makes the .config again.
TEST_F(BuildInputsCliTest, PlainTreeRegeneratesConfigWhenWhatKconfigReadChanged) {
  Commit();
  ASSERT_EQ(RunAt("").cell["verdict"], "built");
  WriteFile(repo_ / "scripts/pahole-version.sh", "#!/bin/sh\necho 126\n");
  Run run = RunAt("");
  EXPECT_EQ(run.cell["verdict"], "built") << run.cell.dump(2);
  EXPECT_THAT(ReadFile(BuildDir() / ".config"), HasSubstr("CONFIG_PAHOLE_VERSION=126\n"));
}

// The pre-merge check of a link-step change: after a passing build, a commit changing only
// scripts/pahole-flags.sh so that pahole fails. make finds nothing to relink (vmlinux does not
// depend on it); a clean build fails at BTF generation, and so must this one.
TEST_F(BuildInputsCliTest, CommitChangingOnlyPaholeFlagsIsGradedAsACleanBuild) {
  ASSERT_EQ(RunAt(Commit()).cell["verdict"], "built");
  const std::string broken = Commit({{"scripts/pahole-flags.sh", "#!/bin/sh\necho -j --bogus\n"}});
  Run run = RunAt(broken);
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_EQ(run.cell["verdict"], "build-failed") << run.cell.dump(2);
  EXPECT_EQ(run.cell["facts"]["build_step"], "BTF") << run.cell.dump(2);

  // The same commit from clean, for comparison: the same verdict.
  fs::remove_all(out());
  Run clean = RunAt(broken);
  EXPECT_EQ(clean.cell["verdict"], run.cell["verdict"]) << clean.cell.dump(2);
  EXPECT_EQ(clean.cell["facts"]["build_step"], run.cell["facts"]["build_step"]) << clean.cell.dump(2);
}

}  // namespace
}  // namespace harness
