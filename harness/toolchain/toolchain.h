#pragma once
// Everything the harness knows about one compiler toolchain, as data, like harness/arch: one
// file per toolchain (gcc.cpp, clang.cpp) defines one Toolchain; registry.cpp lists them. Call
// sites never test a toolchain's name: the make variables, the PATH entry, the tools checked,
// the programs ccache stands in for and the arches it cannot build all come from here.
#include <span>
#include <string>
#include <string_view>

#include "harness/arch/arch.h"

namespace harness {

// A program the toolchain needs on make's PATH and the Debian package that has it.
struct ToolchainTool {
  std::string_view program;   // "clang", or "%gcc" for <the arch's cross prefix>gcc
  std::string_view package;   // "clang-16", or "%" for the arch's compiler_package
};

// An arch this toolchain cannot build, and why (printed with every cell it excludes).
struct ToolchainExclusion {
  std::string_view arch;
  std::string_view reason;
};

struct Toolchain {
  std::string_view name;                           // the matrix's name: gcc, clang
  std::span<const std::string_view> make_vars;     // added to every make after CROSS_COMPILE=
  // Put on make's PATH right after the ccache links, so unversioned names (clang, ld.lld,
  // llvm-objcopy) are this version's; empty when the host's PATH is used as is.
  std::string_view bin_dir;
  std::span<const ToolchainTool> tools;            // checked before a build
  // Programs the ccache masquerade directory links to ccache ("%gcc": the arch's cross gcc).
  std::span<const std::string_view> cached_compilers;
  std::string_view version_program;                // "<program> --version", first line recorded
  // The linker and objcopy link-vmlinux.sh runs ("%ld": the arch's cross ld): their version
  // lines are inputs of every build (the 2019 breakage was a binutils matter).
  std::span<const std::string_view> binutils_programs;
  std::span<const ToolchainExclusion> excluded_arches;
};

// All known toolchains, in a stable order (gcc first: the default).
std::span<const Toolchain* const> AllToolchains();
// nullptr when unknown.
const Toolchain* FindToolchain(std::string_view name);
// "gcc, clang"
std::string KnownToolchainNames();

// `program` with "%" expanded for `arch` ("%gcc" -> "aarch64-linux-gnu-gcc"; "%" -> the arch's
// compiler package).
std::string ToolchainProgram(std::string_view program, const Arch& arch);
std::string ToolchainPackage(std::string_view package, const Arch& arch);

// Why `toolchain` cannot build `arch`; empty when it can.
std::string_view ToolchainExcludes(const Toolchain& toolchain, std::string_view arch);

}  // namespace harness
