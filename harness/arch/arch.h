#pragma once
// Everything the harness knows about one target architecture, as data. One file per arch
// (x86_64.cpp, arm64.cpp, s390x.cpp, riscv64.cpp, ppc64.cpp, i386.cpp: six today) defines one
// Arch; registry.cpp lists them. Call sites never test an arch's name: a new arch is a new file
// plus one registry line.
#include <span>
#include <string>
#include <string_view>

#include "harness/core/endian.h"

namespace harness {

enum class VirtioTransport { kPci, kMmio, kCcw };

struct QemuFacts {
  std::string_view binary;          // qemu-system-x86_64
  std::string_view package;         // Debian package holding it
  std::string_view machine;         // -machine
  std::string_view cpu;             // -cpu
  std::string_view memory;          // -m
  std::string_view console;         // console= on the kernel command line
  VirtioTransport transport;
  std::string_view blk_device;      // -device name of virtio-blk on that transport
  double timeout_factor;            // multiplies the matrix's boot timeout base (TCG speed)
};

struct Arch {
  std::string_view name;            // the harness's name: x86_64, arm64, s390x
  std::string_view linux_arch;      // make ARCH=
  std::string_view cross_prefix;    // make CROSS_COMPILE=
  std::string_view compiler_package;  // Debian package providing <cross_prefix>gcc
  std::string_view libc_package;    // Debian package with the static libc for the probe
  std::span<const std::string_view> make_targets;  // e.g. vmlinux bzImage
  std::string_view boot_image;      // relative to O=, what QEMU boots
  unsigned elf_machine;             // e_machine of vmlinux
  int elf_class;                    // 32 or 64
  Endian endian;
  std::string_view bfd_format;      // objdump -f "file format", what CONFIG_OUTPUT_FORMAT would be
  std::string_view bfd_arch;        // objdump -f "architecture"
  std::string_view kconfig_fragment;  // under configs/kconfig/
  std::string_view arch_kconfig;      // the arch's Kconfig in the tree (where OUTPUT_FORMAT would live)
  QemuFacts qemu;
  // Console lines that look like kernel complaints (WARNING:, BUG:, ...) but are known to be
  // harmless on this arch's guest: a line containing one of these is not a complaint. Each
  // entry carries a comment in the arch file saying why it is harmless.
  std::span<const std::string_view> console_allowlist = {};
  // A typical cold build (tinyconfig + BTF, gcc, make -j2, empty ccache), in seconds: what
  // `harness run --shard` weighs a cell by when no --history has timed it.
  double cold_build_seconds = 0;
};

// All known arches, in a stable order.
std::span<const Arch* const> AllArches();
// nullptr when unknown.
const Arch* FindArch(std::string_view name);
// "x86_64, arm64, s390x"
std::string KnownArchNames();
// "unknown arch 'NAME' (known: x86_64, arm64, ...)": the one text for a name FindArch does not know.
std::string UnknownArchMessage(std::string_view name);

// The arch whose vmlinux has this ELF machine, class and byte order; nullptr when none.
const Arch* ArchForElf(unsigned machine, int elf_class, Endian endian);

}  // namespace harness
