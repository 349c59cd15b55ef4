#include "harness/core/spelling.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(SpellingTest, EditDistanceCountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("run", "run"), 0u);
  EXPECT_EQ(EditDistance("runn", "run"), 1u);
  EXPECT_EQ(EditDistance("", "ci"), 2u);
  EXPECT_EQ(EditDistance("boto", "boot"), 2u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

// Given a misspelt command, the nearest known one should be suggested, and nothing when every
// known one is three or more edits away.
TEST(SpellingTest, NearestNameSuggestsOnlyCloseNames) {
  const std::vector<std::string_view> commands = {"run", "corpus", "inspect", "boot", "cache", "report", "merge", "ci"};
  EXPECT_EQ(NearestName("runn", commands), "run");
  EXPECT_EQ(NearestName("inspct", commands), "inspect");
  EXPECT_EQ(NearestName("reprot", commands), "report");
  EXPECT_EQ(NearestName("frobnicate", commands), "");
  EXPECT_EQ(NearestName("runn", {}), "");
}

}  // namespace
}  // namespace harness
