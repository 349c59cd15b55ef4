#include "harness/report/summary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CellResult Cell(std::string id, Verdict v, std::string detail) {
  CellResult r;
  r.cell = std::move(id);
  r.verdict = v;
  r.stage = Stage::kVerify;
  r.detail = std::move(detail);
  r.timings = {{Stage::kBuild, 70.0}, {Stage::kBoot, 2.5}};
  return r;
}

TEST(MarkdownCellTest, PipesNewlinesAndMarkupCannotBreakTheTable) {
  EXPECT_EQ(MarkdownCell("a|b\nc\r\nd"), "a\\|b c  d");
  EXPECT_EQ(MarkdownCell("<script>x</script> & \\"), "&lt;script&gt;x&lt;/script&gt; &amp; \\\\");
  EXPECT_EQ(MarkdownCell("\x1b[0m\xff"), "\\x1b[0m\\xff");
}

// Given a pass, a failure with hostile text, a built cell and a harness error, the summary should
// count each, keep one table row per cell, and no row should have more than its six columns.
TEST(SummaryMarkdownTest, MixedResults) {
  std::vector<CellResult> results = {
      Cell("t/none/x86_64/gcc", Verdict::kPass, "1579224 bytes identical"),
      Cell("t/none/arm64/gcc", Verdict::kContentMismatch, "first difference | at 4219\nsecond line <b>"),
      Cell("t/none/s390x/gcc", Verdict::kBuilt, "built"),
      Cell("t/none/riscv64/gcc", Verdict::kBuildFailed, "")};
  results[3].error = "qemu-system-riscv64 is not installed";
  const std::string md = SummaryMarkdown(results);
  EXPECT_THAT(md, HasSubstr("### harness: 1 passed, 1 built (no boot), 1 failed, 1 harness errors"));
  EXPECT_THAT(md, HasSubstr("| cell | verdict | stage | time | detail |"));
  EXPECT_THAT(md, HasSubstr("| t/none/x86_64/gcc | PASS | verify | 72.5 s | 1579224 bytes identical |"));
  EXPECT_THAT(md, HasSubstr("| t/none/arm64/gcc | **content mismatch** | verify | 72.5 s | first difference \\| at 4219 "
                            "second line &lt;b&gt; |"));
  EXPECT_THAT(md, HasSubstr("| **harness error** |"));
  EXPECT_THAT(md, HasSubstr("qemu-system-riscv64 is not installed"));
  EXPECT_THAT(md, Not(HasSubstr("history")));
  std::size_t rows = 0;
  std::size_t pos = 0;
  while ((pos = md.find("\n| t/", pos)) != std::string::npos) {
    const std::size_t end = md.find('\n', pos + 1);
    const std::string row = md.substr(pos + 1, end - pos - 1);
    std::size_t bars = 0;
    for (std::size_t i = 0; i < row.size(); ++i) bars += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
    EXPECT_EQ(bars, 6u) << row;
    ++rows;
    pos = end;
  }
  EXPECT_EQ(rows, 4u);
}

TEST(SummaryMarkdownTest, HistoryColumnWhenClassed) {
  std::vector<CellResult> results = {Cell("t/none/arm64/gcc", Verdict::kBuildFailed, "x")};
  results[0].history = {.cls = HistoryClass::kStillFailing, .detail = "", .since = "2026-12-01T00:00:00Z", .since_revision = "abc"};
  const std::string md = SummaryMarkdown(results);
  EXPECT_THAT(md, HasSubstr("| history |"));
  EXPECT_THAT(md, HasSubstr("| still failing since 2026-12-01T00:00:00Z |"));
}

}  // namespace
}  // namespace harness
