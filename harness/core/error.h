#pragma once
// Failures of the harness or the machine (bad input, missing tool, full disk), as opposed to
// failures of the kernel under test, which are cell verdicts (see harness/results/results.h). The two never mix:
// `git bisect run` must not mark a commit bad because QEMU was missing.
#include <stdexcept>
#include <string>

namespace harness {

// The exit code a harness error ends a run with is kExitHarnessError (harness/results/exit_code.h).
class HarnessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace harness
