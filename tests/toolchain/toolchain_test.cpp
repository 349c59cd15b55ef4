// The toolchain table's invariants, and what the clang toolchain hands make: its variables, its
// PATH entry, its tools and the arches it excludes.
#include "harness/toolchain/toolchain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "harness/kbuild/kbuild.h"
#include "harness/core/error.h"
#include "tests/support/fake_host.h"
#include "tests/support/fake_runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Every toolchain has a unique name, tools, a compiler for ccache, a version program; every
// exclusion names a known arch once, with a reason.
TEST(ToolchainTableTest, Invariants) {
  std::set<std::string_view> names;
  ASSERT_EQ(AllToolchains().front()->name, "gcc") << "gcc is the default and comes first";
  for (const Toolchain* t : AllToolchains()) {
    EXPECT_TRUE(names.insert(t->name).second) << t->name;
    EXPECT_EQ(FindToolchain(t->name), t);
    EXPECT_FALSE(t->tools.empty()) << t->name;
    EXPECT_FALSE(t->cached_compilers.empty()) << t->name;
    EXPECT_FALSE(t->version_program.empty()) << t->name;
    std::set<std::string_view> excluded;
    for (const auto& e : t->excluded_arches) {
      EXPECT_NE(FindArch(e.arch), nullptr) << t->name << " excludes unknown arch " << e.arch;
      EXPECT_TRUE(excluded.insert(e.arch).second) << t->name << " excludes " << e.arch << " twice";
      EXPECT_GT(e.reason.size(), 20u) << t->name << "/" << e.arch << " needs a reason a person can act on";
    }
  }
  EXPECT_EQ(FindToolchain("icc"), nullptr);
  EXPECT_EQ(KnownToolchainNames(), "gcc, clang");
}

// gcc builds every arch; clang (LLVM=1) cannot link s390x or big-endian ppc64 with lld 16.
TEST(ToolchainTableTest, ClangExcludesS390xAndPpc64WithReasons) {
  const Toolchain& gcc = *FindToolchain("gcc");
  const Toolchain& clang = *FindToolchain("clang");
  for (const Arch* arch : AllArches()) EXPECT_TRUE(ToolchainExcludes(gcc, arch->name).empty()) << arch->name;
  EXPECT_THAT(std::string(ToolchainExcludes(clang, "s390x")), HasSubstr("SystemZ"));
  EXPECT_THAT(std::string(ToolchainExcludes(clang, "ppc64")), HasSubstr("CC=clang only"));
  for (const char* arch : {"x86_64", "arm64", "riscv64", "i386"}) {
    EXPECT_TRUE(ToolchainExcludes(clang, arch).empty()) << arch;
  }
}

TEST(ToolchainTableTest, ExpandsTheArchsCrossPrefix) {
  const Arch& arm64 = *FindArch("arm64");
  EXPECT_EQ(ToolchainProgram("%gcc", arm64), "aarch64-linux-gnu-gcc");
  EXPECT_EQ(ToolchainProgram("clang", arm64), "clang");
  EXPECT_EQ(ToolchainPackage("%", arm64), "gcc-aarch64-linux-gnu");
  EXPECT_EQ(ToolchainPackage("lld-16", arm64), "lld-16");
}

BuildRequest ClangRequest() {
  return {.cell = "t/none/arm64/clang",
          .arch = FindArch("arm64"),
          .toolchain = FindToolchain("clang"),
          .source = "/src/linux",
          .build_dir = "/out/t/build-arm64-clang",
          .log_dir = "/out/t/none/arm64-clang",
          .jobs = 2};
}

// Given clang, make gets LLVM=1 after CROSS_COMPILE (kept: 5.10 assembles with GNU as through
// it), and LLVM 16's directory on PATH after the ccache links, before the host's PATH.
TEST(ClangToolchainTest, MakeVariablesAndPath) {
  BuildRequest request = ClangRequest();
  EXPECT_THAT(KernelBuilder::MakeArgv(request, {"vmlinux", "Image"}),
              ElementsAre("make", "-C", "/src/linux", "O=/out/t/build-arm64-clang", "ARCH=arm64",
                          "CROSS_COMPILE=aarch64-linux-gnu-", "LLVM=1", "-j2", "vmlinux", "Image"));
  FakeHost host;
  host.env["PATH"] = "/usr/bin:/bin";
  EXPECT_EQ(KernelBuilder::MakeEnv(request, host).at("PATH"), "/usr/lib/llvm-16/bin:/usr/bin:/bin");
  request.ccache_dir = "/c/ccache-bin";
  EXPECT_EQ(KernelBuilder::MakeEnv(request, host).at("PATH"), "/c/ccache-bin:/usr/lib/llvm-16/bin:/usr/bin:/bin");
  EXPECT_THAT(KernelBuilder::PasteableCommand(request, {"vmlinux"}),
              ::testing::StartsWith("PATH=/c/ccache-bin:/usr/lib/llvm-16/bin:$PATH CCACHE_NOHASHDIR=true "));
  EXPECT_THAT(KernelBuilder::PasteableCommand(request, {"vmlinux"}), HasSubstr(" LLVM=1 -j2 vmlinux"));
}

// Given a host without LLVM 16's linker, the check names its package.
TEST(ClangToolchainTest, MissingToolNamesItsPackage) {
  FakeHost host;
  host.InstallEverything();
  host.files.erase("/usr/lib/llvm-16/bin/ld.lld");
  try {
    CheckBuildTools(*FindArch("arm64"), host, FindToolchain("clang"));
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("'ld.lld' (in /usr/lib/llvm-16/bin) is not installed"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("apt-get install lld-16"));
  }
  host.InstallEverything();
  EXPECT_NO_THROW(CheckBuildTools(*FindArch("arm64"), host, FindToolchain("clang")));
  // The cross binutils' as (5.10 assembles with it) is the host's, on PATH, not LLVM's.
  EXPECT_FALSE(host.Exists("/usr/lib/llvm-16/bin/aarch64-linux-gnu-as"));
  host.programs.erase("aarch64-linux-gnu-as");
  try {
    CheckBuildTools(*FindArch("arm64"), host, FindToolchain("clang"));
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "'aarch64-linux-gnu-as' is not installed, toolchain clang needs it: apt-get install "
                           "gcc-aarch64-linux-gnu");
  }
}

// The version recorded per cell is the first line of the compiler make would run.
TEST(ClangToolchainTest, VersionIsTheFirstLineOfTheCompilersOwn) {
  FakeRunner runner;
  runner.Push({.exit_code = 0, .output = "Debian clang version 16.0.6 (15~deb12u1)\nTarget: x86_64-pc-linux-gnu\n"});
  FakeHost host;
  host.env["PATH"] = "/usr/bin";
  EXPECT_EQ(ToolchainVersion(runner, *FindArch("arm64"), *FindToolchain("clang"), host),
            "Debian clang version 16.0.6 (15~deb12u1)");
  ASSERT_EQ(runner.calls().size(), 1u);
  EXPECT_THAT(runner.calls()[0].argv, ElementsAre("clang", "--version"));
  EXPECT_EQ(runner.calls()[0].env.at("PATH"), "/usr/lib/llvm-16/bin:/usr/bin");
  runner.Push({.exit_code = 0, .output = "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0\n"});
  EXPECT_EQ(ToolchainVersion(runner, *FindArch("arm64"), *FindToolchain("gcc"), host),
            "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0");
  EXPECT_EQ(runner.calls()[1].argv.front(), "aarch64-linux-gnu-gcc");
}

// The ccache masquerade holds a link for clang as well as for every cross gcc.
TEST(ClangToolchainTest, CcacheStandsInForClang) {
  const testing::TempDir dir("toolchain-test");
  FakeHost host;
  host.programs.insert("ccache");
  const auto bin = PrepareCcacheDir(dir, host);
  EXPECT_EQ(std::filesystem::read_symlink(bin / "clang"), "/fake/bin/ccache");
  EXPECT_EQ(std::filesystem::read_symlink(bin / "aarch64-linux-gnu-gcc"), "/fake/bin/ccache");
}

}  // namespace
}  // namespace harness
