// The arch table's BFD output format and architecture must be what each cross binutils' own
// `objdump -f` says of an object that toolchain built (the format CONFIG_OUTPUT_FORMAT names).
#include <gtest/gtest.h>

#include <unistd.h>

#include <regex>

#include "harness/arch/arch.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

class BfdFormatTest : public ::testing::TestWithParam<const Arch*> {};

TEST_P(BfdFormatTest, MatchesObjdumpOfAnObjectBuiltNow) {
  const Arch& arch = *GetParam();
  const std::string gcc = std::string(arch.cross_prefix) + "gcc";
  const std::string objdump = std::string(arch.cross_prefix) + "objdump";
  if (FindProgram(gcc).empty() || FindProgram(objdump).empty()) {
    GTEST_SKIP() << gcc << " or " << objdump << " is not installed (apt-get install " << arch.compiler_package << ")";
  }
  const testing::TempDir dir("bfd-" + std::string(arch.name));
  WriteFile(dir / "t.c", "int harness_answer(void) { return 42; }\n");
  auto runner = MakeRealRunner();
  ProcessResult cc = runner->Run({.argv = {gcc, "-c", "-o", (dir / "t.o").string(), (dir / "t.c").string()}});
  ASSERT_TRUE(cc.ok()) << cc.output;
  ProcessResult dump = runner->Run({.argv = {objdump, "-f", (dir / "t.o").string()}, .env = {{"LC_ALL", "C"}}});
  ASSERT_TRUE(dump.ok()) << dump.output;
  std::smatch format, architecture;
  ASSERT_TRUE(std::regex_search(dump.output, format, std::regex(R"(file format (\S+))"))) << dump.output;
  ASSERT_TRUE(std::regex_search(dump.output, architecture, std::regex(R"(architecture: ([^,\n]+))"))) << dump.output;
  EXPECT_EQ(format[1].str(), arch.bfd_format);
  EXPECT_EQ(architecture[1].str(), arch.bfd_arch);
}

INSTANTIATE_TEST_SUITE_P(EveryArch, BfdFormatTest, ::testing::ValuesIn(AllArches().begin(), AllArches().end()),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace
}  // namespace harness
