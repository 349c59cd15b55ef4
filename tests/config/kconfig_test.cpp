#include "harness/config/kconfig.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

TEST(KconfigTest, ParsesFragmentsWithOrigins) {
  auto options = ParseFragment("# comment\nCONFIG_A=y\n\n# CONFIG_B is not set\nCONFIG_C=\"x\"\n", "f");
  ASSERT_EQ(options.size(), 3u);
  EXPECT_EQ(options[0].origin, "f:2");
  EXPECT_EQ(options[1].value, "n");
  EXPECT_EQ(options[2].value, "\"x\"");
  EXPECT_EQ(RenderFragment(options), "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"x\"\n");
}

TEST(KconfigTest, BadLineNamesFileAndLine) {
  try {
    ParseFragment("CONFIG_A=y\nDEBUG_INFO_BTF=y\n", "configs/kconfig/x.config");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("configs/kconfig/x.config:2: bad option name 'DEBUG_INFO_BTF'"));
  }
}

TEST(KconfigTest, LaterFragmentsWin) {
  auto merged = MergeFragments({ParseFragment("CONFIG_A=y\nCONFIG_B=y\n", "1"),
                                ParseFragment("# CONFIG_A is not set\n", "2")});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].value, "n");
  EXPECT_EQ(merged[0].origin, "2:1");
}

// Given pahole missing at configure time, it should name the dropped BTF option and why.
TEST(KconfigTest, DroppedBtfIsExplained) {
  auto requested = ParseFragment("CONFIG_DEBUG_INFO_BTF=y\nCONFIG_BPF_SYSCALL=y\n# CONFIG_X is not set\n", "c");
  auto actual = ParseDotConfig("CONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO=y\nCONFIG_PAHOLE_VERSION=0\n# CONFIG_DEBUG_INFO_BTF is not set\n");
  auto dropped = CheckConfig(requested, actual, 0);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].requested.name, "CONFIG_DEBUG_INFO_BTF");
  EXPECT_EQ(dropped[0].actual, "n");
  EXPECT_THAT(dropped[0].reason, HasSubstr("dwarves"));
}

TEST(KconfigTest, ReducedDwarfIsNamed) {
  auto requested = ParseFragment("CONFIG_DEBUG_INFO_BTF=y\n", "c");
  auto actual = ParseDotConfig("CONFIG_BPF_SYSCALL=y\nCONFIG_DEBUG_INFO=y\nCONFIG_DEBUG_INFO_REDUCED=y\n");
  auto dropped = CheckConfig(requested, actual, 124);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].actual, "");
  EXPECT_THAT(dropped[0].reason, HasSubstr("CONFIG_DEBUG_INFO_REDUCED"));
}

TEST(KconfigTest, SatisfiedRequestsPass) {
  auto requested = ParseFragment("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_N=64\n", "c");
  EXPECT_TRUE(CheckConfig(requested, ParseDotConfig("CONFIG_A=y\nCONFIG_N=64\n"), 124).empty());
}

// Given a CONFIG_PAHOLE_VERSION that is not an int, it should name it rather than fail in stoi.
TEST(KconfigTest, OverflowingPaholeVersionIsNamed) {
  auto requested = ParseFragment("CONFIG_DEBUG_INFO_BTF=y\n", "c");
  auto actual = ParseDotConfig("CONFIG_PAHOLE_VERSION=99999999999\n");
  try {
    CheckConfig(requested, actual, 124);
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "CONFIG_PAHOLE_VERSION='99999999999' in the .config is out of range");
  }
  EXPECT_THROW(CheckConfig(requested, ParseDotConfig("CONFIG_PAHOLE_VERSION=new\n"), 124), HarnessError);
  auto dropped = CheckConfig(requested, ParseDotConfig("CONFIG_PAHOLE_VERSION=115\n"), 124);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_THAT(dropped[0].reason, HasSubstr("pahole 115 is older than 1.16"));
}
}  // namespace
}  // namespace harness
