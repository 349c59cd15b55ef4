#include "harness/plan/shard.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "harness/core/error.h"

namespace harness {
namespace {

// The number in `text`, or -1 when it is not one (no sign, no spaces).
int Number(std::string_view text) {
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : -1;
}

// The cells sharing one build directory, and what they are expected to cost together.
struct Group {
  std::vector<std::size_t> cells;  // indexes into the matrix's cells, in matrix order
  double cost = 0;
};

std::vector<Group> Groups(const std::vector<Cell>& cells, const CellCosts& known) {
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;  // group key -> position in groups (first appearance)
  for (std::size_t i = 0; i < cells.size(); ++i) {
    auto [it, inserted] = index.emplace(BuildGroupKey(cells[i]), groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].cells.push_back(i);
    groups[it->second].cost += EstimatedCost(cells[i], known);
  }
  return groups;
}

}  // namespace

ShardSpec ParseShard(std::string_view text) {
  const std::string quoted = "--shard '" + std::string(text) + "'";
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) throw HarnessError(quoted + ": expected K/N, e.g. --shard 2/3");
  const int index = Number(text.substr(0, slash)), count = Number(text.substr(slash + 1));
  if (index < 0 || count < 0) throw HarnessError(quoted + ": K and N must be whole numbers, e.g. --shard 2/3");
  if (count == 0) throw HarnessError(quoted + ": N, the number of shards, must be at least 1");
  if (index == 0 || index > count) {
    throw HarnessError(quoted + ": K must be between 1 and " + std::to_string(count) + " (shards are numbered from 1)");
  }
  return {index, count};
}

std::string BuildGroupKey(const Cell& cell) {
  return cell.tree.name + "/" + std::string(cell.arch->name) + "/" + cell.toolchain;
}

double EstimatedCost(const Cell& cell, const CellCosts& known) {
  if (!cell.excluded.empty()) return 0;
  const auto it = known.find(cell.id);
  return it != known.end() ? it->second : cell.arch->cold_build_seconds;
}

std::vector<int> AssignShards(const std::vector<Cell>& cells, int count, const CellCosts& known) {
  std::vector<Group> groups = Groups(cells, known);
  // Largest group first; equal costs keep matrix order, so every job computes the same split.
  std::vector<std::size_t> order(groups.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return groups[a].cost > groups[b].cost; });
  std::vector<double> load(static_cast<std::size_t>(count), 0.0);
  std::vector<int> shard_of(cells.size(), 0);
  for (std::size_t g : order) {
    // The least-loaded shard, the lowest-numbered among equals.
    const auto least = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[least] += groups[g].cost;
    for (std::size_t cell : groups[g].cells) shard_of[cell] = static_cast<int>(least) + 1;
  }
  return shard_of;
}

std::vector<Cell> CellsOfShard(const std::vector<Cell>& cells, ShardSpec shard, const CellCosts& known) {
  if (shard.count == 0) return cells;
  const std::vector<int> shard_of = AssignShards(cells, shard.count, known);
  std::vector<Cell> selected;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (shard_of[i] == shard.index) selected.push_back(cells[i]);
  }
  return selected;
}

}  // namespace harness
