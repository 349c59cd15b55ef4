#include <array>
#include <string>

#include "harness/arch/arch.h"

namespace harness {

extern const Arch kArchX86_64;
extern const Arch kArchArm64;
extern const Arch kArchS390x;
extern const Arch kArchRiscv64;
extern const Arch kArchPpc64;
extern const Arch kArchI386;

namespace {
const std::array<const Arch*, 6> kArches = {&kArchX86_64, &kArchArm64, &kArchS390x,
                                            &kArchRiscv64, &kArchPpc64, &kArchI386};
}  // namespace

std::span<const Arch* const> AllArches() { return kArches; }

const Arch* FindArch(std::string_view name) {
  for (const Arch* arch : kArches) {
    if (arch->name == name) return arch;
  }
  return nullptr;
}

std::string UnknownArchMessage(std::string_view name) {
  return "unknown arch '" + std::string(name) + "' (known: " + KnownArchNames() + ")";
}

std::string KnownArchNames() {
  std::string names;
  for (const Arch* arch : kArches) {
    if (!names.empty()) names += ", ";
    names += arch->name;
  }
  return names;
}

const Arch* ArchForElf(unsigned machine, int elf_class, Endian endian) {
  for (const Arch* arch : kArches) {
    if (arch->elf_machine == machine && arch->elf_class == elf_class && arch->endian == endian) return arch;
  }
  return nullptr;
}

}  // namespace harness
