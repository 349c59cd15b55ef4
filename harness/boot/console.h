#pragma once
// Reads a guest console line by line (raw bytes, possibly garbage) and decides whether the
// boot has ended: the probe's done marker, a kernel panic, or init exiting.
#include <deque>
#include <string>
#include <string_view>

namespace harness {

// The probe prints this, then a space and key=value words, as its last line before power-off.
inline constexpr std::string_view kProbeMarker = "HARNESS-PROBE-DONE";

class ConsoleParser {
 public:
  enum class State { kRunning, kProbeDone, kPanicked };

  // Feeds one line (without '\n'). Returns false when the boot is over and QEMU may be stopped
  // (a panic with panic=-1 normally makes QEMU exit on its own, but we do not wait for it).
  bool Feed(std::string_view line);

  State state() const { return state_; }
  // The panic line ("Kernel panic - not syncing: Attempted to kill init! ..."), printable.
  const std::string& panic_line() const { return panic_line_; }
  const std::string& marker_line() const { return marker_line_; }
  // The last lines seen, printable (non-ASCII escaped), for diagnoses.
  std::string Tail(std::size_t lines = 20) const;

 private:
  State state_ = State::kRunning;
  std::string panic_line_;
  std::string marker_line_;
  std::deque<std::string> tail_;
};

}  // namespace harness
