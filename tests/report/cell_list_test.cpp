#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/report/report.h"

namespace harness {
namespace {

// Given a cell that runs and one that is excluded, split into 2 shards, the document should hold
// each cell's parts, shard and estimates, and say how many shards there are.
TEST(CellListJsonTest, CellsWithShardsAndEstimates) {
  const std::vector<ListedCell> cells = {
      {.id = "t/none/x86_64/gcc", .tree = "t", .series = "none", .arch = "x86_64", .toolchain = "gcc", .shard = 2,
       .estimated_seconds = 431.5, .cold_build_seconds = 500},
      {.id = "t/none/s390x/clang", .excluded = "no clang for s390x", .tree = "t", .series = "none", .arch = "s390x",
       .toolchain = "clang", .shard = 1, .cold_build_seconds = 310},
  };
  const auto j = nlohmann::json::parse(CellListJson("configs/m.yaml", 2, cells));
  EXPECT_EQ(j["matrix"], "configs/m.yaml");
  EXPECT_EQ(j["shards"], 2);
  ASSERT_EQ(j["cells"].size(), 2u);
  EXPECT_EQ(j["cells"][0],
            nlohmann::json({{"cell", "t/none/x86_64/gcc"}, {"tree", "t"}, {"series", "none"}, {"arch", "x86_64"},
                            {"toolchain", "gcc"}, {"excluded", ""}, {"shard", 2}, {"estimated_seconds", 431.5},
                            {"cold_build_seconds", 500.0}}));
  EXPECT_EQ(j["cells"][1]["excluded"], "no clang for s390x");
  EXPECT_EQ(j["cells"][1]["estimated_seconds"], 0.0);
  // Not split: no shard to give.
  const auto whole = nlohmann::json::parse(CellListJson("configs/m.yaml", 0, cells));
  EXPECT_EQ(whole["shards"], 0);
  EXPECT_FALSE(whole["cells"][0].contains("shard"));
}

}  // namespace
}  // namespace harness
