// The failure signature bisect and the pre-merge baseline both compare (results/signature.h).
#include "harness/results/signature.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace harness {
namespace {

CellResult Failed(Verdict verdict, Stage stage, std::string detail, Facts facts = {}) {
  CellResult r;
  r.verdict = verdict;
  r.stage = stage;
  r.detail = std::move(detail);
  r.facts = std::move(facts);
  return r;
}

TEST(NormaliseTest, ConsoleLinesLoseTimeStampsAddressesAndNumbers) {
  EXPECT_EQ(NormaliseCauseLine("[    0.912345] WARNING: CPU: 0 PID: 1 at kernel/bpf/btf.c:1234 btf_parse+0x1a/0x40"),
            "WARNING: CPU: N PID: N at kernel/bpf/btf.c:N btf_parse+<hex>/<hex>");
  EXPECT_EQ(NormaliseCauseLine("[   12.5] BUG: kernel NULL pointer dereference, address: 0000000000000008"),
            "BUG: kernel NULL pointer dereference, address: <hex>");
  EXPECT_EQ(NormaliseCauseLine("RIP: 0010:ffffffff81234567 ext4_fill_super\tComm: swapper/0"),
            "RIP: N:<hex> ext4_fill_super Comm: swapper/N");
}

TEST(NormaliseTest, BuildErrorsLoseDirectoriesLinesAndColumns) {
  EXPECT_EQ(NormaliseBuildError("/work/out/t/src/mm/memory.c:20:5: error: expected ';' before '}' token"),
            "memory.c: error: expected ';' before '}' token");
  EXPECT_EQ(NormaliseBuildError("../kernel/fork.c:12: undefined reference to `foo'"),
            "fork.c: undefined reference to `foo'");
  EXPECT_EQ(NormaliseBuildError("ld: .tmp_vmlinux.btf: file not recognized (/a/b/vmlinux.o)"),
            "ld: .tmp_vmlinux.btf: file not recognized (vmlinux.o)");
}

// Given two breaks at the same kbuild step, the file that broke tells them apart; the same break
// moved to another line, or named through another directory, is the same.
TEST(SignatureOfTest, ABuildFailureIsItsFirstErrorLine) {
  auto cc = [](const std::string& error, const std::string& target) {
    return SignatureOf(Failed(Verdict::kBuildFailed, Stage::kBuild, "CC " + target + ": " + error,
                              {{FactKey::kBuildStep, "CC"}, {FactKey::kBuildTarget, target}, {FactKey::kBuildError, error}}));
  };
  const FailureSignature memory = cc("/src/mm/memory.c:20:5: error: expected ';'", "mm/memory.o");
  EXPECT_EQ(memory.cause, "memory.c: error: expected ';'");
  EXPECT_EQ(memory.build_step, "CC");
  // Under -j the step line before the error can be another object's: the target does not count.
  EXPECT_EQ(cc("/src/mm/memory.c:23:5: error: expected ';'", "kernel/bpf/btf.o"), memory);
  EXPECT_NE(cc("/src/kernel/fork.c:20:5: error: expected ';'", "mm/memory.o"), memory);
  // No error line: the target stands in.
  EXPECT_EQ(cc("", "vmlinux").cause, "no error line in the log, at vmlinux");
}

TEST(SignatureOfTest, EachVerdictsCause) {
  EXPECT_EQ(SignatureOf(Failed(Verdict::kKernelComplained, Stage::kVerify, "the bytes match, but ...",
                               {{FactKey::kComplaint, "[    1.2] WARNING: CPU: 3 PID: 9 at lib/x.c:7 f+0x1/0x2"}}))
                .cause,
            "WARNING: CPU: N PID: N at lib/x.c:N f+<hex>/<hex>");
  EXPECT_EQ(SignatureOf(Failed(Verdict::kContentMismatch, Stage::kVerify, "first difference at offset 4096",
                               {{FactKey::kOffset, "4096"}, {FactKey::kOffsetClass, "string section"}}))
                .cause,
            "string section");
  EXPECT_EQ(SignatureOf(Failed(Verdict::kIncompleteEvidence, Stage::kVerify,
                               "the probe recorded no read at st_size, so end of file was not checked"))
                .cause,
            "the probe recorded no read at st_size, so end of file was not checked");
  EXPECT_EQ(SignatureOf(Failed(Verdict::kGuestPanicked, Stage::kBoot,
                               "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009"))
                .cause,
            "Kernel panic - not syncing: Attempted to kill init! exitcode=<hex>");
  // Sizes move with every commit: two size mismatches of one kind are one cause, of two kinds two.
  const auto size = [](const std::string& detail) {
    return SignatureOf(Failed(Verdict::kSizeMismatch, Stage::kVerify, detail));
  };
  EXPECT_EQ(size("guest st_size 4096, section size 4095, 4095 bytes readable"),
            size("guest st_size 8192, section size 8191, 8191 bytes readable"));
  EXPECT_NE(size("guest st_size 4096, section size 4095, 4095 bytes readable"),
            size("a read at st_size (4096) returned 1 instead of end of file"));
  // A success has no cause.
  EXPECT_EQ(SignatureOf(Failed(Verdict::kPass, Stage::kVerify, "4096 bytes identical")).cause, "");
}

TEST(SignatureTokenTest, RoundTripsWithItsCause) {
  const FailureSignature s{Verdict::kKernelComplained, Stage::kVerify, "", "WARNING: CPU: N at lib/x.c:N"};
  EXPECT_EQ(s.Token(), "kernel-complained@verify WARNING: CPU: N at lib/x.c:N");
  EXPECT_EQ(ParseSignature(s.Token()), s);
  EXPECT_EQ(s.DescribeWithCause(), "kernel complained at verify: WARNING: CPU: N at lib/x.c:N");
  EXPECT_FALSE(ParseSignature("kernel-complained@verify "));
  EXPECT_FALSE(ParseSignature("kernel-complained@verify a\tb"));
}

}  // namespace
}  // namespace harness
