#include "harness/verify/verify.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

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
    vmlinux_.is_elf = vmlinux_.has_btf = true;
    vmlinux_.btf = arch_->endian == Endian::kLittle ? std::vector<std::uint8_t>{0x9f, 0xeb} : std::vector<std::uint8_t>{0xeb, 0x9f};
    for (int i = 0; i < 5000; ++i) vmlinux_.btf.push_back(static_cast<std::uint8_t>(i * 7));
    vmlinux_.btf_size = vmlinux_.btf.size();
    vmlinux_.build_id = "01020304";
    record_.flags = kFlagProcMounted | kFlagSysfsMounted | kFlagDevtmpfsMounted | kFlagBtfDirIsDir |
                    kFlagVmlinuxExists | kFlagVmlinuxRegular;
    record_.mode = 0100444;
    record_.size = vmlinux_.btf.size();
    record_.blob = vmlinux_.btf;
    record_.small_reads.assign(vmlinux_.btf.begin(), vmlinux_.btf.begin() + 64);
    record_.eof_read = 0;
    record_.notes = Notes(arch_->endian, {1, 2, 3, 4});
  }
  VerifyOutcome Verify() { return VerifyBtf(*arch_, vmlinux_, record_, {}); }

  const Arch* arch_ = nullptr;
  VmlinuxInfo vmlinux_;
  ProbeRecord record_;
};

TEST_P(VerifyBtfTest, IdenticalBytesPass) {
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kPass) << out.detail;
  EXPECT_EQ(out.facts["guest_build_id"], "01020304");
}

TEST_P(VerifyBtfTest, OneFlippedByteIsContentMismatchAtItsOffset) {
  record_.blob[4096] ^= 0x40;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(out.facts["offset"], "4096");
  EXPECT_EQ(out.facts["differing_bytes"], "1");
  EXPECT_EQ(out.detail, "first difference at offset 4096 (0x1000), 1 bytes differ");
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

TEST_P(VerifyBtfTest, WrongModeIsNotAPass) {
  record_.mode = 0100644;
  EXPECT_EQ(Verify().verdict, Verdict::kBtfFileMissing);
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
  record_.small_reads[10] ^= 1;
  VerifyOutcome out = Verify();
  EXPECT_EQ(out.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(out.facts["offset"], "10");
}

INSTANTIATE_TEST_SUITE_P(LittleAndBigEndian, VerifyBtfTest, ::testing::Values("x86_64", "s390x"));

}  // namespace
}  // namespace harness
