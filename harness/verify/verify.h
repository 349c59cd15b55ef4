#pragma once
// The mission's assertion: /sys/kernel/btf/vmlinux as the guest saw it (the probe's record)
// against the .BTF section of the vmlinux that was booted.
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/boot/record.h"
#include "harness/results/results.h"
#include "harness/elf/inspector.h"

namespace harness {

struct VerifyOutcome {
  Verdict verdict = Verdict::kPass;
  std::string detail;
  std::vector<std::string> diagnosis;
  Facts facts;
};

// Compares and, when artifacts_dir is not empty, keeps both blobs (guest.btf, vmlinux.btf) and
// a hex dump around the first difference (btf-diff.txt) there.
//
// What a PASS requires (each missing piece is kIncompleteEvidence, never a pass): both build
// IDs present and equal; the file's mode, st_size and type recorded, mode 0444, regular; every
// large read to EOF present and equal to the section; the 1-byte read ranges of ProbeRanges all
// present and equal; a read at st_size recorded and at EOF; the running kernel's own verdict:
// a BPF program load (which makes it parse vmlinux BTF) and BPF_BTF_LOAD of the exported bytes
// both recorded and both succeeded (a refusal is kKernelRejectsBtf); no probe error; no kernel
// complaint on the console (console_complaint empty) before the probe finished.
//
// With `module` (the test module's .ko was built and carried in the initramfs) a PASS also
// needs: the load recorded and successful (a refusal blamed on its BTF is kModuleBtfRejected),
// /sys/kernel/btf/<module> present (else kModuleBtfMissing), a regular file of mode 0444 whose
// st_size and bytes equal the .ko's .BTF (else kModuleBtfMismatch), a kernel BTF object of the
// module's name (else kModuleBtfRejected), and no inspector finding about the .ko's .BTF
// (kBadModuleBtf). It keeps module.btf and guest-module.btf in artifacts_dir.
VerifyOutcome VerifyBtf(const Arch& arch, const VmlinuxInfo& vmlinux, const ProbeRecord& record,
                        std::span<const std::string> console_complaint, const std::filesystem::path& artifacts_dir,
                        const ModuleBtfInfo* module = nullptr);

// The BFD format of a vmlinux as binutils names it ("elf64-s390"), from its ELF header;
// "unknown" for an ELF no arch file describes.
std::string VmlinuxFormat(const VmlinuxInfo& vmlinux);

// Empty when the vmlinux is an ELF of `arch`; else the problem, naming both formats.
std::string CheckVmlinuxArch(const Arch& arch, const VmlinuxInfo& vmlinux);

}  // namespace harness
