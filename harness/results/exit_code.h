#pragma once
// How a set of cell results becomes the `harness` binary's exit status: one rule for run,
// merge, report and bisect, and for every --fail-on.
#include <span>
#include <string_view>

#include "harness/results/names.h"
#include "harness/results/results.h"

namespace harness {

// Process exit codes of the `harness` binary.
inline constexpr int kExitPass = 0;          // every cell passed
inline constexpr int kExitCellFailed = 1;    // at least one cell has a failing verdict
inline constexpr int kExitHarnessError = 2;  // bad input, missing tool, machine trouble
// With --bisect, harness errors exit with this instead so `git bisect run` aborts (>127).
inline constexpr int kExitBisectAbort = 255;

// Which kernel failures fail a run (--fail-on).
enum class FailOn {
  kAny,         // every failing cell
  kNew,         // only new failures (history class kNewFailure): needs a history
  kIntroduced,  // only failures the --series introduced (baseline not pre-existing): needs --series
};
inline constexpr Named<FailOn> kFailOnNames[] = {
    {FailOn::kAny, "any"}, {FailOn::kNew, "new"}, {FailOn::kIntroduced, "introduced"}};
// HarnessError for a name outside kFailOnNames.
FailOn ParseFailOn(std::string_view name);

// kExitHarnessError when any cell hit a harness error (and, for kIntroduced, when a failing
// cell's re-check without the series did: its baseline is unknown, and a gate must not guess);
// else kExitCellFailed when a cell failed in the way `fail_on` counts; else kExitPass. An
// undecided cell counts as failed: a gate must never pass it.
int ExitCodeFor(std::span<const CellResult> results, FailOn fail_on = FailOn::kAny);

}  // namespace harness
