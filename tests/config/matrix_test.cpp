#include "harness/config/matrix.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/config/kconfig.h"
#include "harness/core/error.h"
#include "harness/core/util.h"

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
  EXPECT_EQ(config.arches, (std::vector<std::string>{"x86_64", "arm64", "s390x", "riscv64", "ppc64", "i386"}));
  ASSERT_EQ(config.trees.size(), 1u);
  EXPECT_EQ(config.trees[0].debian_package, "linux-source-6.1");
  EXPECT_EQ(config.series[0].name, "none");
  EXPECT_EQ(config.kconfig_base, "tinyconfig");
}

// The nightly matrix: three Debian trees (5.10 and 6.12 from their own suites, 5.10 with its own
// DWARF fragment), six arches, gcc and clang.
TEST(MatrixTest, ShippedNightlyLoads) {
  MatrixConfig config = LoadMatrix(std::string(HARNESS_SOURCE_DIR) + "/configs/nightly.yaml");
  ASSERT_EQ(config.trees.size(), 3u);
  EXPECT_EQ(config.trees[0].debian_package, "linux-source-5.10");
  EXPECT_EQ(config.trees[0].suite, "bullseye");
  EXPECT_EQ(config.trees[0].kconfig_fragments, (std::vector<std::string>{"debian-5.10.config"}));
  EXPECT_EQ(config.trees[2].debian_package, "linux-source-6.12");
  EXPECT_TRUE(config.trees[2].kconfig_fragments.empty()) << "6.12 takes the 6.1 fragments unchanged";
  EXPECT_EQ(config.toolchains, (std::vector<std::string>{"gcc", "clang"}));
  EXPECT_EQ(config.arches.size(), 6u);
}

// common.config plus 5.10's fragment: what a 5.10 olddefconfig keeps (no DWARF choice, DEBUG_INFO
// itself) meets every request; without the 5.10 fragment the DWARF choice would count as dropped.
TEST(MatrixTest, Debian510FragmentFitsA510Config) {
  const std::string dir = std::string(HARNESS_SOURCE_DIR) + "/configs/kconfig/";
  const auto common = ParseFragment(ReadFile(dir + "common.config"), "common.config");
  const auto v510 = ParseFragment(ReadFile(dir + "debian-5.10.config"), "debian-5.10.config");
  // CGROUPS and CGROUP_BPF: the 5.10 fragment's own requests, kept by a real 5.10 olddefconfig.
  DotConfig config = {{"CONFIG_DEBUG_INFO", "y"}, {"CONFIG_BPF_SYSCALL", "y"}, {"CONFIG_DEBUG_INFO_BTF", "y"},
                      {"CONFIG_CGROUPS", "y"}, {"CONFIG_CGROUP_BPF", "y"}};
  for (const auto& option : common) {
    // Neither exists in 5.10's Kconfig: the DWARF choice (5.12) and module BTF (5.11).
    if (option.value != "n" && option.name != "CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT" &&
        option.name != "CONFIG_DEBUG_INFO_BTF_MODULES") {
      config[option.name] = option.value;
    }
  }
  EXPECT_TRUE(CheckConfig(MergeFragments({common, v510}), config, 124).empty());
  const auto dropped = CheckConfig(MergeFragments({common}), config, 124);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].requested.name, "CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT");
  EXPECT_EQ(dropped[1].requested.name, "CONFIG_DEBUG_INFO_BTF_MODULES");
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

TEST(MatrixTest, CcacheRemoteIsARedisUrl) {
  const std::string base = "trees: [{name: t, path: /src}]\narches: [x86_64]\n";
  EXPECT_EQ(ParseMatrix(base, "m.yaml").ccache_remote, "");
  EXPECT_EQ(ParseMatrix(base + "ccache_remote: redis://cache.lan:6379\n", "m.yaml").ccache_remote,
            "redis://cache.lan:6379");
  EXPECT_THAT(ErrorOf(base + "ccache_remote: http://cache.lan/ccache\n"),
              HasSubstr("configs/x.yaml:3:16: ccache_remote 'http://cache.lan/ccache' has scheme 'http': expected "
                        "redis://HOST[:PORT][/DB]"));
  EXPECT_EQ(ErrorOf(base + "ccache_remot: redis://x\n"),
            "configs/x.yaml:3:1: unknown key 'ccache_remot' in the matrix, did you mean 'ccache_remote'?");
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

// Names key the cells and output directories: a repeated one would silently collapse two
// entries into one, so it is an error naming both positions.
TEST(MatrixTest, DuplicateTreeNameIsPositioned) {
  EXPECT_EQ(ErrorOf("trees:\n  - {name: t, path: /a}\n  - {name: t, path: /b}\narches: [arm64]\n"),
            "configs/x.yaml:3:12: duplicate tree name 't' (first at line 2); each tree needs its own name");
}

TEST(MatrixTest, DuplicateSeriesNameIsPositioned) {
  EXPECT_EQ(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\nseries:\n"
                    "  - {name: fix, path: a/fix.patch}\n  - {name: fix, path: b/fix.patch}\n"),
            "configs/x.yaml:5:12: duplicate series name 'fix' (first at line 4); each series needs its own name");
  EXPECT_THAT(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\nseries: [{name: none}, {name: none}]\n"),
              HasSubstr("3:31: duplicate series name 'none'"));
}

// 'none' is the implicit entry for the tree as it is; a series with patches cannot take the name.
TEST(MatrixTest, SeriesNamedNoneTakesNoPath) {
  EXPECT_EQ(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\nseries: [{name: none, path: p/none.patch}]\n"),
            "configs/x.yaml:3:17: series 'none' is the tree without patches and takes no 'path'; give the series "
            "at 'p/none.patch' another name");
}

TEST(MatrixTest, DuplicateArchIsPositioned) {
  EXPECT_THAT(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64, s390x, arm64]\n"),
              HasSubstr("configs/x.yaml:2:24: duplicate arch 'arm64' (first at line 2); list each arch once"));
}

// Two cells with one id would share a build and an artifacts directory and boot side by side.
TEST(MatrixTest, DuplicateToolchainIsPositioned) {
  EXPECT_THAT(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\ntoolchains: [gcc, gcc]\n"),
              HasSubstr("configs/x.yaml:3:19: duplicate toolchain 'gcc' (first at line 3); list each toolchain once"));
}

// A mapping or a list used as a key is the user's error, not an internal one.
TEST(MatrixTest, NonScalarKeysArePositioned) {
  EXPECT_EQ(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\n? {a: 1}\n: x\n"),
            "configs/x.yaml:3:3: a key in the matrix must be a plain name, not a mapping");
  EXPECT_EQ(ErrorOf("trees:\n  - name: t\n    ? [path]\n    : /a\narches: [arm64]\n"),
            "configs/x.yaml:3:7: a key in a tree must be a plain name, not a list");
  EXPECT_THAT(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\ntimeouts: {? [1, 2] : 3}\n"),
              HasSubstr("configs/x.yaml:3:14: a key in timeouts must be a plain name, not a list"));
}

TEST(MatrixTest, DuplicateKeyIsPositioned) {
  EXPECT_EQ(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\narches: [s390x]\n"),
            "configs/x.yaml:3:1: duplicate key 'arches' in the matrix (first at line 2); remove one");
}

TEST(MatrixTest, EmptyAndMissingFiles) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty matrix file"));
  EXPECT_THROW(LoadMatrix("/nonexistent/m.yaml"), HarnessError);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

constexpr const char* kTwoTrees =
    "trees:\n"
    "  - {name: a, debian_package: linux-source-5.10, version: 5.10.223-1, suite: bullseye,\n"
    "     kconfig_fragments: [debian-5.10.config]}\n"
    "  - {name: b, path: /src}\n"
    "arches: [x86_64, s390x]\n"
    "toolchains: [gcc, clang]\n";

// Given include/exclude rules, each key takes a name or a list, and each rule keeps its position.
TEST(MatrixRulesTest, ReadsIncludeExcludeAndTreeFields) {
  MatrixConfig config = ParseMatrix(std::string(kTwoTrees) +
                                        "exclude:\n"
                                        "  - {tree: a, arch: [s390x, x86_64], reason: 'no good'}\n"
                                        "  - toolchain: clang\n"
                                        "    series: none\n"
                                        "    reason: because\n"
                                        "include:\n"
                                        "  - {tree: b, arch: arm64, toolchain: clang}\n",
                                    "configs/x.yaml");
  ASSERT_EQ(config.trees.size(), 2u);
  EXPECT_EQ(config.trees[0].version, "5.10.223-1");
  EXPECT_EQ(config.trees[0].suite, "bullseye");
  EXPECT_EQ(config.trees[0].kconfig_fragments, (std::vector<std::string>{"debian-5.10.config"}));
  ASSERT_EQ(config.excludes.size(), 2u);
  EXPECT_EQ(config.excludes[0].trees, (std::vector<std::string>{"a"}));
  EXPECT_EQ(config.excludes[0].arches, (std::vector<std::string>{"s390x", "x86_64"}));
  EXPECT_EQ(config.excludes[0].reason, "no good");
  EXPECT_EQ(config.excludes[0].where, "configs/x.yaml:8:5");
  EXPECT_TRUE(config.excludes[1].trees.empty());
  EXPECT_EQ(config.excludes[1].series, (std::vector<std::string>{"none"}));
  ASSERT_EQ(config.includes.size(), 1u);
  EXPECT_EQ(config.includes[0].arches, (std::vector<std::string>{"arm64"}));
  EXPECT_TRUE(RuleMatches(config.excludes[0], "a", "none", "s390x", "gcc"));
  EXPECT_FALSE(RuleMatches(config.excludes[0], "b", "none", "s390x", "gcc"));
}

// Bad rules are positioned errors naming what to do.
TEST(MatrixRulesTest, BadRulesArePositionedErrors) {
  const std::string base = kTwoTrees;
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {tree: a, arch: s390x}\n"),
            "configs/x.yaml:8:5: an exclude entry needs a 'reason': say why these cells cannot work (it is printed "
            "with every cell it excludes)");
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {reason: x}\n"),
            "configs/x.yaml:8:5: an exclude entry needs at least one of 'tree', 'series', 'arch' or 'toolchain'");
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {tree: c, reason: x}\n"),
            "configs/x.yaml:8:12: unknown tree 'c' (the matrix's trees: a, b)");
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {arch: [x86_64, sparc], reason: x}\n"),
            "configs/x.yaml:8:21: unknown arch 'sparc' (known arches: x86_64, arm64, s390x, riscv64, ppc64, i386)");
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {toolchain: icc, reason: x}\n"),
            "configs/x.yaml:8:17: unknown toolchain 'icc' (known toolchains: gcc, clang)");
  EXPECT_EQ(ErrorOf(base + "exclude:\n  - {arches: s390x, reason: x}\n"),
            "configs/x.yaml:8:6: unknown key 'arches' in an exclude entry, did you mean 'arch'?");
  EXPECT_EQ(ErrorOf(base + "exclude: {tree: a}\n"), "configs/x.yaml:7:10: 'exclude' must be a list");
  EXPECT_EQ(ErrorOf(base + "include:\n  - {tree: a, arch: arm64}\n"),
            "configs/x.yaml:8:5: an include entry needs 'tree', 'arch' and 'toolchain' (missing 'toolchain'; "
            "'series' defaults to every series)");
  EXPECT_EQ(ErrorOf("trees: [{name: a, path: /src, suite: trixie}]\narches: [x86_64]\n"),
            "configs/x.yaml:1:38: 'suite' needs 'debian_package'");
}

// An unknown toolchain is a positioned error listing the known ones.
TEST(MatrixRulesTest, UnknownToolchainIsPositioned) {
  EXPECT_EQ(ErrorOf("trees: [{name: t, path: /a}]\narches: [arm64]\ntoolchains: [gcc, icc]\n"),
            "configs/x.yaml:3:19: unknown toolchain 'icc' (known: gcc, clang)");
}

}  // namespace
}  // namespace harness
