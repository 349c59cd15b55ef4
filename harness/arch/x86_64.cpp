// x86_64: the arch every link-vmlinux.sh change is tried on first, and the only one whose
// Kconfig defines CONFIG_OUTPUT_FORMAT (the 2019 sysfs BTF patch leaned on that and broke
// s390). Quirks under QEMU: the console starts with SeaBIOS escape sequences, so console
// parsing works on raw bytes; without CONFIG_ACPI power-off only halts and QEMU never exits;
// q35 with the 8250 UART on ttyS0 and virtio-blk on PCI. QEMU boots the vmlinux ELF itself
// through its PVH entry point (CONFIG_PVH, in x86_64.config): tinyconfig compresses bzImage with
// XZ, and decompressing it under TCG took ~0.9 s of a 2.1 s boot (median of 5; 1.0 s through
// PVH). bzImage is still built, so a change that breaks the boot image still fails the build.
// The guest then runs the very ELF whose .BTF it is compared with. The largest timeout factor
// stays: TCG on x86_64 is the slowest of the arches.
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 2> kTargets = {"vmlinux", "bzImage"};
}  // namespace

extern const Arch kArchX86_64 = {
    .name = "x86_64",
    .linux_arch = "x86_64",
    .cross_prefix = "x86_64-linux-gnu-",
    .compiler_package = "gcc",
    .libc_package = "libc6-dev",
    .make_targets = kTargets,
    .boot_image = "vmlinux",  // PVH entry; see above
    .elf_machine = 62,  // EM_X86_64
    .elf_class = 64,
    .endian = Endian::kLittle,
    .bfd_format = "elf64-x86-64",
    .bfd_arch = "i386:x86-64",
    .kconfig_fragment = "x86_64.config",
    .arch_kconfig = "arch/x86/Kconfig",
    .qemu = {.binary = "qemu-system-x86_64",
             .package = "qemu-system-x86",
             .machine = "q35",
             .cpu = "qemu64",
             .memory = "256M",
             .console = "ttyS0",
             .transport = VirtioTransport::kPci,
             .blk_device = "virtio-blk-pci",
             .timeout_factor = 2.0},
    .cold_build_seconds = 500,  // 8:22 measured (FACTS.md, 2026-12-01)
};

}  // namespace harness
