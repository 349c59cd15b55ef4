// The one rule from a run's cell results (and --fail-on) to the harness's exit status.
#include <gtest/gtest.h>

#include <vector>

#include "harness/results/exit_code.h"

namespace harness {
namespace {

CellResult Cell(Verdict verdict, HistoryClass history = HistoryClass::kNone,
                BaselineClass baseline = BaselineClass::kNone) {
  CellResult r;
  r.cell = "t/s/arm64/gcc";
  r.verdict = verdict;
  r.history.cls = history;
  r.baseline.cls = baseline;
  return r;
}

CellResult Error() {
  CellResult r = Cell(Verdict::kUndecided);
  r.error = "qemu missing";
  return r;
}

// Given --fail-on any, every kernel failure fails the run and a harness error outranks it;
// successes and excluded cells do not, an undecided cell does (a gate never passes it).
TEST(ExitCodeTest, AnyFailure) {
  EXPECT_EQ(ExitCodeFor(std::vector<CellResult>{}), kExitPass);
  EXPECT_EQ(ExitCodeFor(std::vector{Cell(Verdict::kPass), Cell(Verdict::kBuilt), Cell(Verdict::kExcluded)}), kExitPass);
  EXPECT_EQ(ExitCodeFor(std::vector{Cell(Verdict::kPass), Cell(Verdict::kTimedOut)}), kExitCellFailed);
  EXPECT_EQ(ExitCodeFor(std::vector{Cell(Verdict::kUndecided)}), kExitCellFailed);
  EXPECT_EQ(ExitCodeFor(std::vector{Cell(Verdict::kContentMismatch), Error()}), kExitHarnessError);
  EXPECT_EQ(ExitCodeFor(std::vector{Error(), Cell(Verdict::kContentMismatch)}), kExitHarnessError);
}

// Given --fail-on new, only a new failure fails the run; a harness error still outranks all.
TEST(ExitCodeTest, NewFailuresOnly) {
  const auto code = [](std::vector<CellResult> results) { return ExitCodeFor(results, FailOn::kNew); };
  EXPECT_EQ(code({Cell(Verdict::kBuildFailed, HistoryClass::kStillFailing),
                  Cell(Verdict::kTimedOut, HistoryClass::kFlaky), Cell(Verdict::kPass, HistoryClass::kFixed)}),
            kExitPass);
  EXPECT_EQ(code({Cell(Verdict::kBuildFailed, HistoryClass::kStillFailing),
                  Cell(Verdict::kSizeMismatch, HistoryClass::kNewFailure)}),
            kExitCellFailed);
  EXPECT_EQ(code({Cell(Verdict::kPass, HistoryClass::kPassing), Error()}), kExitHarnessError);
}

// Given --fail-on introduced, a failure fails the run unless it is pre-existing; a re-check that
// hit a harness error (unknown) is a harness error, never taken for pre-existing.
TEST(ExitCodeTest, IntroducedFailuresOnly) {
  const auto code = [](std::vector<CellResult> results) { return ExitCodeFor(results, FailOn::kIntroduced); };
  const CellResult old = Cell(Verdict::kBuildFailed, HistoryClass::kNone, BaselineClass::kPreExisting);
  EXPECT_EQ(code({old, Cell(Verdict::kPass)}), kExitPass);
  EXPECT_EQ(code({old, Cell(Verdict::kApplyFailed, HistoryClass::kNone, BaselineClass::kIntroduced)}), kExitCellFailed);
  EXPECT_EQ(code({old, Cell(Verdict::kTimedOut)}), kExitCellFailed);  // never re-checked: counts
  EXPECT_EQ(code({old, Cell(Verdict::kTimedOut, HistoryClass::kNone, BaselineClass::kUnknown)}), kExitHarnessError);
  EXPECT_EQ(code({Error(), old}), kExitHarnessError);
  // The same cells under --fail-on any: every failure counts, the classes do not matter.
  EXPECT_EQ(ExitCodeFor(std::vector{old, Cell(Verdict::kPass)}), kExitCellFailed);
}

}  // namespace
}  // namespace harness
