#pragma once
// A ProcessRunner for tests: records every spec and answers from scripted results.
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "harness/proc/runner.h"

namespace harness {

class FakeRunner : public ProcessRunner {
 public:
  // Called for every Run; may create files the real command would (e.g. a vmlinux).
  using Handler = std::function<ProcessResult(const ProcessSpec&)>;

  // Results are consumed in order; when none is queued the answer is exit 0. A handler, when
  // set, answers every call instead.
  void Push(ProcessResult result) { queued_.push_back(std::move(result)); }
  void SetHandler(Handler handler) { handler_ = std::move(handler); }

  ProcessResult Run(const ProcessSpec& spec) override;

  const std::vector<ProcessSpec>& calls() const { return calls_; }
  // Each call's argv joined for the shell, for compact assertions.
  std::vector<std::string> CommandLines() const;

 private:
  std::vector<ProcessSpec> calls_;
  std::deque<ProcessResult> queued_;
  Handler handler_;
};

}  // namespace harness
