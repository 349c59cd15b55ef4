#pragma once
// The mission's assertion: /sys/kernel/btf/vmlinux as the guest saw it (the probe's record)
// against the .BTF section of the vmlinux that was booted.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/boot/record.h"
#include "harness/core/verdict.h"
#include "harness/elf/inspector.h"

namespace harness {

struct VerifyOutcome {
  Verdict verdict = Verdict::kPass;
  std::string detail;
  std::vector<std::string> diagnosis;
  std::map<std::string, std::string> facts;
};

// Compares and, when artifacts_dir is not empty, keeps both blobs (guest.btf, vmlinux.btf) and
// a hex dump around the first difference (btf-diff.txt) there.
VerifyOutcome VerifyBtf(const Arch& arch, const VmlinuxInfo& vmlinux, const ProbeRecord& record,
                        const std::filesystem::path& artifacts_dir);

// The BFD format of a vmlinux as binutils names it ("elf64-s390"), from its ELF header;
// "unknown" for an ELF no arch file describes.
std::string VmlinuxFormat(const VmlinuxInfo& vmlinux);

// Empty when the vmlinux is an ELF of `arch`; else the problem, naming both formats.
std::string CheckVmlinuxArch(const Arch& arch, const VmlinuxInfo& vmlinux);

}  // namespace harness
