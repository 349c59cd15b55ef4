// Integration: `harness run --history` on a git repository of the fake kernel tree made at test
// time, through the real process runner (--stop-after inspect: no boot): three runs, the second
// on a commit that breaks BTF generation; report.html, summary.md, results.json and the exit
// code under --fail-on new. Also the flags' errors and `harness report`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/fake_tree_cli.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class HistoryCliTest : public FakeTreeCliTest {
 protected:
  void SetUp() override {
    FakeTreeCliTest::SetUp();
    repo_ = dir_ / "linux";
  }
  std::string Git(std::vector<std::string> args) { return FakeTreeCliTest::Git(repo_, std::move(args)); }
  // A commit of the fake tree whose local.mk sets FAIL (empty: builds clean).
  std::string Commit(const std::string& fail, int n) {
    if (!fs::exists(repo_)) {
      fs::copy(fs::path(HARNESS_TEST_DATA) / "fakelinux", repo_, fs::copy_options::recursive);
      Git({"init", "-q"});
    }
    WriteFile(repo_ / "local.mk",
              "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\n" + (fail.empty() ? "" : "FAIL := " + fail + "\n"));
    WriteFile(repo_ / "notes", "change " + std::to_string(n) + "\n");
    Git({"add", "-A"});
    Git({"commit", "-q", "-m", "change " + std::to_string(n)});
    return Git({"rev-parse", "HEAD"});
  }
  ProcessResult Run(const std::string& commit, std::vector<std::string> extra) {
    WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, git: " + repo_.string() + ", ref: " + commit +
                                        "}]\narches: [x86_64]\nkconfig: {base: tinyconfig, fragments: [common.config]}\nhistory: " + (dir_ / "history").string() + "\n");
    // --stop-after makes a run ad hoc: these runs are kept in the history because they ask to be.
    std::vector<std::string> argv = {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect",
                                     "--record-history", "-j", "1", "--out", (dir_ / "out").string(), "--cache", (dir_ / "cache").string(),
                                     "--data-dir", HARNESS_SOURCE_DIR};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Exec(argv, {{"PATH", path_}});
  }

  fs::path repo_;
};

// Given a clean commit, then one breaking BTF generation, twice: passing, new failure (exit 1
// under --fail-on new), still failing since the second run (exit 0 under --fail-on new, 1 without).
TEST_F(HistoryCliTest, NewFailureThenStillFailing) {
  const std::string good = Commit("", 1), bad = Commit("btf", 2);
  ProcessResult r = Run(good, {"--fail-on", "new"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("passing"));

  r = Run(bad, {"--fail-on", "new"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("new failure"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "summary.md"), HasSubstr("| new failure |"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "report.html"), HasSubstr("new failure"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "junit.xml"), HasSubstr("<property name=\"history\" value=\"new failure\"/>"));

  r = Run(bad, {"--fail-on", "new"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("still failing"));
  const std::string json = ReadFile(dir_ / "out" / "results.json");
  EXPECT_THAT(json, HasSubstr("\"class\": \"still failing\""));
  EXPECT_THAT(json, HasSubstr("\"since_revision\": \"" + bad + "\""));
  EXPECT_THAT(json, HasSubstr("\"kconfig\": "));

  r = Run(bad, {});  // the plain default: any failure
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::size_t kept = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "history")) kept += e.path().extension() == ".json";
  EXPECT_EQ(kept, 4u);

  // The page again from results.json, elsewhere.
  r = Exec({HARNESS_BIN, "report", (dir_ / "out" / "results.json").string(), "--to", (dir_ / "again").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(ReadFile(dir_ / "again" / "report.html"), HasSubstr("still failing"));
}

// Given a matrix with a shared history and a run with --stop-after (or --fragment, --boot-timeout)
// that does not ask to be recorded: the history is neither read nor written, with a note, and
// --fail-on new (which needs it) is refused before anything is built.
TEST_F(HistoryCliTest, AnAdHocRunLeavesTheSharedHistoryAlone) {
  const std::string good = Commit("", 1);
  ProcessResult r = Run(good, {});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto kept = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_ / "history")) n += e.path().extension() == ".json";
    return n;
  };
  ASSERT_EQ(kept(), 1u);
  std::vector<std::string> argv = {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect",
                                   "-j", "1", "--out", (dir_ / "out").string(), "--cache", (dir_ / "cache").string(),
                                   "--data-dir", HARNESS_SOURCE_DIR};
  r = Exec(argv, {{"PATH", path_}});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("note: not classing this run against the history"));
  EXPECT_THAT(r.output, HasSubstr("it has --stop-after"));
  EXPECT_EQ(kept(), 1u);
  argv.insert(argv.end(), {"--fail-on", "new"});
  r = Exec(argv, {{"PATH", path_}});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("add --record-history"));
  EXPECT_EQ(kept(), 1u);
}

TEST_F(HistoryCliTest, FlagErrorsComeBeforeAnyBuild) {
  ProcessResult r = Exec({HARNESS_BIN, "run", "--fail-on", "new", "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--fail-on new needs a history"));
  r = Exec({"env", "-u", "GITHUB_STEP_SUMMARY", HARNESS_BIN, "run", "--summary-to-env", "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("GITHUB_STEP_SUMMARY is not set"));
  WriteFile(dir_ / "bad.json", "{ not json");
  r = Exec({HARNESS_BIN, "report", (dir_ / "bad.json").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("is not a harness results.json"));
}

// Given --summary-to-env, the summary should be appended to $GITHUB_STEP_SUMMARY's file.
TEST_F(HistoryCliTest, SummaryToEnvAppends) {
  const std::string good = Commit("", 1);
  WriteFile(dir_ / "step-summary.md", "earlier step\n");
  WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, git: " + repo_.string() + ", ref: " + good +
                                      "}]\narches: [x86_64]\nkconfig: {base: tinyconfig, fragments: [common.config]}\n");
  ProcessResult r = Exec({HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect", "-j", "1", "--out",
            (dir_ / "out").string(), "--cache", (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR,
            "--summary-to-env"},
           {{"PATH", path_}, {"GITHUB_STEP_SUMMARY", (dir_ / "step-summary.md").string()}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = ReadFile(dir_ / "step-summary.md");
  EXPECT_THAT(md, HasSubstr("earlier step\n### harness: 0 passed, 1 built (no boot), 0 failed"));
  EXPECT_THAT(md, HasSubstr("| fake/none/x86_64/gcc | built |"));
}

// Pre-merge baseline: a series breaking BTF generation is "introduced" (the tree without it
// builds), and --fail-on introduced fails the run; a harmless series on a tree that already
// fails is "pre-existing", and --fail-on introduced lets it through while the default does not.
TEST_F(HistoryCliTest, SeriesFailuresAreClassedAgainstTheTreeWithoutThem) {
  const std::string good = Commit("", 1), bad = Commit("btf", 2), notes = Commit("btf", 3);
  const fs::path breaking = dir_ / "breaking.patch", harmless = dir_ / "harmless.patch";
  WriteFile(breaking, Git({"format-patch", "--stdout", good + ".." + bad}) + "\n");
  WriteFile(harmless, Git({"format-patch", "--stdout", bad + ".." + notes}) + "\n");

  ProcessResult r = Run(good, {"--series", breaking.string(), "--fail-on", "introduced"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("re-checking without the series"));
  EXPECT_THAT(r.output, HasSubstr("series: introduced (without the series: built)"));
  std::string json = ReadFile(dir_ / "out" / "results.json");
  EXPECT_THAT(json, HasSubstr("\"class\": \"introduced\""));
  EXPECT_THAT(json, HasSubstr("\"cell\": \"fake/none/x86_64/gcc\""));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "fake" / "none" / "x86_64-gcc" / "build.log"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "junit.xml"), HasSubstr("<property name=\"series\" value=\"introduced\"/>"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "summary.md"), HasSubstr("[introduced: without the series: built]"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "report.html"), HasSubstr("series: introduced"));

  r = Run(bad, {"--series", harmless.string(), "--fail-on", "introduced"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("series: pre-existing (fails the same way without the series: "));
  json = ReadFile(dir_ / "out" / "results.json");
  EXPECT_THAT(json, HasSubstr("\"class\": \"pre-existing\""));

  r = Run(bad, {"--series", harmless.string()});  // the plain default: any failure
  EXPECT_EQ(r.exit_code, 1) << r.output;

  r = Run(bad, {"--series", harmless.string(), "--no-baseline"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr("re-checking without the series")));
}

TEST_F(HistoryCliTest, FailOnIntroducedNeedsASeries) {
  ProcessResult r = Exec({HARNESS_BIN, "run", "--fail-on", "introduced", "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("--fail-on introduced needs --series"));
  WriteFile(dir_ / "s.patch", "");
  r = Exec({HARNESS_BIN, "run", "--fail-on", "introduced", "--series", (dir_ / "s.patch").string(), "--no-baseline",
            "--out", (dir_ / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("needs the re-check that --no-baseline turns off"));
}

}  // namespace
}  // namespace harness
