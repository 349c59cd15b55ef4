#include "harness/report/live.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "harness/kbuild/diagnose.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/report/report.h"

namespace harness {
namespace {

// ANSI sequences: the cursor hidden while lines are redrawn under it, and shown again.
constexpr std::string_view kHideCursor = "\x1b[?25l";
constexpr std::string_view kShowCursor = "\x1b[?25h";
// Clears from the cursor to the end of the screen: the running lines, once the cursor is on the first.
constexpr std::string_view kClearBelow = "\x1b[J";

// A build's share done. Past the estimate it stays at 99%: the estimate was low, not the build done.
std::string ShareText(const RunningCell& cell) {
  if (cell.stage != Stage::kBuild || (cell.steps == 0 && cell.expected_steps == 0)) return "";
  if (cell.expected_steps == 0) return std::to_string(cell.steps) + " steps";
  const std::size_t percent = std::min<std::size_t>(99, cell.steps * 100 / cell.expected_steps);
  return std::to_string(percent) + "% (" + std::to_string(cell.steps) + "/~" + std::to_string(cell.expected_steps) +
         " steps)";
}

// The first `columns` characters; the strings here are ASCII (cell ids, stage names, numbers).
std::string Cut(std::string line, std::size_t columns) {
  if (columns > 0 && line.size() > columns) line.resize(columns);
  return line;
}

// "\x1b[3A": the cursor `lines` lines up.
std::string CursorUp(std::size_t lines) { return "\x1b[" + std::to_string(lines) + "A"; }

}  // namespace

ProgressMode ParseProgressMode(std::string_view text, std::string_view where) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "tty") return ProgressMode::kTty;
  if (text == "plain") return ProgressMode::kPlain;
  throw HarnessError(std::string(where) + " '" + Printable(text) + "' is not a progress mode; use auto, tty or plain");
}

bool UseLiveProgress(ProgressMode mode, bool is_terminal, std::string_view term) {
  switch (mode) {
    case ProgressMode::kTty: return true;
    case ProgressMode::kPlain: return false;
    case ProgressMode::kAuto: return is_terminal && !term.empty() && term != "dumb";
  }
  return false;
}

RunningCell* LiveProgress::Find(const std::string& cell) {
  auto it = std::find_if(running_.begin(), running_.end(), [&](const RunningCell& r) { return r.cell == cell; });
  return it == running_.end() ? nullptr : &*it;
}

std::vector<std::string> LiveProgress::Take(const Event& event, double now) {
  RunningCell* cell = Find(event.cell);
  switch (event.kind) {
    case Event::Kind::kStageStart:
      if (cell == nullptr) cell = &running_.emplace_back(RunningCell{.cell = event.cell});
      *cell = RunningCell{.cell = event.cell, .stage = event.stage, .since = now};
      return {};
    case Event::Kind::kStageEnd:
      if (cell != nullptr) std::erase_if(running_, [&](const RunningCell& r) { return r.cell == event.cell; });
      return {};
    case Event::Kind::kEstimate:
      if (cell != nullptr) cell->expected_steps = event.count;
      return {};
    case Event::Kind::kOutput: {
      std::string step, target;
      if (cell != nullptr && cell->stage == Stage::kBuild && ParseStepLine(event.text, &step, &target)) ++cell->steps;
      if (verbose_) return {PlainEventLine(event, now)};
      return {};
    }
    case Event::Kind::kCommand:
      if (verbose_) return {PlainEventLine(event, now)};
      return {};
    case Event::Kind::kCellEnd:
      std::erase_if(running_, [&](const RunningCell& r) { return r.cell == event.cell; });
      return {PlainEventLine(event, now)};
    case Event::Kind::kNote:
      return {PlainEventLine(event, now)};
  }
  return {};
}

std::vector<std::string> LiveLines(const std::vector<RunningCell>& running, double now, std::size_t width) {
  std::size_t id_width = 0, stage_width = 0;
  for (const auto& r : running) {
    id_width = std::max(id_width, r.cell.size());
    stage_width = std::max(stage_width, StageName(r.stage).size());
  }
  std::vector<std::string> lines;
  for (const auto& r : running) {
    std::string line = "  " + r.cell + std::string(id_width - r.cell.size(), ' ') + "  " +
                       std::string(StageName(r.stage)) + std::string(stage_width - StageName(r.stage).size(), ' ') +
                       " " + DurationText(std::max(0.0, now - r.since));
    if (const std::string share = ShareText(r); !share.empty()) line += "  " + share;
    lines.push_back(Cut(std::move(line), width > 0 ? width - 1 : 0));
  }
  return lines;
}

LiveTerminal::LiveTerminal(std::ostream& out, Options options)
    : out_(out), options_(std::move(options)), progress_(options_.verbose) {
  if (!options_.clock) options_.clock = NowSeconds;
  if (!options_.width) options_.width = [] { return std::size_t{80}; };
  start_ = options_.clock();
  if (options_.tick.count() > 0) {
    ticker_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!stopped_) {
        if (wake_.wait_for(lock, options_.tick, [this] { return stopped_; })) break;
        if (!progress_.running().empty() || drawn_ > 0) Draw({});
      }
    });
  }
}

LiveTerminal::~LiveTerminal() { Stop(); }

void LiveTerminal::OnEvent(const Event& event) {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  const std::size_t running_before = progress_.running().size();
  const std::vector<std::string> permanent = progress_.Take(event, options_.clock() - start_);
  // Output lines only move a counter: the ticker shows them. A cell starting or ending, or a
  // line to keep, is drawn at once.
  if (!permanent.empty() || progress_.running().size() != running_before ||
      event.kind == Event::Kind::kStageStart) {
    Draw(permanent);
  }
}

void LiveTerminal::Tick() {
  std::lock_guard lock(mutex_);
  if (!stopped_) Draw({});
}

void LiveTerminal::Draw(const std::vector<std::string>& permanent) {
  std::string frame;
  if (!cursor_hidden_) {
    frame += kHideCursor;
    cursor_hidden_ = true;
  }
  frame += "\r";
  if (drawn_ > 0) frame += CursorUp(drawn_);
  frame += kClearBelow;
  for (const auto& line : permanent) frame += line + "\n";
  const auto lines = LiveLines(progress_.running(), options_.clock() - start_, options_.width());
  for (const auto& line : lines) frame += line + "\n";
  drawn_ = lines.size();
  out_ << frame << std::flush;
}

void LiveTerminal::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard lock(mutex_);
  // Whatever ends the run (the last cell, an error, Ctrl-C), the screen keeps only permanent
  // lines, and the cursor is back.
  std::string frame = "\r";
  if (drawn_ > 0) frame += CursorUp(drawn_);
  frame += kClearBelow;
  if (cursor_hidden_) frame += kShowCursor;
  drawn_ = 0;
  out_ << frame << std::flush;
}

std::size_t TerminalWidth(int fd) {
  struct winsize size {};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

ProgressReporter::ProgressReporter(std::ostream& out, bool verbose, bool live) {
  if (live) {
    live_ = std::make_unique<LiveTerminal>(
        out, LiveTerminal::Options{.verbose = verbose, .width = [] { return TerminalWidth(STDERR_FILENO); }});
  } else {
    plain_ = std::make_unique<TerminalReporter>(out, verbose);
  }
}

void ProgressReporter::OnEvent(const Event& event) { live_ ? live_->OnEvent(event) : plain_->OnEvent(event); }

void ProgressReporter::Stop() {
  if (live_) live_->Stop();
}

}  // namespace harness
