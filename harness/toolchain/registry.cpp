#include <array>
#include <string>

#include "harness/toolchain/toolchain.h"

namespace harness {

extern const Toolchain kToolchainGcc;
extern const Toolchain kToolchainClang;

namespace {
const std::array<const Toolchain*, 2> kToolchains = {&kToolchainGcc, &kToolchainClang};

// "%suffix" -> <cross prefix>suffix; anything else as is.
std::string Expand(std::string_view text, const Arch& arch, std::string_view whole) {
  if (text == "%") return std::string(whole);
  if (!text.empty() && text[0] == '%') return std::string(arch.cross_prefix) + std::string(text.substr(1));
  return std::string(text);
}
}  // namespace

std::span<const Toolchain* const> AllToolchains() { return kToolchains; }

const Toolchain* FindToolchain(std::string_view name) {
  for (const Toolchain* toolchain : kToolchains) {
    if (toolchain->name == name) return toolchain;
  }
  return nullptr;
}

std::string KnownToolchainNames() {
  std::string names;
  for (const Toolchain* toolchain : kToolchains) {
    if (!names.empty()) names += ", ";
    names += toolchain->name;
  }
  return names;
}

std::string ToolchainProgram(std::string_view program, const Arch& arch) {
  return Expand(program, arch, arch.cross_prefix);
}

std::string ToolchainPackage(std::string_view package, const Arch& arch) {
  return Expand(package, arch, arch.compiler_package);
}

std::string_view ToolchainExcludes(const Toolchain& toolchain, std::string_view arch) {
  for (const auto& excluded : toolchain.excluded_arches) {
    if (excluded.arch == arch) return excluded.reason;
  }
  return {};
}

}  // namespace harness
