// The bisect driver on a fake runner (git) and a fake tester (the cell): the exact git commands,
// endpoint checks, flake retries, resume without rebuilding, and the series search.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>

#include "harness/bisect/bisect.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/error_of.h"
#include "tests/support/fake_runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Sha(char c) { return std::string(40, c); }

CellResult Verdicted(Verdict verdict, Stage stage, const std::string& build_step = "") {
  CellResult result;
  result.arch = "s390x";
  result.verdict = verdict;
  result.stage = stage;
  result.detail = std::string(VerdictName(verdict));
  if (!build_step.empty()) SetFact(result, FactKey::kBuildStep, build_step);
  return result;
}
const CellResult kPass = Verdicted(Verdict::kPass, Stage::kVerify);
const CellResult kBtf = Verdicted(Verdict::kBuildFailed, Stage::kBuild, "BTF");
const CellResult kCc = Verdicted(Verdict::kBuildFailed, Stage::kBuild, "CC");

// A line of the step log, as a step would have appended it.
std::string Logged(const std::string& role, const std::string& at, int exit_code, const std::string& signature,
                   const std::string& detail = "") {
  return FormatStep({.role = ParseName(kPointRoleNames, role, "role"), .at = at, .exit_code = exit_code, .signature = signature, .seconds = 1,
                     .build = exit_code == kStepAbort ? BuildKind::kNone : BuildKind::kIncremental, .attempts = 1,
                     .subject = "subject " + at.substr(0, 4), .detail = detail});
}

// Answers per commit, or per "patches:K" when the request carries a first-K series; a point
// may have several answers (one per attempt).
class FakePointTester : public PointTester {
 public:
  std::map<std::string, std::vector<CellResult>> answers;
  std::vector<std::string> asked;

  PointOutcome Run(const BisectPoint& request) override {
    std::string at = request.commit;
    if (!request.series.empty()) at = "patches:" + request.series.filename().string().substr(6);  // first-K
    else if (answers.count("patches:0")) at = "patches:0";
    asked.push_back(at);
    auto& queue = answers.at(at);
    CellResult result = queue.front();
    if (queue.size() > 1) queue.erase(queue.begin());
    return {result, asked.size() == 1 ? BuildKind::kClean : BuildKind::kIncremental};
  }
  std::string ReproduceCommand(const BisectPoint& request) override {
    return "harness run reproduce-" + request.commit.substr(0, 12) + ".yaml";
  }
};

class BisectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.tree = "/src/linux";
    state_.good = Sha('a');
    state_.bad = Sha('f');
    state_.arch = "s390x";
    state_.matrix = "/h/default.yaml";
    // git: subjects, the parent of a commit, BISECT_HEAD, and whatever `git_answers` says.
    runner_.SetHandler([this](const ProcessSpec& spec) {
      ProcessResult r;
      r.exit_code = 0;
      const std::string line = ShellJoin(spec.argv);
      for (const auto& [needle, answer] : git_answers_) {
        if (line.find(needle) != std::string::npos) {
          r.output = answer;
          return r;
        }
      }
      if (line.find(" log -1 --format=%s ") != std::string::npos) r.output = "subject " + spec.argv.back().substr(0, 4) + "\n";
      return r;
    });
  }

  // The git commands, with the test directory shown as DIR.
  std::vector<std::string> Commands() const {
    std::vector<std::string> lines;
    for (std::string line : runner_.CommandLines()) {
      for (auto at = line.find(dir_.string()); at != std::string::npos; at = line.find(dir_.string())) {
        line.replace(at, dir_.string().size(), "DIR");
      }
      if (line.find(" log -1 ") == std::string::npos) lines.push_back(line);
    }
    return lines;
  }

  testing::TempDir dir_{"bisect-test"};
  BisectState state_;
  FakeRunner runner_;
  NullSink sink_;
  FakePointTester tester_;
  std::vector<std::pair<std::string, std::string>> git_answers_;
};

// Given good passing and bad failing at BTF generation, it should check both endpoints, record the
// signature, run git bisect in its own no-checkout work tree and report what git names.
TEST_F(BisectTest, ChecksEndpointsThenLetsGitBisectRun) {
  CreateState(dir_, state_);
  tester_.answers = {{Sha('a'), {kPass}}, {Sha('f'), {kBtf}}, {Sha('c'), {kBtf}}, {Sha('b'), {kPass}}};
  git_answers_ = {{" bisect run ", "running 'harness'\n" + Sha('c') + " is the first bad commit\ncommit " + Sha('c') + "\n"},
                  {" rev-parse --verify --quiet '" + Sha('c') + "^'", Sha('b') + "\n"}};
  // What the steps git bisect run would have made appended.
  AppendStateLine(dir_, Logged("step", Sha('c'), 1, "build-failed@build/BTF"));
  AppendStateLine(dir_, Logged("step", Sha('b'), 0, "pass@verify"));
  // Those two are replayed to git before it runs.
  const BisectReport report = Bisector(runner_, sink_).Run(dir_, tester_, {"/bin/harness", "bisect-step", "--state", dir_.string()});

  EXPECT_THAT(tester_.asked, ElementsAre(Sha('a'), Sha('f')));
  EXPECT_THAT(Commands(),
              ElementsAre("git -C /src/linux worktree prune",
                          "git -C /src/linux worktree add --no-checkout --detach DIR/bisect-git " + Sha('f'),
                          "git -C DIR/bisect-git bisect start --no-checkout " + Sha('f') + " " + Sha('a'),
                          "git -C DIR/bisect-git bisect bad " + Sha('c'),
                          "git -C DIR/bisect-git bisect good " + Sha('b'),
                          "git -C DIR/bisect-git bisect run /bin/harness bisect-step --state DIR",
                          "git -C /src/linux rev-parse --verify --quiet '" + Sha('c') + "^'"));
  ASSERT_TRUE(report.found);
  EXPECT_EQ(report.first_bad, Sha('c'));
  EXPECT_EQ(report.subject, "subject cccc");
  ASSERT_TRUE(report.there && report.at_parent);
  EXPECT_EQ(report.at_parent->at, Sha('b'));
  EXPECT_EQ(report.reproduce, "harness run reproduce-cccccccccccc.yaml");
  const BisectState state = LoadState(dir_);
  EXPECT_EQ(state.signature, SignatureOf(kBtf).Token());  // "build-failed@build/BTF build failed": its cause
  EXPECT_EQ(state.steps.size(), 4u);
  const std::string text = FormatBisectReport(report);
  EXPECT_THAT(text, HasSubstr("the first bad commit is commit cccccccccccc \"subject cccc\""));
  EXPECT_THAT(text, HasSubstr("there:   build failed at build (BTF generation)"));
  EXPECT_THAT(text, HasSubstr("parent:  bbbbbbbbbbbb: PASS"));
  EXPECT_THAT(text, HasSubstr("builds:  4 (1 clean, 3 incremental)"));
  EXPECT_THAT(text, HasSubstr("reproduce: harness run reproduce-cccccccccccc.yaml"));
}

// Given a user whose locale translates git (de_DE with git's .mo files installed), the bisect must
// still read "<commit> is the first bad commit": every git it runs, `git bisect run` included,
// speaks English (LC_ALL=C), or the end of the bisect is never recognised.
TEST_F(BisectTest, EveryGitItRunsSpeaksEnglish) {
  CreateState(dir_, state_);
  tester_.answers = {{Sha('a'), {kPass}}, {Sha('f'), {kBtf}}};
  git_answers_ = {{" bisect run ", Sha('c') + " is the first bad commit\n"}};
  Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
  bool saw_run = false;
  for (const ProcessSpec& spec : runner_.calls()) {
    if (spec.argv.empty() || spec.argv[0] != "git") continue;
    saw_run = saw_run || ShellJoin(spec.argv).find(" bisect run ") != std::string::npos;
    const auto lc_all = spec.env.find("LC_ALL");
    EXPECT_TRUE(lc_all != spec.env.end() && lc_all->second == "C") << ShellJoin(spec.argv);
  }
  EXPECT_TRUE(saw_run);
}

// Given a resumed bisect whose endpoints are logged, it should not build them again.
TEST_F(BisectTest, ResumeReusesLoggedEndpoints) {
  CreateState(dir_, state_);
  AppendStateLine(dir_, Logged("good", Sha('a'), 0, "pass@verify"));
  AppendStateLine(dir_, Logged("bad", Sha('f'), 1, "build-failed@build/BTF"));
  git_answers_ = {{" bisect run ", Sha('c') + " is the first bad commit\n"}};
  const BisectReport report = Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
  EXPECT_TRUE(tester_.asked.empty());
  EXPECT_TRUE(report.found);
  EXPECT_EQ(LoadState(dir_).signature, "build-failed@build/BTF");
}

TEST_F(BisectTest, AFailingGoodEndpointStopsWithItsVerdict) {
  CreateState(dir_, state_);
  tester_.answers = {{Sha('a'), {kCc}}};
  try {
    Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
    ADD_FAILURE() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_EQ(std::string(e.what()), "good " + Sha('a') + " already fails: build failed at build (CC): build failed");
  }
  EXPECT_THAT(tester_.asked, ElementsAre(Sha('a')));  // bad is not built
}

TEST_F(BisectTest, BothPassingIsNothingToBisect) {
  CreateState(dir_, state_);
  tester_.answers = {{Sha('a'), {kPass}}, {Sha('f'), {kPass}}};
  EXPECT_THROW(
      {
        try {
          Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
        } catch (const HarnessError& e) {
          EXPECT_STREQ(e.what(), "nothing to bisect: both pass on s390x");
          throw;
        }
      },
      HarnessError);
  EXPECT_TRUE(LoadState(dir_).signature.empty());
}

// Given a harness error at an endpoint, it should stop resumable, and a resume should try again.
TEST_F(BisectTest, AHarnessErrorAtAnEndpointIsRetriedOnResume) {
  CreateState(dir_, state_);
  CellResult missing = kPass;
  missing.error = "'qemu-system-s390x' is not installed: apt-get install qemu-system-misc";
  tester_.answers = {{Sha('a'), {missing, kPass}}, {Sha('f'), {kBtf}}};
  try {
    Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
    ADD_FAILURE() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the good endpoint " + Sha('a') + " could not be checked: 'qemu-system-s390x'"));
    EXPECT_THAT(e.what(), HasSubstr("harness bisect --resume --out " + dir_.string()));
  }
  EXPECT_EQ(LoadState(dir_).steps.at(0).exit_code, kStepAbort);
  git_answers_ = {{" bisect run ", Sha('c') + " is the first bad commit\n"}};
  EXPECT_TRUE(Bisector(runner_, sink_).Run(dir_, tester_, {"step"}).found);
  EXPECT_THAT(tester_.asked, ElementsAre(Sha('a'), Sha('a'), Sha('f')));
}

// Given a step that aborts (exit 255), git bisect run stops: the error names the step and --resume.
TEST_F(BisectTest, AnAbortedRunNamesTheStepAndResume) {
  CreateState(dir_, state_);
  AppendStateLine(dir_, Logged("good", Sha('a'), 0, "pass@verify"));
  AppendStateLine(dir_, Logged("bad", Sha('f'), 1, "build-failed@build/BTF"));
  AppendStateLine(dir_, Logged("step", Sha('c'), 255, "error", "disk full"));
  git_answers_ = {{" bisect run ", "bisect run failed:\nexit code 255 from 'harness' is < 0 or >= 128\n"}};
  try {
    Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
    ADD_FAILURE() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("git bisect run stopped at cccccccccccc: disk full; the bisect is kept"));
  }
  // The aborted step is not replayed to git at all: no command names its commit (the replay
  // would say `bisect abort <commit>` or `bisect skip <commit>`).
  for (const auto& line : Commands()) EXPECT_THAT(line, ::testing::Not(HasSubstr(Sha('c'))));
}

// Given a resumed bisect whose logged skips leave only skipped commits, it should report them as
// candidates: git exits 2 on that last `bisect skip`, which is the end of the bisect, not an error.
TEST_F(BisectTest, ResumeWhereOnlySkippedCommitsAreLeftReportsThem) {
  CreateState(dir_, state_);
  AppendStateLine(dir_, Logged("good", Sha('a'), 0, "pass@verify"));
  AppendStateLine(dir_, Logged("bad", Sha('f'), 1, "build-failed@build/BTF"));
  AppendStateLine(dir_, Logged("step", Sha('c'), kStepSkip, "build-failed@build/CC"));
  runner_.SetHandler([&](const ProcessSpec& spec) {
    ProcessResult r;
    r.exit_code = 0;
    if (ShellJoin(spec.argv).find(" bisect skip " + Sha('c')) != std::string::npos) {
      r.exit_code = 2;  // as git 2.39 does
      r.output = "There are only 'skip'ped commits left to test.\nThe first bad commit could be any of:\n" + Sha('c') +
                 "\n" + Sha('f') + "\nWe cannot bisect more!\n";
    }
    return r;
  });
  const BisectReport report = Bisector(runner_, sink_).Run(dir_, tester_, {"step"});
  EXPECT_FALSE(report.found);
  EXPECT_THAT(report.candidates, ElementsAre(Sha('c'), Sha('f')));
  EXPECT_TRUE(tester_.asked.empty());
  for (const auto& line : Commands()) EXPECT_THAT(line, ::testing::Not(HasSubstr("bisect run")));
}

// Given BISECT_HEAD at a commit that times out once and then passes, the step retries and says good.
TEST_F(BisectTest, StepRetriesATimeoutOnceAndLogsIt) {
  CreateState(dir_, state_);
  AppendStateLine(dir_, "signature build-failed@build/BTF");
  git_answers_ = {{" rev-parse BISECT_HEAD", Sha('c') + "\n"}};
  tester_.answers = {{Sha('c'), {Verdicted(Verdict::kTimedOut, Stage::kBoot), kPass}}};
  EXPECT_EQ(Bisector(runner_, sink_).Step(dir_, tester_), kStepGood);
  const BisectState state = LoadState(dir_);
  const StepRecord& step = state.steps.at(0);
  EXPECT_EQ(step.attempts, 2);
  EXPECT_EQ(step.signature, "pass@verify");
  EXPECT_EQ(step.subject, "subject cccc");
  // Asked again about a judged commit (a resume), it answers from the log.
  EXPECT_EQ(Bisector(runner_, sink_).Step(dir_, tester_), kStepGood);
  EXPECT_EQ(tester_.asked.size(), 2u);
}

TEST_F(BisectTest, StepSkipsADifferentFailureAndAbortsOnAHarnessError) {
  CreateState(dir_, state_);
  AppendStateLine(dir_, "signature build-failed@build/BTF");
  git_answers_ = {{" rev-parse BISECT_HEAD", Sha('c') + "\n"}};
  CellResult disk_full = kBtf;
  disk_full.error = "only 12 MiB free";
  tester_.answers = {{Sha('c'), {kCc}}};
  EXPECT_EQ(Bisector(runner_, sink_).Step(dir_, tester_), kStepSkip);
  git_answers_ = {{" rev-parse BISECT_HEAD", Sha('d') + "\n"}};
  tester_.answers[Sha('d')] = {disk_full};
  EXPECT_EQ(Bisector(runner_, sink_).Step(dir_, tester_), kStepAbort);
  EXPECT_EQ(LoadState(dir_).steps.back().detail, "only 12 MiB free");
}

TEST(GitBisectOutputTest, FoundOnlySkippedOrNotYet) {
  const std::string sha(40, '1'), other(40, '2');
  EXPECT_EQ(ParseGitBisectOutput("Bisecting: 0 revisions left\n" + sha + " is the first bad commit\ncommit " + sha + "\n").first_bad, sha);
  const GitBisectEnd skipped = ParseGitBisectOutput(
      "There are only 'skip'ped commits left to test.\nThe first bad commit could be any of:\n" + sha + "\n" + other +
      "\nWe cannot bisect more!\n");
  EXPECT_EQ(skipped.kind, GitBisectEnd::Kind::kOnlySkipped);
  EXPECT_THAT(skipped.candidates, ElementsAre(sha, other));
  EXPECT_EQ(ParseGitBisectOutput("Bisecting: 3 revisions left to test\n[" + sha + "] x\n").kind, GitBisectEnd::Kind::kNotYet);
}

class SeriesBisectTest : public BisectTest {
 protected:
  void SetUp() override {
    BisectTest::SetUp();
    const fs::path series = dir_ / "input";
    fs::create_directories(series);
    for (int i = 1; i <= 4; ++i) {
      WriteFile(series / ("000" + std::to_string(i) + ".patch"),
                "From: A <a@b>\nSubject: [PATCH " + std::to_string(i) + "/4] change " + std::to_string(i) +
                    "\n\n---\ndiff --git a/f" + std::to_string(i) + " b/f" + std::to_string(i) +
                    "\n--- a/f" + std::to_string(i) + "\n+++ b/f" + std::to_string(i) + "\n@@ -1 +1 @@\n-a\n+b\n");
    }
    state_.bad.clear();
    state_.series = series;
    out_ = dir_ / "out";
  }
  fs::path out_;
};

// Given 4 patches where the 3rd breaks BTF, it should name patch 3 with 2 steps after the endpoints.
TEST_F(SeriesBisectTest, FindsThePatchThatBreaks) {
  CreateState(out_, state_);
  tester_.answers = {{"patches:0", {kPass}}, {"patches:1", {kPass}}, {"patches:2", {kPass}},
                    {"patches:3", {kBtf}}, {"patches:4", {kBtf}}};
  const BisectReport report = Bisector(runner_, sink_).Run(out_, tester_, {});
  EXPECT_THAT(tester_.asked, ElementsAre("patches:0", "patches:4", "patches:2", "patches:3"));
  ASSERT_TRUE(report.found);
  EXPECT_EQ(report.first_bad, "patches:3");
  EXPECT_EQ(report.subject, "change 3");
  EXPECT_THAT(report.label, HasSubstr("patch 3 of 4"));
  EXPECT_EQ(report.at_parent->at, "patches:2");
  EXPECT_EQ(ReadFile(out_ / "series" / "first-3" / "series"), "0001.patch\n0002.patch\n0003.patch\n");
  EXPECT_TRUE(runner_.calls().empty());  // no git: the pipeline applies the patches
  EXPECT_THAT(FormatBisectReport(report), HasSubstr("the first bad patch is patch 3 of 4"));
}

// Given the middle patch failing differently, it is skipped, a neighbour is tried, and the answer holds.
TEST_F(SeriesBisectTest, SkipsAPatchThatFailsDifferently) {
  CreateState(out_, state_);
  tester_.answers = {{"patches:0", {kPass}}, {"patches:1", {kPass}}, {"patches:2", {kCc}},
                    {"patches:3", {kBtf}}, {"patches:4", {kBtf}}};
  const BisectReport report = Bisector(runner_, sink_).Run(out_, tester_, {});
  EXPECT_THAT(tester_.asked, ElementsAre("patches:0", "patches:4", "patches:2", "patches:1", "patches:3"));
  EXPECT_FALSE(report.found);  // patch 2 cannot be told from patch 3
  EXPECT_THAT(report.candidates, ElementsAre("patches:2", "patches:3"));
  EXPECT_THAT(FormatBisectReport(report), HasSubstr("inconclusive: only skipped patches are left"));
  // Resumed, nothing is built again.
  tester_.asked.clear();
  EXPECT_FALSE(Bisector(runner_, sink_).Run(out_, tester_, {}).found);
  EXPECT_TRUE(tester_.asked.empty());
}

// Given a series bisect whose state recorded its inputs, a resume should go on when nothing
// changed, and be refused when a patch of the series, the matrix or the harness changed since:
// the logged steps judged other inputs, so replaying them would name the wrong patch.
TEST_F(SeriesBisectTest, ResumeRefusesEditedInputsAndResumesUnchangedOnes) {
  state_.matrix = dir_ / "matrix.yaml";
  WriteFile(state_.matrix, "arches: [s390x]\n");
  RecordInputs(state_);
  EXPECT_FALSE(state_.matrix_sha256.empty());
  EXPECT_FALSE(state_.series_sha256.empty());
  CreateState(out_, state_);
  AppendStateLine(out_, Logged("good", "patches:0", 0, "pass@verify"));
  EXPECT_EQ(LoadStateToResume(out_).steps.size(), 1u) << "unchanged inputs resume";

  const fs::path patch = state_.series / "0003.patch";
  const std::string original = ReadFile(patch);
  WriteFile(patch, original + "+another line\n");
  try {
    LoadStateToResume(out_);
    ADD_FAILURE() << "a resume after a patch edit was accepted";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the series '" + state_.series.string() + "' changed since the bisect began"));
    EXPECT_THAT(e.what(), HasSubstr("without --resume"));
  }
  WriteFile(patch, original);
  fs::remove(state_.series / "0004.patch");  // a patch dropped is an edit too
  EXPECT_THROW(LoadStateToResume(out_), HarnessError);
  WriteFile(state_.series / "0004.patch", "x");
  EXPECT_THROW(LoadStateToResume(out_), HarnessError);
}

TEST_F(SeriesBisectTest, ResumeAfterAMatrixEditIsRefused) {
  state_.matrix = dir_ / "matrix.yaml";
  WriteFile(state_.matrix, "arches: [s390x]\n");
  RecordInputs(state_);
  CreateState(out_, state_);
  WriteFile(state_.matrix, "arches: [s390x]\nkconfig: {fragments: [extra.config]}\n");
  try {
    LoadStateToResume(out_);
    ADD_FAILURE() << "a resume after a matrix edit was accepted";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("the matrix '" + state_.matrix.string() + "' changed since the bisect began"));
  }
}

// Given a state from another harness build, or one written before inputs were recorded, a
// resume is refused with the next step (start again without --resume).
TEST_F(SeriesBisectTest, ResumeRefusesAnotherHarnessOrAnOldState) {
  state_.matrix = dir_ / "matrix.yaml";
  WriteFile(state_.matrix, "arches: [s390x]\n");
  CreateState(out_, state_);  // no hashes: an old state
  try {
    LoadStateToResume(out_);
    ADD_FAILURE() << "an old state without hashes was resumed";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not record what its series, matrix and harness were"));
    EXPECT_THAT(e.what(), HasSubstr("run harness bisect again without --resume"));
  }
  RecordInputs(state_);
  state_.harness_version = "0.0.1+gold";
  fs::remove(StatePath(out_));
  CreateState(out_, state_);
  EXPECT_THAT(testing::HarnessErrorOf([&] { LoadStateToResume(out_); }),
              HasSubstr("was begun by harness 0.0.1+gold"));
}

}  // namespace
}  // namespace harness
