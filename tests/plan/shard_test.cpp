#include "harness/plan/shard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness/arch/arch.h"
#include "tests/support/error_of.h"

namespace harness {
namespace {

// Two trees, two series, three arches, two toolchains, with excluded cells (clang on s390x, and
// one matrix exclude): 24 cells in 12 build groups of unequal cost.
MatrixConfig Matrix() {
  return ParseMatrix(
      "trees: [{name: old, path: /old}, {name: new, path: /new}]\n"
      "series: [{name: none}, {name: s, path: p}]\n"
      "arches: [x86_64, arm64, s390x]\n"
      "toolchains: [gcc, clang]\n"
      "exclude:\n"
      "  - {tree: old, arch: arm64, toolchain: clang, reason: 'not yet'}\n",
      "m.yaml");
}

std::vector<Cell> Cells() { return ExpandCells(Matrix(), {}); }

std::string ParseError(std::string_view text) {
  return testing::HarnessErrorOf([&] { ParseShard(text); });
}

TEST(ShardTest, ParsesKOfN) {
  EXPECT_EQ(ParseShard("2/3").index, 2);
  EXPECT_EQ(ParseShard("2/3").count, 3);
  EXPECT_EQ(ParseShard("1/1").count, 1);
}

TEST(ShardTest, RejectsWhatIsNotKOfN) {
  EXPECT_EQ(ParseError("0/3"), "--shard '0/3': K must be between 1 and 3 (shards are numbered from 1)");
  EXPECT_EQ(ParseError("4/3"), "--shard '4/3': K must be between 1 and 3 (shards are numbered from 1)");
  EXPECT_EQ(ParseError("1/0"), "--shard '1/0': N, the number of shards, must be at least 1");
  EXPECT_EQ(ParseError("2"), "--shard '2': expected K/N, e.g. --shard 2/3");
  for (const char* bad : {"a/3", "1/b", "-1/3", "1/3/", " 1/3", "1/", "/3", "1.5/3"}) {
    EXPECT_THAT(ParseError(bad), ::testing::HasSubstr("K and N must be whole numbers")) << bad;
  }
}

// Given any number of shards from 1 to one more than the cells, every cell should be in exactly
// one shard, and CellsOfShard should agree with AssignShards.
TEST(ShardTest, EveryCellInExactlyOneShard) {
  const auto cells = Cells();
  for (int n = 1; n <= static_cast<int>(cells.size()) + 1; ++n) {
    SCOPED_TRACE("N = " + std::to_string(n));
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; ++k) {
      for (const Cell& cell : CellsOfShard(cells, {k, n}, {})) seen.insert(cell.id);
    }
    ASSERT_EQ(seen.size(), cells.size());
    for (const Cell& cell : cells) EXPECT_EQ(seen.count(cell.id), 1u) << cell.id;
  }
}

// Cells sharing a build directory (tree, arch, toolchain; both series; excluded ones too) should
// land in one shard.
TEST(ShardTest, BuildGroupsStayTogether) {
  const auto cells = Cells();
  for (int n = 1; n <= 13; ++n) {
    const auto shard_of = AssignShards(cells, n, {});
    std::map<std::string, int> group_shard;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      auto [it, inserted] = group_shard.emplace(BuildGroupKey(cells[i]), shard_of[i]);
      EXPECT_EQ(it->second, shard_of[i]) << cells[i].id << " with N = " << n;
    }
    EXPECT_EQ(group_shard.size(), 12u);
  }
}

// The split is the same on every machine and every call.
TEST(ShardTest, Deterministic) {
  const auto cells = Cells();
  const CellCosts costs = {{"new/none/s390x/gcc", 900}};
  EXPECT_EQ(AssignShards(cells, 3, costs), AssignShards(Cells(), 3, costs));
  // The largest groups first (x86_64's, equal), in matrix order, each onto the lowest-numbered
  // least-loaded shard.
  const auto shard_of = AssignShards(cells, 2, {});
  ASSERT_EQ(cells[1].id, "old/none/x86_64/clang");
  EXPECT_EQ(shard_of[0], 1);
  EXPECT_EQ(shard_of[1], 2);
}

// The most- and least-loaded shard should differ by at most the largest group's cost, whether the
// costs are the arches' defaults or a history's timings.
TEST(ShardTest, BalancedWithinTheLargestGroup) {
  const auto cells = Cells();
  CellCosts history;
  for (std::size_t i = 0; i < cells.size(); i += 3) history[cells[i].id] = 40.0 * static_cast<double>(i + 1);
  for (const CellCosts& costs : {CellCosts{}, history}) {
    std::map<std::string, double> group_cost;
    for (const Cell& cell : cells) group_cost[BuildGroupKey(cell)] += EstimatedCost(cell, costs);
    double largest = 0;
    for (const auto& [key, cost] : group_cost) largest = std::max(largest, cost);
    for (int n = 1; n <= 14; ++n) {
      std::vector<double> load(static_cast<std::size_t>(n), 0.0);
      const auto shard_of = AssignShards(cells, n, costs);
      for (std::size_t i = 0; i < cells.size(); ++i) load[shard_of[i] - 1] += EstimatedCost(cells[i], costs);
      const auto [min, max] = std::minmax_element(load.begin(), load.end());
      EXPECT_LE(*max - *min, largest) << "N = " << n;
    }
  }
}

// A timed cell costs what the history says; an untimed one its arch's typical cold build; an
// excluded one nothing.
TEST(ShardTest, EstimatedCost) {
  const auto cells = Cells();
  const Cell& x86 = cells[0];
  ASSERT_EQ(x86.id, "old/none/x86_64/gcc");
  EXPECT_EQ(EstimatedCost(x86, {}), FindArch("x86_64")->cold_build_seconds);
  EXPECT_EQ(EstimatedCost(x86, {{x86.id, 12.5}}), 12.5);
  const auto excluded = std::find_if(cells.begin(), cells.end(), [](const Cell& c) { return !c.excluded.empty(); });
  ASSERT_NE(excluded, cells.end());
  EXPECT_EQ(EstimatedCost(*excluded, {{excluded->id, 99}}), 0);
}

// The history moves a heavy group onto a shard of its own.
TEST(ShardTest, HistoryTimingsDecide) {
  const auto cells = Cells();
  CellCosts costs;
  for (const Cell& cell : cells) costs[cell.id] = 10;
  costs["new/none/arm64/gcc"] = costs["new/s/arm64/gcc"] = 5000;
  const auto heavy = CellsOfShard(cells, {1, 2}, costs);
  std::vector<std::string> ids;
  for (const Cell& cell : heavy) ids.push_back(cell.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"new/none/arm64/gcc", "new/s/arm64/gcc"}));
}

// More shards than groups: the extra shards are empty, and not sharding returns every cell.
TEST(ShardTest, MoreShardsThanGroupsLeavesEmptyShards) {
  const auto cells = Cells();
  EXPECT_TRUE(CellsOfShard(cells, {13, 13}, {}).empty());
  EXPECT_FALSE(CellsOfShard(cells, {1, 13}, {}).empty());
  // Groups of excluded cells cost nothing: they share the first shard left empty.
  const auto tenth = CellsOfShard(cells, {10, 13}, {});
  EXPECT_EQ(tenth.size(), 6u);
  for (const Cell& cell : tenth) EXPECT_FALSE(cell.excluded.empty()) << cell.id;
  EXPECT_EQ(CellsOfShard(cells, {}, {}).size(), cells.size());
}

}  // namespace
}  // namespace harness
