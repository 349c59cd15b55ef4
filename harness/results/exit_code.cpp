#include "harness/results/exit_code.h"

namespace harness {
namespace {

// Whether `fail_on` counts this cell's kernel failure.
bool Counts(const CellResult& r, FailOn fail_on) {
  switch (fail_on) {
    case FailOn::kAny: return IsKernelFailure(r.verdict);
    case FailOn::kNew: return r.history.cls == HistoryClass::kNewFailure;
    case FailOn::kIntroduced: return IsKernelFailure(r.verdict) && r.baseline.cls != BaselineClass::kPreExisting;
  }
  return true;
}

}  // namespace

FailOn ParseFailOn(std::string_view name) { return ParseName(kFailOnNames, name, "--fail-on"); }

int ExitCodeFor(std::span<const CellResult> results, FailOn fail_on) {
  int code = kExitPass;
  for (const auto& r : results) {
    if (!r.error.empty()) return kExitHarnessError;
    if (fail_on == FailOn::kIntroduced && r.baseline.cls == BaselineClass::kUnknown) return kExitHarnessError;
    if (Counts(r, fail_on)) code = kExitCellFailed;
  }
  return code;
}

}  // namespace harness
