// ppc64: 64-bit big-endian POWER (Linux ARCH=powerpc, Debian's powerpc64-linux-gnu, ELFv1
// ABI), the second big-endian target after s390x: its .BTF starts `eb 9f` too, but it has its
// own linker script and ELF ABI. allnoconfig builds a 32-bit kernel on powerpc, so the fragment
// asks for PPC64, Book3S-64 and the pseries platform. QEMU's `pseries` machine loads the
// vmlinux ELF itself (there is no separate boot image) and, with `x-vof=on`, hands it to VOF,
// QEMU's minimal Open Firmware (vof.bin, qemu-system-data), instead of SLOF: the raw QEMU
// command to power-off takes 1.3 s instead of 11.5 s under TCG (bench/side-by-side.py boot). The
// console is the hypervisor's hvc0, virtio-blk sits on the PCI host bridge, and
// power-off is an RTAS call. TCG cannot provide the Spectre-mitigation capabilities pseries asks
// for by default, so the machine line turns them off rather than print warnings. allnoconfig
// also drops CONFIG_PPC_OF_BOOT_TRAMPOLINE (prom_init), and then the kernel's entry from
// Open Firmware is a bare `trap`: SLOF printed "Program Exception" and waited at its prompt.
// The timeout factor stays the largest: with SLOF this was the slowest boot of the six (up to
// 17 s with the CPU shared). No CONFIG_OUTPUT_FORMAT in its Kconfig.
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 1> kTargets = {"vmlinux"};
// VOF, unlike SLOF, does not format the machine's 64 KiB NVRAM, so the kernel finds it blank
// ("0-length partition") and cannot add its rtas-log and oops-log partitions. Nothing of that
// touches BTF, sysfs or the probe: the only kernel complaint that comes from the firmware choice.
constexpr std::array<std::string_view, 1> kAllow = {"WARNING: nvram corruption detected: 0-length partition"};
}  // namespace

extern const Arch kArchPpc64 = {
    .name = "ppc64",
    .linux_arch = "powerpc",
    .cross_prefix = "powerpc64-linux-gnu-",
    .compiler_package = "gcc-powerpc64-linux-gnu",
    .libc_package = "libc6-dev-ppc64-cross",
    .make_targets = kTargets,
    .boot_image = "vmlinux",
    .elf_machine = 21,  // EM_PPC64
    .elf_class = 64,
    .endian = Endian::kBig,
    .bfd_format = "elf64-powerpc",
    .bfd_arch = "powerpc:common64",
    .kconfig_fragment = "ppc64.config",
    .arch_kconfig = "arch/powerpc/Kconfig",
    .qemu = {.binary = "qemu-system-ppc64",
             .package = "qemu-system-ppc",
             .machine = "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,x-vof=on",
             .cpu = "power9",
             .memory = "512M",
             .console = "hvc0",
             .transport = VirtioTransport::kPci,
             .blk_device = "virtio-blk-pci",
             .timeout_factor = 3.0},
    .console_allowlist = kAllow,
    .cold_build_seconds = 780,  // 11-14 min measured with the CPU shared (docs/performance.md)
};

}  // namespace harness
