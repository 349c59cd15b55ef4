// arm64: boots the raw `Image` (not the ELF) on QEMU's `virt` board with a PL011 UART on
// ttyAMA0 and virtio over MMIO (virtio-blk-device), so CONFIG_VIRTIO_MMIO is required and the
// PL011 console options are off under tinyconfig. No CONFIG_OUTPUT_FORMAT in its Kconfig: the
// 2019 objcopy -O ${CONFIG_OUTPUT_FORMAT} step fails here. Fastest TCG boot of the first three
// arches (x86_64, arm64, s390x).
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 2> kTargets = {"vmlinux", "Image"};
}  // namespace

extern const Arch kArchArm64 = {
    .name = "arm64",
    .linux_arch = "arm64",
    .cross_prefix = "aarch64-linux-gnu-",
    .compiler_package = "gcc-aarch64-linux-gnu",
    .libc_package = "libc6-dev-arm64-cross",
    .make_targets = kTargets,
    .boot_image = "arch/arm64/boot/Image",
    .elf_machine = 183,  // EM_AARCH64
    .elf_class = 64,
    .endian = Endian::kLittle,
    .bfd_format = "elf64-littleaarch64",
    .bfd_arch = "aarch64",
    .kconfig_fragment = "arm64.config",
    .arch_kconfig = "arch/arm64/Kconfig",
    .qemu = {.binary = "qemu-system-aarch64",
             .package = "qemu-system-arm",
             .machine = "virt",
             .cpu = "cortex-a57",
             .memory = "256M",
             .console = "ttyAMA0",
             .transport = VirtioTransport::kMmio,
             .blk_device = "virtio-blk-device",
             .timeout_factor = 1.0},
    .cold_build_seconds = 360,  // 5:58 measured (FACTS.md, 2026-12-01)
};

}  // namespace harness
