#pragma once
// Failures of the harness or the machine (bad input, missing tool, full disk), as opposed to
// failures of the kernel under test, which are cell verdicts (see verdict.h). The two never mix:
// `git bisect run` must not mark a commit bad because QEMU was missing.
#include <stdexcept>
#include <string>

namespace harness {

// Process exit codes of the `harness` binary.
inline constexpr int kExitPass = 0;          // every cell passed
inline constexpr int kExitCellFailed = 1;    // at least one cell has a failing verdict
inline constexpr int kExitHarnessError = 2;  // bad input, missing tool, machine trouble
// With --bisect, harness errors exit with this instead so `git bisect run` aborts (>127).
inline constexpr int kExitBisectAbort = 255;

class HarnessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace harness
