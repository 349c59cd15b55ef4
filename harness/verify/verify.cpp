#include "harness/verify/verify.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "harness/core/util.h"
#include "harness/elf/btf_diff.h"

namespace harness {
namespace {

std::string Octal(std::uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode);
  return buf;
}

// Which part of the section `offset` falls in, by the vmlinux's own BTF header: what a content
// mismatch's signature (results/signature.h) compares, since the offset itself moves with the types.
std::string OffsetClass(const VmlinuxInfo& vmlinux, std::size_t offset) {
  if (!vmlinux.header) return "header";  // shorter than the fixed header: it is all header
  const BtfHeader& h = *vmlinux.header;
  const std::uint64_t at = offset;
  auto in = [&](std::uint32_t off, std::uint32_t len) {
    const std::uint64_t begin = std::uint64_t{h.hdr_len} + off;
    return at >= begin && at < begin + len;
  };
  if (at < h.hdr_len) return "header";
  if (in(h.type_off, h.type_len)) return "type section";
  if (in(h.str_off, h.str_len)) return "string section";
  return "outside the sections";
}

// True when the first two bytes are the BTF magic in the other byte order than `endian`.
bool MagicSwapped(const std::vector<std::uint8_t>& blob, Endian endian) {
  if (blob.size() < 2) return false;
  return LoadU16(blob, endian) == 0x9FEB;
}

// "EINVAL" for -22: errno names are the same on every arch the harness boots (asm-generic).
std::string ErrnoName(std::int32_t result) {
  // The guest is untrusted: only an errno's range is negated (-INT32_MIN would overflow).
  const char* name = result < 0 && result > -4096 ? strerrorname_np(-result) : nullptr;
  return name ? std::string("-") + name : std::to_string(result);
}

// The program types images/probe.c tries (its PROG_TYPE_* values, include/uapi/linux/bpf.h).
std::string ProgramTypeName(std::uint32_t type) {
  switch (type) {
    case 1: return "SOCKET_FILTER";
    case 15: return "CGROUP_DEVICE";
    case 31: return "SYSCALL";
    default: return "type " + std::to_string(type);
  }
}

// The lines of a bpf(2) log worth quoting: printable, blank ones dropped.
std::vector<std::string> LogLines(const std::string& log) {
  std::vector<std::string> lines;
  for (const auto& line : SplitLines(log)) {
    if (!Trim(line).empty()) lines.push_back(Printable(Trim(line)));
  }
  return lines;
}

// One line for a call: "ok", or the error and what the kernel said (`last` line of the log for
// BPF_BTF_LOAD, where the parser stops; the first for a program load, the verifier's verdict).
std::string DescribeCall(const BpfCall& call, bool last) {
  if (call.result == 0) return "ok";
  const auto lines = LogLines(call.log);
  return ErrnoName(call.result) + (lines.empty() ? std::string(", nothing logged")
                                                 : ": " + (last ? lines.back() : lines.front()));
}

// The guest's record and the vmlinux it should serve, with the outcome the checks fill in. Each
// check below looks at one piece of evidence; one that finds it missing or wrong sets the verdict
// and detail and returns true, and the first such check decides the cell.
class Evidence {
 public:
  Evidence(const Arch& arch, const VmlinuxInfo& vmlinux, const ProbeRecord& record,
           std::span<const std::string> console_complaint, const std::filesystem::path& artifacts_dir,
           const ModuleBtfInfo* module)
      : arch(arch),
        vmlinux(vmlinux),
        record(record),
        module(module),
        console_complaint(console_complaint),
        artifacts_dir(artifacts_dir),
        want(vmlinux.btf),
        got(record.blob),
        section(vmlinux.has_btf ? "a .BTF section of " + std::to_string(want.size()) + " bytes"
                                : "no .BTF section (built without CONFIG_DEBUG_INFO_BTF?)"),
        probe_errors(SplitLines(record.errors)),
        guest_id(BuildIdFromNotes(record.notes, arch.endian)) {}

  // 1. Is the guest running the kernel we inspected?
  bool SameBuild();
  // 2. Can the .BTF be served at all?
  bool SectionMapped();
  // 3. Does the file exist, as a regular file readable by everyone?
  bool SysfsMounted();
  bool FileExists();
  bool ModeAndSizeRecorded();
  bool RegularFile();
  bool ReadableByEveryone();
  // 4. Byte order.
  bool ByteOrder();
  // 5. Sizes.
  bool BoundedReads();
  bool ReadsWithinStSize();
  bool SizesAgree();
  bool NoReadError();
  bool EofReadRecorded();
  bool EofAtStSize();
  // 6. Content.
  bool LargeReadsAgree();
  bool SmallReadsAgree();
  // 7. The section itself.
  bool SectionWellFormed();
  // 8. The kernel's own verdict on the BTF it serves.
  bool KernelAcceptsBtf();
  // 9. The test module's BTF (when one was built): loaded, exported, the .ko's bytes, listed.
  bool ModuleBuiltWithBtf();
  bool ModuleRecorded();
  bool ModuleLoaded();
  bool ModuleBtfValidated();
  bool ModuleBtfExists();
  bool ModuleBtfMode();
  bool ModuleBtfBytes();
  bool ModuleBtfListed();
  bool ModuleBtfWellFormed();
  // 10. A quiet kernel and every piece of evidence.
  bool QuietConsole();
  bool KernelVerdictRecorded();
  bool BuildIdsPresent();
  bool NoProbeErrors();

  const Arch& arch;
  const VmlinuxInfo& vmlinux;
  const ProbeRecord& record;
  const ModuleBtfInfo* module;  // null: no module was built for this kernel
  std::span<const std::string> console_complaint;
  const std::filesystem::path& artifacts_dir;
  const std::vector<std::uint8_t>& want;
  const std::vector<std::uint8_t>& got;
  const std::string section;
  const std::vector<std::string> probe_errors;
  const std::string guest_id;
  VerifyOutcome out;

 private:
  bool Fail(Verdict verdict, std::string detail) {
    out.verdict = verdict;
    out.detail = std::move(detail);
    return true;
  }
};

// What a PASS needs, in the order the checks run. The order is part of the verdict: a stale
// image is named before anything the stale guest showed, a missing file before its mode, sizes
// before content, and a malformed section or a complaining kernel only once the bytes agree.
constexpr bool (Evidence::*kEvidenceChecks[])() = {
    &Evidence::SameBuild,            // both build IDs, when present, equal
    &Evidence::SectionMapped,        // .BTF is SHF_ALLOC and inside a PT_LOAD
    &Evidence::SysfsMounted,         // the probe could mount sysfs
    &Evidence::FileExists,           // /sys/kernel/btf/vmlinux exists
    &Evidence::ModeAndSizeRecorded,  // the probe recorded its mode and st_size
    &Evidence::RegularFile,          // a regular file
    &Evidence::ReadableByEveryone,   // mode 0444
    &Evidence::ByteOrder,            // neither side's magic swapped for the target
    &Evidence::BoundedReads,         // reads end (not stopped only by the probe's cap)
    &Evidence::ReadsWithinStSize,    // no more bytes than st_size
    &Evidence::SizesAgree,           // st_size, readable bytes and the section's size equal
    &Evidence::NoReadError,          // no read failed
    &Evidence::EofReadRecorded,      // a read at st_size was recorded
    &Evidence::EofAtStSize,          // and it was end of file
    &Evidence::LargeReadsAgree,      // the large reads equal the section
    &Evidence::SmallReadsAgree,      // every range of 1-byte reads present and equal
    &Evidence::SectionWellFormed,    // no inspector finding about the section
    &Evidence::KernelAcceptsBtf,     // neither bpf(2) call the kernel answered refused the BTF
    &Evidence::ModuleBuiltWithBtf,   // a module built: its .ko has a .BTF section to compare with
    &Evidence::ModuleRecorded,       // the probe recorded loading it
    &Evidence::ModuleLoaded,         // finit_module succeeded (a BTF refusal is named)
    &Evidence::ModuleBtfValidated,   // and the kernel did not refuse its BTF while loading it
    &Evidence::ModuleBtfExists,      // /sys/kernel/btf/<module> exists
    &Evidence::ModuleBtfMode,        // a regular file, mode 0444
    &Evidence::ModuleBtfBytes,       // st_size and bytes equal the .ko's .BTF
    &Evidence::ModuleBtfListed,      // the kernel lists a BTF object of the module's name
    &Evidence::ModuleBtfWellFormed,  // no inspector finding about the .ko's .BTF
    &Evidence::QuietConsole,         // no kernel complaint before the probe finished
    &Evidence::KernelVerdictRecorded,  // both calls were made and succeeded
    &Evidence::BuildIdsPresent,      // both build IDs there to compare
    &Evidence::NoProbeErrors,        // the probe reported no error
};

bool Evidence::SameBuild() {
  out.facts[FactKey::kGuestBuildId] = guest_id;
  out.facts[FactKey::kVmlinuxBuildId] = vmlinux.build_id;
  if (!guest_id.empty() && !vmlinux.build_id.empty() && guest_id != vmlinux.build_id) {
    return Fail(Verdict::kStaleImage, "the guest's build ID " + guest_id + " is not the checked vmlinux's " +
                                          vmlinux.build_id + ": the boot image and the vmlinux come from different builds");
  }
  return false;
}

// A .BTF that has no place in the running kernel's memory (not SHF_ALLOC, or outside every
// PT_LOAD) cannot be served as built: that is the vmlinux's fault, whatever the guest then
// showed, so say what it showed. (Other inspector findings are weighed at the end.)
bool Evidence::SectionMapped() {
  if (vmlinux.has_btf && (!vmlinux.btf_alloc || !vmlinux.btf_in_load)) {
    auto unmapped = std::find_if(vmlinux.problems.begin(), vmlinux.problems.end(), [](const std::string& p) {
      return p.find("SHF_ALLOC") != std::string::npos || p.find("PT_LOAD") != std::string::npos;
    });
    std::string served = !(record.flags & kFlagVmlinuxExists)
                             ? "no /sys/kernel/btf/vmlinux"
                             : std::to_string(got.size()) + " bytes (st_size " +
                                   (record.size ? std::to_string(*record.size) : std::string("unknown")) + ")" +
                                   (got == want ? ", identical to the section" : ", not the section's bytes");
    out.diagnosis.insert(out.diagnosis.begin(), "the guest served " + served);
    return Fail(Verdict::kBadVmlinux, unmapped != vmlinux.problems.end()
                                          ? *unmapped
                                          : std::string(".BTF is not SHF_ALLOC or lies outside every PT_LOAD"));
  }
  return false;
}

bool Evidence::SysfsMounted() {
  if (!(record.flags & kFlagSysfsMounted)) {
    return Fail(Verdict::kBtfFileMissing,
                "sysfs could not be mounted in the guest, so /sys/kernel/btf/vmlinux cannot exist; the ELF has " + section);
  }
  return false;
}

bool Evidence::FileExists() {
  if (!(record.flags & kFlagVmlinuxExists)) {
    return Fail(Verdict::kBtfFileMissing,
                std::string("/sys/kernel/btf/vmlinux does not exist in the guest (") +
                    ((record.flags & kFlagBtfDirIsDir) ? "/sys/kernel/btf exists" : "no /sys/kernel/btf directory") +
                    "); the ELF has " + section);
  }
  return false;
}

bool Evidence::ModeAndSizeRecorded() {
  if (!record.mode || !record.size) {
    return Fail(Verdict::kIncompleteEvidence, std::string("the probe recorded no ") +
                                                  (!record.mode ? "mode" : "st_size") + " for /sys/kernel/btf/vmlinux");
  }
  return false;
}

bool Evidence::RegularFile() {
  out.facts[FactKey::kGuestMode] = Octal(*record.mode & 07777);
  if (!(record.flags & kFlagVmlinuxRegular)) {
    return Fail(Verdict::kBtfFileMissing, "/sys/kernel/btf/vmlinux exists but is not a regular file (mode " +
                                              Octal(*record.mode) + "); the ELF has " + section);
  }
  return false;
}

bool Evidence::ReadableByEveryone() {
  if ((*record.mode & 07777) != 0444) {
    return Fail(Verdict::kWrongPermissions, "/sys/kernel/btf/vmlinux has mode " + Octal(*record.mode & 07777) +
                                                ", not 0444: BTF consumers that do not run as root cannot read it");
  }
  return false;
}

// Either side's magic swapped for this target.
bool Evidence::ByteOrder() {
  if (MagicSwapped(want, arch.endian) || MagicSwapped(got, arch.endian)) {
    return Fail(Verdict::kWrongByteOrder,
                std::string("BTF magic is byte-swapped for a ") + EndianName(arch.endian) + "-endian target in " +
                    (MagicSwapped(want, arch.endian) ? "the vmlinux's .BTF" : "the guest's /sys/kernel/btf/vmlinux"));
  }
  return false;
}

// Sizes: bounded reads first (an export with no end), then st_size, what was readable, and EOF
// exactly at st_size.
bool Evidence::BoundedReads() {
  const std::uint64_t st_size = *record.size;
  out.facts[FactKey::kGuestSize] = std::to_string(st_size);
  out.facts[FactKey::kReadable] = std::to_string(got.size());
  // Reads stopped by the probe's cap are an export without an end only when nothing shows one: a
  // file a page longer than the section ends right at the cap (st_size says so, a read there is
  // EOF) and is a size mismatch. Older probes flag the cap whatever the next read would return.
  const std::uint64_t past_cap = record.past_cap && *record.past_cap > 0 ? static_cast<std::uint64_t>(*record.past_cap) : 0;
  const bool ends_at_st_size = record.eof_read == 0 && got.size() + past_cap <= st_size;
  if ((record.flags & kFlagReadCapped) && !ends_at_st_size) {
    return Fail(Verdict::kUnboundedExport,
                "reads of /sys/kernel/btf/vmlinux went on past " + std::to_string(got.size()) +
                    " bytes without end of file (the probe's cap: section size " + std::to_string(want.size()) +
                    " plus a page" +
                    (past_cap ? "; a read past it was not end of file" : "") +
                    "); st_size " + std::to_string(st_size));
  }
  return false;
}

bool Evidence::ReadsWithinStSize() {
  const std::uint64_t st_size = *record.size;
  if (got.size() > st_size) {
    return Fail(Verdict::kUnboundedExport, "reads of /sys/kernel/btf/vmlinux returned " + std::to_string(got.size()) +
                                               " bytes, past its st_size " + std::to_string(st_size) +
                                               " (section size " + std::to_string(want.size()) + ")");
  }
  return false;
}

bool Evidence::SizesAgree() {
  const std::uint64_t st_size = *record.size;
  if (st_size != want.size() || got.size() != want.size()) {
    return Fail(Verdict::kSizeMismatch, "guest st_size " + std::to_string(st_size) + ", section size " +
                                            std::to_string(want.size()) + ", " + std::to_string(got.size()) +
                                            " bytes readable" +
                                            ((record.flags & kFlagReadCapped) ? " (the probe's cap), end of file at st_size"
                                                                               : ""));
  }
  return false;
}

bool Evidence::NoReadError() {
  if (record.flags & kFlagReadError) {
    return Fail(Verdict::kSizeMismatch, "reading /sys/kernel/btf/vmlinux failed before end of file after " +
                                            std::to_string(got.size()) + " bytes");
  }
  return false;
}

bool Evidence::EofReadRecorded() {
  if (!record.eof_read) {
    return Fail(Verdict::kIncompleteEvidence, "the probe recorded no read at st_size, so end of file was not checked");
  }
  return false;
}

bool Evidence::EofAtStSize() {
  const std::uint64_t st_size = *record.size;
  if (*record.eof_read != 0) {
    return Fail(Verdict::kSizeMismatch, "a read at st_size (" + std::to_string(st_size) + ") returned " +
                                            std::to_string(*record.eof_read) + " instead of end of file");
  }
  return false;
}

// Content, from the large reads: the first difference, the types around it, and a hex dump.
bool Evidence::LargeReadsAgree() {
  auto first = std::mismatch(want.begin(), want.end(), got.begin());
  if (first.first != want.end()) {
    const std::size_t offset = static_cast<std::size_t>(first.first - want.begin());
    std::size_t differing = 0;
    for (std::size_t i = offset; i < want.size(); ++i) differing += want[i] != got[i];
    out.facts[FactKey::kOffset] = std::to_string(offset);
    out.facts[FactKey::kOffsetClass] = OffsetClass(vmlinux, offset);
    out.facts[FactKey::kDifferingBytes] = std::to_string(differing);
    Fail(Verdict::kContentMismatch, "first difference at offset " + std::to_string(offset) + " (" +
                                        HexNumber(offset) + "), " + std::to_string(differing) +
                                        (differing == 1 ? " byte differs" : " bytes differ"));
    const std::size_t begin = offset >= 32 ? offset - 32 : 0;
    // The types first: "type 1234 STRUCT task_struct: member 'pid' offset 2240 vs 2248" tells a
    // kernel developer more than the bytes around the offset.
    std::string types = "types, vmlinux .BTF vs guest:\n";
    for (const auto& line : DiffBtfTypes(want, got, "the vmlinux's .BTF", "the guest's BTF")) {
      types += "  " + line + "\n";
    }
    std::string dump = "vmlinux .BTF:\n" + HexDump(want, begin, offset + 48) + "guest /sys/kernel/btf/vmlinux:\n" +
                       HexDump(got, begin, offset + 48);
    if (!artifacts_dir.empty()) WriteFile(artifacts_dir / "btf-diff.txt", out.detail + "\n" + types + dump);
    for (const auto& line : SplitLines(types + dump)) out.diagnosis.push_back(line);
    return true;
  }
  return false;
}

// Content, from the 1-byte reads.
bool Evidence::SmallReadsAgree() {
  for (const auto& [offset, length] : ProbeRanges(want.size())) {
    auto range = std::find_if(record.small_reads.begin(), record.small_reads.end(),
                              [&](const ByteRange& r) { return r.offset == offset; });
    if (range == record.small_reads.end() || range->bytes.size() != length) {
      return Fail(Verdict::kIncompleteEvidence,
                  "the 1-byte reads at offset " + std::to_string(offset) + " (" + std::to_string(length) +
                      " bytes) are " +
                      (range == record.small_reads.end() ? std::string("missing")
                                                         : "cut short at " + std::to_string(range->bytes.size())) +
                      " in the probe's record");
    }
    for (std::size_t i = 0; i < length; ++i) {
      if (range->bytes[i] != want[offset + i]) {
        out.facts[FactKey::kOffset] = std::to_string(offset + i);
        out.facts[FactKey::kOffsetClass] = OffsetClass(vmlinux, offset + i);
        return Fail(Verdict::kContentMismatch, "1-byte reads disagree with the section at offset " +
                                                   std::to_string(offset + i) + " (large reads matched)");
      }
    }
  }
  return false;
}

// The bytes agree, but the section itself is malformed: never a pass.
bool Evidence::SectionWellFormed() {
  if (!vmlinux.problems.empty()) {
    return Fail(Verdict::kBadVmlinux, "the guest matches the vmlinux, but its .BTF is malformed: " +
                                          vmlinux.problems.front());
  }
  return false;
}

// The kernel parses vmlinux BTF on the first program load; "in-kernel BTF is malformed" is the
// verifier saying it could not, and the parser's reason went to the console as "BPF: ...".
// BPF_BTF_LOAD runs the same parser on the exported bytes and logs the reason itself.
// The parser's reason, which the kernel prints over several "BPF:" lines ("BPF: [1708] ENUM
// netns_bpf_attach_type", "BPF: size=4 vlen=4", "BPF:", "BPF: Invalid btf_info kind_flag"),
// joined into one from the first of them; "" when there are none.
std::string ConsoleBpfReason(std::span<const std::string> console_complaint) {
  std::string reason;
  for (const auto& line : console_complaint) {
    const auto at = line.find("BPF:");
    if (at == std::string::npos) {
      if (reason.empty()) continue;
      break;
    }
    if (const std::string part(Trim(line.substr(at + 4))); !part.empty()) reason += " " + part;
  }
  return reason.empty() ? "" : "; on the console: BPF:" + reason;
}

bool Evidence::KernelAcceptsBtf() {
  auto console_reason = [&] { return ConsoleBpfReason(console_complaint); };
  if (record.prog_load && record.prog_load->result != 0 &&
      record.prog_load->log.find("BTF") != std::string::npos) {
    return Fail(Verdict::kKernelRejectsBtf,
                "the bytes match, but the kernel cannot parse its own BTF: loading a " +
                    ProgramTypeName(record.prog_load->kind) + " program failed with " +
                    DescribeCall(*record.prog_load, false) + console_reason());
  }
  if (record.btf_load && record.btf_load->result != 0) {
    return Fail(Verdict::kKernelRejectsBtf, "the bytes match, but the kernel refuses them: BPF_BTF_LOAD of "
                                            "/sys/kernel/btf/vmlinux failed with " +
                                                DescribeCall(*record.btf_load, true) + console_reason());
  }
  return false;
}

// Each call made, and each answered with success (a failure KernelAcceptsBtf did not take for a
// BTF rejection, such as no program type to load, leaves the kernel's verdict unknown).
bool Evidence::KernelVerdictRecorded() {
  if (!record.prog_load || !record.btf_load) {
    return Fail(Verdict::kIncompleteEvidence,
                std::string("the probe recorded no ") + (!record.prog_load ? "BPF program load" : "BPF_BTF_LOAD") +
                    ", so the kernel was not asked whether it accepts its BTF");
  }
  if (record.prog_load->result != 0) {
    return Fail(Verdict::kIncompleteEvidence, "the BPF program load that makes the kernel parse its BTF failed (" +
                                                  ProgramTypeName(record.prog_load->kind) + ", " +
                                                  DescribeCall(*record.prog_load, false) +
                                                  "), so the kernel's verdict on its BTF is not known");
  }
  return false;
}

// The module checks name the file by the module's name, as the kernel does.
std::string ModuleName(const ModuleBtfInfo& module) {
  std::string name = std::filesystem::path(module.path).stem().string();
  return name.empty() ? std::string("<module>") : name;
}
std::string ModuleBtfPath(const ModuleBtfInfo& module) { return "/sys/kernel/btf/" + ModuleName(module); }

bool Evidence::ModuleBuiltWithBtf() {
  if (module && (!module->is_elf || !module->has_btf || module->btf.empty())) {
    return Fail(Verdict::kBadModuleBtf, "the test module was built without BTF: " +
                                            (module->problems.empty() ? std::string("no .BTF section") : module->problems.front()));
  }
  return false;
}

bool Evidence::ModuleRecorded() {
  if (module && !record.module) {
    return Fail(Verdict::kIncompleteEvidence, "the initramfs carried the test module " +
                                                  std::filesystem::path(module->path).filename().string() +
                                                  ", but the probe recorded no attempt to load it");
  }
  return false;
}

// A load the kernel refused while validating the module's BTF says so on the console: "BPF:"
// lines from the parser, then "failed to validate module [btfmod] BTF: -22".
// The kernel's "failed to validate module [<name>] BTF: <err>" line, when the console has it.
std::string ValidateLine(std::span<const std::string> console_complaint) {
  for (const auto& line : console_complaint) {
    if (line.find("failed to validate module") != std::string::npos) return line;
  }
  return {};
}

bool Evidence::ModuleLoaded() {
  if (!module || record.module->load == 0) return false;
  if (const std::string validate = ValidateLine(console_complaint); !validate.empty()) {
    const std::string reason = ConsoleBpfReason(console_complaint);
    return Fail(Verdict::kModuleBtfRejected, "the kernel refused the test module's BTF: finit_module failed with " +
                                                 ErrnoName(record.module->load) +
                                                 (reason.empty() ? "; on the console: " + validate : reason + "; " + validate));
  }
  if (!console_complaint.empty()) {
    return Fail(Verdict::kKernelComplained, "the test module did not load (finit_module failed with " +
                                                ErrnoName(record.module->load) + ") and the kernel complained: " +
                                                console_complaint.front());
  }
  return Fail(Verdict::kIncompleteEvidence, "the test module did not load (finit_module failed with " +
                                                ErrnoName(record.module->load) +
                                                ", and the kernel blamed no BTF), so its BTF was not checked");
}

// The module loaded although the kernel could not parse its BTF: a kernel built with
// CONFIG_MODULE_ALLOW_BTF_MISMATCH says so and goes on without it.
bool Evidence::ModuleBtfValidated() {
  if (!module) return false;
  if (const std::string validate = ValidateLine(console_complaint); !validate.empty()) {
    return Fail(Verdict::kModuleBtfRejected, "the test module loaded, but the kernel refused its BTF" +
                                                 ConsoleBpfReason(console_complaint) + "; " + validate);
  }
  return false;
}

bool Evidence::ModuleBtfExists() {
  if (!module || record.module->mode) return false;
  return Fail(Verdict::kModuleBtfMissing, "the test module loaded, but " + ModuleBtfPath(*module) +
                                              " does not exist: the kernel did not export the module's BTF");
}

bool Evidence::ModuleBtfMode() {
  if (!module) return false;
  const std::uint32_t mode = *record.module->mode;
  if ((mode & 0170000) != 0100000 || (mode & 07777) != 0444) {
    return Fail(Verdict::kModuleBtfMismatch, ModuleBtfPath(*module) + " has mode " + Octal(mode) +
                                                 ", not a regular file of mode 0444");
  }
  return false;
}

bool Evidence::ModuleBtfBytes() {
  if (!module) return false;
  const ModuleRecord& seen = *record.module;
  const std::vector<std::uint8_t>& built = module->btf;
  if (!seen.blob) {
    return Fail(Verdict::kIncompleteEvidence, "the probe could not read " + ModuleBtfPath(*module));
  }
  if (*seen.size != built.size() || seen.blob->size() != built.size()) {
    return Fail(Verdict::kModuleBtfMismatch,
                ModuleBtfPath(*module) + " has st_size " + std::to_string(*seen.size) + " and " +
                    std::to_string(seen.blob->size()) + " readable bytes; the .ko's .BTF has " +
                    std::to_string(built.size()));
  }
  const auto diff = std::mismatch(built.begin(), built.end(), seen.blob->begin());
  if (diff.first != built.end()) {
    return Fail(Verdict::kModuleBtfMismatch,
                ModuleBtfPath(*module) + " differs from the .ko's .BTF at offset " +
                    std::to_string(diff.first - built.begin()) + " (same size, " + std::to_string(built.size()) + " bytes)");
  }
  return false;
}

bool Evidence::ModuleBtfListed() {
  if (!module) return false;
  const ModuleRecord& seen = *record.module;
  if (!seen.btf_id_result) {
    return Fail(Verdict::kIncompleteEvidence, "the probe did not look for the module's BTF object");
  }
  if (*seen.btf_id_result != 0 && *seen.btf_id_result != -ENOENT) {
    return Fail(Verdict::kIncompleteEvidence, "the probe's walk of the kernel's BTF objects failed (" +
                                                  ErrnoName(*seen.btf_id_result) +
                                                  "), so whether the kernel registered the module's BTF is not known");
  }
  if (*seen.btf_id_result != 0) {
    return Fail(Verdict::kModuleBtfRejected,
                "the file matches, but the kernel lists no BTF object named " +
                    ModuleName(*module) + " (BPF_BTF_GET_NEXT_ID walk: " +
                    ErrnoName(*seen.btf_id_result) + ")");
  }
  return false;
}

bool Evidence::ModuleBtfWellFormed() {
  if (module && !module->problems.empty()) {
    return Fail(Verdict::kBadModuleBtf, "the kernel serves the module's BTF as built, but the .ko's .BTF is wrong: " +
                                            module->problems.front());
  }
  return false;
}

bool Evidence::QuietConsole() {
  if (!console_complaint.empty()) {
    return Fail(Verdict::kKernelComplained, "the bytes match, but the kernel complained before the probe finished: " +
                                                console_complaint.front());
  }
  return false;
}

bool Evidence::BuildIdsPresent() {
  if (guest_id.empty() || vmlinux.build_id.empty()) {
    return Fail(Verdict::kIncompleteEvidence,
                std::string("no build ID to compare: ") +
                    (guest_id.empty() ? "the guest's /sys/kernel/notes has none" : "the vmlinux has none") +
                    ", so the guest may not be running the vmlinux that was checked");
  }
  return false;
}

bool Evidence::NoProbeErrors() {
  if (!probe_errors.empty()) {
    return Fail(Verdict::kIncompleteEvidence, "the bytes match, but the probe reported an error: " +
                                                  Printable(probe_errors.front()));
  }
  return false;
}

}  // namespace

VerifyOutcome VerifyBtf(const Arch& arch, const VmlinuxInfo& vmlinux, const ProbeRecord& record,
                        std::span<const std::string> console_complaint, const std::filesystem::path& artifacts_dir,
                        const ModuleBtfInfo* module) {
  Evidence evidence(arch, vmlinux, record, console_complaint, artifacts_dir, module);
  VerifyOutcome& out = evidence.out;
  const std::vector<std::uint8_t>& want = evidence.want;
  const std::vector<std::uint8_t>& got = evidence.got;
  out.facts[FactKey::kSectionSize] = std::to_string(want.size());
  if (!record.version.empty()) out.diagnosis.push_back("guest: " + Printable(Trim(record.version)));
  for (const auto& line : evidence.probe_errors) out.diagnosis.push_back("probe: " + Printable(line));
  if (record.prog_load) {
    out.facts[FactKey::kKernelProgLoad] = ProgramTypeName(record.prog_load->kind) + " program: " +
                                          DescribeCall(*record.prog_load, false);
    const auto lines = LogLines(record.prog_load->log);
    if (record.prog_load->result != 0 && !lines.empty()) {
      out.diagnosis.push_back("the kernel's log of the program load:");
      for (const auto& line : lines) out.diagnosis.push_back("  " + line);
    }
  }
  if (record.btf_load) {
    out.facts[FactKey::kKernelBtfLoad] = DescribeCall(*record.btf_load, true);
    auto lines = LogLines(record.btf_load->log);
    if (record.btf_load->result != 0 && !lines.empty()) {
      out.diagnosis.push_back("the end of the kernel's log of BPF_BTF_LOAD:");
      if (lines.size() > 8) lines.erase(lines.begin(), lines.end() - 8);
      for (const auto& line : lines) out.diagnosis.push_back("  " + line);
    }
  }
  if (!console_complaint.empty()) {
    out.facts[FactKey::kComplaint] = console_complaint.front();
    out.diagnosis.push_back("the kernel complained on the console:");
    for (const auto& line : console_complaint) out.diagnosis.push_back("  " + line);
  }
  if (!artifacts_dir.empty()) {
    WriteFile(artifacts_dir / "vmlinux.btf", std::string_view(reinterpret_cast<const char*>(want.data()), want.size()));
    WriteFile(artifacts_dir / "guest.btf", std::string_view(reinterpret_cast<const char*>(got.data()), got.size()));
  }
  if (module && !artifacts_dir.empty()) {
    WriteFile(artifacts_dir / "module.btf",
              std::string_view(reinterpret_cast<const char*>(module->btf.data()), module->btf.size()));
    if (record.module && record.module->blob) {
      WriteFile(artifacts_dir / "guest-module.btf",
                std::string_view(reinterpret_cast<const char*>(record.module->blob->data()), record.module->blob->size()));
    }
  }
  for (auto check : kEvidenceChecks) {
    if ((evidence.*check)()) return std::move(out);
  }
  out.detail = std::to_string(want.size()) + " bytes identical; mode 0444; EOF at st_size; " +
               std::to_string(ProbeRanges(want.size()).size()) + " ranges of 1-byte reads agree; the kernel parses it (" +
               ProgramTypeName(record.prog_load->kind) + " program load, BPF_BTF_LOAD); build ID " + evidence.guest_id;
  if (module) {
    out.facts[FactKey::kModuleBtf] = ModuleBtfPath(*module) + ": " + std::to_string(module->btf.size()) +
                                     " bytes identical to the .ko's .BTF, mode 0444, kernel BTF id " +
                                     std::to_string(record.module->btf_id);
    out.detail += "; module " + out.facts[FactKey::kModuleBtf];
  }
  return std::move(out);
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
