#include "harness/arch/arch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

namespace harness {
namespace {

// Every arch file must fill every field, and nothing may be shared by accident.
TEST(ArchTableTest, EveryArchIsComplete) {
  ASSERT_GE(AllArches().size(), 3u);
  std::set<std::string_view> names, binaries, prefixes;
  for (const Arch* arch : AllArches()) {
    SCOPED_TRACE(std::string(arch->name));
    EXPECT_TRUE(names.insert(arch->name).second);
    EXPECT_TRUE(prefixes.insert(arch->cross_prefix).second);
    EXPECT_TRUE(binaries.insert(arch->qemu.binary).second);
    EXPECT_FALSE(arch->linux_arch.empty());
    EXPECT_EQ(arch->cross_prefix.back(), '-');
    EXPECT_FALSE(arch->compiler_package.empty());
    EXPECT_FALSE(arch->libc_package.empty());
    ASSERT_FALSE(arch->make_targets.empty());
    EXPECT_EQ(arch->make_targets[0], "vmlinux");
    // The boot image must be one of the targets we build.
    std::string image_name = std::filesystem::path(arch->boot_image).filename();
    bool built = false;
    for (auto t : arch->make_targets) built |= (t == image_name);
    EXPECT_TRUE(built) << arch->boot_image << " is not built by make_targets";
    // Under arch/, or the vmlinux ELF itself where the firmware loads it (ppc64's SLOF).
    EXPECT_TRUE(arch->boot_image.starts_with("arch/") || arch->boot_image == "vmlinux") << arch->boot_image;
    EXPECT_NE(arch->elf_machine, 0u);
    EXPECT_TRUE(arch->elf_class == 32 || arch->elf_class == 64);
    EXPECT_TRUE(arch->bfd_format.starts_with("elf" + std::to_string(arch->elf_class)));
    EXPECT_FALSE(arch->bfd_arch.empty());
    EXPECT_TRUE(arch->arch_kconfig.starts_with("arch/") && arch->arch_kconfig.ends_with("/Kconfig"));
    EXPECT_EQ(ArchForElf(arch->elf_machine, arch->elf_class, arch->endian), arch);
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(HARNESS_SOURCE_DIR) / "configs" /
                                        "kconfig" / std::string(arch->kconfig_fragment)));
    EXPECT_TRUE(arch->qemu.binary.starts_with("qemu-system-"));
    EXPECT_FALSE(arch->qemu.package.empty());
    EXPECT_FALSE(arch->qemu.machine.empty());
    EXPECT_FALSE(arch->qemu.cpu.empty());
    EXPECT_FALSE(arch->qemu.console.empty());
    EXPECT_TRUE(arch->qemu.blk_device.starts_with("virtio-blk-"));
    EXPECT_GE(arch->qemu.timeout_factor, 1.0);
    EXPECT_GE(arch->cold_build_seconds, 60.0);  // shards are balanced by it: a kernel build is minutes
    EXPECT_EQ(FindArch(arch->name), arch);
  }
}

TEST(ArchTableTest, ByteOrderIsThePointOfS390) {
  ASSERT_NE(FindArch("s390x"), nullptr);
  EXPECT_EQ(FindArch("s390x")->endian, Endian::kBig);
  EXPECT_EQ(FindArch("x86_64")->endian, Endian::kLittle);
  EXPECT_EQ(FindArch("arm64")->endian, Endian::kLittle);
  EXPECT_EQ(FindArch("riscv"), nullptr);  // the harness's name is riscv64; ARCH=riscv is Linux's
}

// The three added for issue 12 each prove a property the first three did not: a second
// big-endian family, a 32-bit vmlinux, a third little-endian 64-bit one.
TEST(ArchTableTest, SecondBigEndianAndA32BitTarget) {
  const Arch* ppc64 = FindArch("ppc64");
  const Arch* i386 = FindArch("i386");
  const Arch* riscv64 = FindArch("riscv64");
  ASSERT_TRUE(ppc64 && i386 && riscv64);
  EXPECT_EQ(ppc64->endian, Endian::kBig);
  EXPECT_EQ(ppc64->elf_class, 64);
  EXPECT_EQ(i386->elf_class, 32);
  EXPECT_EQ(i386->endian, Endian::kLittle);
  EXPECT_EQ(riscv64->elf_class, 64);
  EXPECT_EQ(riscv64->endian, Endian::kLittle);
  // i386 and x86_64 share EM_ numbers' family but not the machine: ArchForElf tells them apart.
  EXPECT_EQ(ArchForElf(3, 32, Endian::kLittle), i386);
  EXPECT_EQ(ArchForElf(62, 64, Endian::kLittle), FindArch("x86_64"));
  EXPECT_EQ(ArchForElf(21, 64, Endian::kBig), ppc64);
  EXPECT_EQ(ArchForElf(21, 64, Endian::kLittle), nullptr);  // ppc64le is not an arch here
}

}  // namespace
}  // namespace harness
