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
  a.timings = {{Stage::kTree, 0.5, false, true}, {Stage::kBuild, 7.25, false, false, 0.125}, {Stage::kBoot, 0, true}};
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
  EXPECT_DOUBLE_EQ(back[0].timings[1].own_seconds, 0.125);
  EXPECT_DOUBLE_EQ(back[0].timings[0].own_seconds, -1);  // not measured stays not measured
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

// Given a shard's provenance, results.json should carry it back (what `harness merge` checks);
// without one it has no "run" at all.
TEST(ResultsFromJsonTest, ProvenanceRoundTrip) {
  const RunProvenance run = {.harness_version = "0.1.0+gabc", .matrix = "configs/m.yaml", .matrix_sha256 = "feed",
                             .out_dir = "/out/shard-2", .shard = 2, .shards = 3, .matrix_cells = {"a", "b"}};
  const RunProvenance back = ProvenanceFromJson(ResultsJson({}, run), "results.json");
  EXPECT_EQ(back.harness_version, run.harness_version);
  EXPECT_EQ(back.matrix, run.matrix);
  EXPECT_EQ(back.matrix_sha256, run.matrix_sha256);
  EXPECT_EQ(back.out_dir, run.out_dir);
  EXPECT_EQ(back.shard, 2);
  EXPECT_EQ(back.shards, 3);
  EXPECT_EQ(back.matrix_cells, run.matrix_cells);
  EXPECT_EQ(back.merged_shards, 0);
  EXPECT_TRUE(ProvenanceFromJson(ResultsJson({}), "results.json").harness_version.empty());
  EXPECT_THROW(ProvenanceFromJson("{\"run\": {\"shard\": {}}}", "results.json"), HarnessError);
}

}  // namespace
}  // namespace harness
