#include "harness/plan/corpus.h"

#include <gtest/gtest.h>

#include "harness/core/error.h"

namespace harness {
namespace {

CellResult Result(const std::string& series, const std::string& arch, Stage stage, Verdict verdict,
                  Facts facts = {}) {
  CellResult r;
  r.cell = "debian-6.1/" + series + "/" + arch + "/gcc";
  r.arch = arch;
  r.stage = stage;
  r.verdict = verdict;
  r.facts = std::move(facts);
  return r;
}

CorpusEntry Entry() {
  CorpusEntry e;
  e.name = "output-format";
  e.expect["x86_64"] = {"verify", "pass", "", "", {}, 0};
  e.expect["arm64"] = {"build", "build-failed", "BTF", "", {}, 0};
  e.expect["s390x"] = {"verify", "content-mismatch", "", "", 4096, 8};
  return e;
}

TEST(CompareCorpusTest, AgreesOnlyWhenStageVerdictAndDetailsMatch) {
  auto rows = CompareCorpus({Entry()}, {Result("output-format", "x86_64", Stage::kVerify, Verdict::kPass),
                                        Result("output-format", "arm64", Stage::kBuild, Verdict::kBuildFailed, {{FactKey::kBuildStep, "LD"}}),
                                        Result("output-format", "s390x", Stage::kVerify, Verdict::kContentMismatch, {{FactKey::kOffset, "4100"}})});
  ASSERT_EQ(rows.size(), 3u);
  std::map<std::string, CorpusRow> by_arch;
  for (const auto& r : rows) by_arch[r.arch] = r;
  EXPECT_TRUE(by_arch["x86_64"].agree);
  EXPECT_FALSE(by_arch["arm64"].agree) << "the step differs";
  EXPECT_EQ(by_arch["arm64"].observed, "build/build-failed step=LD");
  EXPECT_TRUE(by_arch["s390x"].agree) << "4100 is within 4096+8";
}

TEST(CompareCorpusTest, OffsetOutsideSlackAndHarnessErrorsDisagree) {
  CellResult error = Result("output-format", "x86_64", Stage::kVerify, Verdict::kPass);
  error.error = "qemu missing";
  auto rows = CompareCorpus({Entry()}, {error, Result("output-format", "s390x", Stage::kVerify, Verdict::kContentMismatch, {{FactKey::kOffset, "4105"}})});
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_FALSE(r.agree) << r.arch;
}

TEST(CompareCorpusTest, OtherSeriesCellsAreIgnored) {
  EXPECT_TRUE(CompareCorpus({Entry()}, {Result("output-format-kconfig-fix", "x86_64", Stage::kVerify, Verdict::kPass)}).empty());
}

// Given an offset fact that is not a number (or too large), it should say so, naming the cell.
TEST(CompareCorpusTest, BadOffsetFactIsNamed) {
  try {
    CompareCorpus({Entry()}, {Result("output-format", "s390x", Stage::kVerify, Verdict::kContentMismatch,
                                     {{FactKey::kOffset, "99999999999999999999999"}})});
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "cell 'debian-6.1/output-format/s390x/gcc': offset '99999999999999999999999' is "
                           "not a byte offset (out of range)");
  }
  // A slack reaching past 2^64 must not wrap around and reject every offset.
  CorpusEntry entry = Entry();
  entry.expect["s390x"].offset_slack = ~std::uint64_t(0);
  auto rows = CompareCorpus({entry}, {Result("output-format", "s390x", Stage::kVerify, Verdict::kContentMismatch,
                                             {{FactKey::kOffset, "5000"}})});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].agree);
}
// The corpus builds only the arches its entries were recorded on, in the matrix's order.
TEST(CorpusMatrixTest, KeepsOnlyArchesSomeEntryExpects) {
  MatrixConfig base;
  base.arches = {"x86_64", "arm64", "s390x", "riscv64", "ppc64", "i386"};
  base.series = {{"none", {}}};
  CorpusEntry other;
  other.name = "other";
  other.expect["i386"] = {"verify", "pass", "", "", {}, 0};
  MatrixConfig config = CorpusMatrix(base, {Entry(), other});
  EXPECT_EQ(config.arches, (std::vector<std::string>{"x86_64", "arm64", "s390x", "i386"}));
  ASSERT_EQ(config.series.size(), 2u);
  EXPECT_EQ(config.series[0].name, "output-format");
}

}  // namespace
}  // namespace harness
