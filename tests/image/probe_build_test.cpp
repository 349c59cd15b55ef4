// Given each cross compiler on PATH, images/probe.c should build static with the flags the harness
// uses, for the right ELF machine and byte order. The probe is never run here.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "harness/arch/arch.h"
#include "harness/core/endian.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

// Every arch of the table: a new arch is tested here without a line added.
class ProbeBuild : public ::testing::TestWithParam<const Arch*> {};

std::uint64_t LoadU64(std::span<const std::uint8_t> b, Endian e) {
  const std::uint64_t lo = LoadU32(b.subspan(e == Endian::kLittle ? 0 : 4, 4), e);
  const std::uint64_t hi = LoadU32(b.subspan(e == Endian::kLittle ? 4 : 0, 4), e);
  return hi << 32 | lo;
}

TEST_P(ProbeBuild, CompilesStaticForTheRightMachine) {
  const Arch& arch = *GetParam();
  const std::string compiler = std::string(arch.cross_prefix) + "gcc";
  if (FindProgram(compiler).empty()) {
    GTEST_SKIP() << compiler << " is not on PATH: apt-get install " << arch.compiler_package << " "
                 << arch.libc_package;
  }
  const testing::TempDir dir("harness-probe");
  const auto output = dir / "probe";
  const auto log = dir / "cc.log";
  // The harness builds with "-static -Os"; warnings are errors here so the probe stays clean.
  const std::string command =
      ShellJoin({compiler, "-static", "-Os", "-Wall", "-Wextra", "-Werror", "-o",
                 output.string(), std::string(HARNESS_SOURCE_DIR) + "/images/probe.c"}) +
      " > " + ShellQuote(log.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  const std::string compiler_output = ReadFile(log);
  std::string elf_text;
  if (status == 0) elf_text = ReadFile(output);
  ASSERT_EQ(status, 0) << command << "\n" << compiler_output;

  const std::span<const std::uint8_t> elf(reinterpret_cast<const std::uint8_t*>(elf_text.data()),
                                          elf_text.size());
  ASSERT_GE(elf.size(), 64u);
  ASSERT_EQ(elf_text.substr(0, 4), "\x7f" "ELF");
  const bool elf64 = arch.elf_class == 64;
  EXPECT_EQ(elf[4], elf64 ? 2 : 1) << "not ELFCLASS" << arch.elf_class;
  EXPECT_EQ(elf[5], arch.endian == Endian::kLittle ? 1 : 2) << "wrong EI_DATA";
  EXPECT_EQ(LoadU16(elf.subspan(16, 2), arch.endian), 2) << "not ET_EXEC";
  EXPECT_EQ(LoadU16(elf.subspan(18, 2), arch.endian), arch.elf_machine);

  // Static: no PT_INTERP program header. The header fields sit at different offsets per class.
  const std::uint64_t phoff =
      elf64 ? LoadU64(elf.subspan(32, 8), arch.endian) : LoadU32(elf.subspan(28, 4), arch.endian);
  const std::uint16_t phentsize = LoadU16(elf.subspan(elf64 ? 54 : 42, 2), arch.endian);
  const std::uint16_t phnum = LoadU16(elf.subspan(elf64 ? 56 : 44, 2), arch.endian);
  ASSERT_GE(phentsize, 4);
  ASSERT_LE(phoff + std::uint64_t(phnum) * phentsize, elf.size());
  for (std::uint16_t i = 0; i < phnum; ++i) {
    const std::uint32_t type = LoadU32(elf.subspan(phoff + i * phentsize, 4), arch.endian);
    EXPECT_NE(type, 3u) << "PT_INTERP present: the probe is not static";
  }
}

INSTANTIATE_TEST_SUITE_P(Cross, ProbeBuild, ::testing::ValuesIn(AllArches().begin(), AllArches().end()),
                         [](const auto& info) { return std::string(info.param->name); });

}  // namespace
}  // namespace harness
