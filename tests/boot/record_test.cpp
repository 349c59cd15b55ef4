#include "harness/boot/record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/support/record_writer.h"

namespace harness {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ProbeRecord SampleRecord() {
  ProbeRecord r;
  r.flags = kFlagProcMounted | kFlagSysfsMounted | kFlagDevtmpfsMounted | kFlagBtfDirIsDir |
            kFlagVmlinuxExists | kFlagVmlinuxRegular;
  r.mode = 0100444;
  r.size = 10;
  r.blob = {0x9f, 0xeb, 1, 0, 0x18, 0, 0, 0, 0, 0};
  r.small_reads = {{0, {0x9f, 0xeb, 1, 0}}, {6, {0, 0}}};
  r.read_cap = 10 + 4096;
  r.past_cap = 0;
  r.eof_read = 0;
  r.prog_load = BpfCall{.kind = 31, .result = 0, .log = "processed 2 insns (limit 1000000)\n"};
  r.btf_load = BpfCall{.kind = 1, .result = -22, .log = "[1234] ENUM64 Invalid kind\n"};
  r.version = "Linux version 6.1.0 (gcc 12.2.0)\n";
  r.notes = {4, 0, 0, 0, 'G', 'N', 'U', 0};
  r.errors = "";
  return r;
}

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Builds a record by hand: magic, the given raw TLV bytes, and a valid end TLV.
std::vector<std::uint8_t> Framed(const std::vector<std::uint8_t>& tlvs) {
  std::vector<std::uint8_t> out = {'H', 'B', 'T', 'F', 'R', 'E', 'C', '1'};
  out.insert(out.end(), tlvs.begin(), tlvs.end());
  const std::uint32_t crc = Crc32(out.data(), out.size());
  PutU32(out, kTagEnd);
  PutU32(out, 4);
  PutU32(out, crc);
  return out;
}

std::vector<std::uint8_t> Tlv(std::uint32_t tag, std::vector<std::uint8_t> value) {
  std::vector<std::uint8_t> out;
  PutU32(out, tag);
  PutU32(out, static_cast<std::uint32_t>(value.size()));
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

std::vector<std::uint8_t> Concat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(Crc32, MatchesKnownVectors) {
  const char* check = "123456789";
  EXPECT_EQ(Crc32(reinterpret_cast<const std::uint8_t*>(check), 9), 0xcbf43926u);
  EXPECT_EQ(Crc32(nullptr, 0), 0u);
  const char* fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(Crc32(reinterpret_cast<const std::uint8_t*>(fox), std::strlen(fox)), 0x414fa339u);
}

TEST(DecodeRecord, RoundTrips) {
  const ProbeRecord in = SampleRecord();
  auto disk = EncodeRecord(in);
  auto result = DecodeRecord(disk);
  ASSERT_TRUE(result.record) << result.error;
  const ProbeRecord& out = *result.record;
  EXPECT_EQ(out.flags, in.flags);
  EXPECT_EQ(out.mode, in.mode);
  EXPECT_EQ(out.size, in.size);
  EXPECT_EQ(out.blob, in.blob);
  EXPECT_EQ(out.small_reads, in.small_reads);
  EXPECT_EQ(out.read_cap, in.read_cap);
  EXPECT_EQ(out.past_cap, in.past_cap);
  EXPECT_EQ(out.eof_read, in.eof_read);
  EXPECT_EQ(out.prog_load, in.prog_load);
  EXPECT_EQ(out.btf_load, in.btf_load);  // a negative result survives the u32 on the disk
  EXPECT_EQ(out.version, in.version);
  EXPECT_EQ(out.notes, in.notes);
  EXPECT_EQ(out.errors, in.errors);
}

// Given a record without the bpf(2) calls (an older probe, or one that stopped before them),
// they should be absent, not a zero result that reads as success.
TEST(DecodeRecord, MissingBpfCallsAreAbsent) {
  ProbeRecord in = SampleRecord();
  in.prog_load.reset();
  in.btf_load.reset();
  auto result = DecodeRecord(EncodeRecord(in));
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_FALSE(result.record->prog_load);
  EXPECT_FALSE(result.record->btf_load);
}

// Given the test module's fields, they should come back as written, a refused load's negative
// result and an absent file both intact.
TEST(DecodeRecord, ModuleFieldsRoundTrip) {
  ProbeRecord in = SampleRecord();
  in.module = ModuleRecord{.load = 0, .mode = 0100444, .size = 3, .blob = std::vector<std::uint8_t>{0x9f, 0xeb, 1},
                           .btf_id_result = 0, .btf_id = 7};
  auto result = DecodeRecord(EncodeRecord(in));
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_EQ(result.record->module, in.module);

  in.module = ModuleRecord{.load = -22};  // refused: no file, no blob, no lookup
  result = DecodeRecord(EncodeRecord(in));
  ASSERT_TRUE(result.record) << result.error;
  ASSERT_TRUE(result.record->module);
  EXPECT_EQ(result.record->module->load, -22);
  EXPECT_FALSE(result.record->module->mode);
  EXPECT_FALSE(result.record->module->blob);
  EXPECT_FALSE(result.record->module->btf_id_result);

  in.module = ModuleRecord{.load = 0, .blob = std::vector<std::uint8_t>{}};  // read, but empty
  result = DecodeRecord(EncodeRecord(in));
  ASSERT_TRUE(result.record && result.record->module) << result.error;
  ASSERT_TRUE(result.record->module->blob);
  EXPECT_TRUE(result.record->module->blob->empty());
}

// Given a record with no module (none in the initramfs, or a probe older than module BTF), it
// should have none, not a zero load result that reads as success.
TEST(DecodeRecord, NoModuleFieldsIsNoModule) {
  auto result = DecodeRecord(EncodeRecord(SampleRecord()));
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_FALSE(result.record->module);
}

// Given module fields without the load result, or a stat field of the wrong length, it should
// refuse the record by name.
TEST(DecodeRecord, ModuleFieldsMalformed) {
  EXPECT_THAT(DecodeRecord(Framed(Tlv(kTagModuleBlob, {1, 2}))).error, HasSubstr("without the module-load field"));
  EXPECT_THAT(DecodeRecord(Framed(Concat({Tlv(kTagModuleLoad, {0, 0, 0, 0}), Tlv(kTagModuleStat, {0x24, 1, 0, 0})})))
                  .error,
              HasSubstr("module-stat field (tag 16)"));
  EXPECT_THAT(DecodeRecord(Framed(Tlv(kTagModuleLoad, {0}))).error, HasSubstr("module-load field (tag 15)"));
}

// Given a bpf call field too short for its type and result, it should name the field.
TEST(DecodeRecord, ShortBpfCallIsMalformed) {
  auto result = DecodeRecord(Framed(Tlv(kTagProgLoad, {31, 0, 0, 0, 0, 0})));
  EXPECT_FALSE(result.record);
  EXPECT_THAT(result.error, HasSubstr("prog-load field (tag 13)"));
  EXPECT_THAT(DecodeRecord(Framed(Tlv(kTagBtfLoad, {}))).error, HasSubstr("btf-load field"));
}

// Given a ranges field whose last entry claims more bytes than it holds, it should name the field.
TEST(DecodeRecord, RangeEntryPastItsFieldIsMalformed) {
  std::vector<std::uint8_t> entry = {0, 0, 0, 0, 0, 0, 0, 0, /*count*/ 5, 0, 0, 0, 0x9f, 0xeb};
  auto result = DecodeRecord(Framed(Tlv(kTagRanges, entry)));
  EXPECT_FALSE(result.record);
  EXPECT_THAT(result.error, HasSubstr("ranges field"));
  entry.resize(7);  // not even a whole offset and count
  EXPECT_THAT(DecodeRecord(Framed(Tlv(kTagRanges, entry))).error, HasSubstr("partial entry"));
}

// The retired first-64-bytes field of older probes must not count as the ranges.
TEST(DecodeRecord, RetiredSmallReadsFieldIsIgnored) {
  auto result = DecodeRecord(Framed(Tlv(kTagSmallReads, {0x9f, 0xeb})));
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_TRUE(result.record->small_reads.empty());
}

TEST(ProbeRanges, CoverTheHeaderAndSpreadOverTheFile) {
  EXPECT_TRUE(ProbeRanges(0).empty());
  using R = std::vector<std::pair<std::uint64_t, std::uint32_t>>;
  EXPECT_EQ(ProbeRanges(10), (R{{0, 10}}));
  EXPECT_EQ(ProbeRanges(96), (R{{0, 64}}));
  EXPECT_EQ(ProbeRanges(1000), (R{{0, 64}, {250, 32}, {500, 32}, {750, 32}, {968, 32}}));
  for (auto [offset, length] : ProbeRanges(1212677)) EXPECT_LE(offset + length, 1212677u);
}

TEST(DecodeRecord, RoundTripsNegativeEofReadAndMissingOptionals) {
  ProbeRecord in;
  in.flags = kFlagReadError;
  in.eof_read = -1;
  in.errors = "lstat /sys/kernel/btf/vmlinux: No such file or directory\n";
  auto result = DecodeRecord(EncodeRecord(in));
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_EQ(result.record->eof_read, -1);
  EXPECT_FALSE(result.record->mode);
  EXPECT_FALSE(result.record->size);
  EXPECT_EQ(result.record->errors, in.errors);
}

// Given an 8-byte size field, it should be read little-endian whatever the host's order.
TEST(DecodeRecord, IntegersAreLittleEndian) {
  auto disk = Framed(Concat({Tlv(kTagSize, {0x05, 0x81, 0x12, 0, 0, 0, 0, 0}),
                             Tlv(kTagMode, {0x24, 0x81, 0, 0})}));
  auto result = DecodeRecord(disk);
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_EQ(result.record->size, 0x128105u);
  EXPECT_EQ(result.record->mode, 0100444u);
}

TEST(DecodeRecord, EmptyOrZeroDiskHasNoRecord) {
  EXPECT_THAT(DecodeRecord({}).error, StartsWith("no probe record on the disk"));
  std::vector<std::uint8_t> zeros(1 << 20, 0);
  EXPECT_THAT(DecodeRecord(zeros).error,
              "no probe record on the disk (the probe did not run or could not write /dev/vda)");
}

// Given any prefix of a valid record, decoding should fail cleanly, never crash.
TEST(DecodeRecord, EveryTruncationIsAnError) {
  const auto disk = EncodeRecord(SampleRecord());
  for (std::size_t len = 0; len < disk.size(); ++len) {
    std::vector<std::uint8_t> prefix(disk.begin(), disk.begin() + len);
    auto result = DecodeRecord(prefix);
    EXPECT_FALSE(result.record) << "prefix of " << len << " bytes";
    EXPECT_FALSE(result.error.empty());
    if (len >= 8) {
      EXPECT_THAT(result.error, StartsWith("record truncated")) << len;
    }
  }
}

// Given a zero-filled disk after a partial record (the probe died mid-write), it is truncated.
TEST(DecodeRecord, PartialRecordFollowedByZeros) {
  auto disk = EncodeRecord(SampleRecord());
  disk.resize(disk.size() - 12);  // drop the end TLV
  disk.resize(disk.size() + 4096, 0);
  EXPECT_THAT(DecodeRecord(disk).error, StartsWith("record truncated"));
}

// Given a single flipped bit anywhere, decoding must not crash and must not succeed.
TEST(DecodeRecord, EveryBitFlipIsAnError) {
  const auto disk = EncodeRecord(SampleRecord());
  for (std::size_t byte = 0; byte < disk.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto corrupt = disk;
      corrupt[byte] ^= static_cast<std::uint8_t>(1u << bit);
      auto result = DecodeRecord(corrupt);
      EXPECT_FALSE(result.record) << "byte " << byte << " bit " << bit;
      EXPECT_FALSE(result.error.empty());
    }
  }
}

TEST(DecodeRecord, CrcMismatchIsCorrupt) {
  auto disk = EncodeRecord(SampleRecord());
  disk[20] ^= 0x01;  // inside the mode value: the structure stays intact
  EXPECT_THAT(DecodeRecord(disk).error, StartsWith("record corrupt: CRC"));
}

TEST(DecodeRecord, OversizedLengthIsRejectedWithoutAllocating) {
  auto disk = Framed(Tlv(kTagBlob, {1, 2, 3}));
  // Claim 0xfffffff0 bytes for the blob.
  disk[12] = 0xf0;
  disk[13] = disk[14] = disk[15] = 0xff;
  auto result = DecodeRecord(disk);
  EXPECT_FALSE(result.record);
  EXPECT_THAT(result.error, HasSubstr("limit"));
}

TEST(DecodeRecord, LengthBeyondTheDiskIsTruncated) {
  auto disk = Framed(Tlv(kTagBlob, std::vector<std::uint8_t>(100, 7)));
  disk.resize(60);
  EXPECT_THAT(DecodeRecord(disk).error, StartsWith("record truncated"));
}

TEST(DecodeRecord, MaxBlobBoundsEveryField) {
  auto disk = Framed(Tlv(kTagBlob, std::vector<std::uint8_t>(100, 7)));
  EXPECT_TRUE(DecodeRecord(disk, 100).record);
  auto result = DecodeRecord(disk, 99);
  EXPECT_FALSE(result.record);
  EXPECT_THAT(result.error, HasSubstr("99-byte limit"));
}

TEST(DecodeRecord, DuplicateKnownTagsAreRejected) {
  auto disk = Framed(Concat({Tlv(kTagFlags, {1, 0, 0, 0}), Tlv(kTagFlags, {2, 0, 0, 0})}));
  auto result = DecodeRecord(disk);
  EXPECT_FALSE(result.record);
  EXPECT_THAT(result.error, HasSubstr("repeated"));
}

TEST(DecodeRecord, WrongFixedSizesAreRejected) {
  for (auto [tag, good] : {std::pair{kTagFlags, 4}, {kTagMode, 4}, {kTagSize, 8}, {kTagEofRead, 8}}) {
    for (std::size_t len : {std::size_t(0), std::size_t(good - 1), std::size_t(good + 1)}) {
      auto result = DecodeRecord(Framed(Tlv(tag, std::vector<std::uint8_t>(len, 0))));
      EXPECT_FALSE(result.record) << "tag " << tag << " len " << len;
      EXPECT_THAT(result.error, HasSubstr("expected"));
    }
  }
}

TEST(DecodeRecord, EndMarkerWithWrongLengthIsCorrupt) {
  auto disk = EncodeRecord(SampleRecord());
  disk[disk.size() - 8] = 5;  // the end TLV's length
  EXPECT_THAT(DecodeRecord(disk).error, StartsWith("record corrupt"));
}

// Given tags a newer probe might add, it should skip them.
TEST(DecodeRecord, UnknownTagsAreSkipped) {
  auto disk = Framed(Concat({Tlv(0, {}), Tlv(1000, {9, 9, 9}), Tlv(kTagFlags, {5, 0, 0, 0}),
                             Tlv(1000, {8})}));
  auto result = DecodeRecord(disk);
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_EQ(result.record->flags, 5u);
}

// Given the rest of the disk after the end TLV, it should be ignored.
TEST(DecodeRecord, TrailingBytesAreIgnored) {
  auto disk = EncodeRecord(SampleRecord());
  disk.insert(disk.end(), {0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff});
  disk.resize(disk.size() + 1000, 0xa5);
  auto result = DecodeRecord(disk);
  ASSERT_TRUE(result.record) << result.error;
  EXPECT_EQ(result.record->blob, SampleRecord().blob);
}

TEST(EncodeRecord, LayoutIsLittleEndianTlvs) {
  ProbeRecord r;
  r.flags = 0x01020304;
  auto disk = EncodeRecord(r);
  ASSERT_GE(disk.size(), 20u);
  EXPECT_EQ(std::string(disk.begin(), disk.begin() + 8), "HBTFREC1");
  const std::vector<std::uint8_t> flags_tlv = {1, 0, 0, 0, 4, 0, 0, 0, 4, 3, 2, 1};
  EXPECT_EQ(std::vector<std::uint8_t>(disk.begin() + 8, disk.begin() + 20), flags_tlv);
  const std::vector<std::uint8_t> end_head = {0xff, 0xff, 0xff, 0xff, 4, 0, 0, 0};
  EXPECT_EQ(std::vector<std::uint8_t>(disk.end() - 12, disk.end() - 4), end_head);
}

}  // namespace
}  // namespace harness
