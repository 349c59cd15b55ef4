// The verdict-to-exit mapping git bisect run reads, and the endpoint checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/bisect/judge.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

CellResult Cell(Verdict verdict, Stage stage, const std::string& build_step = "") {
  CellResult result;
  result.arch = "s390x";
  result.verdict = verdict;
  result.stage = stage;
  if (!build_step.empty()) SetFact(result, FactKey::kBuildStep, build_step);
  return result;
}

const FailureSignature kBtfBreak{Verdict::kBuildFailed, Stage::kBuild, "BTF"};

TEST(JudgeTest, APassOrACleanBuildIsGood) {
  EXPECT_EQ(Judge(Cell(Verdict::kPass, Stage::kVerify), {}, kBtfBreak).exit_code, kStepGood);
  EXPECT_EQ(Judge(Cell(Verdict::kBuilt, Stage::kInspect), {}, kBtfBreak).exit_code, kStepGood);
}

// Given the default rule, only the bad endpoint's own failure (verdict, stage, build step) is bad.
TEST(JudgeTest, FailingAsTheBadEndpointIsBadAndOtherwiseSkip) {
  const Judgement same = Judge(Cell(Verdict::kBuildFailed, Stage::kBuild, "BTF"), {}, kBtfBreak);
  EXPECT_EQ(same.exit_code, kStepBad);
  EXPECT_THAT(same.reason, HasSubstr("build failed at build (BTF generation)"));

  const Judgement other_step = Judge(Cell(Verdict::kBuildFailed, Stage::kBuild, "CC"), {}, kBtfBreak);
  EXPECT_EQ(other_step.exit_code, kStepSkip);
  EXPECT_THAT(other_step.reason, HasSubstr("fails differently: build failed at build (CC)"));
  EXPECT_EQ(Judge(Cell(Verdict::kBuildFailed, Stage::kConfig), {}, kBtfBreak).exit_code, kStepSkip);
  EXPECT_EQ(Judge(Cell(Verdict::kContentMismatch, Stage::kVerify), {}, kBtfBreak).exit_code, kStepSkip);
  EXPECT_EQ(Judge(Cell(Verdict::kApplyFailed, Stage::kApply), {}, kBtfBreak).exit_code, kStepSkip);
}

CellResult CompileBreak(const std::string& object, const std::string& file, int line) {
  CellResult result = Cell(Verdict::kBuildFailed, Stage::kBuild, "CC");
  const std::string error = "/src/linux/" + file + ":" + std::to_string(line) + ":5: error: expected ';' before '}' token";
  result.detail = "CC " + object + ": " + error;
  SetFact(result, FactKey::kBuildTarget, object);
  SetFact(result, FactKey::kBuildError, error);
  return result;
}

// Given a bad endpoint that fails to compile mm/memory.c, a step that fails to compile another
// file is an unrelated break (skip), and the same break on another line is bad.
TEST(JudgeTest, ACompileBreakInAnotherFileIsSkipped) {
  const FailureSignature bad = SignatureOf(CompileBreak("mm/memory.o", "mm/memory.c", 23));
  const Judgement other = Judge(CompileBreak("kernel/fork.o", "kernel/fork.c", 12), {}, bad);
  EXPECT_EQ(other.exit_code, kStepSkip) << other.reason;
  EXPECT_THAT(other.reason, HasSubstr("fork"));
  EXPECT_EQ(Judge(CompileBreak("mm/memory.o", "mm/memory.c", 20), {}, bad).exit_code, kStepBad);
  // --bad-if build still counts any build failure.
  EXPECT_EQ(Judge(CompileBreak("kernel/fork.o", "kernel/fork.c", 12), ParseBadIf({"build"}), std::nullopt).exit_code,
            kStepBad);
}

// Given --bad-if, the stage groups decide: build (config, build, inspect), boot, verify, any.
TEST(JudgeTest, BadIfCountsItsStagesOnly) {
  const BadRule build = ParseBadIf({"build"});
  EXPECT_EQ(Judge(Cell(Verdict::kBuildFailed, Stage::kBuild, "CC"), build, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kConfigDropped, Stage::kConfig), build, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kBadVmlinux, Stage::kInspect), build, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kGuestPanicked, Stage::kBoot), build, std::nullopt).exit_code, kStepSkip);

  const BadRule boot_verify = ParseBadIf({"boot", "verify"});
  EXPECT_EQ(boot_verify.Name(), "boot,verify");
  EXPECT_EQ(Judge(Cell(Verdict::kGuestPanicked, Stage::kBoot), boot_verify, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kSizeMismatch, Stage::kVerify), boot_verify, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kBuildFailed, Stage::kBuild), boot_verify, std::nullopt).exit_code, kStepSkip);

  const BadRule any = ParseBadIf({"any"});
  EXPECT_EQ(Judge(Cell(Verdict::kApplyFailed, Stage::kApply), any, std::nullopt).exit_code, kStepBad);
  EXPECT_EQ(Judge(Cell(Verdict::kPass, Stage::kVerify), any, std::nullopt).exit_code, kStepGood);
  EXPECT_THROW(ParseBadIf({"link"}), HarnessError);
  EXPECT_EQ(ParseBadIf({}).Name(), "same");
}

// Given a harness or machine failure, it should abort (>= 128), never say bad, whatever the rule.
TEST(JudgeTest, AHarnessErrorAbortsAndNeverBlames) {
  CellResult missing_qemu = Cell(Verdict::kBuildFailed, Stage::kBuild, "BTF");
  missing_qemu.error = "'qemu-system-s390x' is not installed";
  for (const BadRule& rule : {BadRule{}, ParseBadIf({"any"})}) {
    const Judgement j = Judge(missing_qemu, rule, kBtfBreak);
    EXPECT_EQ(j.exit_code, kStepAbort);
    EXPECT_GE(j.exit_code, 128);
    EXPECT_THAT(j.reason, HasSubstr("qemu-system-s390x"));
  }
  EXPECT_EQ(Judge(Cell(Verdict::kUndecided, Stage::kBuild), {}, kBtfBreak).exit_code, kStepAbort);
}

TEST(JudgeTest, OnlyATimeoutCanFlake) {
  EXPECT_TRUE(CanFlake(Cell(Verdict::kTimedOut, Stage::kBoot)));
  EXPECT_FALSE(CanFlake(Cell(Verdict::kGuestPanicked, Stage::kBoot)));
  CellResult errored = Cell(Verdict::kTimedOut, Stage::kBoot);
  errored.error = "interrupted";
  EXPECT_FALSE(CanFlake(errored));
}

TEST(SignatureTest, RoundTripsThroughItsToken) {
  EXPECT_EQ(kBtfBreak.Token(), "build-failed@build/BTF");
  EXPECT_EQ(ParseSignature("build-failed@build/BTF"), kBtfBreak);
  const FailureSignature pass{Verdict::kPass, Stage::kVerify, ""};
  EXPECT_EQ(ParseSignature(pass.Token()), pass);
  EXPECT_EQ(SignatureOf(Cell(Verdict::kContentMismatch, Stage::kVerify, "ignored")).Token(),
            "content-mismatch@verify offset class not recorded");
  // The cause rides after the first space and comes back whole.
  const FailureSignature cc = SignatureOf(CompileBreak("mm/memory.o", "mm/memory.c", 20));
  EXPECT_EQ(cc.Token(), "build-failed@build/CC memory.c: error: expected ';' before '}' token");
  EXPECT_EQ(ParseSignature(cc.Token()), cc);
  for (const char* bad : {"", "pass", "nonsense@verify", "pass@nowhere", "build-failed@build/"}) {
    EXPECT_FALSE(ParseSignature(bad)) << bad;
  }
}

TEST(EndpointTest, GoodMustPass) {
  EXPECT_EQ(CheckGoodEndpoint({Verdict::kPass, Stage::kVerify, ""}, "", "v6.1"), "");
  EXPECT_EQ(CheckGoodEndpoint(kBtfBreak, "BTF generation (surfaced at LD)", "v6.1"),
            "good v6.1 already fails: build failed at build (BTF generation): BTF generation (surfaced at LD)");
}

TEST(EndpointTest, BadMustFailAsTheRuleCounts) {
  EXPECT_EQ(CheckBadEndpoint(kBtfBreak, "HEAD", "s390x", {}), "");
  EXPECT_EQ(CheckBadEndpoint({Verdict::kPass, Stage::kVerify, ""}, "HEAD", "x86_64", {}),
            "nothing to bisect: both pass on x86_64");
  EXPECT_EQ(CheckBadEndpoint(kBtfBreak, "HEAD", "s390x", ParseBadIf({"boot"})),
            "bad HEAD fails, but not in a way --bad-if boot counts: build failed at build (BTF generation)");
  EXPECT_EQ(CheckBadEndpoint(kBtfBreak, "HEAD", "s390x", ParseBadIf({"build"})), "");
}

}  // namespace
}  // namespace harness
