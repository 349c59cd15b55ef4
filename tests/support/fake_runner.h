#pragma once
// A ProcessRunner for tests: records every spec and answers from scripted results. Safe to call
// from several threads at once (the pipeline runs cells concurrently).
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "harness/proc/runner.h"

namespace harness {

class FakeRunner : public ProcessRunner {
 public:
  // Called for every Run; may create files the real command would (e.g. a vmlinux). Called
  // without the runner's lock held, so concurrent calls overlap as real processes would: a
  // handler that keeps state of its own must guard it.
  using Handler = std::function<ProcessResult(const ProcessSpec&)>;

  // Results are consumed in order; when none is queued the answer is exit 0. A handler, when
  // set, answers every call instead.
  void Push(ProcessResult result);
  void SetHandler(Handler handler);

  ProcessResult Run(const ProcessSpec& spec) override;

  // Every call so far, in the order they started. A copy: while runs are still going on, later
  // calls are not in it.
  std::vector<ProcessSpec> calls() const;
  // Each call's argv joined for the shell, for compact assertions.
  std::vector<std::string> CommandLines() const;

 private:
  mutable std::mutex mutex_;
  std::vector<ProcessSpec> calls_;
  std::deque<ProcessResult> queued_;
  Handler handler_;
};

}  // namespace harness
