#include "tests/support/fake_host.h"

#include "harness/arch/arch.h"

namespace harness {

void FakeHost::InstallEverything() {
  for (const char* tool : {"make", "gcc", "pahole", "flex", "bison", "bc", "ccache", "git"}) programs.insert(tool);
  for (const Arch* a : AllArches()) {
    programs.insert(std::string(a->cross_prefix) + "gcc");
    programs.insert(std::string(a->cross_prefix) + "ld");
    programs.insert(std::string(a->qemu.binary));
  }
  files.insert("/usr/include/gelf.h");
}

}  // namespace harness
