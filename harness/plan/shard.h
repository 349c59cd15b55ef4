#pragma once
// `harness run --shard K/N`: which cells shard K of N runs, so that a CI system's own job matrix
// can spread one harness matrix over N machines. Pure functions of the cells and their costs:
// every job computes the same split on its own, with no coordinator.
//
// Cells that share a build directory (same tree, arch and toolchain; every series) stay in one
// shard, so each shard's builds stay incremental. Groups are spread by a greedy on their
// estimated cost (largest first onto the least-loaded shard), which keeps the most-loaded and
// the least-loaded shard within one group's cost of each other.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/plan/plan.h"

namespace harness {

// Shard `index` (1-based) of `count`; count 0 means the run is not sharded.
struct ShardSpec {
  int index = 0;
  int count = 0;
};

// "K/N" with 1 <= K <= N; throws HarnessError saying what is wrong with `text`.
ShardSpec ParseShard(std::string_view text);

// The build directory a cell shares with others: tree, arch and toolchain.
std::string BuildGroupKey(const Cell& cell);

// A cell's estimate: its entry in `known`, else its arch's typical cold build; 0 when excluded.
double EstimatedCost(const Cell& cell, const CellCosts& known);

// The shard (1..count) of each cell, in the order of `cells`. Excluded cells go with their group.
std::vector<int> AssignShards(const std::vector<Cell>& cells, int count, const CellCosts& known);

// The cells of `shard`, in matrix order (empty when there are more shards than groups).
std::vector<Cell> CellsOfShard(const std::vector<Cell>& cells, ShardSpec shard, const CellCosts& known);

}  // namespace harness
