#include "tests/support/fake_runner.h"

#include "harness/core/util.h"

namespace harness {

void FakeRunner::Push(ProcessResult result) {
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(result));
}

void FakeRunner::SetHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

ProcessResult FakeRunner::Run(const ProcessSpec& spec) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    calls_.push_back(spec);
    if (handler_) {
      handler = handler_;
    } else if (!queued_.empty()) {
      ProcessResult result = std::move(queued_.front());
      queued_.pop_front();
      return result;
    } else {
      ProcessResult ok;
      ok.exit_code = 0;
      return ok;
    }
  }
  return handler(spec);
}

std::vector<ProcessSpec> FakeRunner::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<std::string> FakeRunner::CommandLines() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines;
  lines.reserve(calls_.size());
  for (const auto& call : calls_) lines.push_back(ShellJoin(call.argv));
  return lines;
}

}  // namespace harness
