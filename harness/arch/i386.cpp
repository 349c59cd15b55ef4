// i386: the 32-bit one (Linux ARCH=i386, Debian's i686-linux-gnu cross compiler), so vmlinux is
// ELFCLASS32 with 32-bit addresses in its linker script, and everything that reads it (the
// inspector, the verifier, the probe built for it) must not assume 64 bits. The QEMU side is
// x86_64's: q35, the 8250 UART on ttyS0, virtio-blk on PCI, and CONFIG_ACPI so that power-off
// exits QEMU. x86's Kconfig defines CONFIG_OUTPUT_FORMAT (elf32-i386 here). As on x86_64, QEMU
// boots the vmlinux ELF through its PVH entry (CONFIG_PVH in i386.config), skipping the XZ
// bzImage's decompression under TCG: the raw boot to the probe 1.5 s instead of 2.3-2.6 s.
// bzImage is still built.
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 2> kTargets = {"vmlinux", "bzImage"};
}  // namespace

extern const Arch kArchI386 = {
    .name = "i386",
    .linux_arch = "i386",
    .cross_prefix = "i686-linux-gnu-",
    .compiler_package = "gcc-i686-linux-gnu",
    .libc_package = "libc6-dev-i386-cross",
    .make_targets = kTargets,
    .boot_image = "vmlinux",  // PVH entry; see above
    .elf_machine = 3,  // EM_386
    .elf_class = 32,
    .endian = Endian::kLittle,
    .bfd_format = "elf32-i386",
    .bfd_arch = "i386",
    .kconfig_fragment = "i386.config",
    .arch_kconfig = "arch/x86/Kconfig",
    .qemu = {.binary = "qemu-system-i386",
             .package = "qemu-system-x86",
             .machine = "q35",
             .cpu = "qemu32",
             .memory = "256M",
             .console = "ttyS0",
             .transport = VirtioTransport::kPci,
             .blk_device = "virtio-blk-pci",
             .timeout_factor = 2.0},
    .cold_build_seconds = 720,  // 11-14 min measured with the CPU shared (docs/performance.md)
};

}  // namespace harness
