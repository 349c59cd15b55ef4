#pragma once
// Stages never print: they emit events, and a reporter renders them.
#include <cstddef>
#include <mutex>
#include <string>

#include "harness/results/results.h"

namespace harness {

struct Event {
  enum class Kind {
    kStageStart,  // text: what the stage is about to do
    kStageEnd,    // seconds: how long it took; text: short outcome
    kCommand,     // text: the exact command line, pasteable into a shell
    kOutput,      // text: one line of a child's output (build log, console)
    kNote,        // text: something a person should know (cache hit, tool fallback)
    kEstimate,    // count: how many kbuild step lines ("  CC      init/main.o") the stage is
                  // expected to print, for a share done; text: where the guess comes from
    kCellEnd,     // text: the cell's verdict and detail, once its last pass has run
  };
  Kind kind = Kind::kNote;
  std::string cell;
  Stage stage = Stage::kTree;
  std::string text;
  double seconds = 0;
  std::size_t count = 0;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(const Event& event) = 0;
};

// Discards everything; for tests and for callers that do not report.
class NullSink : public EventSink {
 public:
  void OnEvent(const Event&) override {}
};

// Hands events to `inner` one at a time: the cells of a run report from several threads, and
// a reporter renders one event at a time.
class SerializedSink : public EventSink {
 public:
  explicit SerializedSink(EventSink& inner) : inner_(inner) {}
  void OnEvent(const Event& event) override {
    std::lock_guard lock(mutex_);
    inner_.OnEvent(event);
  }

 private:
  EventSink& inner_;
  std::mutex mutex_;
};

}  // namespace harness
