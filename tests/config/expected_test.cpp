#include "harness/config/expected.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& yaml) {
  try {
    ParseCorpusEntry(yaml, "kernel-patches/regressions/x");
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CorpusEntryTest, ParsesEveryField) {
  CorpusEntry e = ParseCorpusEntry(
      "description: d\nexpect:\n  arm64: {stage: build, verdict: build-failed, step: BTF}\n"
      "  s390x: {stage: verify, verdict: content-mismatch, offset: 4096, offset_slack: 64}\n"
      "  x86_64: {stage: config, verdict: config-dropped, option: CONFIG_DEBUG_INFO_BTF}\n",
      "kernel-patches/regressions/x");
  EXPECT_EQ(e.name, "x");
  EXPECT_EQ(e.expect.at("arm64").step, "BTF");
  EXPECT_EQ(*e.expect.at("s390x").offset, 4096u);
  EXPECT_EQ(e.expect.at("s390x").offset_slack, 64u);
  EXPECT_EQ(e.expect.at("x86_64").option, "CONFIG_DEBUG_INFO_BTF");
}

TEST(CorpusEntryTest, RejectsUnknownVerdictStageArchAndKey) {
  EXPECT_THAT(ErrorOf("expect:\n  arm64: {stage: build, verdict: broken}\n"),
              HasSubstr("kernel-patches/regressions/x/expected.yaml:2:34: unknown verdict 'broken'"));
  EXPECT_THAT(ErrorOf("expect:\n  arm64: {stage: link, verdict: pass}\n"), HasSubstr("unknown stage 'link'"));
  EXPECT_THAT(ErrorOf("expect:\n  riscv: {stage: verify, verdict: pass}\n"), HasSubstr("2:3: unknown arch 'riscv'"));
  EXPECT_THAT(ErrorOf("expect:\n  arm64: {stage: verify, verdict: pass, ofset: 3}\n"),
              HasSubstr("unknown key 'ofset' in the expectation for arm64, did you mean 'offset'?"));
  EXPECT_THAT(ErrorOf("expect:\n  arm64: {stage: verify}\n"), HasSubstr("needs 'stage' and 'verdict'"));
  EXPECT_THAT(ErrorOf("description: x\n"), HasSubstr("'expect' must map each arch"));
}

// Given an arch listed twice or a non-scalar key, it should be a positioned error, not a silent
// overwrite or an internal error.
TEST(CorpusEntryTest, RejectsDuplicateAndNonScalarKeys) {
  EXPECT_EQ(ErrorOf("expect:\n  arm64: {stage: verify, verdict: pass}\n  arm64: {stage: build, verdict: build-failed}\n"),
            "kernel-patches/regressions/x/expected.yaml:3:3: duplicate key 'arm64' in 'expect' (first at line 2); "
            "remove one");
  EXPECT_EQ(ErrorOf("expect:\n  ? [arm64, s390x]\n  : {stage: verify, verdict: pass}\n"),
            "kernel-patches/regressions/x/expected.yaml:2:5: a key in 'expect' must be a plain name, not a list");
  EXPECT_EQ(ErrorOf("? {expect: 1}\n: 2\n"),
            "kernel-patches/regressions/x/expected.yaml:1:3: a key in expected.yaml must be a plain name, not a mapping");
}

// Every shipped corpus entry must parse.
TEST(CorpusEntryTest, ShippedEntriesAreValid) {
  const std::filesystem::path dir = std::filesystem::path(HARNESS_SOURCE_DIR) / "kernel-patches" / "regressions";
  int count = 0;
  for (const auto& item : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(item.path().string());
    EXPECT_NO_THROW(LoadCorpusEntry(item.path()));
    ++count;
  }
  EXPECT_GE(count, 7);
}

}  // namespace
}  // namespace harness
