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
