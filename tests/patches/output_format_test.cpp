#include "harness/patches/output_format.h"

#include <gtest/gtest.h>

#include <map>

namespace harness {
namespace {

const std::map<std::string, std::string> kTree = {
    {"arch/x86/Kconfig", "config X86\n\tdef_bool y\n\nconfig OUTPUT_FORMAT\n\tstring\n\tdefault \"elf64-x86-64\"\n"},
    {"arch/arm64/Kconfig", "config ARM64\n\tdef_bool y\n\nsource \"arch/arm64/kvm/Kconfig\"\n"},
    {"arch/s390/Kconfig", "config S390\n\tdef_bool y"},  // no newline at the end
};

std::optional<std::string> Read(const std::string& path) {
  auto it = kTree.find(path);
  if (it == kTree.end()) return std::nullopt;
  return it->second;
}

// Given x86 (which has it), arm64 and s390, it should add OUTPUT_FORMAT to arm64 and s390 only,
// each with the arch table's BFD format.
TEST(OutputFormatPatchTest, AddsTheFormatWhereItIsMissing) {
  auto patch = OutputFormatPatch({FindArch("x86_64"), FindArch("arm64"), FindArch("s390x")}, Read);
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->subject, "harness: define CONFIG_OUTPUT_FORMAT for arm64, s390x");
  EXPECT_EQ(patch->files, (std::vector<std::string>{"arch/arm64/Kconfig", "arch/s390/Kconfig"}));
  const std::string arm64_hunk =
      "diff --git a/arch/arm64/Kconfig b/arch/arm64/Kconfig\n"
      "--- a/arch/arm64/Kconfig\n"
      "+++ b/arch/arm64/Kconfig\n"
      "@@ -2,3 +2,7 @@\n"
      " \tdef_bool y\n"
      " \n"
      " source \"arch/arm64/kvm/Kconfig\"\n"
      "+\n"
      "+config OUTPUT_FORMAT\n"
      "+\tstring\n"
      "+\tdefault \"elf64-littleaarch64\"\n";
  EXPECT_NE(patch->text.find(arm64_hunk), std::string::npos) << patch->text;
  EXPECT_NE(patch->text.find(" \tdef_bool y\n\\ No newline at end of file\n"), std::string::npos) << patch->text;
  EXPECT_NE(patch->text.find("+\tdefault \"elf64-s390\"\n"), std::string::npos);
  // The diff parses as two files with one hunk each.
  auto files = ParseDiff(patch->text, "generated");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1].new_path, "arch/s390/Kconfig");
}

TEST(OutputFormatPatchTest, NothingWhenEveryArchHasIt) {
  EXPECT_FALSE(OutputFormatPatch({FindArch("x86_64")}, Read));
}

}  // namespace
}  // namespace harness
