// s390x: the big-endian one, so its .BTF starts with the bytes `eb 9f` and any byte-order slip
// shows here first; the arch the 2019 sysfs BTF patch broke (no CONFIG_OUTPUT_FORMAT). Linux
// calls it ARCH=s390. QEMU cannot boot the vmlinux ELF (hangs silently): boot
// arch/s390/boot/bzImage, uncompressed (CONFIG_KERNEL_UNCOMPRESSED in s390x.config):
// decompressing tinyconfig's XZ took ~0.7 s of a 1.1 s boot under TCG; the boot is 0.7-0.8 s
// now. The console is SCLP (ttysclp0), whose options are off under allnoconfig; virtio is
// channel-attached (virtio-blk-ccw). The guest prints "running under KVM" even under TCG, so
// never use that to tell the accelerator. Its Makefile passes -Wa,-I<srctree>/arch/s390/include,
// an absolute path ccache's base_dir does not rewrite: the build stage tells ccache to ignore
// -Wa,-I* so other output directories still hit the cache. Two generated headers
// (asm/facility-defs.h, asm/dis-defs.h) name the absolute source path in a comment, so ccache's
// depend mode misses every s390x object in a work tree at another path (252 s instead of ~60 s
// with a warm cache); HOSTCFLAGS=-fmacro-prefix-map=<src>/= would make them path-free.
#include <array>

#include "harness/arch/arch.h"

namespace harness {
namespace {
constexpr std::array<std::string_view, 2> kTargets = {"vmlinux", "bzImage"};
}  // namespace

extern const Arch kArchS390x = {
    .name = "s390x",
    .linux_arch = "s390",
    .cross_prefix = "s390x-linux-gnu-",
    .compiler_package = "gcc-s390x-linux-gnu",
    .libc_package = "libc6-dev-s390x-cross",
    .make_targets = kTargets,
    .boot_image = "arch/s390/boot/bzImage",
    .elf_machine = 22,  // EM_S390
    .elf_class = 64,
    .endian = Endian::kBig,
    .bfd_format = "elf64-s390",
    .bfd_arch = "s390:64-bit",
    .kconfig_fragment = "s390x.config",
    .arch_kconfig = "arch/s390/Kconfig",
    .qemu = {.binary = "qemu-system-s390x",
             .package = "qemu-system-misc",
             .machine = "s390-ccw-virtio",
             .cpu = "qemu",
             .memory = "256M",
             .console = "ttysclp0",
             .transport = VirtioTransport::kCcw,
             .blk_device = "virtio-blk-ccw",
             .timeout_factor = 1.5},
    .cold_build_seconds = 310,  // 5:11 measured (FACTS.md, 2026-12-01)
};

}  // namespace harness
