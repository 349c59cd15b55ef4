// Pre-merge baseline: which failing cells are re-checked without their series, and how each is
// classed against the re-check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "harness/plan/baseline.h"
#include "harness/results/exit_code.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

MatrixConfig Matrix(const std::string& series) {
  return ParseMatrix("trees: [{name: t, path: /src}]\nseries: [" + series + "]\narches: [x86_64, arm64, s390x]\n",
                     "m.yaml");
}

CellResult Result(const Cell& cell, Verdict verdict, Stage stage, std::string detail = "") {
  CellResult r;
  r.cell = cell.id;
  r.arch = std::string(cell.arch->name);
  r.verdict = verdict;
  r.stage = stage;
  r.detail = std::move(detail);
  r.artifacts_dir = "/out/" + cell.id;
  return r;
}

// Given s on three arches where arm64 fails and s390x cannot apply the series, only arm64 is
// re-checked, as t/none/arm64/gcc.
TEST(BaselineTest, OnlyFailingBuiltCellsAreRechecked) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  ASSERT_EQ(cells.size(), 3u);
  const std::vector<CellResult> results = {Result(cells[0], Verdict::kPass, Stage::kVerify),
                                           Result(cells[1], Verdict::kBuildFailed, Stage::kBuild),
                                           Result(cells[2], Verdict::kApplyFailed, Stage::kApply)};
  const auto base = BaselineCells(cells, results);
  ASSERT_EQ(base.size(), 1u);
  EXPECT_EQ(base[0].id, "t/none/arm64/gcc");
  EXPECT_EQ(base[0].series.name, "none");
  EXPECT_TRUE(base[0].series.path.empty());
  EXPECT_EQ(base[0].arch->name, "arm64");
}

// Given a harness error or an excluded cell, nothing is re-checked: there is no verdict to compare.
TEST(BaselineTest, ErrorsAndExcludedCellsAreNotRechecked) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  std::vector<CellResult> results = {Result(cells[0], Verdict::kBuildFailed, Stage::kBuild),
                                     Result(cells[1], Verdict::kExcluded, Stage::kTree),
                                     Result(cells[2], Verdict::kBuilt, Stage::kInspect)};
  results[0].error = "make not installed";
  EXPECT_TRUE(BaselineCells(cells, results).empty());
}

// Given two series failing on one arch, the tree is re-checked once; given a matrix that runs
// series none itself, not at all: its own cell is the baseline.
TEST(BaselineTest, OneRecheckPerCellAndNoneWhenTheMatrixHasIt) {
  auto cells = ExpandCells(Matrix("{name: a, path: p}, {name: b, path: q}"), {});
  ASSERT_EQ(cells.size(), 6u);
  std::vector<CellResult> results;
  for (const auto& c : cells) results.push_back(Result(c, Verdict::kTimedOut, Stage::kBoot));
  EXPECT_EQ(BaselineCells(cells, results).size(), 3u);

  cells = ExpandCells(Matrix("{name: none}, {name: s, path: p}"), {});
  results.clear();
  for (const auto& c : cells) results.push_back(Result(c, Verdict::kTimedOut, Stage::kBoot));
  EXPECT_TRUE(BaselineCells(cells, results).empty());
  ApplyBaseline(results, cells, {});
  EXPECT_EQ(results[0].baseline.cls, BaselineClass::kNone);  // series none: nothing to compare with
  EXPECT_EQ(results[3].baseline.cls, BaselineClass::kPreExisting);
  EXPECT_EQ(results[3].baseline.cell, "t/none/x86_64/gcc");
}

TEST(BaselineTest, Classes) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  const CellResult with = Result(cells[1], Verdict::kBuildFailed, Stage::kBuild, "objcopy: invalid bfd target");
  const std::vector<Cell> rechecks = BaselineCells(
      cells, std::vector<CellResult>{Result(cells[0], Verdict::kPass, Stage::kVerify), with,
                                     Result(cells[2], Verdict::kPass, Stage::kVerify)});
  ASSERT_EQ(rechecks.size(), 1u);
  const Cell& base = rechecks[0];

  CellBaseline b = ClassAgainstBaseline(with, Result(base, Verdict::kPass, Stage::kVerify));
  EXPECT_EQ(b.cls, BaselineClass::kIntroduced);
  EXPECT_EQ(b.detail, "without the series: PASS");
  EXPECT_EQ(b.cell, "t/none/arm64/gcc");
  EXPECT_EQ(b.artifacts_dir, "/out/t/none/arm64/gcc");

  b = ClassAgainstBaseline(with, Result(base, Verdict::kBuildFailed, Stage::kBuild, "objcopy: invalid bfd target"));
  EXPECT_EQ(b.cls, BaselineClass::kPreExisting);
  EXPECT_THAT(b.detail, HasSubstr("fails the same way without the series: "));
  EXPECT_THAT(b.detail, HasSubstr("objcopy: invalid bfd target"));

  // The same verdict at the same stage with another first error: the series broke something else.
  b = ClassAgainstBaseline(with, Result(base, Verdict::kBuildFailed, Stage::kBuild, "ld: undefined reference"));
  EXPECT_EQ(b.cls, BaselineClass::kIntroduced);
  EXPECT_THAT(b.detail, HasSubstr("cause without the series: ld: undefined reference; with it: objcopy: invalid bfd target"));

  // The series turned a boot failure into a build failure: it changed how the cell fails.
  b = ClassAgainstBaseline(with, Result(base, Verdict::kTimedOut, Stage::kBoot, "no power-off in 60 s"));
  EXPECT_EQ(b.cls, BaselineClass::kIntroduced);
  EXPECT_THAT(b.detail, HasSubstr("fails another way without the series: "));

  CellResult errored = Result(base, Verdict::kUndecided, Stage::kBuild);
  errored.error = "No space left on device";
  b = ClassAgainstBaseline(with, errored);
  EXPECT_EQ(b.cls, BaselineClass::kUnknown);
  EXPECT_THAT(b.detail, HasSubstr("No space left on device"));
}

// A cell that ended as the pipeline ends one at the build stage: the facts and detail BuildPass
// records for a compile error in `file` at `line`.
CellResult CompileBreak(const Cell& cell, const std::string& object, const std::string& file, int line) {
  const std::string error = "/work/out/t/src/" + file + ":" + std::to_string(line) + ":5: error: expected ';' before '}' token";
  CellResult r = Result(cell, Verdict::kBuildFailed, Stage::kBuild, "CC " + object + ": " + error);
  r.facts[FactKey::kBuildStep] = "CC";
  r.facts[FactKey::kBuildTarget] = object;
  r.facts[FactKey::kBuildError] = error;
  return r;
}

// A cell that ended as VerifyBtf ends one whose console showed `line` first.
CellResult Complained(const Cell& cell, const std::string& line) {
  CellResult r = Result(cell, Verdict::kKernelComplained, Stage::kVerify,
                        "the bytes match, but the kernel complained before the probe finished: " + line);
  r.facts[FactKey::kComplaint] = line;
  return r;
}

// Given a base tree whose kernel prints a WARNING: at boot, a series that adds a different BUG:
// should be introduced, not pre-existing (same verdict, same stage, another cause).
TEST(BaselineTest, ADifferentComplaintIsIntroduced) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  const Cell base = BaselineCells(cells, std::vector<CellResult>{Result(cells[0], Verdict::kPass, Stage::kVerify),
                                                                 Complained(cells[1], "x"),
                                                                 Result(cells[2], Verdict::kPass, Stage::kVerify)})[0];
  const CellResult with = Complained(cells[1], "[    1.204518] BUG: kernel NULL pointer dereference, address: 0000000000000008");
  const CellResult without =
      Complained(base, "[    0.912345] WARNING: CPU: 0 PID: 1 at kernel/bpf/btf.c:1234 btf_parse+0x1a/0x40");
  const CellBaseline b = ClassAgainstBaseline(with, without);
  EXPECT_EQ(b.cls, BaselineClass::kIntroduced);
  EXPECT_THAT(b.detail, HasSubstr("WARNING: CPU"));
}

// Given the same complaint with and without the series -- another time stamp, CPU, PID, address
// and line number -- it should be pre-existing.
TEST(BaselineTest, TheSameComplaintIsPreExisting) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  const CellResult with =
      Complained(cells[1], "[    1.204518] WARNING: CPU: 1 PID: 57 at kernel/bpf/btf.c:1240 btf_parse+0x1c/0x48");
  const CellResult without =
      Complained(cells[1], "[    0.912345] WARNING: CPU: 0 PID: 1 at kernel/bpf/btf.c:1234 btf_parse+0x1a/0x40");
  EXPECT_EQ(ClassAgainstBaseline(with, without).cls, BaselineClass::kPreExisting);
}

// Given a base tree that fails to compile one file, a series whose build breaks in another file
// should be introduced; the same file's break, moved to another line, pre-existing.
TEST(BaselineTest, ACompileBreakInAnotherFileIsIntroduced) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  const CellResult with = CompileBreak(cells[1], "mm/memory.o", "mm/memory.c", 20);
  EXPECT_EQ(ClassAgainstBaseline(with, CompileBreak(cells[1], "kernel/fork.o", "kernel/fork.c", 12)).cls, BaselineClass::kIntroduced);
  EXPECT_EQ(ClassAgainstBaseline(with, CompileBreak(cells[1], "mm/memory.o", "mm/memory.c", 17)).cls, BaselineClass::kPreExisting);
}

// Given one failing cell of each class, each --fail-on introduced outcome.
TEST(BaselineTest, FailOnIntroduced) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  std::vector<CellResult> results = {Result(cells[0], Verdict::kPass, Stage::kVerify),
                                     Result(cells[1], Verdict::kBuildFailed, Stage::kBuild),
                                     Result(cells[2], Verdict::kApplyFailed, Stage::kApply)};
  const auto base = BaselineCells(cells, results);
  ASSERT_EQ(base.size(), 1u);
  ApplyBaseline(results, cells, {Result(base[0], Verdict::kBuildFailed, Stage::kBuild)});
  EXPECT_EQ(results[0].baseline.cls, BaselineClass::kNone);
  EXPECT_EQ(results[1].baseline.cls, BaselineClass::kPreExisting);
  EXPECT_EQ(results[2].baseline.cls, BaselineClass::kIntroduced);
  EXPECT_EQ(results[2].baseline.detail, "the series does not apply to this tree");
  EXPECT_EQ(ExitCodeFor(results, FailOn::kIntroduced), kExitCellFailed);  // the series does not apply on s390x

  results[2] = Result(cells[2], Verdict::kPass, Stage::kVerify);
  EXPECT_EQ(ExitCodeFor(results, FailOn::kIntroduced), kExitPass);  // only the pre-existing arm64 failure is left

  results[1].baseline.cls = BaselineClass::kUnknown;
  EXPECT_EQ(ExitCodeFor(results, FailOn::kIntroduced), kExitHarnessError);  // a needed re-check failed: no guess

  // A failing cell that was never re-checked is not taken for pre-existing.
  results[1].baseline = {};
  EXPECT_EQ(ExitCodeFor(results, FailOn::kIntroduced), kExitCellFailed);
}

// Given a re-check that is missing (not run), the cell is unknown, never pre-existing.
TEST(BaselineTest, MissingRecheckIsUnknown) {
  const auto cells = ExpandCells(Matrix("{name: s, path: p}"), {});
  std::vector<CellResult> results = {Result(cells[0], Verdict::kTimedOut, Stage::kBoot),
                                     Result(cells[1], Verdict::kPass, Stage::kVerify),
                                     Result(cells[2], Verdict::kPass, Stage::kVerify)};
  ApplyBaseline(results, cells, {});
  EXPECT_EQ(results[0].baseline.cls, BaselineClass::kUnknown);
}

}  // namespace
}  // namespace harness
