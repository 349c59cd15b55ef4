#pragma once
// An EventSink that keeps every event, for tests of what a stage reports (stages never print).
#include <vector>

#include "harness/results/events.h"

namespace harness::testing {

class RecordingSink : public EventSink {
 public:
  void OnEvent(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

}  // namespace harness::testing
