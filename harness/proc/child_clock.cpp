#include "harness/proc/runner.h"

namespace harness {
namespace {
thread_local double child_seconds = 0;
}  // namespace

ProcessResult ChildClock::Run(const ProcessSpec& spec) {
  ProcessResult result = inner_.Run(spec);
  child_seconds += result.seconds;
  return result;
}

double ChildClock::ThreadChildSeconds() { return child_seconds; }

}  // namespace harness
