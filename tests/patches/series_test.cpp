#include "harness/patches/series.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A format-patch style message touching `file`, with one hunk.
std::string PatchMail(const std::string& subject, const std::string& file, const std::string& line = "x") {
  return "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
         "From: Dev Eloper <dev@example.org>\n"
         "Date: Tue, 2 Jan 2024 10:00:00 +0100\n"
         "Subject: " + subject + "\n"
         "\n"
         "Commit message body.\n"
         "\n"
         "Signed-off-by: Dev Eloper <dev@example.org>\n"
         "---\n"
         " " + file + " | 2 +-\n"
         " 1 file changed, 1 insertion(+), 1 deletion(-)\n"
         "\n"
         "diff --git a/" + file + " b/" + file + "\n"
         "index 1111111..2222222 100644\n"
         "--- a/" + file + "\n"
         "+++ b/" + file + "\n"
         "@@ -1,3 +1,3 @@ first()\n"
         " one\n"
         "-two\n"
         "+" + line + "\n"
         " three\n"
         "-- \n"
         "2.39.5\n"
         "\n";
}

const std::string kCover =
    "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
    "From: Dev Eloper <dev@example.org>\n"
    "Date: Tue, 2 Jan 2024 10:00:00 +0100\n"
    "Subject: [PATCH 0/3] btf: three fixes\n"
    "\n"
    "This series fixes three things.\n"
    "\n"
    "Dev Eloper (3):\n"
    "  kbuild: one\n"
    "\n"
    "-- \n"
    "2.39.5\n"
    "\n";

std::string ThreePatchMbox() {
  return kCover + PatchMail("[PATCH 1/3] kbuild: one", "scripts/link-vmlinux.sh") +
         PatchMail("[PATCH 2/3] bpf: two", "kernel/bpf/btf.c") +
         PatchMail("[PATCH 3/3]\n [extra] three folded", "Makefile");
}

std::string ToCrlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

class LoadSeriesTest : public ::testing::Test {
 protected:
  // The HarnessError message LoadSeries throws, or "" when it does not throw.
  std::string LoadError(const fs::path& path) {
    try {
      LoadSeries(path);
    } catch (const HarnessError& e) {
      return e.what();
    }
    return "";
  }

  testing::TempDir dir_{"patches-series-test"};
};

std::vector<std::string> Subjects(const Series& series) {
  std::vector<std::string> subjects;
  for (const auto& patch : series.patches) subjects.push_back(patch.subject);
  return subjects;
}

// Given a quilt series file, it should follow its order and ignore comments, blanks and options.
TEST_F(LoadSeriesTest, QuiltSeriesFileOrderAndComments) {
  const fs::path q = dir_ / "fixes";
  WriteFile(q / "a.patch", PatchMail("[PATCH] alpha", "a.c"));
  WriteFile(q / "b.patch", PatchMail("[RFC PATCH v2] beta", "b.c"));
  WriteFile(q / "c.patch", PatchMail("gamma", "c.c"));
  WriteFile(q / "unused.patch", PatchMail("unused", "u.c"));
  WriteFile(q / "series", "# order matters\nc.patch -p1\n\n  b.patch   # second\na.patch\n");
  Series series = LoadSeries(q);
  EXPECT_EQ(series.name, "fixes");
  EXPECT_EQ(series.source, q);
  EXPECT_THAT(Subjects(series), ElementsAre("gamma", "beta", "alpha"));
  EXPECT_EQ(series.patches[0].origin, (q / "c.patch").string());
  EXPECT_THAT(series.patches[0].files, ElementsAre("c.c"));
  EXPECT_EQ(series.patches[2].text, PatchMail("[PATCH] alpha", "a.c"));
}

TEST_F(LoadSeriesTest, DirectoryWithoutSeriesFileTakesPatchesSortedByName) {
  const fs::path d = dir_ / "fp";
  WriteFile(d / "0002-two.patch", PatchMail("[PATCH 2/2] two", "b.c"));
  WriteFile(d / "0001-one.patch", PatchMail("[PATCH 1/2] one", "a.c"));
  WriteFile(d / "0000-cover-letter.patch", kCover);
  WriteFile(d / "notes.txt", "not a patch");
  Series series = LoadSeries(d / "");
  EXPECT_EQ(series.name, "fp");
  EXPECT_THAT(Subjects(series), ElementsAre("one", "two"));
  EXPECT_EQ(series.patches[1].origin, (d / "0002-two.patch").string());
}

TEST_F(LoadSeriesTest, MboxSkipsCoverLetterAndNumbersMessages) {
  WriteFile(dir_ / "series.mbox", ThreePatchMbox());
  Series series = LoadSeries(dir_ / "series.mbox");
  EXPECT_EQ(series.name, "series");
  EXPECT_THAT(Subjects(series), ElementsAre("kbuild: one", "bpf: two", "[extra] three folded"));
  const std::string mbox = (dir_ / "series.mbox").string();
  EXPECT_EQ(series.patches[0].origin, mbox + "#2");
  EXPECT_EQ(series.patches[2].origin, mbox + "#4");
  EXPECT_THAT(series.patches[1].files, ElementsAre("kernel/bpf/btf.c"));
  EXPECT_EQ(series.patches[1].text, PatchMail("[PATCH 2/3] bpf: two", "kernel/bpf/btf.c"));
}

TEST_F(LoadSeriesTest, CrlfMboxGivesTheSamePatchesAsLf) {
  const auto lf = SplitMbox(ThreePatchMbox(), "s.mbox");
  const auto crlf = SplitMbox(ToCrlf(ThreePatchMbox()), "s.mbox");
  ASSERT_EQ(lf.size(), 3u);
  ASSERT_EQ(crlf.size(), lf.size());
  for (std::size_t i = 0; i < lf.size(); ++i) {
    EXPECT_EQ(crlf[i].subject, lf[i].subject);
    EXPECT_EQ(crlf[i].origin, lf[i].origin);
    EXPECT_EQ(crlf[i].text, lf[i].text);
    EXPECT_EQ(crlf[i].files, lf[i].files);
    EXPECT_EQ(crlf[i].text.find('\r'), std::string::npos);
  }
}

TEST_F(LoadSeriesTest, SinglePatchFileKeepsItsPathAsOrigin) {
  WriteFile(dir_ / "0001-fix.patch", PatchMail("[PATCH] fix it", "lib/x.c"));
  Series series = LoadSeries(dir_ / "0001-fix.patch");
  EXPECT_EQ(series.name, "0001-fix");
  ASSERT_EQ(series.patches.size(), 1u);
  EXPECT_EQ(series.patches[0].origin, (dir_ / "0001-fix.patch").string());
  EXPECT_EQ(series.patches[0].subject, "fix it");
}

TEST_F(LoadSeriesTest, PlainDiffWithoutMailHeadersIsNamedAfterItsFile) {
  WriteFile(dir_ / "quick.patch",
            "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-c\n+d\n");
  Series series = LoadSeries(dir_ / "quick.patch");
  ASSERT_EQ(series.patches.size(), 1u);
  EXPECT_EQ(series.patches[0].subject, "quick");
  EXPECT_THAT(series.patches[0].files, ElementsAre("x.c", "y.c"));
}

TEST_F(LoadSeriesTest, FilesCoverRenamesNewAndDeletedFiles) {
  const std::string text =
      "Subject: [PATCH] move\n\n---\n"
      "diff --git a/old name.c b/new name.c\nsimilarity index 90%\nrename from old name.c\nrename to new name.c\n"
      "diff --git a/gone.c b/gone.c\ndeleted file mode 100644\n--- a/gone.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
      "diff --git a/fresh.c b/fresh.c\nnew file mode 100644\n--- /dev/null\n+++ b/fresh.c\n@@ -0,0 +1 @@\n+y\n";
  auto patches = SplitMbox(text, "m.patch");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_THAT(patches[0].files, ElementsAre("old name.c", "new name.c", "gone.c", "fresh.c"));
}

// Given a removed line that reads "-- x", it should not be taken for a "--- " file header.
TEST_F(LoadSeriesTest, HunkBodiesAreCountedNotGuessed) {
  const std::string text =
      "diff --git a/doc.txt b/doc.txt\n--- a/doc.txt\n+++ b/doc.txt\n@@ -1,2 +1,2 @@ top\n"
      "--- /etc/passwd\n++++ b/evil\n";
  auto diff = ParseDiff(text, "d.patch");
  ASSERT_EQ(diff.size(), 1u);
  ASSERT_EQ(diff[0].hunks.size(), 1u);
  EXPECT_EQ(diff[0].hunks[0].old_start, 1u);
  EXPECT_EQ(diff[0].hunks[0].header, "@@ -1,2 +1,2 @@ top");
}

TEST_F(LoadSeriesTest, EncodedSubjectIsDecoded) {
  auto patches = SplitMbox("Subject: [PATCH] =?UTF-8?q?fix=20caf=C3=A9?=\n\n" +
                               std::string("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"),
                           "e.patch");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].subject, "fix caf\xC3\xA9");
}

TEST_F(LoadSeriesTest, PatchWithoutDiffIsAnError) {
  WriteFile(dir_ / "empty.patch",
            "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
            "Subject: [PATCH] nothing here\n\njust words\n");
  EXPECT_EQ(LoadError(dir_ / "empty.patch"), "'" + (dir_ / "empty.patch").string() + "': no diff in this patch");
}

// Given a numbered message without a diff in an mbox, it should not pass for a cover letter.
TEST_F(LoadSeriesTest, NumberedMboxMessageWithoutDiffIsAnError) {
  std::string mbox = PatchMail("[PATCH 1/2] one", "a.c") +
                     "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
                     "Subject: [PATCH 2/2] two\n\nno diff\n";
  WriteFile(dir_ / "s.mbox", mbox);
  EXPECT_EQ(LoadError(dir_ / "s.mbox"), "'" + (dir_ / "s.mbox").string() + "#2': no diff in this patch");
}

TEST_F(LoadSeriesTest, RelativePathEscapingTheTreeIsAnError) {
  std::string text = PatchMail("[PATCH] evil", "../../etc/passwd");
  WriteFile(dir_ / "evil.patch", text);
  EXPECT_EQ(LoadError(dir_ / "evil.patch"), "'" + (dir_ / "evil.patch").string() +
                                                "': path '../../etc/passwd' escapes the kernel tree (line 13)");
}

TEST_F(LoadSeriesTest, AbsolutePathInHeaderLinesIsAnError) {
  WriteFile(dir_ / "abs.patch", "Subject: [PATCH] abs\n\n--- /etc/x\n+++ /etc/x\n@@ -1 +1 @@\n-a\n+b\n");
  EXPECT_THAT(LoadError(dir_ / "abs.patch"), HasSubstr("': path '/etc/x' escapes the kernel tree (line 3)"));
  // /dev/null is a new file, not an escape.
  WriteFile(dir_ / "new.patch", "Subject: [PATCH] new\n\n--- /dev/null\n+++ b/n.c\n@@ -0,0 +1 @@\n+b\n");
  EXPECT_EQ(LoadError(dir_ / "new.patch"), "");
}

TEST_F(LoadSeriesTest, DotDotInsideAGitDiffLineIsAnError) {
  WriteFile(dir_ / "dd.patch", "diff --git a/x/../../y b/x/../../y\nnew file mode 100644\n");
  EXPECT_THAT(LoadError(dir_ / "dd.patch"), HasSubstr("path 'x/../../y' escapes the kernel tree (line 1)"));
}

TEST_F(LoadSeriesTest, SeriesEntryEscapingTheDirectoryIsAnError) {
  const fs::path q = dir_ / "q";
  WriteFile(dir_ / "outside.patch", PatchMail("[PATCH] out", "a.c"));
  WriteFile(q / "series", "# comment\n../outside.patch\n");
  EXPECT_THAT(LoadError(q), HasSubstr((q / "series").string() + ":2: '../outside.patch' is outside the series directory"));
  WriteFile(q / "series", "/etc/passwd\n");
  EXPECT_THAT(LoadError(q), HasSubstr((q / "series").string() + ":1: '/etc/passwd' is outside the series directory"));
}

TEST_F(LoadSeriesTest, MissingFilesAreErrors) {
  EXPECT_EQ(LoadError(dir_ / "nope"), "patch series '" + (dir_ / "nope").string() + "' does not exist");
  const fs::path q = dir_ / "q";
  WriteFile(q / "series", "a.patch\n\nmissing.patch -p1\n");
  WriteFile(q / "a.patch", PatchMail("[PATCH] a", "a.c"));
  EXPECT_EQ(LoadError(q), (q / "series").string() + ":3: patch '" + (q / "missing.patch").string() +
                              "' does not exist");
}

TEST_F(LoadSeriesTest, SeriesWithoutPatchesIsAnError) {
  fs::create_directories(dir_ / "empty");
  EXPECT_THAT(LoadError(dir_ / "empty"), HasSubstr("holds no patches"));
  WriteFile(dir_ / "cover.mbox", kCover);
  EXPECT_THAT(LoadError(dir_ / "cover.mbox"), HasSubstr("holds no patches"));
}

// Given 1 MB lines where a regex once recursed per character (mbox separator, header, subject,
// hunk header), it should parse them in linear time and stack.
TEST_F(LoadSeriesTest, MegabyteLinesDoNotOverflowTheStack) {
  const std::string mega(1 << 20, 'a');
  const std::string diff = "--- a/x\n+++ b/x\n@@ -1 +1 @@ " + mega + "\n-a\n+b\n";
  auto patches = SplitMbox("From " + mega + " " + mega + " 12:00:00 " + mega + " 2001\n"
                           "Subject: [PATCH 1/1] =?UTF-8?q?" + mega + "?=\n"
                           "Content-Transfer-Encoding: " + mega + "\n\n" + diff,
                           "big.patch");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].subject, mega);
  ASSERT_EQ(ParseDiff(diff, "big.patch").size(), 1u);
  EXPECT_EQ(ParseDiff(diff, "big.patch")[0].hunks.size(), 1u);
  EXPECT_EQ(SplitMbox(mega + ": " + mega + "\n\n" + diff, "h.patch").size(), 1u);
  // A diff --git line of a million spaces once cost a copy of the line per space.
  auto files = ParseDiff("diff --git a" + std::string(1 << 20, ' ') + "b\n", "spaces.patch");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].old_path, "a");
  EXPECT_EQ(files[0].new_path, std::string((1 << 20) - 1, ' ') + "b");
}

// Given "From " lines without a time or a year, it should keep them in the message body; a
// real separator may have a one-digit hour and trailing blanks. Origins count the messages.
TEST_F(LoadSeriesTest, FromLinesNeedATimeAndAYear) {
  const std::string one = PatchMail("[PATCH 1/2] one", "a.c"), two = PatchMail("[PATCH 2/2] two", "b.c");
  auto patches = SplitMbox(one + "From here on 2001\n" + two, "m");
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_EQ(patches[1].origin, "m#2");
  patches = SplitMbox(one + "From x Mon Sep 17 00:00 2001x\n", "m");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].origin, "m");
  patches = SplitMbox(one + "From x\tMon Sep 17 00:00 2001\n", "m");
  EXPECT_EQ(patches[0].origin, "m") << "a tab after the sender";
  patches = SplitMbox(one + "From x Mon Sep 17 0:00 2001 \t\n\n" + two, "m");
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_EQ(patches[1].origin, "m#3");
}

// Given a base64 body, it should store it decoded and say so in the header, whatever its case.
TEST_F(LoadSeriesTest, DecodedBodyIsMarkedEightBit) {
  auto patches = SplitMbox("Subject: [PATCH] b64\ncontent-TRANSFER-encoding: base64\n\n"
                           "LS0tIGEveAorKysgYi94CkBAIC0xICsxIEBACi1hCitiCg==\n",
                           "b.patch");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].text, "Subject: [PATCH] b64\nContent-Transfer-Encoding: 8bit\n\n"
                             "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n");
}

// Given "[PATCH 99999999999/2]", it should name the number instead of failing inside std::stoi.
TEST_F(LoadSeriesTest, OverflowingPatchNumberIsNamed) {
  WriteFile(dir_ / "foo.patch", PatchMail("[PATCH 99999999999/2] too many", "a.c"));
  EXPECT_EQ(LoadError(dir_ / "foo.patch"),
            "patch number '99999999999' in '" + (dir_ / "foo.patch").string() + "' is out of range");
  auto patches = SplitMbox(PatchMail("[PATCH v2 x/y 2147483647/2] most", "a.c"), "m");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].subject, "most");
}
}  // namespace
}  // namespace harness
