#include "harness/boot/console.h"

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

bool ConsoleParser::Feed(std::string_view line) {
  line = TrimRight(line);
  tail_.push_back(Stored(line));
  if (tail_.size() > kMaxTailLines) tail_.pop_front();
  if (state_ != State::kRunning) return false;

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
