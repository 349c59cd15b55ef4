// DiffBtfTypes on BTF generated at test time, in both byte orders: each test builds a pair of
// blobs that differ in one way and asserts the exact lines a person reads.
#include "harness/elf/btf_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/elf_writer.h"

namespace harness {
namespace {

using ::testing::ElementsAre;

// A small kernel-like type graph: int, a struct task_struct with two members, a pointer to it,
// an enum and a function. `pid_offset` is pid's bit offset; `pid_name` its name.
BtfBuilder TaskBtf(Endian endian, std::uint32_t pid_offset = 64, const std::string& pid_name = "pid") {
  BtfBuilder btf(endian);
  const auto int_id = btf.Int("int", 4);                                                  // 1
  const auto task = btf.Struct("task_struct", 16, {{"state", int_id, 0}, {pid_name, int_id, pid_offset}});  // 2
  btf.Ptr(task);                                                                           // 3
  btf.Enum("pid_type", {{"PIDTYPE_PID", 0}, {"PIDTYPE_TGID", 1}});                         // 4
  btf.Func("do_fork", int_id, {{"flags", int_id, 0}});                                     // 5, 6
  return btf;
}

class DiffBtfTypesTest : public ::testing::TestWithParam<Endian> {
 protected:
  std::vector<std::string> Diff(const BtfBuilder& a, const BtfBuilder& b) {
    return DiffBtfTypes(a.Blob(), b.Blob(), "the vmlinux's .BTF", "the guest's BTF");
  }
};

INSTANTIATE_TEST_SUITE_P(ByteOrders, DiffBtfTypesTest, ::testing::Values(Endian::kLittle, Endian::kBig),
                         [](const auto& info) { return std::string(EndianName(info.param)); });

TEST_P(DiffBtfTypesTest, NamesTheMemberWhoseOffsetDiffers) {
  EXPECT_THAT(Diff(TaskBtf(GetParam(), 64), TaskBtf(GetParam(), 96)),
              ElementsAre("type 2 STRUCT task_struct: member 'pid' offset 64 vs 96", "1 of 6 types in both differ"));
}

TEST_P(DiffBtfTypesTest, NamesTheMemberWhoseNameDiffers) {
  EXPECT_THAT(Diff(TaskBtf(GetParam(), 64, "pid"), TaskBtf(GetParam(), 64, "tgid")),
              ElementsAre("type 2 STRUCT task_struct: member 1 name 'pid' vs 'tgid'", "1 of 6 types in both differ"));
}

TEST_P(DiffBtfTypesTest, NamesTheEnumeratorWhoseValueDiffers) {
  BtfBuilder a(GetParam()), b(GetParam());
  a.Enum("pid_type", {{"PIDTYPE_PID", 0}, {"PIDTYPE_TGID", 1}});
  b.Enum("pid_type", {{"PIDTYPE_PID", 0}, {"PIDTYPE_TGID", 2}});
  EXPECT_THAT(Diff(a, b), ElementsAre("type 1 ENUM pid_type: enumerator 'PIDTYPE_TGID' value 1 vs 2",
                                      "1 of 1 types in both differ"));
}

TEST_P(DiffBtfTypesTest, NamesTheParamWhoseTypeDiffers) {
  BtfBuilder a(GetParam()), b(GetParam());
  a.Int("int", 4), a.Int("long", 8), a.Func("do_fork", 1, {{"flags", 1, 0}});
  b.Int("int", 4), b.Int("long", 8), b.Func("do_fork", 1, {{"flags", 2, 0}});
  EXPECT_THAT(Diff(a, b), ElementsAre("type 3 FUNC_PROTO (anon): param 'flags' type 1 vs 2",
                                      "1 of 4 types in both differ"));
}

TEST_P(DiffBtfTypesTest, CountsTypesAndNamesTheFirstExtraOne) {
  BtfBuilder a = TaskBtf(GetParam()), b = TaskBtf(GetParam());
  b.Int("long", 8);
  EXPECT_THAT(Diff(a, b), ElementsAre("type count 6 vs 7", "type 7 INT long: only in the guest's BTF"));
}

TEST_P(DiffBtfTypesTest, FindsAChangedTypeBeforeTheExtraOnes) {
  BtfBuilder a = TaskBtf(GetParam(), 64), b = TaskBtf(GetParam(), 96);
  b.Int("long", 8);
  EXPECT_THAT(Diff(a, b), ElementsAre("type count 6 vs 7", "type 2 STRUCT task_struct: member 'pid' offset 64 vs 96",
                                      "1 of 6 types in both differ"));
}

TEST_P(DiffBtfTypesTest, IdenticalTypesWithDifferentStringTables) {
  BtfBuilder a = TaskBtf(GetParam()), b = TaskBtf(GetParam());
  a.String("unused_a");
  b.String("unused_b");
  // 75: after "", int, task_struct, state, pid, pid_type, PIDTYPE_PID, PIDTYPE_TGID, flags, do_fork.
  EXPECT_THAT(Diff(a, b),
              ElementsAre("all 6 types are identical; the string tables differ at offset 75: 'unused_a' vs 'unused_b'"));
}

TEST_P(DiffBtfTypesTest, AStringOnlyInOneTable) {
  BtfBuilder a = TaskBtf(GetParam()), b = TaskBtf(GetParam());
  b.String("extra");
  EXPECT_THAT(Diff(a, b), ElementsAre("all 6 types are identical; the string tables differ at offset 75: 'extra' is "
                                      "only in the guest's BTF"));
}

TEST_P(DiffBtfTypesTest, SameTypesAndStrings) {
  EXPECT_THAT(Diff(TaskBtf(GetParam()), TaskBtf(GetParam())),
              ElementsAre("all 6 types and the string tables are identical: the bytes differ elsewhere (header, layout)"));
}

// The vmlinux in one byte order, the guest's copy in the other: libbpf reads both.
TEST(DiffBtfTypes, ComparesAcrossByteOrders) {
  EXPECT_THAT(DiffBtfTypes(TaskBtf(Endian::kBig, 64).Blob(), TaskBtf(Endian::kLittle, 96).Blob(), "vmlinux", "guest"),
              ElementsAre("byte order big vs little", "type 2 STRUCT task_struct: member 'pid' offset 64 vs 96",
                          "1 of 6 types in both differ"));
}

// Given garbage from the guest, it should say why, never crash.
TEST(DiffBtfTypes, GarbageIsNamedNotParsed) {
  const auto good = TaskBtf(Endian::kLittle).Blob();
  std::vector<std::uint8_t> garbage = good;
  garbage[0] = 0x12;  // not the magic
  const auto lines = DiffBtfTypes(good, garbage, "the vmlinux's .BTF", "the guest's BTF");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::StartsWith("types could not be parsed: the guest's BTF: "));
  EXPECT_THAT(DiffBtfTypes({}, good, "a", "b"), ElementsAre(::testing::StartsWith("types could not be parsed: a: ")));
  std::vector<std::uint8_t> truncated(good.begin(), good.end() - 20);
  EXPECT_THAT(DiffBtfTypes(good, truncated, "a", "b"), ElementsAre(::testing::StartsWith("types could not be parsed: b: ")));
}

// A name offset past the string table (libbpf 1.1 does not check names when it parses): shown
// as such, not read out of bounds.
TEST(DiffBtfTypes, BadNameOffsetIsShownNotRead) {
  const auto good = TaskBtf(Endian::kLittle).Blob();
  auto bad = good;
  bad[24] = 0xff, bad[25] = 0xff, bad[26] = 0x00;  // type 1's name_off: 0xffff
  EXPECT_THAT(DiffBtfTypes(good, bad, "a", "b"),
              ElementsAre("type 1 INT int: name 'int' vs '<bad name offset 65535>'", "1 of 6 types in both differ"));
}

// A header whose length is not a multiple of 4 puts every type at an unaligned address in
// libbpf's copy (libbpf 1.1 checks type_off's alignment, not hdr_len's): refused by name before
// libbpf sees it, in both byte orders (the fuzzer found the unaligned read under UBSan).
TEST_P(DiffBtfTypesTest, HeaderOfUnalignedLengthIsNamedNotRead) {
  const auto good = TaskBtf(GetParam()).Blob();
  auto odd = good;
  odd.insert(odd.begin() + 24, 0);  // one byte more header
  const bool little = GetParam() == Endian::kLittle;
  odd[little ? 4 : 7] = 25;
  EXPECT_THAT(Diff(TaskBtf(GetParam()), TaskBtf(GetParam())).size(), 1u);
  EXPECT_THAT(DiffBtfTypes(good, odd, "a", "b"),
              ElementsAre("types could not be parsed: b: BTF header length 25 is not a multiple of 4"));
}

}  // namespace
}  // namespace harness
