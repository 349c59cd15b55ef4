#include "harness/elf/inspector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/elf_writer.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr unsigned kEm386 = 3, kEmPpc64 = 21, kEmS390 = 22, kEmArm = 40, kEmX86_64 = 62, kEmAarch64 = 183,
                   kEmRiscv = 243;
constexpr int kTypes = 5;
// Where WriteFakeVmlinux puts .BTF in memory: its base address (0xffffffff80000000 for ELF64,
// 0xc0000000 for ELF32, as the kernels link) plus the file offset.
std::uint64_t BtfAddr(int elf_class) {
  return (elf_class == 32 ? 0xc0000000ull : 0xffffffff80000000ull) + kFakeBtfOffset;
}

std::string Hex(std::uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::vector<std::uint8_t> ReadBytes(const std::filesystem::path& path) {
  const std::string data = ReadFile(path);
  return {data.begin(), data.end()};
}

void WriteBytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  WriteFile(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

class TempDirTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"harness-elf"};
};

struct Target {
  const char* name;
  Endian endian;
  unsigned machine;
  const char* machine_name;
  int elf_class = 64;
};

Endian Other(Endian e) { return e == Endian::kLittle ? Endian::kBig : Endian::kLittle; }

class InspectVmlinuxTest : public TempDirTest, public ::testing::WithParamInterface<Target> {
 protected:
  Endian endian() const { return GetParam().endian; }
  // Where the fake vmlinux of this target's class puts .BTF in memory.
  const std::uint64_t btf_addr_ = BtfAddr(GetParam().elf_class);

  FakeVmlinuxSpec GoodSpec() const {
    FakeVmlinuxSpec spec;
    spec.endian = endian();
    spec.machine = GetParam().machine;
    spec.elf_class = GetParam().elf_class;
    spec.btf = MakeBtfBlob(endian(), kTypes);
    spec.build_id = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x11,
                     0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    return spec;
  }

  VmlinuxInfo WriteAndInspect(const FakeVmlinuxSpec& spec) {
    path_ = dir_ / "vmlinux";
    WriteFakeVmlinux(path_, spec);
    return InspectVmlinux(path_);
  }

  std::filesystem::path path_;
};

// Given two blobs with the same named types in another order, one with a duplicate (as pahole
// -j leaves them), their named-type digest agrees although bytes and type counts differ; a
// renamed struct changes it.
TEST_P(InspectVmlinuxTest, NamedTypesIgnoreOrderAndDuplicates) {
  auto blob = [&](bool reversed, bool duplicate, const std::string& struct_name) {
    BtfBuilder btf(endian());
    std::uint32_t i = 0;
    if (reversed) {
      btf.Struct(struct_name, 4, {});
      i = btf.Int("int", 4);
    } else {
      i = btf.Int("int", 4);
      btf.Struct(struct_name, 4, {{"x", i, 0}});
    }
    if (duplicate) btf.Int("int", 4);
    btf.Ptr(i);
    return btf.Blob();
  };
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf = blob(false, false, "task_struct");
  const VmlinuxInfo first = WriteAndInspect(spec);
  spec.btf = blob(true, true, "task_struct");
  const VmlinuxInfo second = WriteAndInspect(spec);
  spec.btf = blob(false, false, "mm_struct");
  const VmlinuxInfo renamed = WriteAndInspect(spec);
  ASSERT_EQ(first.named_types_digest.size(), 16u) << first.libbpf_error;
  EXPECT_EQ(first.named_types, 2u);
  EXPECT_NE(first.type_count, second.type_count);
  EXPECT_EQ(second.named_types, 2u);
  EXPECT_EQ(first.named_types_digest, second.named_types_digest);
  EXPECT_NE(first.named_types_digest, renamed.named_types_digest);
}

TEST_P(InspectVmlinuxTest, GoodVmlinuxHasNoProblems) {
  const FakeVmlinuxSpec spec = GoodSpec();
  VmlinuxInfo info = WriteAndInspect(spec);

  EXPECT_THAT(info.problems, IsEmpty());
  EXPECT_FALSE(info.fatal);
  EXPECT_TRUE(info.is_elf);
  EXPECT_EQ(info.machine, GetParam().machine);
  EXPECT_EQ(info.machine_name, GetParam().machine_name);
  EXPECT_EQ(info.elf_class, GetParam().elf_class);
  EXPECT_EQ(info.endian, endian());
  EXPECT_TRUE(info.has_btf);
  EXPECT_TRUE(info.btf_alloc);
  EXPECT_TRUE(info.btf_in_load);
  EXPECT_EQ(info.btf_offset, kFakeBtfOffset);
  EXPECT_EQ(info.btf_addr, btf_addr_);
  EXPECT_EQ(info.btf_size, spec.btf.size());
  EXPECT_EQ(info.btf, spec.btf);
  EXPECT_EQ(info.start_symbol, "__start_BTF");
  EXPECT_EQ(info.stop_symbol, "__stop_BTF");
  EXPECT_EQ(info.symbol_problem, "");
  EXPECT_EQ(info.start_value, btf_addr_);
  EXPECT_EQ(info.stop_value, btf_addr_ + spec.btf.size());
  ASSERT_TRUE(info.header.has_value());
  EXPECT_EQ(info.header->magic, 0xEB9F);
  EXPECT_EQ(info.header->version, 1);
  EXPECT_EQ(info.header->hdr_len, 24u);
  EXPECT_EQ(info.type_count, std::optional<std::uint32_t>(kTypes));
  EXPECT_EQ(info.libbpf_error, "");
  EXPECT_EQ(info.build_id, "0123456789abcdef00112233445566778899aabb");

  // The magic as stored in the file: the target's byte order, not the host's.
  const std::vector<std::uint8_t> file = ReadBytes(path_);
  ASSERT_GT(file.size(), kFakeBtfOffset + 2);
  const std::vector<std::uint8_t> magic(file.begin() + kFakeBtfOffset,
                                        file.begin() + kFakeBtfOffset + 2);
  if (endian() == Endian::kLittle) {
    EXPECT_THAT(magic, ElementsAre(0x9f, 0xeb));
  } else {
    EXPECT_THAT(magic, ElementsAre(0xeb, 0x9f));
  }
}

TEST_P(InspectVmlinuxTest, MissingBtfSectionIsFatal) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.with_btf = false;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_TRUE(info.fatal);
  EXPECT_TRUE(info.is_elf);
  EXPECT_FALSE(info.has_btf);
  EXPECT_THAT(info.problems,
              ElementsAre("no .BTF section: was the kernel built with CONFIG_DEBUG_INFO_BTF=y "
                          "and pahole installed?"));
  EXPECT_EQ(info.build_id, "0123456789abcdef00112233445566778899aabb");
}

TEST_P(InspectVmlinuxTest, EmptyBtfSectionIsFatal) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf.clear();
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_TRUE(info.fatal);
  EXPECT_THAT(info.problems, ElementsAre(".BTF section is empty"));
}

TEST_P(InspectVmlinuxTest, NoBitsBtfSectionIsFatal) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf_nobits = true;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_TRUE(info.fatal);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr(".BTF is SHT_NOBITS")));
  EXPECT_THAT(info.btf, IsEmpty());
}

// Given a section header claiming more bytes than the file holds, it should report that
// instead of reading past the end.
TEST_P(InspectVmlinuxTest, SectionPastEndOfFileIsFatal) {
  // ELF32 sizes are 32 bits wide: the largest ones it can hold.
  const bool elf32 = GetParam().elf_class == 32;
  for (std::uint64_t size : {elf32 ? std::uint64_t(0x80000000) : std::uint64_t(1) << 40,
                             elf32 ? std::uint64_t(0xffffffff) : ~std::uint64_t(0), std::uint64_t(1) << 20}) {
    FakeVmlinuxSpec spec = GoodSpec();
    spec.btf_sh_size = size;
    VmlinuxInfo info = WriteAndInspect(spec);
    EXPECT_TRUE(info.fatal) << size;
    EXPECT_EQ(info.btf_size, size);
    EXPECT_THAT(info.problems, ElementsAre(HasSubstr("extends past the end of the"))) << size;
  }
}

TEST_P(InspectVmlinuxTest, BtfNotAllocIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf_alloc = false;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_FALSE(info.fatal);
  EXPECT_FALSE(info.btf_alloc);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr(".BTF is not SHF_ALLOC (flags 0x0)")));
}

TEST_P(InspectVmlinuxTest, BtfOutsideLoadSegmentIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf_in_load = false;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_FALSE(info.btf_in_load);
  EXPECT_THAT(info.problems, ElementsAre(".BTF [" + Hex(btf_addr_) + "," +
                                         Hex(btf_addr_ + spec.btf.size()) +
                                         ") lies outside every PT_LOAD segment"));
}

TEST_P(InspectVmlinuxTest, TruncatedHeaderIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf.resize(10);
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_FALSE(info.header.has_value());
  EXPECT_FALSE(info.type_count.has_value());
  EXPECT_NE(info.libbpf_error, "");
  EXPECT_THAT(info.problems,
              Contains("BTF header truncated: section is 10 bytes, header needs 24"));
}

TEST_P(InspectVmlinuxTest, WrongMagicIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf[endian() == Endian::kLittle ? 0 : 1] = 0x34;
  spec.btf[endian() == Endian::kLittle ? 1 : 0] = 0x12;
  VmlinuxInfo info = WriteAndInspect(spec);
  ASSERT_TRUE(info.header.has_value());
  EXPECT_EQ(info.header->magic, 0x1234);
  EXPECT_THAT(info.problems, Contains("BTF magic 0x1234, expected 0xeb9f"));
  EXPECT_THAT(info.problems, Contains(HasSubstr("libbpf cannot parse .BTF")));
}

// Given a blob generated in the other byte order (a host-endian pahole on a cross build),
// it should name the byte order even though libbpf itself accepts either order.
TEST_P(InspectVmlinuxTest, ByteSwappedMagicIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.btf = MakeBtfBlob(Other(endian()), kTypes);
  VmlinuxInfo info = WriteAndInspect(spec);
  ASSERT_TRUE(info.header.has_value());
  EXPECT_EQ(info.header->magic, 0x9FEB);
  const std::string expected = std::string("BTF magic is byte-swapped for a ") +
                               EndianName(endian()) + "-endian target";
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr(expected)));
  EXPECT_EQ(info.type_count, std::optional<std::uint32_t>(kTypes));
}

TEST_P(InspectVmlinuxTest, StringSectionPastSectionIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  // str_len is the last header field, at offset 20.
  std::vector<std::uint8_t> blob = spec.btf;
  const std::uint32_t str_len = LoadU32(std::span(blob).subspan(20, 4), endian());
  const std::uint32_t bad = str_len + 100;
  for (int i = 0; i < 4; ++i) {
    const int shift = endian() == Endian::kLittle ? 8 * i : 8 * (3 - i);
    blob[20 + i] = static_cast<std::uint8_t>(bad >> shift);
  }
  spec.btf = blob;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems, Contains(HasSubstr("BTF string section [")));
  EXPECT_THAT(info.problems, Contains(HasSubstr("libbpf cannot parse .BTF")));
  EXPECT_FALSE(info.type_count.has_value());
}

TEST_P(InspectVmlinuxTest, StopSymbolOffByOneIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.stop_delta = -1;
  VmlinuxInfo info = WriteAndInspect(spec);
  const std::size_t size = spec.btf.size();
  EXPECT_THAT(info.problems, ElementsAre("__stop_BTF - __start_BTF = " +
                                         std::to_string(size - 1) + ", section size " +
                                         std::to_string(size)));
  EXPECT_EQ(info.symbol_problem, info.problems.front());
}

// Given __stop_BTF 8 bytes past the section's end, it should name the disagreement as the
// symbol problem that stops a cell before boot.
TEST_P(InspectVmlinuxTest, StopSymbolPastTheEndIsASymbolProblem) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.stop_delta = 8;
  VmlinuxInfo info = WriteAndInspect(spec);
  const std::size_t size = spec.btf.size();
  EXPECT_EQ(info.symbol_problem, "__stop_BTF - __start_BTF = " + std::to_string(size + 8) + ", section size " +
                                     std::to_string(size));
  EXPECT_THAT(info.problems, ElementsAre(info.symbol_problem));
  EXPECT_FALSE(info.fatal);
}

TEST_P(InspectVmlinuxTest, StartSymbolElsewhereIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.start_delta = 8;
  spec.stop_delta = 8;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems,
              ElementsAre("__start_BTF = " + Hex(btf_addr_ + 8) + ", .BTF starts at " +
                          Hex(btf_addr_)));
  EXPECT_EQ(info.symbol_problem, info.problems.front());
}

TEST_P(InspectVmlinuxTest, StopBeforeStartIsReportedAsNegative) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.stop_delta = -static_cast<std::int64_t>(spec.btf.size()) - 4;
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems, ElementsAre("__stop_BTF - __start_BTF = -4, section size " +
                                         std::to_string(spec.btf.size())));
}

TEST_P(InspectVmlinuxTest, MissingSymbolsAreReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.start_symbol.clear();
  spec.stop_symbol.clear();
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr("no __start_BTF/__stop_BTF symbols")));
  EXPECT_FALSE(info.start_value.has_value());
  // Neither symbol: the kernel's weak references are null and it exports no file, which the
  // guest shows ("btf file missing"); nothing disagrees, so nothing stops the boot.
  EXPECT_EQ(info.symbol_problem, "");
}

TEST_P(InspectVmlinuxTest, OneMissingSymbolIsReported) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.stop_symbol.clear();
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems, ElementsAre("__start_BTF is present but __stop_BTF is missing"));
  EXPECT_EQ(info.symbol_problem, info.problems.front());
}

// Given a 2019 kernel, whose .BTF came from an objcopy'd object, it should accept its names.
TEST_P(InspectVmlinuxTest, LegacySymbolNamesAreAccepted) {
  const std::pair<const char*, const char*> pairs[] = {
      {"_binary__btf_vmlinux_bin_start", "_binary__btf_vmlinux_bin_end"},
      {"_binary__btf_kernel_bin_start", "_binary__btf_kernel_bin_end"},
  };
  for (const auto& [start, stop] : pairs) {
    FakeVmlinuxSpec spec = GoodSpec();
    spec.start_symbol = start;
    spec.stop_symbol = stop;
    VmlinuxInfo info = WriteAndInspect(spec);
    EXPECT_THAT(info.problems, IsEmpty()) << start;
    EXPECT_EQ(info.start_symbol, start);
    EXPECT_EQ(info.stop_symbol, stop);

    spec.stop_delta = 3;
    info = WriteAndInspect(spec);
    EXPECT_THAT(info.problems,
                ElementsAre(std::string(stop) + " - " + start + " = " +
                            std::to_string(spec.btf.size() + 3) + ", section size " +
                            std::to_string(spec.btf.size())));
  }
}

TEST_P(InspectVmlinuxTest, MissingBuildIdLeavesItEmpty) {
  FakeVmlinuxSpec spec = GoodSpec();
  spec.build_id.clear();
  VmlinuxInfo info = WriteAndInspect(spec);
  EXPECT_THAT(info.problems, IsEmpty());
  EXPECT_EQ(info.build_id, "");
}

// Given damaged copies of a good vmlinux (cut short, or with bytes flipped in the headers),
// it should never crash or throw.
TEST_P(InspectVmlinuxTest, DamagedFilesDoNotCrash) {
  VmlinuxInfo good = WriteAndInspect(GoodSpec());
  ASSERT_THAT(good.problems, IsEmpty());
  const std::vector<std::uint8_t> original = ReadBytes(path_);
  const std::filesystem::path damaged = dir_ / "damaged";

  for (std::size_t length = 0; length < original.size(); length += 37) {
    WriteBytes(damaged, std::vector<std::uint8_t>(original.begin(), original.begin() + length));
    VmlinuxInfo info;
    ASSERT_NO_THROW(info = InspectVmlinux(damaged)) << length;
    EXPECT_TRUE(info.fatal || !info.problems.empty()) << length;
  }

  std::mt19937 rng(1234);
  const std::size_t shoff_region = original.size() - 7 * 64;  // the section header table
  for (int round = 0; round < 300; ++round) {
    std::vector<std::uint8_t> bytes = original;
    for (int flips = 0; flips < 4; ++flips) {
      const bool in_ehdr = rng() % 2 == 0;
      const std::size_t at = in_ehdr ? rng() % 64 + 0 : shoff_region + rng() % (7 * 64);
      bytes[at] = static_cast<std::uint8_t>(rng());
    }
    WriteBytes(damaged, bytes);
    ASSERT_NO_THROW(InspectVmlinux(damaged)) << round;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Targets, InspectVmlinuxTest,
    ::testing::Values(Target{"x86_64", Endian::kLittle, kEmX86_64, "x86-64"},
                      Target{"arm64", Endian::kLittle, kEmAarch64, "AArch64"},
                      Target{"s390x", Endian::kBig, kEmS390, "S/390"},
                      Target{"riscv64", Endian::kLittle, kEmRiscv, "RISC-V"},
                      Target{"ppc64", Endian::kBig, kEmPpc64, "PowerPC64"},
                      Target{"i386", Endian::kLittle, kEm386, "Intel 80386", 32}),
    [](const ::testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

class InspectOtherFilesTest : public TempDirTest {};

TEST_F(InspectOtherFilesTest, Elf32IsReadInBothByteOrders) {
  for (Endian endian : {Endian::kLittle, Endian::kBig}) {
    FakeVmlinuxSpec spec;
    spec.elf_class = 32;
    spec.endian = endian;
    spec.machine = kEmArm;
    spec.btf = MakeBtfBlob(endian, 3);
    spec.build_id = {0xaa, 0xbb};
    WriteFakeVmlinux(dir_ / "vmlinux32", spec);
    VmlinuxInfo info = InspectVmlinux(dir_ / "vmlinux32");
    EXPECT_THAT(info.problems, IsEmpty()) << EndianName(endian);
    EXPECT_EQ(info.elf_class, 32);
    EXPECT_EQ(info.endian, endian);
    EXPECT_EQ(info.machine_name, "ARM");
    EXPECT_EQ(info.type_count, std::optional<std::uint32_t>(3));
    EXPECT_EQ(info.build_id, "aabb");
  }
}

TEST_F(InspectOtherFilesTest, TextFileIsNotElf) {
  const std::filesystem::path path = dir_ / "vmlinux";
  WriteFile(path, "this is not a kernel\n");
  VmlinuxInfo info = InspectVmlinux(path);
  EXPECT_TRUE(info.fatal);
  EXPECT_FALSE(info.is_elf);
  EXPECT_THAT(info.problems, ElementsAre("'" + path.string() + "' is not an ELF file"));
}

TEST_F(InspectOtherFilesTest, EmptyFileIsNotElf) {
  const std::filesystem::path path = dir_ / "vmlinux";
  WriteFile(path, "");
  VmlinuxInfo info = InspectVmlinux(path);
  EXPECT_TRUE(info.fatal);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr("is not an ELF file")));
}

TEST_F(InspectOtherFilesTest, MissingFileThrows) {
  EXPECT_THROW(InspectVmlinux(dir_ / "no-such-vmlinux"), HarnessError);
}

TEST_F(InspectOtherFilesTest, DirectoryThrows) {
  EXPECT_THROW(InspectVmlinux(dir_), HarnessError);
}

// Given an ELF magic followed by garbage, or a header cut short, it should report, not crash.
TEST_F(InspectOtherFilesTest, GarbageAfterElfMagicDoesNotCrash) {
  std::mt19937 rng(42);
  const std::filesystem::path path = dir_ / "vmlinux";
  for (int round = 0; round < 200; ++round) {
    std::vector<std::uint8_t> bytes(rng() % 300);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', static_cast<std::uint8_t>(1 + round % 2),
                                  static_cast<std::uint8_t>(1 + round / 2 % 2), 1};
    for (std::size_t i = 0; i < std::size(ident) && i < bytes.size(); ++i) bytes[i] = ident[i];
    WriteBytes(path, bytes);
    VmlinuxInfo info;
    ASSERT_NO_THROW(info = InspectVmlinux(path)) << round;
    EXPECT_FALSE(info.problems.empty()) << round;
  }
}

std::vector<std::uint8_t> Note(Endian endian, std::uint32_t namesz, std::uint32_t descsz,
                               std::uint32_t type, const std::string& name,
                               const std::vector<std::uint8_t>& desc) {
  std::vector<std::uint8_t> out;
  for (std::uint32_t v : {namesz, descsz, type}) {
    for (int i = 0; i < 4; ++i) {
      const int shift = endian == Endian::kLittle ? 8 * i : 8 * (3 - i);
      out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  out.insert(out.end(), name.begin(), name.end());
  while (out.size() % 4) out.push_back(0);
  out.insert(out.end(), desc.begin(), desc.end());
  while (out.size() % 4) out.push_back(0);
  return out;
}

TEST(BuildIdFromNotesTest, FindsGnuBuildIdAfterOtherNotes) {
  for (Endian endian : {Endian::kLittle, Endian::kBig}) {
    std::vector<std::uint8_t> notes = Note(endian, 6, 4, 1, std::string("Linux\0", 6), {1, 2, 3, 4});
    const std::vector<std::uint8_t> gnu_other =
        Note(endian, 4, 2, 1, std::string("GNU\0", 4), {9, 9});
    const std::vector<std::uint8_t> build_id =
        Note(endian, 4, 5, 3, std::string("GNU\0", 4), {0xde, 0xad, 0xbe, 0xef, 0x01});
    notes.insert(notes.end(), gnu_other.begin(), gnu_other.end());
    notes.insert(notes.end(), build_id.begin(), build_id.end());
    EXPECT_EQ(BuildIdFromNotes(notes, endian), "deadbeef01");
    // Read in the wrong byte order, the lengths are nonsense and must be rejected.
    EXPECT_EQ(BuildIdFromNotes(notes, Other(endian)), "");
  }
}

TEST(BuildIdFromNotesTest, RejectsTruncatedAndOversizedNotes) {
  const Endian e = Endian::kLittle;
  const std::vector<std::uint8_t> good = Note(e, 4, 8, 3, std::string("GNU\0", 4), {1, 2, 3, 4, 5, 6, 7, 8});
  ASSERT_EQ(BuildIdFromNotes(good, e), "0102030405060708");
  EXPECT_EQ(BuildIdFromNotes({}, e), "");
  for (std::size_t length = 0; length < good.size(); ++length) {
    EXPECT_EQ(BuildIdFromNotes({good.begin(), good.begin() + length}, e), "") << length;
  }
  for (std::uint32_t huge : {0xffffffffu, 0xfffffffdu, 0x80000000u, 13u}) {
    EXPECT_EQ(BuildIdFromNotes(Note(e, huge, 8, 3, "GNU", {1, 2, 3, 4, 5, 6, 7, 8}), e), "");
    EXPECT_EQ(BuildIdFromNotes(Note(e, 4, huge, 3, std::string("GNU\0", 4), {1, 2}), e), "");
  }
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

// Module BTF (issue 26): a .ko's .BTF is split BTF on top of the vmlinux's. Given a base made at
// test time and a module whose struct uses the base's int, in both byte orders, libbpf should
// parse it on that base and count the module's own types from the base's count + 1.
class ModuleBtfTest : public ::testing::TestWithParam<Endian> {
 protected:
  // The base: int (1), task_struct (2); the module: btfmod_state (3) using the base's int.
  void SetUp() override {
    base_.Int("int", 4);
    base_.Struct("task_struct", 8, {{"pid", 1, 0}});
    FakeVmlinuxSpec vmlinux{.endian = GetParam(), .machine = GetParam() == Endian::kBig ? 22u : 62u,
                            .btf = base_.Blob()};
    WriteFakeVmlinux(dir_ / "vmlinux", vmlinux);
  }
  void WriteModule(std::vector<std::uint8_t> btf, bool with_btf = true) {
    FakeVmlinuxSpec ko{.endian = GetParam(), .machine = GetParam() == Endian::kBig ? 22u : 62u,
                       .with_btf = with_btf, .btf_alloc = false, .btf_in_load = false, .btf = std::move(btf),
                       .start_symbol = "", .stop_symbol = ""};
    WriteFakeVmlinux(dir_ / "btfmod.ko", ko);
  }
  testing::TempDir dir_{"harness-module-btf"};
  BtfBuilder base_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(ByteOrders, ModuleBtfTest, ::testing::Values(Endian::kLittle, Endian::kBig),
                         [](const auto& info) { return std::string(EndianName(info.param)); });

TEST_P(ModuleBtfTest, SplitBtfParsesOnTheVmlinuxBase) {
  BtfBuilder module(GetParam(), base_);
  module.Struct("btfmod_state", 8, {{"counter", 1, 0}, {"owner", 2, 32}});
  WriteModule(module.Blob());
  const ModuleBtfInfo info = InspectModuleBtf(dir_ / "btfmod.ko", InspectVmlinux(dir_ / "vmlinux"));
  EXPECT_THAT(info.problems, IsEmpty());
  EXPECT_TRUE(info.has_btf);
  EXPECT_EQ(info.first_id, 3u);
  EXPECT_EQ(info.type_count, 1u);
}

TEST_P(ModuleBtfTest, ModuleWithoutBtfSaysWhichOptionMakesIt) {
  WriteModule({}, /*with_btf=*/false);
  const ModuleBtfInfo info = InspectModuleBtf(dir_ / "btfmod.ko", InspectVmlinux(dir_ / "vmlinux"));
  EXPECT_FALSE(info.has_btf);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr("CONFIG_DEBUG_INFO_BTF_MODULES")));
}

// Given a module BTF cut short, libbpf's reason should be in the one problem, not a crash.
TEST_P(ModuleBtfTest, TruncatedModuleBtfIsAProblemWithLibbpfsReason) {
  BtfBuilder module(GetParam(), base_);
  module.Struct("btfmod_state", 8, {{"counter", 1, 0}});
  auto blob = module.Blob();
  blob.resize(blob.size() - 6);
  WriteModule(blob);
  const ModuleBtfInfo info = InspectModuleBtf(dir_ / "btfmod.ko", InspectVmlinux(dir_ / "vmlinux"));
  EXPECT_TRUE(info.has_btf);
  EXPECT_FALSE(info.type_count);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr("libbpf could not parse the module's BTF on top of the vmlinux's")));
}

// The base alone cannot be parsed: said as such, not blamed on the module.
TEST_P(ModuleBtfTest, UnparseableBaseIsNamed) {
  BtfBuilder module(GetParam(), base_);
  module.Int("long", 8);
  WriteModule(module.Blob());
  VmlinuxInfo vmlinux = InspectVmlinux(dir_ / "vmlinux");
  vmlinux.btf.resize(10);
  const ModuleBtfInfo info = InspectModuleBtf(dir_ / "btfmod.ko", vmlinux);
  EXPECT_THAT(info.problems, ElementsAre(HasSubstr("the vmlinux's BTF, the module's base, could not be parsed")));
}

TEST(ModuleBtf, MissingFileIsAHarnessError) {
  EXPECT_THROW(InspectModuleBtf("/nonexistent/btfmod.ko", VmlinuxInfo{}), HarnessError);
}

}  // namespace
}  // namespace harness
