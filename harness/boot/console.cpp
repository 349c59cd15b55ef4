#include "harness/boot/console.h"

#include <algorithm>
#include <array>

#include "harness/core/util.h"

namespace harness {
namespace {

// Lines are stored (and shown) cut to this many bytes: a guest spewing megabytes without a
// newline must not grow our memory or a report.
constexpr std::size_t kMaxStoredLine = 4096;
// Lines kept for Tail(); more than any caller asks for.
constexpr std::size_t kMaxTailLines = 200;

// The kernel prints these on the way to an unrecoverable stop. "Attempted to kill init" and
// "No working init found" are normally inside a "Kernel panic - not syncing:" line, but are
// matched on their own in case the prefix was garbled on the console.
constexpr std::array<std::string_view, 3> kPanicMarkers = {
    "Kernel panic - not syncing",
    "Attempted to kill init",
    "No working init found",
};

constexpr std::string_view kCutHere = "------------[ cut here ]";

// What the kernel prints when something went wrong without stopping it. Matched anywhere in a
// line (timestamps and console prefixes vary by arch); a line may hold several.
constexpr std::array<std::string_view, 17> kComplaintMarkers = {
    "WARNING:",                   // WARN_ON(), lockdep's "WARNING: possible ..." reports
    kCutHere,                     // the line before a WARN or BUG
    "BUG:",                       // BUG: KASAN, BUG: unable to handle, BUG: sleeping function
    "kernel BUG at",
    "Oops:",                      // x86 "Oops: 0000 [#1]", arm64 "Internal error: Oops: ..."
    "Oops[",                      // s390 "Oops[#1]"
    "KASAN:",
    "UBSAN:",
    "general protection fault",
    "Unable to handle kernel",    // arm64 faults
    "Call Trace:",                // x86, s390
    "Call trace:",                // arm64
    "INFO: possible",             // lockdep: recursive locking, irq lock inversion
    "INFO: task",                 // hung task
    "rcu: INFO:",                 // RCU stall
    "BPF:",                       // the BTF verifier: "BPF: Invalid magic", "BPF: Unsupported version"
    "failed to validate module",  // a module's BTF refused at load: "... [btfmod] BTF: -22"
};

std::string Stored(std::string_view line) {
  if (line.size() <= kMaxStoredLine) return Printable(line);
  return Printable(line.substr(0, kMaxStoredLine)) + " [... " +
         std::to_string(line.size() - kMaxStoredLine) + " more bytes]";
}

// The marker must stand as a word: followed by a space or the end of the line.
std::size_t FindMarker(std::string_view line) {
  for (std::size_t at = line.find(kProbeMarker); at != std::string_view::npos;
       at = line.find(kProbeMarker, at + 1)) {
    const std::size_t after = at + kProbeMarker.size();
    if (after == line.size() || line[after] == ' ') return at;
  }
  return std::string_view::npos;
}

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\0')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

std::string_view ComplaintIn(std::string_view line, std::span<const std::string_view> allowlist) {
  // The probe's own lines ("HARNESS-PROBE: ...") are evidence of another kind (probe errors).
  if (line.find("HARNESS-PROBE") != std::string_view::npos) return {};
  std::size_t first = std::string_view::npos;
  for (std::string_view marker : kComplaintMarkers) first = std::min(first, line.find(marker));
  if (first == std::string_view::npos) return {};
  for (std::string_view allowed : allowlist) {
    if (line.find(allowed) != std::string_view::npos) return {};
  }
  return line.substr(first);
}

bool ConsoleParser::Feed(std::string_view line) {
  line = TrimRight(line);
  tail_.push_back(Stored(line));
  if (tail_.size() > kMaxTailLines) tail_.pop_front();
  if (state_ != State::kRunning) return false;
  if (line.find("Linux version ") != std::string_view::npos) banner_seen_ = true;
  if (FindMarker(line) == std::string_view::npos) {
    if (complaint_.empty()) {
      if (!ComplaintIn(line, allowlist_).empty()) {
        complaint_.push_back(Stored(line));
        complaint_open_ = true;
      }
    } else if (complaint_open_) {
      // The trace that follows the first complaint, until the probe speaks again.
      if (line.find("HARNESS-PROBE") != std::string_view::npos || complaint_.size() >= kComplaintLines) {
        complaint_open_ = false;
      } else {
        complaint_.push_back(Stored(line));
        // "cut here" only announces a WARN or BUG: the line after it says what happened and is
        // the one a verdict quotes (the first line), the marker stays in the trace after it.
        if (complaint_.size() == 2 && complaint_[0].find(kCutHere) != std::string::npos &&
            !ComplaintIn(line, allowlist_).empty()) {
          std::swap(complaint_[0], complaint_[1]);
        }
      }
    }
  }

  // Search within the line: the x86 console starts with SeaBIOS escape sequences and kernel
  // messages can land in the middle of a line the probe is printing.
  if (auto at = FindMarker(line); at != std::string_view::npos) {
    state_ = State::kProbeDone;
    marker_line_ = Stored(line.substr(at));
    return false;
  }
  for (std::string_view marker : kPanicMarkers) {
    if (auto at = line.find(marker); at != std::string_view::npos) {
      state_ = State::kPanicked;
      // From "Kernel panic" on when present, dropping the timestamp and any garbage before it.
      auto panic_at = line.find(kPanicMarkers[0]);
      panic_line_ = Stored(line.substr(panic_at != std::string_view::npos ? panic_at : at));
      return false;
    }
  }
  return true;
}

std::string ConsoleParser::Tail(std::size_t lines) const {
  std::string out;
  const std::size_t first = tail_.size() > lines ? tail_.size() - lines : 0;
  for (std::size_t i = first; i < tail_.size(); ++i) {
    out += tail_[i];
    out += '\n';
  }
  return out;
}

}  // namespace harness
