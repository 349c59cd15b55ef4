#pragma once
// Reads a guest console line by line (raw bytes, possibly garbage) and decides whether the
// boot has ended: the probe's done marker, a kernel panic, or init exiting. It also keeps the
// first kernel complaint (WARN, BUG, Oops, KASAN, UBSAN, lockdep, a BPF: error, a call trace)
// printed before the done marker: a guest that complained is not a clean PASS even when the
// bytes match.
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// The probe prints this, then a space and key=value words, as its last line before power-off.
inline constexpr std::string_view kProbeMarker = "HARNESS-PROBE-DONE";

// The line, cut to its kernel message, when it is a kernel complaint not excused by the
// allowlist; empty otherwise. Lines of the probe itself never count.
std::string_view ComplaintIn(std::string_view line, std::span<const std::string_view> allowlist);

class ConsoleParser {
 public:
  enum class State { kRunning, kProbeDone, kPanicked };

  // allowlist: substrings of lines that look like complaints but are harmless (arch data).
  explicit ConsoleParser(std::span<const std::string_view> allowlist = {}) : allowlist_(allowlist) {}

  // Feeds one line (without '\n'). Returns false when the boot is over and QEMU may be stopped
  // (a panic with panic=-1 normally makes QEMU exit on its own, but we do not wait for it).
  bool Feed(std::string_view line);

  State state() const { return state_; }
  // The panic line ("Kernel panic - not syncing: Attempted to kill init! ..."), printable.
  const std::string& panic_line() const { return panic_line_; }
  const std::string& marker_line() const { return marker_line_; }
  // The kernel printed its "Linux version" banner: it got control from the firmware.
  bool banner_seen() const { return banner_seen_; }
  // The last lines seen, printable (non-ASCII escaped), for diagnoses.
  std::string Tail(std::size_t lines = 20) const;
  // The first complaint before the done marker and the lines after it (a stack trace), up to
  // kComplaintLines, printable; empty when the kernel did not complain.
  const std::vector<std::string>& complaint() const { return complaint_; }
  static constexpr std::size_t kComplaintLines = 24;

 private:
  std::span<const std::string_view> allowlist_;
  std::vector<std::string> complaint_;
  bool complaint_open_ = false;
  bool banner_seen_ = false;  // still collecting the lines after the first complaint
  State state_ = State::kRunning;
  std::string panic_line_;
  std::string marker_line_;
  std::deque<std::string> tail_;
};

}  // namespace harness
