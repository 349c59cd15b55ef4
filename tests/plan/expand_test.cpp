#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "harness/plan/plan.h"

namespace harness {
namespace {

MatrixConfig Matrix() {
  return ParseMatrix("trees: [{name: t, path: /src}]\nseries: [{name: none}, {name: s, path: p}]\n"
                     "arches: [x86_64, arm64, s390x]\n",
                     "m.yaml");
}

// Cells come grouped by tree then series, so each series is applied once for all its arches.
TEST(ExpandCellsTest, GroupsBySeriesThenArch) {
  auto cells = ExpandCells(Matrix(), {});
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[0].id, "t/none/x86_64/gcc");
  EXPECT_EQ(cells[2].id, "t/none/s390x/gcc");
  EXPECT_EQ(cells[3].id, "t/s/x86_64/gcc");
}

TEST(ExpandCellsTest, ArchFilter) {
  RunOptions options;
  options.only_arches = {"s390x"};
  auto cells = ExpandCells(Matrix(), options);
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].arch->name, "s390x");
  options.only_arches = {"riscv"};
  EXPECT_THROW(ExpandCells(Matrix(), options), HarnessError);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

MatrixConfig RuleMatrix() {
  return ParseMatrix(
      "trees: [{name: old, path: /old}, {name: new, path: /new}]\n"
      "arches: [x86_64, s390x]\n"
      "toolchains: [gcc, clang]\n"
      "exclude:\n"
      "  - {tree: old, arch: x86_64, toolchain: clang, reason: 'old x86 clang breaks'}\n"
      "include:\n"
      "  - {tree: new, arch: arm64, toolchain: gcc}\n",
      "m.yaml");
}

std::vector<std::string> Ids(const std::vector<Cell>& cells) {
  std::vector<std::string> ids;
  for (const auto& c : cells) ids.push_back(c.id + (c.excluded.empty() ? "" : " (excluded)"));
  return ids;
}

// Given exclude and include rules, the cross product keeps its order, the included cell comes in
// its arch's place, and excluded cells stay in the list with their reason: the matrix's own, or
// the toolchain data's (clang cannot link s390x).
TEST(ExpandCellsTest, IncludeAndExcludeWithReasons) {
  auto cells = ExpandCells(RuleMatrix(), {});
  EXPECT_EQ(Ids(cells), (std::vector<std::string>{
                            "old/none/x86_64/gcc", "old/none/x86_64/clang (excluded)", "old/none/s390x/gcc",
                            "old/none/s390x/clang (excluded)", "new/none/x86_64/gcc", "new/none/x86_64/clang",
                            "new/none/s390x/gcc", "new/none/s390x/clang (excluded)", "new/none/arm64/gcc"}));
  EXPECT_EQ(cells[1].excluded, "old x86 clang breaks (exclude at m.yaml:5:5)");
  EXPECT_THAT(cells[3].excluded, ::testing::StartsWith("toolchain clang on s390x: ld.lld (LLVM 16) cannot link s390x"));
}

// An include wins over the matrix's exclude (it names the cell on purpose), never over the data.
TEST(ExpandCellsTest, IncludeOverridesMatrixExcludeButNotData) {
  MatrixConfig config = RuleMatrix();
  config.includes.push_back({.trees = {"old"}, .arches = {"x86_64", "s390x"}, .toolchains = {"clang"}});
  auto cells = ExpandCells(config, {});
  EXPECT_TRUE(cells[1].excluded.empty()) << cells[1].id;
  EXPECT_FALSE(cells[3].excluded.empty()) << cells[3].id;
}

// --tree, --arch and --toolchain narrow the cells; a name outside the matrix is an error.
TEST(ExpandCellsTest, TreeAndToolchainFilters) {
  RunOptions options;
  options.only_trees = {"new"};
  options.only_arches = {"arm64"};
  EXPECT_EQ(Ids(ExpandCells(RuleMatrix(), options)), (std::vector<std::string>{"new/none/arm64/gcc"}));
  options = {};
  options.only_toolchains = {"clang"};
  options.only_arches = {"x86_64"};
  EXPECT_EQ(Ids(ExpandCells(RuleMatrix(), options)),
            (std::vector<std::string>{"old/none/x86_64/clang (excluded)", "new/none/x86_64/clang"}));
  options = {};
  options.only_trees = {"newer"};
  try {
    ExpandCells(RuleMatrix(), options);
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "--tree 'newer' is not in m.yaml (its trees: old, new)");
  }
  options = {};
  options.only_toolchains = {"icc"};
  EXPECT_THROW(ExpandCells(RuleMatrix(), options), HarnessError);
}

}  // namespace
}  // namespace harness
