#include "harness/config/matrix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseMatrix(yaml, "configs/x.yaml");
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MatrixTest, ShippedDefaultLoads) {
  MatrixConfig config = LoadMatrix(std::string(HARNESS_SOURCE_DIR) + "/configs/default.yaml");
  EXPECT_EQ(config.arches, (std::vector<std::string>{"x86_64", "arm64", "s390x"}));
  ASSERT_EQ(config.trees.size(), 1u);
  EXPECT_EQ(config.trees[0].debian_package, "linux-source-6.1");
  EXPECT_EQ(config.series[0].name, "none");
  EXPECT_EQ(config.kconfig_base, "tinyconfig");
}

TEST(MatrixTest, UnknownKeyNamesPositionAndSuggestion) {
  std::string yaml =
      "trees:\n"
      "  - name: t\n"
      "    path: /src\n"
      "arches: [x86_64]\n"
      "timeouts:\n"
      "  boots: 3\n";
  EXPECT_EQ(ErrorOf(yaml), "configs/x.yaml:6:3: unknown key 'boots' in timeouts, did you mean 'boot'?");
}

TEST(MatrixTest, UnknownArchPointsAtTheListItem) {
  std::string yaml = "trees: [{name: t, path: /src}]\narches: [x86_64, riscv]\n";
  EXPECT_THAT(ErrorOf(yaml), HasSubstr("configs/x.yaml:2:18: unknown arch 'riscv'"));
}

TEST(MatrixTest, SyntaxErrorHasPosition) {
  EXPECT_THAT(ErrorOf("trees: [\n  - a\n arches"), HasSubstr("configs/x.yaml:"));
  EXPECT_THAT(ErrorOf("trees: [\n  - a\n arches"), HasSubstr("invalid YAML"));
}

TEST(MatrixTest, TreeNeedsExactlyOneSource) {
  EXPECT_THAT(ErrorOf("trees: [{name: t}]\narches: [arm64]\n"),
              HasSubstr("configs/x.yaml:1:9: tree 't' needs exactly one of 'debian_package', 'path' or 'git'"));
}

TEST(MatrixTest, BadTimeoutIsNamed) {
  EXPECT_THAT(ErrorOf("trees: [{name: t, path: /s}]\narches: [arm64]\ntimeouts: {boot: soon}\n"),
              HasSubstr("configs/x.yaml:3:18: 'boot' must be a positive integer, got 'soon'"));
}

TEST(MatrixTest, EmptyAndMissingFiles) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty matrix file"));
  EXPECT_THROW(LoadMatrix("/nonexistent/m.yaml"), HarnessError);
}

}  // namespace
}  // namespace harness
