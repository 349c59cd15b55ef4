#include "tests/support/fake_tools.h"

#include <cstdlib>

#include "harness/arch/arch.h"
#include "harness/core/util.h"

namespace harness {

std::string FakeTreePath(const std::filesystem::path& bin) {
  std::filesystem::create_directories(bin);
  auto shim = [&](const std::string& name, const std::string& body) {
    WriteFile(bin / name, "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(bin / name, std::filesystem::perms::owner_all);
  };
  for (const Arch* arch : AllArches()) {
    for (const char* tool : {"gcc", "ld"}) {
      const std::string name = std::string(arch->cross_prefix) + tool;
      shim(name, "echo \"shim: the fake tree must not run " + name + "\" >&2; exit 1");
    }
  }
  for (const char* tool : {"gcc", "flex", "bison", "bc"}) {
    if (FindProgram(tool).empty()) shim(tool, "exit 1");
  }
  if (FindProgram("pahole").empty()) shim("pahole", "echo v1.24");
  const char* path = std::getenv("PATH");
  return bin.string() + ":" + (path ? path : "/usr/bin:/bin");
}

}  // namespace harness
