#include "tests/support/fake_host.h"

#include "harness/arch/arch.h"
#include "harness/toolchain/toolchain.h"

namespace harness {

void FakeHost::InstallEverything() {
  for (const char* tool : {"make", "gcc", "pahole", "flex", "bison", "bc", "ccache", "git"}) programs.insert(tool);
  for (const Arch* a : AllArches()) {
    programs.insert(std::string(a->cross_prefix) + "gcc");
    programs.insert(std::string(a->cross_prefix) + "ld");
    programs.insert(std::string(a->qemu.binary));
  }
  for (const Toolchain* t : AllToolchains()) {
    for (const auto& tool : t->tools) {
      for (const Arch* a : AllArches()) {
        const std::string program = ToolchainProgram(tool.program, *a);
        // As CheckBuildTools looks: the arch's cross tools ("%as") on PATH, the rest in bin_dir.
        if (t->bin_dir.empty() || tool.program.starts_with('%')) programs.insert(program);
        else files.insert(std::filesystem::path(t->bin_dir) / program);
      }
    }
  }
  files.insert("/usr/include/gelf.h");
}

}  // namespace harness
