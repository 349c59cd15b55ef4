// clang: LLVM 16 (clang-16, lld-16, llvm-16), the newest LLVM in Debian 12, with LLVM=1 (clang,
// ld.lld, llvm-objcopy, llvm-ar, llvm-nm, ..., and clang as the host compiler too).
//
// The version is chosen by PATH, not by the LLVM=-16 suffix form: /usr/lib/llvm-16/bin holds the
// unversioned names and goes on make's PATH right after the ccache links. The suffix (and
// LLVM=/path/) forms only exist since Linux 5.18, and 5.10 must build too; its minimum clang is
// 10.0.1, 6.1's 11, 6.12's 13, so 16 suits all three.
//
// CROSS_COMPILE= is still passed: with the integrated assembler (the default from 5.15) it only
// sets clang's --target, but 5.10 defaults to LLVM_IAS=0 and assembles with the cross binutils'
// `as` found through it. So the arch's cross binutils stay required.
//
// Excluded, from Documentation/kbuild/llvm.rst ("Supported Architectures") and lld itself:
// s390 and powerpc are listed with CC=clang only, not LLVM=1. ld.lld has no SystemZ target in
// LLVM 14-16 (`ld.lld -m elf64_s390`: "unknown emulation"; s390x support came with LLVM 18),
// and it cannot link big-endian ppc64 (ELFv1) kernels. x86 (x86_64 and i386), arm64 and
// riscv are LLVM=1 arches.
//
// ccache stands in for clang (one binary for every target): ccache finds the real clang on
// PATH after its own link, i.e. LLVM 16's.
#include <array>

#include "harness/toolchain/toolchain.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 1> kMakeVars = {"LLVM=1"};
constexpr std::array<ToolchainTool, 6> kTools = {{{"clang", "clang-16"},
                                                  {"ld.lld", "lld-16"},
                                                  {"llvm-objcopy", "llvm-16"},
                                                  {"llvm-ar", "llvm-16"},
                                                  {"llvm-nm", "llvm-16"},
                                                  {"%as", "%"}}};  // 5.10: LLVM_IAS=0 by default
constexpr std::array<std::string_view, 1> kCached = {"clang"};
constexpr std::array<std::string_view, 2> kBinutils = {"ld.lld", "llvm-objcopy"};
constexpr std::array<ToolchainExclusion, 2> kExcluded = {{
    {"s390x", "ld.lld (LLVM 16) cannot link s390x: lld has no SystemZ target before LLVM 18, and "
              "Linux's Documentation/kbuild/llvm.rst lists s390 with CC=clang only, not LLVM=1"},
    {"ppc64", "ld.lld (LLVM 16) cannot link big-endian ppc64 (ELFv1) kernels: Linux's "
              "Documentation/kbuild/llvm.rst lists powerpc with CC=clang only, not LLVM=1"},
}};
}  // namespace

extern const Toolchain kToolchainClang = {
    .name = "clang",
    .make_vars = kMakeVars,
    .bin_dir = "/usr/lib/llvm-16/bin",
    .tools = kTools,
    .cached_compilers = kCached,
    .version_program = "clang",
    .binutils_programs = kBinutils,
    .excluded_arches = kExcluded,
};

}  // namespace harness
