// Integration: `harness bisect` for real -- git, make and the harness through the real process
// runner -- on a git repository made at test time whose kernel is the fake tree
// (tests/data/fakelinux). A commit breaks the build "at BTF generation" by setting FAIL := btf in
// the tree's local.mk; the bisect must name it within ceil(log2 N) + 2 builds, skip a commit
// that breaks differently, say when there is nothing to bisect, and name the patch of a series.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <map>

#include "harness/bisect/state.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/fake_tools.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string MissingTool() {
  for (const char* tool : {"git", "make"}) {
    if (FindProgram(tool).empty()) return std::string(tool) + " is not installed";
  }
  return "";
}

// Skips (never passes) when git or make is missing. A macro: GTEST_SKIP() returns only from the
// function it is written in.
#define REQUIRE_TOOLS()                                                                       \
  do {                                                                                        \
    if (const std::string missing = MissingTool(); !missing.empty()) GTEST_SKIP() << missing; \
  } while (0)

class BisectFakeTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = FakeTreePath(dir_ / "bin");
    repo_ = dir_ / "linux";
    runner_ = MakeRealRunner();
  }
  ProcessResult Exec(std::vector<std::string> argv, std::map<std::string, std::string> env, int timeout_s,
                     const fs::path& log = {}) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = std::move(env);
    spec.log_path = log;
    spec.timeout = std::chrono::seconds(timeout_s);
    return runner_->Run(spec);
  }

  std::string Git(std::vector<std::string> args, const fs::path& cwd = {}) {
    args.insert(args.begin(), {"git", "-C", (cwd.empty() ? repo_ : cwd).string()});
    ProcessResult r = Exec(args,
                           {{"GIT_AUTHOR_NAME", "T"}, {"GIT_AUTHOR_EMAIL", "t@example.org"},
                            {"GIT_COMMITTER_NAME", "T"}, {"GIT_COMMITTER_EMAIL", "t@example.org"}},
                           60);
    EXPECT_TRUE(r.ok()) << ShellJoin(args) << ": " << r.output;
    return std::string(Trim(r.output));
  }

  // The fake tree, then one commit per entry of `fail` (what local.mk's FAIL is from then on:
  // "" builds, "btf" breaks at BTF generation, "build" breaks at CC). Returns the commit ids.
  // `fail_line`, when given, is each commit's FAIL_LINE (where a cc:<object> break is reported).
  std::vector<std::string> MakeHistory(const std::vector<std::string>& fail,
                                       const std::vector<std::string>& fail_line = {}) {
    fs::copy(fs::path(HARNESS_TEST_DATA) / "fakelinux", repo_, fs::copy_options::recursive);
    Git({"init", "-q"});
    std::vector<std::string> commits;
    for (std::size_t i = 0; i < fail.size(); ++i) {
      WriteLocalMk(fail[i], i < fail_line.size() ? fail_line[i] : "");
      WriteFile(repo_ / "notes" / ("change-" + std::to_string(i + 1)), "change " + std::to_string(i + 1) + "\n");
      Git({"add", "-A"});
      Git({"commit", "-q", "-m", "change " + std::to_string(i + 1) + (fail[i].empty() ? "" : " (FAIL=" + fail[i] + ")")});
      commits.push_back(Git({"rev-parse", "HEAD"}));
    }
    return commits;
  }
  void WriteLocalMk(const std::string& fail, const std::string& fail_line = "") {
    WriteFile(repo_ / "local.mk", "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\n" +
                                      (fail.empty() ? "" : "FAIL := " + fail + "\n") +
                                      (fail_line.empty() ? "" : "FAIL_LINE := " + fail_line + "\n"));
  }

  struct Run {
    int exit_code = -1;
    std::string output;
    double seconds = 0;
  };
  Run Bisect(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {HARNESS_BIN, "bisect", "--tree", repo_.string(), "--arch", "x86_64",
                                     "--stop-after", "inspect", "--out", out().string(), "--cache",
                                     (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR, "-j", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    env["PATH"] = path_;
    ProcessResult r = Exec(argv, env, 240, dir_ / "bisect-output.log");
    return {r.exit_code, r.output, r.seconds};
  }
  fs::path out() const { return dir_ / "out"; }
  // The step log's lines for `at`.
  std::vector<StepRecord> StepsAt(const std::string& at) {
    std::vector<StepRecord> steps;
    for (const auto& step : LoadState(out()).steps) {
      if (step.at == at) steps.push_back(step);
    }
    return steps;
  }

  testing::TempDir dir_{"bisect-fakelinux"};
  fs::path repo_;
  std::string path_;
  std::unique_ptr<ProcessRunner> runner_;
};

// Given 8 commits of which the 5th breaks BTF generation, it should name the 5th in at most
// ceil(log2 8) + 2 builds, every one after the first incremental; a resume builds nothing more.
TEST_F(BisectFakeTreeTest, FindsTheCommitThatBreaksBtf) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({"", "", "", "", "btf", "btf", "btf", "btf"});
  const Run run = Bisect({"--good", c[0], "--bad", c[7]});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the first bad commit is commit " + c[4].substr(0, 12) + " \"change 5 (FAIL=btf)\""));
  EXPECT_THAT(run.output, HasSubstr("there:   build failed at build (BTF generation): BTF generation (surfaced at LD"));
  EXPECT_THAT(run.output, HasSubstr("parent:  " + c[3].substr(0, 12) + ": built"));
  EXPECT_THAT(run.output, HasSubstr("reproduce: "));
  const BisectState state = LoadState(out());
  // The step, then the cause: the first error line without its paths.
  EXPECT_THAT(state.signature, StartsWith("build-failed@build/BTF "));
  EXPECT_THAT(state.signature, HasSubstr(".btf.vmlinux.bin.o: file not recognized"));
  EXPECT_LE(state.steps.size(), static_cast<std::size_t>(std::ceil(std::log2(8.0))) + 2) << run.output;
  EXPECT_EQ(state.steps.front().build, BuildKind::kClean);
  for (std::size_t i = 1; i < state.steps.size(); ++i) EXPECT_EQ(state.steps[i].build, BuildKind::kIncremental) << i;
  std::cerr << "bisect of 8 commits: " << state.steps.size() << " steps in " << run.seconds << " s\n";

  // The user's checkout never moved and has no changes.
  EXPECT_EQ(Git({"rev-parse", "HEAD"}), c[7]);
  EXPECT_EQ(Git({"status", "--porcelain"}), "");

  // The reproduce command runs the same cell again.
  const std::string reproduce = run.output.substr(run.output.find("reproduce: ") + 11);
  ProcessResult again = Exec({"sh", "-c", reproduce.substr(0, reproduce.find('\n'))}, {{"PATH", path_}}, 120);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("BTF generation"));

  const Run resumed = Bisect({"--resume"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("the first bad commit is commit " + c[4].substr(0, 12)));
  EXPECT_EQ(LoadState(out()).steps.size(), state.steps.size());
}

// Given a commit that breaks at CC (an unrelated break, fixed by the next commit) where git
// looks first, it should be skipped (125), never blamed, and the BTF break still found.
TEST_F(BisectFakeTreeTest, SkipsACommitThatFailsDifferently) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({"", "", "", "build", "", "btf", "btf", "btf"});
  const Run run = Bisect({"--good", c[0], "--bad", c[7]});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the first bad commit is commit " + c[5].substr(0, 12)));
  const auto at_break = StepsAt(c[3]);
  ASSERT_EQ(at_break.size(), 1u) << "git did not test the unrelated break; the test needs another history:\n"
                                 << run.output;
  EXPECT_EQ(at_break[0].exit_code, 125);
  EXPECT_EQ(at_break[0].signature, "build-failed@build/CC main.c: error: expected ';' before 'int' (FAIL=build)");
}

// Given 8 commits where the 4th breaks the compile of one file (kernel/fork.c, fixed by the 5th)
// and the 7th breaks another (mm/memory.c, its error line moved by the 8th), it should name the
// 7th: the 4th fails at the same kbuild step (CC) but of another file, an unrelated break to skip.
TEST_F(BisectFakeTreeTest, AnUnrelatedCompileBreakInAnotherFileIsSkipped) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({"", "", "", "cc:kernel/fork", "", "", "cc:mm/memory", "cc:mm/memory"},
                             {"", "", "", "12", "", "", "20", "23"});
  const Run run = Bisect({"--good", c[0], "--bad", c[7]});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the first bad commit is commit " + c[6].substr(0, 12))) << run.output;
  ASSERT_FALSE(StepsAt(c[3]).empty()) << "git did not test the unrelated break; the test needs another history:\n"
                                      << run.output;
  for (const auto& step : StepsAt(c[3])) {
    EXPECT_EQ(step.exit_code, 125) << "the unrelated break at " << c[3] << " was judged: " << step.signature;
  }
  for (const auto& step : StepsAt(c[6])) EXPECT_EQ(step.exit_code, 1) << step.signature;
}

// Given a history where nothing breaks, it should say so and build no more than the endpoints.
// Given a caller's LC_ALL, git bisect run should run in English (the harness reads its end) and
// each step should get the caller's LC_ALL back, so its builds speak as the endpoints' did.
TEST_F(BisectFakeTreeTest, StepsKeepTheCallersLocaleWhileGitSpeaksEnglish) {
  const auto c = MakeHistory({"", "", "btf", "btf"});
  const Run run = Bisect({"--good", c[0], "--bad", c[3]}, {{"LC_ALL", "C.UTF-8"}});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the first bad commit is commit " + c[2].substr(0, 12))) << run.output;
  EXPECT_THAT(run.output, HasSubstr(" bisect run env LC_ALL=C.UTF-8 ")) << run.output;
}

TEST_F(BisectFakeTreeTest, BothEndpointsPassingIsNothingToBisect) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({"", "", "", ""});
  const Run run = Bisect({"--good", c[0], "--bad", c[3]});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("harness: error: nothing to bisect: both pass on x86_64"));
  EXPECT_EQ(LoadState(out()).steps.size(), 2u);
  EXPECT_THAT(LoadState(out()).end, HasSubstr("nothing to bisect")) << "final: a new bisect may begin here";
}

// Given an ended bisect in --out, a second bisect there -- of another repository holding the
// same history -- should keep the first one's log, reuse its build directory (its first build
// is incremental) and judge commits from the new repository.
TEST_F(BisectFakeTreeTest, ASecondBisectInTheSameDirectoryReusesItsBuild) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({"", "", "btf", "btf"});
  const Run first = Bisect({"--good", c[0], "--bad", c[3]});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const fs::path clone = dir_ / "clone";
  Git({"clone", "-q", repo_.string(), clone.string()}, dir_);
  repo_ = clone;
  const Run second = Bisect({"--good", c[1], "--bad", c[3]});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("its log is kept as " + (out() / "bisect-state-1.txt").string()));
  EXPECT_THAT(second.output, HasSubstr("the first bad commit is commit " + c[2].substr(0, 12)));
  EXPECT_THAT(second.output, HasSubstr("belongs to another repository"));
  const BisectState state = LoadState(out());
  EXPECT_EQ(state.tree, clone);
  ASSERT_FALSE(state.steps.empty());
  EXPECT_EQ(state.steps.front().build, BuildKind::kIncremental);
  EXPECT_EQ(LoadState(out()).end, "found " + c[2]);
  EXPECT_TRUE(fs::exists(out() / "bisect-state-1.txt"));
}

// Given a 4-patch series whose 3rd patch breaks BTF generation, --series names patch 3.
TEST_F(BisectFakeTreeTest, SeriesNamesThePatchThatBreaks) {
  REQUIRE_TOOLS();
  const auto c = MakeHistory({""});
  const std::vector<std::string> fails = {"", "", "btf", "btf"};
  for (std::size_t i = 0; i < fails.size(); ++i) {
    WriteLocalMk(fails[i]);
    WriteFile(repo_ / "notes" / ("patch-" + std::to_string(i + 1)), "x\n");
    Git({"add", "-A"});
    Git({"commit", "-q", "-m", "patch " + std::to_string(i + 1) + (fails[i].empty() ? "" : " (FAIL=" + fails[i] + ")")});
  }
  Git({"format-patch", "-q", "-o", (dir_ / "series").string(), c[0] + "..HEAD"});
  Git({"reset", "-q", "--hard", c[0]});
  const Run run = Bisect({"--good", c[0], "--series", (dir_ / "series").string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("the first bad patch is patch 3 of 4"));
  EXPECT_THAT(run.output, HasSubstr("\"patch 3 (FAIL=btf)\""));
  EXPECT_LE(LoadState(out()).steps.size(), 4u);  // both endpoints, then K=2 and K=3
}

}  // namespace
}  // namespace harness
