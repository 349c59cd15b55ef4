// riscv64: Linux calls it ARCH=riscv. allnoconfig turns the MMU off here (and with it selects
// M-mode, no SBI), so the fragment asks for CONFIG_MMU=y explicitly. QEMU's `virt` board starts
// OpenSBI (`-bios default`, from qemu-system-data) and boots the raw `Image`; the ns16550a UART
// is found through the device tree (CONFIG_SERIAL_OF_PLATFORM) on ttyS0, virtio is over MMIO,
// and power-off goes through SBI's system-reset extension. No CONFIG_OUTPUT_FORMAT in its
// Kconfig.
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 2> kTargets = {"vmlinux", "Image"};
}  // namespace

extern const Arch kArchRiscv64 = {
    .name = "riscv64",
    .linux_arch = "riscv",
    .cross_prefix = "riscv64-linux-gnu-",
    .compiler_package = "gcc-riscv64-linux-gnu",
    .libc_package = "libc6-dev-riscv64-cross",
    .make_targets = kTargets,
    .boot_image = "arch/riscv/boot/Image",
    .elf_machine = 243,  // EM_RISCV
    .elf_class = 64,
    .endian = Endian::kLittle,
    .bfd_format = "elf64-littleriscv",
    .bfd_arch = "riscv:rv64",
    .kconfig_fragment = "riscv64.config",
    .arch_kconfig = "arch/riscv/Kconfig",
    .qemu = {.binary = "qemu-system-riscv64",
             .package = "qemu-system-misc",
             .machine = "virt",
             .cpu = "rv64",
             .memory = "256M",
             .console = "ttyS0",
             .transport = VirtioTransport::kMmio,
             .blk_device = "virtio-blk-device",
             .timeout_factor = 1.5},
    .cold_build_seconds = 720,  // 11-14 min measured with the CPU shared (docs/performance.md)
};

}  // namespace harness
