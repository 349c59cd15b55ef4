#include <gtest/gtest.h>

#include "harness/config/matrix.h"
#include "harness/core/util.h"

namespace harness {
namespace {

// What ParseMatrix keeps of where a rule stood depends on the text; the rest must round-trip.
MatrixConfig WithoutPlaces(MatrixConfig config) {
  config.source.clear();
  for (auto* rules : {&config.excludes, &config.includes}) {
    for (auto& rule : *rules) rule.where.clear();
  }
  return config;
}

void ExpectRoundTrip(const MatrixConfig& config) {
  const std::string yaml = MatrixToYaml(config);
  const MatrixConfig again = ParseMatrix(yaml, "emitted.yaml");
  EXPECT_EQ(WithoutPlaces(again), WithoutPlaces(config)) << yaml;
}

// Given every key a matrix can hold, with names that YAML would misread unquoted (a colon, a
// quote, a leading '#', "true", a number), parsing what MatrixToYaml wrote gives the matrix back.
TEST(MatrixToYamlTest, ParseOfEmitIsTheMatrix) {
  MatrixConfig config;
  config.trees = {{.name = "debian 6.1", .debian_package = "linux-source-6.1", .version = "6.1.90-1",
                   .suite = "bookworm", .kconfig_fragments = {"debian-5.10.config"}},
                  {.name = "it's: #1", .git = "/src/linux with space", .ref = "v6.9"},
                  {.name = "true", .path = "/src/plain"}};
  config.series = {{"none", {}}, {"012", "/p/fix: v2.mbox"}};
  config.arches = {"arm64", "s390x"};
  config.toolchains = {"gcc", "clang"};
  config.kconfig_base = "defconfig";
  config.fragments = {"common.config", "no-btf.config"};
  config.build_timeout = 1234;
  config.boot_timeout = 56;
  config.define_output_format = true;
  config.accel = "tcg";
  config.excludes = {{.trees = {"true"}, .arches = {"s390x"}, .reason = "a reason: with a colon"}};
  config.includes = {{.trees = {"it's: #1"}, .series = {"012"}, .arches = {"arm64"}, .toolchains = {"clang"}}};
  config.history = "/var/lib/harness history";
  config.ccache_remote = "redis://cache:6379";
  ExpectRoundTrip(config);
}

// Given the smallest matrix (the defaults ParseMatrix fills in), the round trip holds as well.
TEST(MatrixToYamlTest, DefaultsRoundTrip) {
  ExpectRoundTrip(ParseMatrix("trees: [{name: t, git: /r}]\narches: [x86_64]\n", "m.yaml"));
}

// Given the matrices the project ships, each survives parse -> emit -> parse unchanged.
TEST(MatrixToYamlTest, ShippedMatricesRoundTrip) {
  for (const char* name : {"default.yaml", "nightly.yaml"}) {
    SCOPED_TRACE(name);
    ExpectRoundTrip(LoadMatrix(std::filesystem::path(HARNESS_SOURCE_DIR) / "configs" / name));
  }
}

}  // namespace
}  // namespace harness
