#include "harness/proc/fake_runner.h"

#include "harness/core/util.h"

namespace harness {

ProcessResult FakeRunner::Run(const ProcessSpec& spec) {
  calls_.push_back(spec);
  if (handler_) return handler_(spec);
  if (!queued_.empty()) {
    ProcessResult result = std::move(queued_.front());
    queued_.pop_front();
    return result;
  }
  ProcessResult ok;
  ok.exit_code = 0;
  return ok;
}

std::vector<std::string> FakeRunner::CommandLines() const {
  std::vector<std::string> lines;
  lines.reserve(calls_.size());
  for (const auto& call : calls_) lines.push_back(ShellJoin(call.argv));
  return lines;
}

}  // namespace harness
