#include "harness/core/out_layout.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

// Pins the layout of --out: what a user, a CI artifact rule and an older run's directory all
// expect. A change here moves every run's files.
TEST(OutLayoutTest, EveryPathOfASampleCell) {
  const OutLayout out("/o");
  EXPECT_EQ(out.root(), "/o");
  EXPECT_EQ(out.Lock(), "/o/.harness.lock");
  EXPECT_EQ(out.ResultsFile(), "/o/results.json");
  EXPECT_EQ(out.JUnitFile(), "/o/junit.xml");
  EXPECT_EQ(out.ReportPage(), "/o/report.html");
  EXPECT_EQ(out.SummaryPage(), "/o/summary.md");
  EXPECT_EQ(out.CorpusFile(), "/o/corpus.json");
  EXPECT_EQ(out.TreeDir("linux-6.1"), "/o/linux-6.1");
  EXPECT_EQ(out.WorkTree("linux-6.1"), "/o/linux-6.1/src");
  EXPECT_EQ(out.BuildDir("linux-6.1", "arm64", "gcc"), "/o/linux-6.1/build-arm64-gcc");
  EXPECT_EQ(OutLayout::BuildLock(out.BuildDir("linux-6.1", "arm64", "gcc")), "/o/linux-6.1/.build-arm64-gcc.lock");
  EXPECT_EQ(out.ApplyLog("linux-6.1", "btf-fix"), "/o/linux-6.1/btf-fix/apply.log");
  EXPECT_EQ(out.CellDir("linux-6.1", "btf-fix", "arm64", "gcc"), "/o/linux-6.1/btf-fix/arm64-gcc");
  EXPECT_EQ(out.BootDir("s390x"), "/o/boot-s390x");
}

// Given names from a matrix with characters that are not safe in a path, each should stay one
// directory level, and two names that differ only there share it (the pipeline relies on that).
TEST(OutLayoutTest, TreeAndSeriesNamesAreMadeSafe) {
  const OutLayout out("/o");
  EXPECT_EQ(out.TreeDir("a/b c"), "/o/a_b_c");
  EXPECT_EQ(out.TreeDir("a/b c"), out.TreeDir("a_b_c"));
  EXPECT_EQ(out.BuildDir("../up", "x86_64", "clang"), "/o/.._up/build-x86_64-clang");
  EXPECT_EQ(out.CellDir("t", "fix/v2", "arm64", "gcc"), "/o/t/fix_v2/arm64-gcc");
  EXPECT_EQ(out.ApplyLog("t", "fix/v2"), "/o/t/fix_v2/apply.log");
  EXPECT_EQ(SafeName("linux-6.1_rc.2"), "linux-6.1_rc.2");
}

}  // namespace
}  // namespace harness
