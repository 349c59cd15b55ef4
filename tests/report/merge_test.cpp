#include "harness/report/merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/error_of.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kCells = {"t/none/x86_64/gcc", "t/none/arm64/gcc", "t/none/s390x/gcc"};

CellResult Cell(const std::string& id, Verdict verdict, const std::string& out_dir) {
  CellResult r;
  r.cell = id;
  r.arch = id.substr(7, id.rfind('/') - 7);
  r.verdict = verdict;
  r.stage = Stage::kVerify;
  r.artifacts_dir = out_dir + "/t/none/" + r.arch + "-gcc";
  return r;
}

// What shard k of n of configs/m.yaml records.
RunProvenance Provenance(int k, int n) {
  return {.run_id = "4242-1", .started = "2026-12-07T01:00:00Z", .harness_version = "0.1.0+gabc",
          .matrix = "configs/m.yaml", .matrix_sha256 = "feed", .shard = k,
          .shards = n, .matrix_cells = kCells};
}

// Shard k of n, as it was written on a CI runner under /runner/out/shard-k and is found now under
// /merge/shard-k, holding `cells`.
ShardResults Shard(int k, int n, std::vector<CellResult> cells, RunProvenance run = {}) {
  if (run.harness_version.empty()) run = Provenance(k, n);
  run.out_dir = "/runner/out/shard-" + std::to_string(k);
  for (auto& c : cells) c.artifacts_dir = run.out_dir + c.artifacts_dir;
  return {"/merge/shard-" + std::to_string(k), ResultsJson(cells, run)};
}

std::vector<ShardResults> ThreeShards() {
  return {Shard(2, 3, {Cell(kCells[1], Verdict::kContentMismatch, "")}),
          Shard(1, 3, {Cell(kCells[0], Verdict::kPass, "")}),
          Shard(3, 3, {Cell(kCells[2], Verdict::kPass, "")})};
}

std::string MergeError(const std::vector<ShardResults>& shards, const std::string& run_id = "") {
  return testing::HarnessErrorOf([&] { MergeShards(shards, {.run_id = run_id}); });
}

// Given every shard once (in any order), the merge should hold every cell in matrix order, their
// artifacts where the shard directories are now, and the shards' matrix and version.
TEST(MergeShardsTest, ConsistentShards) {
  std::vector<ShardResults> shards = ThreeShards();
  // Shard 2's failing cell with its --series re-check, whose logs moved with the shard too.
  CellResult failing = Cell(kCells[1], Verdict::kContentMismatch, "");
  failing.baseline = {.cls = BaselineClass::kIntroduced, .detail = "without the series: PASS", .cell = "t/none/arm64/gcc",
                      .artifacts_dir = "/runner/out/shard-2/t/none/arm64-gcc"};
  shards[0] = Shard(2, 3, {failing});
  const MergedRun merged = MergeShards(shards);
  ASSERT_EQ(merged.results.size(), 3u);
  for (std::size_t i = 0; i < kCells.size(); ++i) EXPECT_EQ(merged.results[i].cell, kCells[i]);
  EXPECT_EQ(merged.results[1].verdict, Verdict::kContentMismatch);
  EXPECT_EQ(merged.results[1].artifacts_dir, "/merge/shard-2/t/none/arm64-gcc");
  EXPECT_EQ(merged.results[1].baseline.artifacts_dir, "/merge/shard-2/t/none/arm64-gcc");
  EXPECT_EQ(ExitCodeFor(merged.results), 1);
  EXPECT_EQ(merged.run.merged_shards, 3);
  EXPECT_EQ(merged.run.matrix, "configs/m.yaml");
  EXPECT_EQ(merged.run.harness_version, "0.1.0+gabc");
  EXPECT_EQ(merged.run.shards, 0);  // a merge is not a shard: merging it again is refused
}

// An empty shard (more shards than build groups) is a shard like the others.
TEST(MergeShardsTest, EmptyShardIsFine) {
  std::vector<ShardResults> shards;
  for (std::size_t i = 0; i < kCells.size(); ++i) {
    shards.push_back(Shard(static_cast<int>(i) + 1, 4, {Cell(kCells[i], Verdict::kPass, "")}));
  }
  shards.push_back(Shard(4, 4, {}));
  EXPECT_EQ(MergeShards(shards).results.size(), 3u);
}

TEST(MergeShardsTest, MissingShard) {
  auto shards = ThreeShards();
  shards.erase(shards.begin());  // shard 2
  EXPECT_EQ(MergeError(shards),
            "shard 2 of 3 is missing (given: 1 in '/merge/shard-1', 3 in '/merge/shard-3'); a merge needs every "
            "shard's output directory");
}

// Given --allow-missing and shard 2's directory without a results.json, the merge should hold
// every cell, shard 2's as a harness error naming the shard and the directory, and exit 2.
TEST(MergeShardsTest, AllowMissingReportsTheMissingShardsCells) {
  auto shards = ThreeShards();
  shards[0] = {"/merge/shard-2", ""};  // its job died before writing results.json
  const MergedRun merged = MergeShards(shards, {.run_id = "4242-1", .allow_missing = true});
  ASSERT_EQ(merged.results.size(), 3u);
  for (std::size_t i = 0; i < kCells.size(); ++i) EXPECT_EQ(merged.results[i].cell, kCells[i]);
  const CellResult& lost = merged.results[1];
  EXPECT_EQ(lost.arch, "arm64");
  EXPECT_EQ(lost.verdict, Verdict::kUndecided);  // not a kernel verdict
  EXPECT_EQ(lost.error,
            "shard 2 of 3 produced no output: its job wrote no results.json (failed or cancelled, or the artifact is "
            "missing; given without one: '/merge/shard-2'); this cell did not run");
  EXPECT_TRUE(lost.artifacts_dir.empty());
  EXPECT_EQ(merged.results[0].verdict, Verdict::kPass);
  EXPECT_EQ(merged.missing_shards, std::vector<int>{2});
  EXPECT_EQ(merged.run.merged_shards, 3);
  EXPECT_EQ(ExitCodeFor(merged.results), 2);
  // results.json says harness-error for it, and reads back the same.
  const std::string json = ResultsJson(merged.results, merged.run);
  EXPECT_THAT(json, HasSubstr("\"verdict\": \"harness-error\""));
  EXPECT_EQ(ResultsFromJson(json, "merged")[1], lost);
}

// Given --allow-missing and two shards not given at all, each of their cells should say it was
// in one of them (which one, only their own split could say); an empty shard missing costs nothing.
TEST(MergeShardsTest, AllowMissingSeveralShards) {
  auto shards = ThreeShards();
  shards.erase(shards.begin());                   // shard 2
  shards.erase(shards.begin() + 1);               // shard 3
  const MergedRun merged = MergeShards(shards, {.allow_missing = true});
  ASSERT_EQ(merged.results.size(), 3u);
  EXPECT_EQ(merged.missing_shards, (std::vector<int>{2, 3}));
  for (std::size_t i : {1u, 2u}) {
    EXPECT_EQ(merged.results[i].error,
              "shards 2, 3 of 3 produced no output: their jobs wrote no results.json (failed or cancelled, or the "
              "artifact is missing); this cell was in one of them and did not run");
  }
  std::vector<ShardResults> four;
  for (std::size_t i = 0; i < kCells.size(); ++i) {
    four.push_back(Shard(static_cast<int>(i) + 1, 4, {Cell(kCells[i], Verdict::kPass, "")}));
  }
  const MergedRun without_empty = MergeShards(four, {.allow_missing = true});
  EXPECT_EQ(without_empty.missing_shards, std::vector<int>{4});
  EXPECT_EQ(ExitCodeFor(without_empty.results), 0);
}

// Given --allow-missing, everything else a merge refuses is still refused, and with no shard's
// results at all there is no cell list to report on.
TEST(MergeShardsTest, AllowMissingStillRefusesTheRest) {
  auto shards = ThreeShards();
  shards.push_back(shards[1]);
  shards.back().dir = "/merge/again";
  EXPECT_EQ(testing::HarnessErrorOf([&] { MergeShards(shards, {.allow_missing = true}); }),
            "shard 1 of 3 is given twice: '/merge/shard-1' and '/merge/again'");
  EXPECT_THAT(testing::HarnessErrorOf([&] { MergeShards({{"/merge/shard-1", ""}}, {.allow_missing = true}); }),
              HasSubstr("no shard wrote a results.json"));
  EXPECT_THAT(testing::HarnessErrorOf([&] { MergeShards({{"/merge/shard-1", ""}}); }),
              HasSubstr("'/merge/shard-1' has no results.json"));
}

TEST(MergeShardsTest, DuplicateShard) {
  auto shards = ThreeShards();
  shards.push_back(shards[1]);
  shards.back().dir = "/merge/again";
  EXPECT_EQ(MergeError(shards), "shard 1 of 3 is given twice: '/merge/shard-1' and '/merge/again'");
}

TEST(MergeShardsTest, DifferentMatrix) {
  auto shards = ThreeShards();
  RunProvenance other = Provenance(3, 3);
  other.matrix_sha256 = "beef";
  shards[2] = Shard(3, 3, {Cell(kCells[2], Verdict::kPass, "")}, other);
  EXPECT_THAT(MergeError(shards), HasSubstr("'/merge/shard-2' and '/merge/shard-3' ran different matrix files"));
  other.matrix_sha256 = "feed";
  other.matrix_cells = {kCells[0], kCells[2]};
  shards[2] = Shard(3, 3, {Cell(kCells[2], Verdict::kPass, "")}, other);
  EXPECT_THAT(MergeError(shards), HasSubstr("expanded the matrix into different cells"));
  other.matrix_cells = kCells;
  other.shards = 4;
  shards[2] = Shard(3, 4, {Cell(kCells[2], Verdict::kPass, "")}, other);
  EXPECT_THAT(MergeError(shards), HasSubstr("is shard 2 of 3 but '/merge/shard-3' is shard 3 of 4"));
}

TEST(MergeShardsTest, DifferentHarnessVersion) {
  auto shards = ThreeShards();
  RunProvenance other = Provenance(1, 3);
  other.harness_version = "0.1.0+gdef";
  shards[1] = Shard(1, 3, {Cell(kCells[0], Verdict::kPass, "")}, other);
  EXPECT_THAT(MergeError(shards), HasSubstr("were run by different harness versions ('0.1.0+gabc' and '0.1.0+gdef')"));
}

// Given last night's results.json for shard 3 (its job died today before writing its own), the
// merge should refuse it, naming the shard's file and both run ids, with or without --run-id.
TEST(MergeShardsTest, StaleShardFromAnotherRunIsRefused) {
  auto shards = ThreeShards();
  RunProvenance stale = Provenance(3, 3);
  stale.run_id = "4100-1";
  shards[2] = Shard(3, 3, {Cell(kCells[2], Verdict::kPass, "")}, stale);
  EXPECT_EQ(MergeError(shards, "4242-1"),
            "'/merge/shard-3/results.json' is from run '4100-1', not from run '4242-1' (--run-id): a results.json "
            "left by an earlier run (did this shard's job die before writing its own?); run the shard again");
  EXPECT_EQ(MergeError(shards),
            "'/merge/shard-3/results.json' is from run '4100-1' but '/merge/shard-2/results.json' is from run "
            "'4242-1': a results.json left by an earlier run (did a shard's job die before writing its own?); "
            "run the stale shard again, or pass the CI's --run-id to tell which one is stale");
  EXPECT_EQ(MergeShards(ThreeShards(), {.run_id = "4242-1"}).run.run_id, "4242-1");
  // Shards run by hand without --run-id each made up an id: nothing to compare, they merge; a
  // chosen id among them is still compared with the other chosen ones.
  auto by_hand = ThreeShards();
  for (int k = 0; k < 3; ++k) {
    RunProvenance run = Provenance(k + 1, 3);
    run.run_id = "auto-20261207T010000Z-0000000" + std::to_string(k);
    by_hand[k] = Shard(k + 1, 3, {Cell(kCells[k], Verdict::kPass, "")}, run);
  }
  EXPECT_EQ(MergeShards(by_hand).results.size(), 3u);
  by_hand[2] = shards[2];  // "4100-1", chosen
  EXPECT_EQ(MergeShards(by_hand).results.size(), 3u);
  by_hand[1] = ThreeShards()[1];  // "4242-1", chosen too: the two disagree
  EXPECT_THAT(MergeError(by_hand), HasSubstr("is from run '4100-1' but"));
  EXPECT_THAT(MergeError(ThreeShards(), "4243-1"), HasSubstr("is from run '4242-1', not from run '4243-1'"));
}

// A run without --shard (or a results.json from before shards) mixed in is refused, as is a merge.
TEST(MergeShardsTest, UnshardedRun) {
  auto shards = ThreeShards();
  shards.push_back({"/merge/whole", ResultsJson({Cell(kCells[0], Verdict::kPass, "")},
                                                {.harness_version = "0.1.0+gabc", .matrix = "configs/m.yaml"})});
  EXPECT_THAT(MergeError(shards), HasSubstr("'/merge/whole' holds a run that was not sharded"));
  shards.back().json = ResultsJson({Cell(kCells[0], Verdict::kPass, "")});
  EXPECT_THAT(MergeError(shards), HasSubstr("'/merge/whole' holds a results.json without a run record"));
}

// A shard whose cells do not match the split (a cell twice, or one lost) is never a partial report.
TEST(MergeShardsTest, CellTwiceOrLost) {
  auto shards = ThreeShards();
  shards[2] = Shard(3, 3, {Cell(kCells[2], Verdict::kPass, ""), Cell(kCells[1], Verdict::kPass, "")});
  EXPECT_THAT(MergeError(shards), HasSubstr("cell 't/none/arm64/gcc' is in more than one shard"));
  shards[2] = Shard(3, 3, {});
  EXPECT_THAT(MergeError(shards), HasSubstr("cell 't/none/s390x/gcc' is in no shard's results"));
}

}  // namespace
}  // namespace harness
