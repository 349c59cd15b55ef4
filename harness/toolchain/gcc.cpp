// gcc: Debian 12's cross gcc 12.2 and binutils 2.40 for every arch (x86_64 uses the native
// gcc under its triplet name). make gets CROSS_COMPILE=<the arch's prefix> and nothing else:
// the kernel's own defaults, what every earlier run of the harness built. ccache stands in for
// <prefix>gcc. No arch is excluded: this is the toolchain the arch files were written against.
#include <array>

#include "harness/toolchain/toolchain.h"

namespace harness {
namespace {
constexpr std::array<ToolchainTool, 2> kTools = {{{"%gcc", "%"}, {"%ld", "%"}}};
constexpr std::array<std::string_view, 1> kCached = {"%gcc"};
constexpr std::array<std::string_view, 2> kBinutils = {"%ld", "%objcopy"};
}  // namespace

extern const Toolchain kToolchainGcc = {
    .name = "gcc",
    .make_vars = {},
    .bin_dir = {},
    .tools = kTools,
    .cached_compilers = kCached,
    .version_program = "%gcc",
    .binutils_programs = kBinutils,
    .excluded_arches = {},
};

}  // namespace harness
