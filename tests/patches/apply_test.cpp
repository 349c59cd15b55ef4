// SeriesApplier against real git: a tiny repository made at test time, patches made by
// `git format-patch` from side branches.
#include "harness/patches/apply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/fake_runner.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A shell script shaped like scripts/link-vmlinux.sh: a function and 40 numbered lines, so
// hunk headers carry "gen_btf()" as their context.
std::string Script() {
  std::string text = "#!/bin/sh\ngen_btf()\n{\n";
  for (int i = 1; i <= 40; ++i) text += "\techo step " + std::to_string(i) + "\n";
  return text + "}\n";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

using testing::RecordingSink;

class SeriesApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("git").empty()) GTEST_SKIP() << "git is not installed";
    repo_ = dir_ / "linux";
    fs::create_directories(repo_);
    Git({"init", "-q", "-b", "master"});
    Git({"config", "user.name", "Test"});
    Git({"config", "user.email", "test@example.org"});
    Git({"config", "commit.gpgsign", "false"});
    WriteFile(repo_ / "scripts/link-vmlinux.sh", Script());
    WriteFile(repo_ / "Makefile", "VERSION = 6\nPATCHLEVEL = 1\n");
    WriteFile(repo_ / "README", "Linux kernel\n");
    WriteFile(repo_ / "kernel/bpf/btf.c", "int btf;\n");
    Git({"add", "-A"});
    Git({"commit", "-q", "-m", "base"});
    Git({"tag", "base"});
    log_ = dir_ / "logs/apply.log";
  }
  std::string Git(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"git", "-C", repo_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessSpec spec;
    spec.argv = argv;
    spec.env = {{"LC_ALL", "C"}};
    ProcessResult r = runner_->Run(spec);
    EXPECT_TRUE(r.ok()) << ShellJoin(argv) << ": " << r.output;
    return std::string(Trim(r.output));
  }

  // Commits `changes` (path -> new content, "" deletes) one commit each on a branch from base,
  // writes them with `git format-patch` into dir_/<name>/ and resets the repo to base.
  fs::path MakeSeries(const std::string& name,
                      const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& commits) {
    Git({"checkout", "-q", "-f", "-B", name, "base"});
    for (const auto& [subject, changes] : commits) {
      for (const auto& [path, content] : changes) {
        if (content.empty()) {
          Git({"rm", "-q", path});
        } else {
          WriteFile(repo_ / path, content);
          Git({"add", path});
        }
      }
      Git({"commit", "-q", "-m", subject});
    }
    const fs::path out = dir_ / name;
    Git({"format-patch", "-q", "-o", out.string(), "base.." + name});
    Git({"checkout", "-q", "-f", "--detach", "base"});
    return out;
  }

  ApplyOutcome Apply(const Series& series, bool skip = false, const std::string& base = "base") {
    SeriesApplier applier(*runner_, sink_);
    return applier.Apply(repo_, base, series, skip, log_);
  }

  std::unique_ptr<ProcessRunner> runner_ = MakeRealRunner();
  RecordingSink sink_;
  testing::TempDir dir_{"patches-apply-test"};
  fs::path repo_, log_;
};

TEST_F(SeriesApplierTest, AppliesCommitsAndGivesTheSameCommitIdEveryTime) {
  const fs::path patches = MakeSeries("fix", {
      {"kbuild: tweak step 5", {{"scripts/link-vmlinux.sh", Replace(Script(), "step 5\n", "step five\n")}}},
      {"bpf: add btf2", {{"kernel/bpf/btf2.c", "int btf2;\n"}}},
  });
  Series series = LoadSeries(patches);
  ASSERT_EQ(series.patches.size(), 2u);
  const std::string base = Git({"rev-parse", "base"});

  ApplyOutcome first = Apply(series);
  ASSERT_EQ(first.status, ApplyOutcome::Status::kApplied) << first.detail;
  EXPECT_EQ(first.head, Git({"rev-parse", "HEAD"}));
  EXPECT_NE(first.head, base);
  EXPECT_EQ(ReadFile(repo_ / "scripts/link-vmlinux.sh"), Replace(Script(), "step 5\n", "step five\n"));
  EXPECT_EQ(ReadFile(repo_ / "kernel/bpf/btf2.c"), "int btf2;\n");
  EXPECT_EQ(Git({"log", "--format=%s|%an <%ae>|%cn <%ce>", "base..HEAD"}),
            "bpf: add btf2|harness <harness@localhost>|harness <harness@localhost>\n"
            "kbuild: tweak step 5|harness <harness@localhost>|harness <harness@localhost>");
  EXPECT_EQ(Git({"status", "--porcelain"}), "");

  ApplyOutcome second = Apply(series);
  ASSERT_EQ(second.status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(second.head, first.head);

  // Every git call is announced under the apply stage and logged.
  ASSERT_FALSE(sink_.events.empty());
  EXPECT_EQ(sink_.events[0].kind, Event::Kind::kCommand);
  EXPECT_EQ(sink_.events[0].stage, Stage::kApply);
  EXPECT_EQ(sink_.events[0].text, "git -C " + repo_.string() + " checkout -q -f --detach base");
  const std::string log = ReadFile(log_);
  EXPECT_THAT(log, HasSubstr("$ git -C " + repo_.string() + " checkout -q -f --detach base\n"));
  EXPECT_THAT(log, HasSubstr("GIT_AUTHOR_DATE="));
  // The temporary patch files are gone.
  for (const auto& event : sink_.events) {
    auto at = event.text.find("harness-apply-");
    if (at == std::string::npos) continue;
    std::string file = event.text.substr(event.text.rfind(' ') + 1);
    EXPECT_FALSE(fs::exists(file)) << file;
  }
}

// Given `git format-patch --stdout --cover-letter`, it should skip the cover and apply the rest.
TEST_F(SeriesApplierTest, AppliesAnMboxWithCoverLetter) {
  MakeSeries("fix", {
      {"kbuild: tweak step 5", {{"scripts/link-vmlinux.sh", Replace(Script(), "step 5\n", "step five\n")}}},
      {"bpf: add btf2", {{"kernel/bpf/btf2.c", "int btf2;\n"}}},
  });
  WriteFile(dir_ / "fix.mbox", Git({"format-patch", "--stdout", "--cover-letter", "base..fix"}) + "\n");
  Series series = LoadSeries(dir_ / "fix.mbox");
  EXPECT_EQ(series.name, "fix");
  ASSERT_EQ(series.patches.size(), 2u);
  EXPECT_EQ(series.patches[0].origin, (dir_ / "fix.mbox").string() + "#2");
  EXPECT_EQ(series.patches[1].subject, "bpf: add btf2");
  EXPECT_THAT(series.patches[1].files, ElementsAre("kernel/bpf/btf2.c"));
  ApplyOutcome outcome = Apply(series);
  ASSERT_EQ(outcome.status, ApplyOutcome::Status::kApplied) << outcome.detail;
  EXPECT_EQ(Git({"log", "--format=%s", "base..HEAD"}), "bpf: add btf2\nkbuild: tweak step 5");
}

// Given two patches that change the same lines, it should name the second one, its file and the
// exact hunk that failed (its second hunk; the first one applies).
TEST_F(SeriesApplierTest, ConflictNamesPatchFileAndHunk) {
  const fs::path a = MakeSeries("a", {
      {"kbuild: rename step 30", {{"scripts/link-vmlinux.sh", Replace(Script(), "step 30\n", "step thirty\n")}}},
  });
  const fs::path b = MakeSeries("b", {
      {"kbuild: renumber", {{"scripts/link-vmlinux.sh",
                             Replace(Replace(Script(), "step 3\n", "step III\n"), "step 30\n", "step XXX\n")}}},
  });
  fs::create_directories(dir_ / "both");
  fs::copy_file(a / "0001-kbuild-rename-step-30.patch", dir_ / "both/0001-kbuild-rename-step-30.patch");
  fs::copy_file(b / "0001-kbuild-renumber.patch", dir_ / "both/0002-kbuild-renumber.patch");
  Series series = LoadSeries(dir_ / "both");
  ASSERT_EQ(series.patches.size(), 2u);

  ApplyOutcome outcome = Apply(series);
  EXPECT_EQ(outcome.status, ApplyOutcome::Status::kDoesNotApply);
  EXPECT_EQ(outcome.patch_index, 1u);
  EXPECT_EQ(outcome.subject, "kbuild: renumber");
  EXPECT_EQ(outcome.origin, (dir_ / "both/0002-kbuild-renumber.patch").string());
  EXPECT_EQ(outcome.file, "scripts/link-vmlinux.sh");
  EXPECT_EQ(outcome.hunk, "@@ -30,7 +30,7 @@ gen_btf()");
  EXPECT_THAT(outcome.detail, HasSubstr("error: patch failed: scripts/link-vmlinux.sh:30"));
  EXPECT_EQ(outcome.head, "");
  // The first patch stays committed; nothing of the second is in the tree.
  EXPECT_EQ(Git({"log", "--format=%s", "base..HEAD"}), "kbuild: rename step 30");
  EXPECT_EQ(Git({"status", "--porcelain"}), "");
}

TEST_F(SeriesApplierTest, MissingFileNamesTheFile) {
  const fs::path a = MakeSeries("del", {{"readme: drop", {{"README", ""}}}});
  const fs::path b = MakeSeries("edit", {{"readme: edit", {{"README", "Linux\n"}}}});
  fs::create_directories(dir_ / "both");
  fs::copy_file(a / "0001-readme-drop.patch", dir_ / "both/1.patch");
  fs::copy_file(b / "0001-readme-edit.patch", dir_ / "both/2.patch");
  ApplyOutcome outcome = Apply(LoadSeries(dir_ / "both"));
  EXPECT_EQ(outcome.status, ApplyOutcome::Status::kDoesNotApply);
  EXPECT_EQ(outcome.patch_index, 1u);
  EXPECT_EQ(outcome.file, "README");
  EXPECT_EQ(outcome.hunk, "@@ -1 +1 @@");
  EXPECT_THAT(outcome.detail, HasSubstr("README"));
}

TEST_F(SeriesApplierTest, ApplyingOnTopOfItselfSaysAlreadyApplied) {
  Series series = LoadSeries(MakeSeries("fix", {
      {"makefile: bump", {{"Makefile", "VERSION = 6\nPATCHLEVEL = 2\n"}}},
  }));
  ApplyOutcome first = Apply(series);
  ASSERT_EQ(first.status, ApplyOutcome::Status::kApplied);

  ApplyOutcome second = Apply(series, /*skip=*/false, /*base=*/first.head);
  EXPECT_EQ(second.status, ApplyOutcome::Status::kAlreadyApplied);
  EXPECT_EQ(second.patch_index, 0u);
  EXPECT_EQ(second.subject, "makefile: bump");
  EXPECT_EQ(second.origin, series.patches[0].origin);
  EXPECT_EQ(second.head, "");
}

TEST_F(SeriesApplierTest, SkipAlreadyAppliedAppliesTheRest) {
  const fs::path patches = MakeSeries("fix", {
      {"makefile: bump", {{"Makefile", "VERSION = 6\nPATCHLEVEL = 2\n"}}},
      {"readme: edit", {{"README", "Linux kernel, patched\n"}}},
  });
  Series series = LoadSeries(patches);
  Series first_only = series;
  first_only.patches.resize(1);
  ApplyOutcome upstream = Apply(first_only);
  ASSERT_EQ(upstream.status, ApplyOutcome::Status::kApplied);

  ApplyOutcome outcome = Apply(series, /*skip=*/true, /*base=*/upstream.head);
  ASSERT_EQ(outcome.status, ApplyOutcome::Status::kApplied) << outcome.detail;
  EXPECT_THAT(outcome.skipped, ElementsAre("makefile: bump"));
  EXPECT_EQ(ReadFile(repo_ / "README"), "Linux kernel, patched\n");
  EXPECT_EQ(Git({"log", "--format=%s", upstream.head + "..HEAD"}), "readme: edit");
}

TEST_F(SeriesApplierTest, EachSeriesStartsFromBase) {
  Series a = LoadSeries(MakeSeries("a", {{"makefile: bump", {{"Makefile", "VERSION = 7\n"}}}}));
  Series b = LoadSeries(MakeSeries("b", {{"btf: more", {{"kernel/bpf/btf.c", "int btf, more;\n"}}}}));
  ASSERT_EQ(Apply(a).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(ReadFile(repo_ / "Makefile"), "VERSION = 7\n");
  ApplyOutcome outcome = Apply(b);
  ASSERT_EQ(outcome.status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(ReadFile(repo_ / "Makefile"), "VERSION = 6\nPATCHLEVEL = 1\n");
  EXPECT_EQ(ReadFile(repo_ / "kernel/bpf/btf.c"), "int btf, more;\n");
  EXPECT_EQ(Git({"rev-parse", "HEAD^"}), Git({"rev-parse", "base"}));
}

// Given files no patch touches, it should leave their mtimes alone (kbuild would rebuild).
TEST_F(SeriesApplierTest, UnchangedFilesKeepTheirMtime) {
  Series a = LoadSeries(MakeSeries("a", {{"makefile: bump", {{"Makefile", "VERSION = 7\n"}}}}));
  Series b = LoadSeries(MakeSeries("b", {{"btf: more", {{"kernel/bpf/btf.c", "int btf, more;\n"}}}}));
  // An old mtime, so a rewrite within the same second would still show.
  const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(24 * 365);
  for (const char* path : {"README", "scripts/link-vmlinux.sh", "Makefile"}) {
    fs::last_write_time(repo_ / path, old_time);
  }
  Git({"update-index", "--refresh"});
  ASSERT_EQ(Apply(a).status, ApplyOutcome::Status::kApplied);
  ASSERT_EQ(Apply(b).status, ApplyOutcome::Status::kApplied);
  ASSERT_EQ(Apply(b).status, ApplyOutcome::Status::kApplied);
  EXPECT_EQ(fs::last_write_time(repo_ / "README"), old_time);
  EXPECT_EQ(fs::last_write_time(repo_ / "scripts/link-vmlinux.sh"), old_time);
  EXPECT_NE(fs::last_write_time(repo_ / "Makefile"), old_time);  // a's patch and its undoing
}

TEST_F(SeriesApplierTest, UnknownBaseIsAHarnessError) {
  Series a = LoadSeries(MakeSeries("a", {{"makefile: bump", {{"Makefile", "VERSION = 7\n"}}}}));
  try {
    Apply(a, false, "no-such-tag");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot check out 'no-such-tag'"));
    EXPECT_THAT(e.what(), HasSubstr("see " + log_.string()));
  }
}

// Given git output (from a fake runner) with a line number too large for size_t or a 1 MB
// line, it should still name the file and fall back to its first hunk, never throw.
TEST(SeriesApplierLocateTest, HugeLineNumbersAndLongLinesFallBackToTheFirstHunk) {
  const testing::TempDir dir("patches-apply-locate");
  Series series;
  series.patches.push_back({"one", "one.patch", "--- a/x.c\n+++ b/x.c\n@@ -3 +3 @@ f()\n-a\n+b\n", {"x.c"}});
  for (const char* complaint :
       {"error: patch failed: x.c:99999999999999999999999", "error: x.c: patch does not apply"}) {
    FakeRunner runner;
    NullSink sink;
    runner.Push({.exit_code = 0, .output = ""});
    runner.Push({.exit_code = 1, .output = std::string(1 << 20, 'w') + "\n" + complaint + "\n"});
    runner.Push({.exit_code = 1, .output = ""});
    ApplyOutcome outcome = SeriesApplier(runner, sink).Apply(dir, "base", series, false, {});
    EXPECT_EQ(outcome.status, ApplyOutcome::Status::kDoesNotApply) << complaint;
    EXPECT_EQ(outcome.file, "x.c") << complaint;
    EXPECT_EQ(outcome.hunk, "@@ -3 +3 @@ f()") << complaint;
  }
}
}  // namespace
}  // namespace harness
