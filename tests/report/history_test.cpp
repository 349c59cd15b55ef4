#include "harness/report/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/results/exit_code.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

// Every input a verdict depends on, as the pipeline records them among a cell's facts.
Facts AllInputs() {
  return {{FactKey::kRevision, "r1"},
          {FactKey::kKconfig, "k1"},
          {FactKey::kToolchain, "gcc"},
          {FactKey::kToolchainVersion, "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"},
          {FactKey::kBinutilsVersion, "GNU ld (GNU Binutils for Debian) 2.40"},
          {FactKey::kPaholeVersion, "v1.24"},
          {FactKey::kQemuVersion, "QEMU emulator version 7.2.11 (Debian 1:7.2+dfsg-7+deb12u7)"},
          {FactKey::kHarnessVersion, "0.1.0+g0123456789ab"},
          {FactKey::kProbeHash, "5f2c9a"}};
}

// A cell with every input recorded; `revision` and `kconfig` as given.
CellResult Cell(Verdict v, std::string revision = "r1", std::string kconfig = "k1") {
  CellResult r;
  r.cell = "debian-6.1/none/arm64/gcc";
  r.arch = "arm64";
  r.verdict = v;
  r.stage = Stage::kVerify;
  r.facts = AllInputs();
  r.facts[FactKey::kRevision] = std::move(revision);
  r.facts[FactKey::kKconfig] = std::move(kconfig);
  return r;
}

CellResult WithInputs(Verdict v, Facts facts) {
  CellResult r = Cell(v);
  r.facts = std::move(facts);
  return r;
}

PastCell Past(Verdict verdict, const std::string& revision = "r1", const std::string& kconfig = "k1") {
  PastCell p;
  p.verdict = verdict;
  p.failed = !IsSuccess(verdict);
  p.revision = revision;
  auto facts = AllInputs();
  facts[FactKey::kRevision] = revision;
  facts[FactKey::kKconfig] = kconfig;
  p.inputs = InputsOf(facts);
  return p;
}

constexpr const char* kThen = "2026-12-01T02:00:00Z";

TEST(HistoryClassifyTest, Passing) {
  const PastCell was = Past(Verdict::kPass);
  EXPECT_EQ(Classify(Cell(Verdict::kPass), &was, kThen).cls, HistoryClass::kPassing);
}

TEST(HistoryClassifyTest, NewFailureWhenAnInputChanged) {
  const PastCell was = Past(Verdict::kPass, "r1");
  const CellHistory h = Classify(Cell(Verdict::kBuildFailed, "r2"), &was, kThen);
  EXPECT_EQ(h.cls, HistoryClass::kNewFailure);
  EXPECT_THAT(h.detail, HasSubstr("was pass at 2026-12-01T02:00:00Z"));
  EXPECT_THAT(h.detail, HasSubstr("inputs changed: revision r1 -> r2"));
}

// Given a verdict that changed while the kconfig changed (same revision), it should not be
// flaky: an input did change.
TEST(HistoryClassifyTest, ChangedKconfigIsNotFlaky) {
  const PastCell was = Past(Verdict::kPass, "r1", "k1");
  EXPECT_EQ(Classify(Cell(Verdict::kConfigDropped, "r1", "k2"), &was, kThen).cls, HistoryClass::kNewFailure);
  const PastCell failed = Past(Verdict::kConfigDropped, "r1", "k2");
  EXPECT_EQ(Classify(Cell(Verdict::kPass, "r1", "k1"), &failed, kThen).cls, HistoryClass::kFixed);
}

TEST(HistoryClassifyTest, StillFailingNamesTheStartOfTheStreak) {
  PastCell was = Past(Verdict::kContentMismatch, "r1");
  CellHistory h = Classify(Cell(Verdict::kContentMismatch, "r2"), &was, kThen);
  EXPECT_EQ(h.cls, HistoryClass::kStillFailing);
  EXPECT_EQ(h.since, kThen);
  EXPECT_EQ(h.since_revision, "r1");
  // A run later: the streak still starts at the first failing run.
  was.since = kThen;
  was.since_revision = "r1";
  h = Classify(Cell(Verdict::kContentMismatch, "r3"), &was, "2026-12-02T02:00:00Z");
  EXPECT_EQ(h.cls, HistoryClass::kStillFailing);
  EXPECT_EQ(h.since, kThen);
  EXPECT_EQ(h.since_revision, "r1");
  EXPECT_THAT(h.detail, HasSubstr("since 2026-12-01T02:00:00Z, first at revision r1"));
}

TEST(HistoryClassifyTest, FixedWhenAnInputChanged) {
  PastCell was = Past(Verdict::kBuildFailed, "r1");
  was.since = "2026-11-30T02:00:00Z";
  const CellHistory h = Classify(Cell(Verdict::kPass, "r2"), &was, kThen);
  EXPECT_EQ(h.cls, HistoryClass::kFixed);
  EXPECT_THAT(h.detail, HasSubstr("failing since 2026-11-30T02:00:00Z"));
}

TEST(HistoryClassifyTest, FlakyWhenTheVerdictChangedWithNoInputChanged) {
  const PastCell passed = Past(Verdict::kPass);
  EXPECT_EQ(Classify(Cell(Verdict::kTimedOut), &passed, kThen).cls, HistoryClass::kFlaky);
  const PastCell timed_out = Past(Verdict::kTimedOut);
  EXPECT_EQ(Classify(Cell(Verdict::kPass), &timed_out, kThen).cls, HistoryClass::kFlaky);
  EXPECT_EQ(Classify(Cell(Verdict::kGuestPanicked), &timed_out, kThen).cls, HistoryClass::kFlaky);
}

TEST(HistoryClassifyTest, NoEarlierRunOrUnknownInputs) {
  EXPECT_EQ(Classify(Cell(Verdict::kPass), nullptr, "").cls, HistoryClass::kPassing);
  EXPECT_EQ(Classify(Cell(Verdict::kBuildFailed), nullptr, "").cls, HistoryClass::kNewFailure);
  // An apply failure records no revision: a changed verdict there is never called flaky.
  PastCell was = Past(Verdict::kPass);
  CellResult apply_failed = Cell(Verdict::kApplyFailed);
  apply_failed.facts.clear();
  EXPECT_EQ(Classify(apply_failed, &was, kThen).cls, HistoryClass::kNewFailure);
}

class HistoryDirTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"history-test"};
};

// Given three runs kept in one directory, each should be classed against the one before.
TEST_F(HistoryDirTest, RunsAreKeptAndEachIsClassedAgainstThePreviousOne) {
  std::vector<CellResult> first = {Cell(Verdict::kPass, "r1")};
  EXPECT_TRUE(ApplyHistory(first, dir_, "2026-12-01T02:00:00Z").empty());
  EXPECT_EQ(first[0].history.cls, HistoryClass::kPassing);
  std::vector<CellResult> second = {Cell(Verdict::kBuildFailed, "r2")};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kNewFailure);
  std::vector<CellResult> third = {Cell(Verdict::kBuildFailed, "r3")};
  ApplyHistory(third, dir_, "2026-12-03T02:00:00Z");
  EXPECT_EQ(third[0].history.cls, HistoryClass::kStillFailing);
  EXPECT_EQ(third[0].history.since, "2026-12-02T02:00:00Z");
  EXPECT_EQ(third[0].history.since_revision, "r2");
  std::vector<CellResult> fourth = {Cell(Verdict::kBuildFailed, "r4")};
  ApplyHistory(fourth, dir_, "2026-12-04T02:00:00Z");
  EXPECT_EQ(fourth[0].history.since, "2026-12-02T02:00:00Z");
  EXPECT_EQ(fourth[0].history.since_revision, "r2");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "20261201T020000Z-000.json"));
  const std::string kept = ReadFile(dir_ / "20261204T020000Z-000.json");
  EXPECT_THAT(kept, HasSubstr("\"time\": \"2026-12-04T02:00:00Z\""));
  EXPECT_THAT(kept, HasSubstr("\"debian-6.1/none/arm64/gcc\": \"r4\""));
  EXPECT_THAT(kept, HasSubstr("\"class\": \"still failing\""));
}

TEST_F(HistoryDirTest, AnUnreadableRunIsSkippedWithAWarning) {
  std::vector<CellResult> first = {Cell(Verdict::kPass, "r1")};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  WriteFile(dir_ / "20261202T020000Z-000.json", "{ not json");
  std::vector<CellResult> now = {Cell(Verdict::kTimedOut, "r1")};
  const auto warnings = ApplyHistory(now, dir_, "2026-12-03T02:00:00Z");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("20261202T020000Z-000.json' is not a harness run record"));
  // The damaged run may have held this cell's newest record: not compared with the one before it.
  EXPECT_EQ(now[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_THAT(now[0].history.detail, HasSubstr("20261202T020000Z-000.json"));
}

// Given FAIL, then a run that cannot be read (it may have been a PASS), then FAIL again: the
// failure should not be "still failing" against the run before the damaged one, which would be
// green under --fail-on new while the cell may have just broken again.
TEST_F(HistoryDirTest, AFailureIsNotStillFailingAcrossAnUnreadableRun) {
  std::vector<CellResult> first = {Cell(Verdict::kBuildFailed, "r1")};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  WriteFile(dir_ / "20261202T020000Z-000.json", "{ not json");
  std::vector<CellResult> now = {Cell(Verdict::kBuildFailed, "r1")};
  ApplyHistory(now, dir_, "2026-12-03T02:00:00Z");
  EXPECT_EQ(now[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_EQ(ExitCodeFor(now, FailOn::kNew), 1);
}

// The same behind a readable run that does not hold the cell (another shard's): the damaged run
// is still newer than the cell's last readable record.
TEST_F(HistoryDirTest, AnUnreadableRunBehindAnotherShardsRunStillHidesTheRecord) {
  std::vector<CellResult> first = {Cell(Verdict::kBuildFailed, "r1")};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  WriteFile(dir_ / "20261202T020000Z-000.json", "{ not json");
  std::vector<CellResult> other = {Cell(Verdict::kPass, "r1")};
  other[0].cell = "debian-6.1/none/x86_64/gcc";
  ApplyHistory(other, dir_, "2026-12-03T02:00:00Z");
  std::vector<CellResult> now = {Cell(Verdict::kBuildFailed, "r1")};
  const auto warnings = ApplyHistory(now, dir_, "2026-12-04T02:00:00Z");
  EXPECT_EQ(now[0].history.cls, HistoryClass::kNewFailure);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("20261202T020000Z-000.json"));
}

// Given shards kept in one history (each run holding only its own cells), a cell should be
// classed against the newest run that holds it, not found missing from the other shard's run.
TEST_F(HistoryDirTest, ShardsAreClassedAgainstTheirOwnCellsLastRun) {
  std::vector<CellResult> whole = {Cell(Verdict::kBuildFailed, "r1"), Cell(Verdict::kPass, "r1")};
  whole[1].cell = "debian-6.1/none/x86_64/gcc";
  ApplyHistory(whole, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> shard2 = {whole[1]};
  ApplyHistory(shard2, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(shard2[0].history.cls, HistoryClass::kPassing);
  std::vector<CellResult> shard1 = {Cell(Verdict::kBuildFailed, "r2")};
  ApplyHistory(shard1, dir_, "2026-12-02T02:00:01Z");
  EXPECT_EQ(shard1[0].history.cls, HistoryClass::kStillFailing);
  EXPECT_EQ(shard1[0].history.since, "2026-12-01T02:00:00Z");
}

// Given sharded runs kept in one directory (each holding only its shard's cells), each cell's
// cost should come from the newest run that timed it; skipped stages cost nothing.
TEST_F(HistoryDirTest, CostsComeFromTheNewestRunOfEachCell) {
  EXPECT_TRUE(CostsFromHistory(dir_).empty());  // no directory yet
  std::vector<CellResult> first = {Cell(Verdict::kPass), Cell(Verdict::kPass)};
  first[1].cell = "debian-6.1/none/x86_64/gcc";
  first[0].timings = {{Stage::kBuild, 300}, {Stage::kBoot, 2}};
  first[1].timings = {{Stage::kBuild, 500}, {Stage::kBoot, 0, true}};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> shard = {Cell(Verdict::kPass)};
  shard[0].timings = {{Stage::kBuild, 40}};
  ApplyHistory(shard, dir_, "2026-12-02T02:00:00Z");
  WriteFile(dir_ / "20261203T020000Z-000.json", "{ not json");
  const CellCosts costs = CostsFromHistory(dir_);
  EXPECT_EQ(costs, (CellCosts{{"debian-6.1/none/arm64/gcc", 40}, {"debian-6.1/none/x86_64/gcc", 500}}));
}

// Given two runs within one second, the second should still be the newer one.
TEST_F(HistoryDirTest, RunsWithinOneSecondKeepTheirOrder) {
  std::vector<CellResult> first = {Cell(Verdict::kPass, "r1")};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> second = {Cell(Verdict::kBuildFailed, "r2")};
  ApplyHistory(second, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> third = {Cell(Verdict::kBuildFailed, "r2")};
  ApplyHistory(third, dir_, "2026-12-01T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_EQ(third[0].history.cls, HistoryClass::kStillFailing);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "20261201T020000Z-002.json"));
}

// Given an excluded cell and a harness error, neither should be classed nor count as a failure
// next time.
TEST_F(HistoryDirTest, ExcludedCellsAndHarnessErrorsAreNotClassed) {
  std::vector<CellResult> first = {Cell(Verdict::kExcluded), Cell(Verdict::kBuildFailed)};
  first[1].cell = "debian-6.1/none/x86_64/gcc";
  first[1].error = "qemu missing";
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  EXPECT_EQ(first[0].history.cls, HistoryClass::kNone);
  EXPECT_EQ(first[1].history.cls, HistoryClass::kNone);
  std::vector<CellResult> second = {Cell(Verdict::kPass)};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kPassing);
  EXPECT_EQ(second[0].history.detail, "no earlier run of this cell");
}

TEST_F(HistoryDirTest, AHistoryThatIsAFileIsAHarnessError) {
  const std::filesystem::path file = dir_ / "history";
  WriteFile(file, "x");
  std::vector<CellResult> now = {Cell(Verdict::kPass)};
  EXPECT_THROW(ApplyHistory(now, file, "2026-12-03T02:00:00Z"), HarnessError);
}

// Given a PASS, then a FAIL on the same pinned tree and kconfig after a compiler upgrade, it
// should be a new failure naming the change, and --fail-on new should be red.
TEST_F(HistoryDirTest, ACompilerUpgradeIsANewFailureNamingIt) {
  std::vector<CellResult> first = {WithInputs(Verdict::kPass, AllInputs())};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  auto upgraded = AllInputs();
  upgraded[FactKey::kToolchainVersion] = "aarch64-linux-gnu-gcc (Debian 13.2.0-7) 13.2.0";
  std::vector<CellResult> second = {WithInputs(Verdict::kBuildFailed, upgraded)};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_THAT(second[0].history.detail,
              HasSubstr("compiler aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0 -> aarch64-linux-gnu-gcc (Debian "
                        "13.2.0-7) 13.2.0"));
  EXPECT_EQ(ExitCodeFor(second, FailOn::kNew), 1);
}

// Given the same with a pahole upgrade (the tool that writes .BTF), the same.
TEST_F(HistoryDirTest, APaholeUpgradeIsANewFailureNamingIt) {
  std::vector<CellResult> first = {WithInputs(Verdict::kPass, AllInputs())};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  auto upgraded = AllInputs();
  upgraded[FactKey::kPaholeVersion] = "v1.25";
  std::vector<CellResult> second = {WithInputs(Verdict::kContentMismatch, upgraded)};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_THAT(second[0].history.detail, HasSubstr("pahole v1.24 -> v1.25"));
  EXPECT_EQ(ExitCodeFor(second, FailOn::kNew), 1);
  // And each other input, one at a time.
  int day = 3;
  for (FactKey input : {FactKey::kBinutilsVersion, FactKey::kQemuVersion, FactKey::kHarnessVersion, FactKey::kProbeHash}) {
    auto changed = AllInputs();
    changed[input] += "-new";
    const std::string date = "2026-12-0" + std::to_string(day++);
    std::vector<CellResult> pass = {WithInputs(Verdict::kPass, AllInputs())};
    ApplyHistory(pass, dir_, date + "T02:00:00Z");
    std::vector<CellResult> fail = {WithInputs(Verdict::kTimedOut, changed)};
    ApplyHistory(fail, dir_, date + "T03:00:00Z");
    EXPECT_EQ(fail[0].history.cls, HistoryClass::kNewFailure) << FactName(input);
  }
}

// Given a version line with a byte results.json escapes, the kept run's value and this run's
// are still the same input.
TEST_F(HistoryDirTest, AnEscapedInputReadBackIsTheSameInput) {
  auto inputs = AllInputs();
  inputs[FactKey::kQemuVersion] = "QEMU emulator version 7.2.11, Copyright (c) 2003-2022 Fabrice Bellard \xc2\xa9";
  std::vector<CellResult> first = {WithInputs(Verdict::kPass, inputs)};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> second = {WithInputs(Verdict::kTimedOut, inputs)};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kFlaky) << second[0].history.detail;
}

// Given a PASS then a FAIL with every input recorded and equal on both sides, it is flaky.
TEST_F(HistoryDirTest, IdenticalInputsAreFlaky) {
  std::vector<CellResult> first = {WithInputs(Verdict::kPass, AllInputs())};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> second = {WithInputs(Verdict::kTimedOut, AllInputs())};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kFlaky);
  EXPECT_EQ(ExitCodeFor(second, FailOn::kNew), 0);
}

// Given an earlier run kept by an older harness (revision and kconfig only), an input unknown on
// one side is no evidence that it did not change: not flaky.
TEST_F(HistoryDirTest, AnUnknownInputIsNotFlaky) {
  std::vector<CellResult> first = {WithInputs(Verdict::kPass, {{FactKey::kRevision, "r1"}, {FactKey::kKconfig, "k1"}})};
  ApplyHistory(first, dir_, "2026-12-01T02:00:00Z");
  std::vector<CellResult> second = {WithInputs(Verdict::kTimedOut, AllInputs())};
  ApplyHistory(second, dir_, "2026-12-02T02:00:00Z");
  EXPECT_EQ(second[0].history.cls, HistoryClass::kNewFailure);
  EXPECT_THAT(second[0].history.detail, HasSubstr("not recorded"));
  EXPECT_EQ(ExitCodeFor(second, FailOn::kNew), 1);
}

TEST(HistoryParseTest, RecordWithoutTimeIsAnError) {
  EXPECT_THROW(ParsePastRun("{\"cells\": []}", "x.json"), HarnessError);
  EXPECT_THROW(ParsePastRun("[1,2]", "x.json"), HarnessError);
  EXPECT_NO_THROW(ParsePastRun("{\"time\": \"t\", \"cells\": []}", "x.json"));
}

TEST(HistoryExitCodeTest, FailOnNewCountsOnlyNewFailures) {
  std::vector<CellResult> results = {Cell(Verdict::kBuildFailed), Cell(Verdict::kPass)};
  results[0].history.cls = HistoryClass::kStillFailing;
  EXPECT_EQ(ExitCodeFor(results, FailOn::kNew), 0);
  results[1].verdict = Verdict::kTimedOut;
  results[1].history.cls = HistoryClass::kFlaky;
  EXPECT_EQ(ExitCodeFor(results, FailOn::kNew), 0);
  results[1].history.cls = HistoryClass::kNewFailure;
  EXPECT_EQ(ExitCodeFor(results, FailOn::kNew), 1);
  results[0].error = "qemu missing";
  EXPECT_EQ(ExitCodeFor(results, FailOn::kNew), 2);
}

}  // namespace
}  // namespace harness
