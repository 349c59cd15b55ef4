#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "harness/report/report.h"

namespace harness {
namespace {

// Given results written as results.json, reading them back should give the same cells (what
// `harness report` renders a page from).
TEST(ResultsFromJsonTest, RoundTrip) {
  CellResult a;
  a.cell = "t/none/arm64/gcc";
  a.arch = "arm64";
  a.stage = Stage::kVerify;
  a.verdict = Verdict::kContentMismatch;
  a.detail = "first difference at offset 4219";
  a.diagnosis = {"line 1", "line 2"};
  a.timings = {{Stage::kTree, 0.5, false, true}, {Stage::kBuild, 7.25}, {Stage::kBoot, 0, true}};
  a.facts = {{"offset", "4219"}, {"revision", "abc"}};
  a.artifacts_dir = "/out/t/none/arm64-gcc";
  a.history = {"still failing", "since x", "x", "abc"};
  CellResult b;
  b.cell = "t/none/x86_64/gcc";
  b.arch = "x86_64";
  b.error = "qemu missing";
  const auto back = ResultsFromJson(ResultsJson({a, b}), "results.json");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].cell, a.cell);
  EXPECT_EQ(back[0].verdict, Verdict::kContentMismatch);
  EXPECT_EQ(back[0].stage, Stage::kVerify);
  EXPECT_EQ(back[0].diagnosis, a.diagnosis);
  ASSERT_EQ(back[0].timings.size(), 3u);
  EXPECT_EQ(back[0].timings[1].stage, Stage::kBuild);
  EXPECT_DOUBLE_EQ(back[0].timings[1].seconds, 7.25);
  EXPECT_TRUE(back[0].timings[0].shared);
  EXPECT_TRUE(back[0].timings[2].skipped);
  EXPECT_EQ(back[0].facts, a.facts);
  EXPECT_EQ(back[0].artifacts_dir, a.artifacts_dir);
  EXPECT_EQ(back[0].history.cls, "still failing");
  EXPECT_EQ(back[0].history.since_revision, "abc");
  EXPECT_EQ(back[1].error, "qemu missing");
  EXPECT_THROW(ResultsFromJson("{\"cells\": [{}]}", "x.json"), HarnessError);
  EXPECT_THROW(ResultsFromJson("not json", "x.json"), HarnessError);
}

}  // namespace
}  // namespace harness
