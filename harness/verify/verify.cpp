#include "harness/verify/verify.h"

#include <algorithm>
#include <cstdio>

#include "harness/core/util.h"

namespace harness {
namespace {

std::string Octal(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode);
  return buf;
}

// True when the first two bytes are the BTF magic in the other byte order than `endian`.
bool MagicSwapped(const std::vector<std::uint8_t>& blob, Endian endian) {
  if (blob.size() < 2) return false;
  return LoadU16(blob, endian) == 0x9FEB;
}

}  // namespace

VerifyOutcome VerifyBtf(const Arch& arch, const VmlinuxInfo& vmlinux, const ProbeRecord& record,
                        const std::filesystem::path& artifacts_dir) {
  VerifyOutcome out;
  const std::vector<std::uint8_t>& want = vmlinux.btf;
  const std::vector<std::uint8_t>& got = record.blob;
  const std::string section = vmlinux.has_btf ? "a .BTF section of " + std::to_string(want.size()) + " bytes"
                                               : "no .BTF section (built without CONFIG_DEBUG_INFO_BTF?)";
  out.facts["section_size"] = std::to_string(want.size());
  if (!record.version.empty()) out.diagnosis.push_back("guest: " + Printable(Trim(record.version)));
  if (!record.errors.empty()) {
    for (const auto& line : SplitLines(record.errors)) out.diagnosis.push_back("probe: " + Printable(line));
  }
  if (!artifacts_dir.empty()) {
    WriteFile(artifacts_dir / "vmlinux.btf", std::string_view(reinterpret_cast<const char*>(want.data()), want.size()));
    WriteFile(artifacts_dir / "guest.btf", std::string_view(reinterpret_cast<const char*>(got.data()), got.size()));
  }

  // 1. Is the guest running the kernel we inspected?
  const std::string guest_id = BuildIdFromNotes(record.notes, arch.endian);
  out.facts["guest_build_id"] = guest_id;
  out.facts["vmlinux_build_id"] = vmlinux.build_id;
  if (!guest_id.empty() && !vmlinux.build_id.empty() && guest_id != vmlinux.build_id) {
    out.verdict = Verdict::kStaleImage;
    out.detail = "the guest's build ID " + guest_id + " is not the checked vmlinux's " + vmlinux.build_id +
                 ": the boot image and the vmlinux come from different builds";
    return out;
  }
  if (guest_id.empty() || vmlinux.build_id.empty()) {
    out.diagnosis.push_back(std::string("build ID not compared: ") +
                            (guest_id.empty() ? "the guest's /sys/kernel/notes has none" : "the vmlinux has none"));
  }

  // 2. Does the file exist, as a regular read-only file?
  if (!(record.flags & kFlagSysfsMounted)) {
    out.verdict = Verdict::kBtfFileMissing;
    out.detail = "sysfs could not be mounted in the guest, so /sys/kernel/btf/vmlinux cannot exist; the ELF has " + section;
    return out;
  }
  if (!(record.flags & kFlagVmlinuxExists)) {
    out.verdict = Verdict::kBtfFileMissing;
    out.detail = std::string("/sys/kernel/btf/vmlinux does not exist in the guest (") +
                 ((record.flags & kFlagBtfDirIsDir) ? "/sys/kernel/btf exists" : "no /sys/kernel/btf directory") +
                 "); the ELF has " + section;
    return out;
  }
  if (!(record.flags & kFlagVmlinuxRegular) || (record.mode && (*record.mode & 07777) != 0444)) {
    out.verdict = Verdict::kBtfFileMissing;
    out.detail = "/sys/kernel/btf/vmlinux is not a regular 0444 file (mode " +
                 (record.mode ? Octal(*record.mode) : std::string("unknown")) + "); the ELF has " + section;
    return out;
  }

  // 3. Byte order: either side's magic swapped for this target.
  if (MagicSwapped(want, arch.endian) || MagicSwapped(got, arch.endian)) {
    out.verdict = Verdict::kWrongByteOrder;
    out.detail = std::string("BTF magic is byte-swapped for a ") + EndianName(arch.endian) + "-endian target in " +
                 (MagicSwapped(want, arch.endian) ? "the vmlinux's .BTF" : "the guest's /sys/kernel/btf/vmlinux");
    return out;
  }

  // 4. Sizes: st_size, what was readable, and EOF exactly at st_size.
  const std::uint64_t st_size = record.size.value_or(0);
  out.facts["guest_size"] = std::to_string(st_size);
  out.facts["readable"] = std::to_string(got.size());
  if (st_size != want.size() || got.size() != want.size()) {
    out.verdict = Verdict::kSizeMismatch;
    out.detail = "guest st_size " + std::to_string(st_size) + ", section size " + std::to_string(want.size()) +
                 ", " + std::to_string(got.size()) + " bytes readable";
    return out;
  }
  if (record.eof_read && *record.eof_read != 0) {
    out.verdict = Verdict::kSizeMismatch;
    out.detail = "a read at st_size (" + std::to_string(st_size) + ") returned " +
                 std::to_string(*record.eof_read) + " instead of end of file";
    return out;
  }
  if (record.flags & kFlagReadError) {
    out.verdict = Verdict::kSizeMismatch;
    out.detail = "reading /sys/kernel/btf/vmlinux failed before end of file after " + std::to_string(got.size()) + " bytes";
    return out;
  }

  // 5. Content, from the large reads and from the 1-byte reads.
  auto first = std::mismatch(want.begin(), want.end(), got.begin());
  if (first.first != want.end()) {
    const std::size_t offset = static_cast<std::size_t>(first.first - want.begin());
    std::size_t differing = 0;
    for (std::size_t i = offset; i < want.size(); ++i) differing += want[i] != got[i];
    out.verdict = Verdict::kContentMismatch;
    out.facts["offset"] = std::to_string(offset);
    out.facts["differing_bytes"] = std::to_string(differing);
    out.detail = "first difference at offset " + std::to_string(offset) + " (" + HexNumber(offset) + "), " +
                 std::to_string(differing) + " bytes differ";
    const std::size_t begin = offset >= 32 ? offset - 32 : 0;
    std::string dump = "vmlinux .BTF:\n" + HexDump(want, begin, offset + 48) + "guest /sys/kernel/btf/vmlinux:\n" +
                       HexDump(got, begin, offset + 48);
    if (!artifacts_dir.empty()) WriteFile(artifacts_dir / "btf-diff.txt", out.detail + "\n" + dump);
    for (const auto& line : SplitLines(dump)) out.diagnosis.push_back(line);
    return out;
  }
  for (std::size_t i = 0; i < record.small_reads.size(); ++i) {
    if (i >= want.size() || record.small_reads[i] != want[i]) {
      out.verdict = Verdict::kContentMismatch;
      out.facts["offset"] = std::to_string(i);
      out.detail = "1-byte reads disagree with the section at offset " + std::to_string(i) +
                   " (large reads matched)";
      return out;
    }
  }
  out.detail = std::to_string(want.size()) + " bytes identical";
  return out;
}

std::string VmlinuxFormat(const VmlinuxInfo& vmlinux) {
  const Arch* arch = ArchForElf(vmlinux.machine, vmlinux.elf_class, vmlinux.endian);
  return arch ? std::string(arch->bfd_format) : "unknown";
}

std::string CheckVmlinuxArch(const Arch& arch, const VmlinuxInfo& vmlinux) {
  if (!vmlinux.is_elf) return "";
  if (vmlinux.machine == arch.elf_machine && vmlinux.elf_class == arch.elf_class && vmlinux.endian == arch.endian) {
    return "";
  }
  return "vmlinux is " + VmlinuxFormat(vmlinux) + " (" + vmlinux.machine_name + ", " + EndianName(vmlinux.endian) +
         "-endian), not " + std::string(arch.bfd_format) + " as " + std::string(arch.name) + " needs";
}

}  // namespace harness
