#include "harness/verify/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "harness/core/util.h"
#include "tests/support/elf_writer.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Contains;

// ELF notes (namesz 4, descsz 4, type 3 "GNU", desc) in the given byte order.
std::vector<std::uint8_t> Notes(Endian e, std::vector<std::uint8_t> id) {
  std::vector<std::uint8_t> out;
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (e == Endian::kLittle ? 8 * i : 24 - 8 * i)));
  };
  u32(4);
  u32(static_cast<std::uint32_t>(id.size()));
  u32(3);
  for (char c : std::string("GNU\0", 4)) out.push_back(static_cast<std::uint8_t>(c));
  out.insert(out.end(), id.begin(), id.end());
  return out;
}

class VerifyBtfTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    arch_ = FindArch(GetParam());
    // A blob whose magic is in the target's order, then 5000 counting bytes.
    vmlinux_.is_elf = vmlinux_.has_btf = vmlinux_.btf_alloc = vmlinux_.btf_in_load = true;
    vmlinux_.btf = arch_->endian == Endian::kLittle ? std::vector<std::uint8_t>{0x9f, 0xeb} : std::vector<std::uint8_t>{0xeb, 0x9f};
    for (int i = 0; i < 5000; ++i) vmlinux_.btf.push_back(static_cast<std::uint8_t>(i * 7));
    vmlinux_.btf_size = vmlinux_.btf.size();
    vmlinux_.build_id = "01020304";
    record_.flags = kFlagProcMounted | kFlagSysfsMounted | kFlagDevtmpfsMounted | kFlagBtfDirIsDir |
                    kFlagVmlinuxExists | kFlagVmlinuxRegular;
    record_.mode = 0100444;
    record_.size = vmlinux_.btf.size();
    record_.blob = vmlinux_.btf;
    for (auto [offset, length] : ProbeRanges(vmlinux_.btf.size())) {
      record_.small_reads.push_back({offset, {vmlinux_.btf.begin() + offset, vmlinux_.btf.begin() + offset + length}});
    }
    record_.read_cap = vmlinux_.btf.size() + 4096;
    record_.eof_read = 0;
    record_.prog_load = BpfCall{.kind = 31, .result = 0, .log = "processed 2 insns (limit 1000000)\n"};
    record_.btf_load = BpfCall{};
    record_.notes = Notes(arch_->endian, {1, 2, 3, 4});
  }
  VerifyOutcome Verify() { return VerifyBtf(*arch_, vmlinux_, record_, complaint_, {}); }
  // The large reads stopped at the probe's cap (the section plus a page), flagged as a probe
  // without the read past the cap flags it, with the given st_size.
  void ReadToTheCap(std::uint64_t st_size) {
    record_.size = st_size;
    record_.blob.resize(vmlinux_.btf.size() + 4096, 0x5a);
    record_.read_cap = vmlinux_.btf.size() + 4096;
    record_.flags |= kFlagReadCapped;
  }

  const Arch* arch_ = nullptr;
  VmlinuxInfo vmlinux_;
  ProbeRecord record_;
  std::vector<std::string> complaint_;
};

TEST_P(VerifyBtfTest, IdenticalBytesPass) {
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kPass) << out.detail;
  EXPECT_EQ(out.facts[FactKey::kGuestBuildId], "01020304");
}

TEST_P(VerifyBtfTest, OneFlippedByteIsContentMismatchAtItsOffset) {
  record_.blob[4096] ^= 0x40;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(out.facts[FactKey::kOffset], "4096");
  EXPECT_EQ(out.facts[FactKey::kDifferingBytes], "1");
  EXPECT_EQ(out.detail, "first difference at offset 4096 (0x1000), 1 byte differs");
}

// Given a BTF header (24 bytes, types at 0..2000, strings at 2000..4976 after it), a mismatch's
// offset class (what its failure signature compares) follows the header, not the offset.
TEST_P(VerifyBtfTest, AMismatchIsClassedByThePartOfTheSectionItIsIn) {
  vmlinux_.header = BtfHeader{.magic = 0xEB9F, .version = 1, .hdr_len = 24, .type_off = 0, .type_len = 2000,
                              .str_off = 2000, .str_len = 2976};
  for (const auto& [offset, expected] : std::vector<std::pair<std::size_t, std::string>>{
           {10, "header"}, {24, "type section"}, {2023, "type section"}, {2024, "string section"},
           {5000, "outside the sections"}}) {
    record_.blob = vmlinux_.btf;
    record_.blob[offset] ^= 0x40;
    VerifyOutcome out = Verify();
    EXPECT_EQ(out.verdict, Verdict::kContentMismatch) << offset;
    EXPECT_EQ(out.facts[FactKey::kOffsetClass], expected) << offset;
  }
}

TEST_P(VerifyBtfTest, ShortGuestFileIsSizeMismatch) {
  record_.size = vmlinux_.btf.size() - 1;
  record_.blob.pop_back();
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kSizeMismatch);
  EXPECT_EQ(out.detail, "guest st_size 5001, section size 5002, 5001 bytes readable");
}

TEST_P(VerifyBtfTest, UnreadableTailIsSizeMismatch) {
  record_.blob.resize(4096);
  record_.flags |= kFlagReadError;
  EXPECT_EQ(Verify().verdict, Verdict::kSizeMismatch);
}

TEST_P(VerifyBtfTest, DataPastStSizeIsSizeMismatch) {
  record_.eof_read = 17;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kSizeMismatch);
  EXPECT_NE(out.detail.find("returned 17 instead of end of file"), std::string::npos);
}

TEST_P(VerifyBtfTest, MissingFileNamesTheSectionSize) {
  record_.flags &= ~(kFlagVmlinuxExists | kFlagVmlinuxRegular | kFlagBtfDirIsDir);
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kBtfFileMissing);
  EXPECT_EQ(out.detail, "/sys/kernel/btf/vmlinux does not exist in the guest (no /sys/kernel/btf directory); "
                        "the ELF has a .BTF section of 5002 bytes");
}

TEST_P(VerifyBtfTest, ReadOnlyForRootIsWrongPermissionsInOctal) {
  record_.mode = 0100400;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kWrongPermissions);
  EXPECT_EQ(out.detail.rfind("/sys/kernel/btf/vmlinux has mode 0400, not 0444", 0), 0u) << out.detail;
  record_.mode = 0100644;  // writable is as wrong as unreadable
  EXPECT_EQ(Verify().verdict, Verdict::kWrongPermissions);
}

TEST_P(VerifyBtfTest, NotARegularFileIsBtfFileMissing) {
  record_.flags &= ~kFlagVmlinuxRegular;
  record_.mode = 040555;
  EXPECT_EQ(Verify().verdict, Verdict::kBtfFileMissing);
}

// Given an export with no bound (st_size 0, reads stopped only by the probe's cap), it should be
// named as such, not as a size mismatch or a panic.
TEST_P(VerifyBtfTest, ReadsStoppedByTheCapAreUnboundedExport) {
  record_.size = 0;
  record_.blob.resize(vmlinux_.btf.size() + 4096, 0x5a);
  record_.flags |= kFlagReadCapped;
  record_.eof_read = 16;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kUnboundedExport);
  EXPECT_NE(out.detail.find("without end of file"), std::string::npos) << out.detail;
}

TEST_P(VerifyBtfTest, ReadsPastStSizeAreUnboundedExport) {
  record_.size = 100;
  EXPECT_EQ(Verify().verdict, Verdict::kUnboundedExport);
}

// One byte more in st_size and in the reads (bounded, just wrong) stays a size mismatch.
TEST_P(VerifyBtfTest, OneByteTooLargeIsSizeMismatch) {
  record_.size = vmlinux_.btf.size() + 1;
  record_.blob.push_back(0);
  EXPECT_EQ(Verify().verdict, Verdict::kSizeMismatch);
}

// Given a file exactly one page longer than the section, with an end (st_size says so, the read
// at st_size is EOF), as a probe without the read past its cap recorded it (the reads stopped at
// the cap, flagged capped), it should be a size mismatch naming both sizes, not unbounded export.
TEST_P(VerifyBtfTest, OnePageLongerFileWithAnEndIsSizeMismatchNotUnbounded) {
  const std::size_t section = vmlinux_.btf.size();
  ReadToTheCap(section + 4096);
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kSizeMismatch) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("st_size " + std::to_string(section + 4096)));
  EXPECT_THAT(out.detail, HasSubstr("section size " + std::to_string(section)));
  // As the probe records it now: its read past the cap found end of file, so no cap flag.
  record_.flags &= ~kFlagReadCapped;
  record_.past_cap = 0;
  out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kSizeMismatch) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("st_size " + std::to_string(section + 4096)));
}

// Given reads that went on past the cap (the probe's read past it returned more bytes), it stays
// unbounded export, even when st_size claims an end at the cap and a read there says EOF.
TEST_P(VerifyBtfTest, ReadsThatRunPastTheCapAreUnboundedExport) {
  const std::size_t section = vmlinux_.btf.size();
  ReadToTheCap(section + 4096);
  record_.past_cap = 1;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kUnboundedExport) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("without end of file"));
  // A file whose st_size is the section's, read past the cap: no end where st_size says.
  record_.size = section;
  EXPECT_EQ(Verify().verdict, Verdict::kUnboundedExport);
}

TEST_P(VerifyBtfTest, NotAllocSectionIsBadVmlinuxWithWhatTheGuestServed) {
  vmlinux_.problems = {".BTF is not SHF_ALLOC (flags 0x0): the kernel cannot map it"};
  vmlinux_.btf_alloc = false;
  vmlinux_.btf_in_load = true;
  record_.blob.assign(record_.blob.size(), 0);
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kBadVmlinux);
  EXPECT_EQ(out.detail, vmlinux_.problems.front());
  ASSERT_FALSE(out.diagnosis.empty());
  EXPECT_EQ(out.diagnosis.front(), "the guest served 5002 bytes (st_size 5002), not the section's bytes");
  record_.flags &= ~(kFlagVmlinuxExists | kFlagVmlinuxRegular);
  out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kBadVmlinux);
  EXPECT_EQ(out.diagnosis.front(), "the guest served no /sys/kernel/btf/vmlinux");
}

// Other inspector findings do not hide what the guest did, but they never let a cell pass.
TEST_P(VerifyBtfTest, MalformedButServedSectionIsNeverAPass) {
  vmlinux_.problems = {"__stop_BTF - __start_BTF = 5003, the section is 5002 bytes"};
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kBadVmlinux);
  EXPECT_NE(out.detail.find("malformed: __stop_BTF"), std::string::npos) << out.detail;
  record_.size = 5003;
  record_.blob.push_back(0);
  EXPECT_EQ(Verify().verdict, Verdict::kSizeMismatch);
}

// ---- Evidence rules: a record missing exactly one piece of evidence is never a PASS. ----

TEST_P(VerifyBtfTest, MissingGuestBuildIdIsIncompleteEvidence) {
  record_.notes.clear();
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence);
  EXPECT_NE(out.detail.find("/sys/kernel/notes has none"), std::string::npos);
}

TEST_P(VerifyBtfTest, MissingVmlinuxBuildIdIsIncompleteEvidence) {
  vmlinux_.build_id.clear();
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
}

TEST_P(VerifyBtfTest, MissingModeIsIncompleteEvidence) {
  record_.mode.reset();
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
}

TEST_P(VerifyBtfTest, MissingStSizeIsIncompleteEvidence) {
  record_.size.reset();
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence);
  EXPECT_NE(out.detail.find("st_size"), std::string::npos);
}

TEST_P(VerifyBtfTest, MissingEofReadIsIncompleteEvidence) {
  record_.eof_read.reset();
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
}

TEST_P(VerifyBtfTest, EachMissingRangeOfSmallReadsIsIncompleteEvidence) {
  const auto all = record_.small_reads;
  ASSERT_EQ(all.size(), 5u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    record_.small_reads = all;
    record_.small_reads.erase(record_.small_reads.begin() + static_cast<std::ptrdiff_t>(i));
    VerifyOutcome out = Verify();
    EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence) << "range " << i;
    EXPECT_NE(out.detail.find("missing"), std::string::npos) << out.detail;
  }
}

TEST_P(VerifyBtfTest, ShortRangeOfSmallReadsIsIncompleteEvidence) {
  record_.small_reads[2].bytes.pop_back();
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence);
  EXPECT_NE(out.detail.find("cut short at 31"), std::string::npos) << out.detail;
}

TEST_P(VerifyBtfTest, ProbeErrorIsIncompleteEvidence) {
  record_.errors = "read /sys/kernel/notes: Input/output error\n";
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence);
  EXPECT_NE(out.detail.find("Input/output error"), std::string::npos);
}

TEST_P(VerifyBtfTest, ConsoleComplaintIsKernelComplainedEvenWhenBytesMatch) {
  complaint_ = {"WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:20 btf_vmlinux_read+0x1/0x2", "Call Trace:"};
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kKernelComplained);
  EXPECT_NE(out.detail.find("WARNING: CPU: 0"), std::string::npos);
  EXPECT_NE(std::find(out.diagnosis.begin(), out.diagnosis.end(), "  Call Trace:"), out.diagnosis.end());
  // The first line, whole, for the failure signature (results/signature.h) to normalise.
  EXPECT_EQ(out.facts[FactKey::kComplaint], complaint_.front());
}

// A complaint does not hide a more precise verdict about the bytes; it is in the diagnosis.
TEST_P(VerifyBtfTest, ContentMismatchOutranksAComplaint) {
  complaint_ = {"BPF: Invalid magic"};
  record_.blob[100] ^= 1;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_NE(std::find(out.diagnosis.begin(), out.diagnosis.end(), "  BPF: Invalid magic"), out.diagnosis.end());
}

TEST_P(VerifyBtfTest, SwappedMagicIsWrongByteOrder) {
  std::swap(record_.blob[0], record_.blob[1]);
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kWrongByteOrder);
  EXPECT_NE(out.detail.find(EndianName(arch_->endian)), std::string::npos);
}

TEST_P(VerifyBtfTest, OtherBuildIdIsStaleImage) {
  record_.notes = Notes(arch_->endian, {9, 9, 9, 9});
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kStaleImage);
  EXPECT_NE(out.detail.find("09090909"), std::string::npos);
}

TEST_P(VerifyBtfTest, SmallReadsThatDisagreeAreContentMismatch) {
  record_.small_reads[0].bytes[10] ^= 1;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(out.facts[FactKey::kOffset], "10");
}

// Not only the header: a 1-byte read that disagrees in the last range is caught too.
TEST_P(VerifyBtfTest, SmallReadsThatDisagreeAtTheEndAreContentMismatch) {
  record_.small_reads.back().bytes[31] ^= 1;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(out.facts[FactKey::kOffset], std::to_string(vmlinux_.btf.size() - 1));
}

// Given real BTF in the arch's byte order whose member offset differs in the guest's copy,
// btf-diff.txt (and the diagnosis) should name the type and member before the hex dump.
TEST_P(VerifyBtfTest, ContentMismatchOfRealBtfNamesTheTypeThatDiffers) {
  auto btf = [&](std::uint32_t pid_offset) {
    BtfBuilder b(arch_->endian);
    const auto int_id = b.Int("int", 4);
    b.Struct("task_struct", 16, {{"state", int_id, 0}, {"pid", int_id, pid_offset}});
    return b.Blob();
  };
  vmlinux_.btf = btf(2240);
  record_.blob = btf(2248);
  record_.size = vmlinux_.btf.size();
  record_.read_cap = vmlinux_.btf.size() + 4096;
  const testing::TempDir dir("verify-btf-diff");
  VerifyOutcome out = VerifyBtf(*arch_, vmlinux_, record_, complaint_, dir);
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  const std::string diff = ReadFile(dir / "btf-diff.txt");
  EXPECT_TRUE(diff.starts_with(out.detail + "\ntypes, vmlinux .BTF vs guest:\n"
                               "  type 2 STRUCT task_struct: member 'pid' offset 2240 vs 2248\n"
                               "  1 of 2 types in both differ\nvmlinux .BTF:\n"))
      << diff;
  EXPECT_NE(std::find(out.diagnosis.begin(), out.diagnosis.end(),
                      "  type 2 STRUCT task_struct: member 'pid' offset 2240 vs 2248"),
            out.diagnosis.end());
}

// Both byte orders, both ELF classes: two big-endian families, a 32-bit target.
// The kernel's own verdict (issue 26). Given a kernel whose program load says its BTF is
// malformed, with the parser's reason on the console, the bytes matching should not pass: the
// verdict is the kernel's, quoting both.
TEST_P(VerifyBtfTest, ProgramLoadThatFindsTheBtfMalformedIsKernelRejectsBtf) {
  record_.prog_load = BpfCall{.kind = 31, .result = -22, .log = "in-kernel BTF is malformed\nprocessed 0 insns\n"};
  complaint_ = {"[    0.912345] BPF: [1708] ENUM netns_bpf_attach_type ", "[    0.912346] BPF: size=4 vlen=4",
                "[    0.912347] BPF:  ", "[    0.912348] BPF: Invalid btf_info kind_flag", "[    0.912349] BPF: ",
                "[    0.912350] virtio_blk virtio0: 1/0/0 default/read/poll queues", "BPF: not this one"};
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kKernelRejectsBtf);
  EXPECT_THAT(out.detail, HasSubstr("loading a SYSCALL program failed with -EINVAL: in-kernel BTF is malformed"));
  EXPECT_THAT(out.detail, ::testing::EndsWith("; on the console: BPF: [1708] ENUM netns_bpf_attach_type size=4 vlen=4 "
                                              "Invalid btf_info kind_flag"));
  EXPECT_EQ(out.facts[FactKey::kKernelProgLoad], "SYSCALL program: -EINVAL: in-kernel BTF is malformed");
}

// Given the exported bytes refused by BPF_BTF_LOAD, it should quote where the parser stopped
// (the end of its log), even when the program load succeeded.
TEST_P(VerifyBtfTest, BtfLoadRefusedIsKernelRejectsBtfQuotingTheLogsEnd) {
  record_.btf_load = BpfCall{.kind = 1, .result = -22, .log = "magic: 0xeb9f\nversion: 1\n[1] INT int\n[1234] ENUM64 (anon) Invalid kind\n\n"};
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kKernelRejectsBtf);
  EXPECT_THAT(out.detail, HasSubstr("BPF_BTF_LOAD of /sys/kernel/btf/vmlinux failed with -EINVAL: [1234] ENUM64 (anon) Invalid kind"));
  EXPECT_EQ(out.facts[FactKey::kKernelBtfLoad], "-EINVAL: [1234] ENUM64 (anon) Invalid kind");
  EXPECT_THAT(out.diagnosis, Contains("  [1234] ENUM64 (anon) Invalid kind"));
}

// Given no record of either call, or a program load that never reached the verifier (no program
// type offered), there is no verdict from the kernel: incomplete evidence, never a pass.
TEST_P(VerifyBtfTest, MissingKernelVerdictIsIncompleteEvidence) {
  record_.prog_load.reset();
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
  EXPECT_THAT(Verify().detail, HasSubstr("no BPF program load"));
  SetUp();
  record_.btf_load.reset();
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
  EXPECT_THAT(Verify().detail, HasSubstr("no BPF_BTF_LOAD"));
  SetUp();
  record_.prog_load = BpfCall{.kind = 1, .result = -22, .log = ""};
  EXPECT_EQ(Verify().verdict, Verdict::kIncompleteEvidence);
  EXPECT_THAT(Verify().detail, HasSubstr("(SOCKET_FILTER, -EINVAL, nothing logged)"));
}

// Given a result no errno has (the record is the guest's word), it should be shown as a number.
TEST_P(VerifyBtfTest, ResultThatIsNoErrnoIsShownAsANumber) {
  record_.btf_load = BpfCall{.kind = 0, .result = INT32_MIN, .log = ""};
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kKernelRejectsBtf);
  EXPECT_THAT(out.detail, HasSubstr("failed with -2147483648, nothing logged"));
}

// The bytes are checked first: a mismatch is named as such even if the kernel also refused them.
TEST_P(VerifyBtfTest, ContentMismatchComesBeforeTheKernelsVerdict) {
  record_.blob[100] ^= 1;
  record_.btf_load = BpfCall{.kind = 1, .result = -22, .log = "[1] Invalid kind\n"};
  EXPECT_EQ(Verify().verdict, Verdict::kContentMismatch);
}

TEST_P(VerifyBtfTest, PassSaysTheKernelParsesIt) {
  VerifyOutcome out = Verify();
  ASSERT_EQ(out.verdict, Verdict::kPass) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("the kernel parses it (SYSCALL program load, BPF_BTF_LOAD)"));
  EXPECT_EQ(out.facts[FactKey::kKernelBtfLoad], "ok");
}

// The test module: a .ko whose .BTF is split BTF made at test time in the arch's byte order,
// and a record of the guest that loaded it and served those bytes.
class VerifyModuleBtfTest : public VerifyBtfTest {
 protected:
  void SetUp() override {
    VerifyBtfTest::SetUp();
    module_.path = "/build/harness-btfmod/btfmod.ko";
    module_.is_elf = module_.has_btf = true;
    module_.btf = MakeModuleBtfBlob(arch_->endian, 4);
    record_.module = ModuleRecord{.load = 0, .mode = 0100444, .size = module_.btf.size(), .blob = module_.btf,
                                  .btf_id_result = 0, .btf_id = 5};
  }
  VerifyOutcome VerifyModule() { return VerifyBtf(*arch_, vmlinux_, record_, complaint_, {}, &module_); }

  ModuleBtfInfo module_;
};

TEST_P(VerifyModuleBtfTest, ServedAsBuiltPassesAndSaysSo) {
  VerifyOutcome out = VerifyModule();
  ASSERT_EQ(out.verdict, Verdict::kPass) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("module /sys/kernel/btf/btfmod: " + std::to_string(module_.btf.size()) +
                                    " bytes identical to the .ko's .BTF, mode 0444, kernel BTF id 5"));
  EXPECT_THAT(out.facts[FactKey::kModuleBtf], HasSubstr("bytes identical"));
}

TEST_P(VerifyModuleBtfTest, NoFileIsModuleBtfMissing) {
  record_.module->mode.reset();
  record_.module->size.reset();
  record_.module->blob.reset();
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfMissing) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("/sys/kernel/btf/btfmod does not exist"));
}

TEST_P(VerifyModuleBtfTest, OneFlippedByteIsModuleBtfMismatchAtItsOffset) {
  (*record_.module->blob)[30] ^= 0xff;
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfMismatch) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("at offset 30"));
}

TEST_P(VerifyModuleBtfTest, OtherSizeIsModuleBtfMismatch) {
  record_.module->size = module_.btf.size() + 1;
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfMismatch) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("st_size " + std::to_string(module_.btf.size() + 1)));
}

TEST_P(VerifyModuleBtfTest, WritableFileIsModuleBtfMismatch) {
  record_.module->mode = 0100644;
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfMismatch) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("mode 0100644"));
}

// The kernel's words when it refuses the module's BTF at load, from the console.
TEST_P(VerifyModuleBtfTest, LoadRefusedWithBpfLinesIsModuleBtfRejectedInTheKernelsWords) {
  record_.module = ModuleRecord{.load = -22};
  complaint_ = {"[    1.234567] BPF: [9] STRUCT btfmod_state", "[    1.234568] BPF: Invalid name",
                "[    1.234569] failed to validate module [btfmod] BTF: -22"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfRejected) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("finit_module failed with -EINVAL; on the console: BPF: [9] STRUCT btfmod_state Invalid name"));
}

TEST_P(VerifyModuleBtfTest, LoadRefusedWithOnlyTheValidateLineIsModuleBtfRejected) {
  record_.module = ModuleRecord{.load = -22};
  complaint_ = {"[    1.0] failed to validate module [btfmod] BTF: -22"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfRejected) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("failed to validate module [btfmod] BTF: -22"));
}

// BPF: lines without the module's validate line are not the module's: a failed load with a
// complaining kernel is that complaint, not a BTF refusal.
TEST_P(VerifyModuleBtfTest, LoadFailedWithOtherComplaintIsKernelComplained) {
  record_.module = ModuleRecord{.load = -8};
  complaint_ = {"[    1.0] BPF: something else"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kKernelComplained) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("finit_module failed with -ENOEXEC) and the kernel complained"));
}

// A kernel with CONFIG_MODULE_ALLOW_BTF_MISMATCH loads the module without its BTF, saying so.
TEST_P(VerifyModuleBtfTest, LoadedWithItsBtfRefusedIsModuleBtfRejected) {
  record_.module->mode.reset();
  record_.module->size.reset();
  record_.module->blob.reset();
  complaint_ = {"[    1.0] BPF: Invalid name", "[    1.1] failed to validate module [btfmod] BTF: -22"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfRejected) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("loaded, but the kernel refused its BTF; on the console: BPF: Invalid name"));
}

// A walk that failed (not "no such name") is no verdict of the kernel's on the module.
TEST_P(VerifyModuleBtfTest, FailedBtfIdWalkIsIncompleteEvidence) {
  record_.module->btf_id_result = -1;
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("walk of the kernel's BTF objects failed (-EPERM)"));
}

// A .ko whose .BTF the host could not read is the build's problem, never a kernel mismatch.
TEST_P(VerifyModuleBtfTest, KoWhoseBtfCouldNotBeReadIsBadModuleBtf) {
  module_.btf.clear();
  module_.problems = {".BTF: section extends past the end of the file"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kBadModuleBtf) << out.detail;
}

// A load that failed for another reason says nothing about the BTF: not a pass, not a BTF verdict.
TEST_P(VerifyModuleBtfTest, LoadFailedWithoutBtfBlameIsIncompleteEvidence) {
  record_.module = ModuleRecord{.load = -8};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("did not load (finit_module failed with -ENOEXEC"));
}

TEST_P(VerifyModuleBtfTest, NoBtfObjectOfItsNameIsModuleBtfRejected) {
  record_.module->btf_id_result = -2;
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kModuleBtfRejected) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("lists no BTF object named btfmod (BPF_BTF_GET_NEXT_ID walk: -ENOENT)"));
}

// A module was built and carried, but the record says nothing of it: never a pass.
TEST_P(VerifyModuleBtfTest, NoModuleInTheRecordIsIncompleteEvidence) {
  record_.module.reset();
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kIncompleteEvidence) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("recorded no attempt to load it"));
}

TEST_P(VerifyModuleBtfTest, NoLookupRecordedIsIncompleteEvidence) {
  record_.module->btf_id_result.reset();
  EXPECT_EQ(VerifyModule().verdict, Verdict::kIncompleteEvidence);
}

TEST_P(VerifyModuleBtfTest, KoWithoutBtfIsBadModuleBtf) {
  module_.has_btf = false;
  module_.btf.clear();
  module_.problems = {"the module has no .BTF section"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kBadModuleBtf) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("no .BTF section"));
}

// The kernel served the .ko's bytes and listed them, but they do not read right on this vmlinux.
TEST_P(VerifyModuleBtfTest, InspectorFindingAboutTheKoIsBadModuleBtfOnceTheKernelAgreed) {
  module_.problems = {"struct btfmod_state's member 'node' has the type 'task_struct'"};
  VerifyOutcome out = VerifyModule();
  EXPECT_EQ(out.verdict, Verdict::kBadModuleBtf) << out.detail;
  EXPECT_THAT(out.detail, HasSubstr("task_struct"));
}

// The vmlinux's own verdicts come first: a module check never hides a vmlinux mismatch.
TEST_P(VerifyModuleBtfTest, VmlinuxMismatchOutranksTheModule) {
  record_.blob[100] ^= 1;
  record_.module->btf_id_result = -2;
  EXPECT_EQ(VerifyModule().verdict, Verdict::kContentMismatch);
}

// No module built (a 5.10 kernel): a module in the record is not looked at.
TEST_P(VerifyModuleBtfTest, NoModuleBuiltIgnoresTheRecord) {
  record_.module->btf_id_result = -2;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kPass) << out.detail;
  EXPECT_FALSE(out.facts.contains(FactKey::kModuleBtf));
}

INSTANTIATE_TEST_SUITE_P(EveryArch, VerifyModuleBtfTest,
                         ::testing::Values("x86_64", "arm64", "s390x", "riscv64", "ppc64", "i386"));

INSTANTIATE_TEST_SUITE_P(EveryArch, VerifyBtfTest,
                         ::testing::Values("x86_64", "arm64", "s390x", "riscv64", "ppc64", "i386"));

}  // namespace
}  // namespace harness
