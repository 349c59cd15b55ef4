#pragma once
// Live progress on a terminal: one line per running cell (its stage, the stage's elapsed time
// and, for a build, the share of kbuild steps done), redrawn in place, with finished cells and
// notes printed above for good. LiveProgress and LiveLines are the pure part, state -> lines,
// which unit tests drive with a fake clock; LiveTerminal is the thin I/O around them.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/results/events.h"

namespace harness {

// --progress (or HARNESS_PROGRESS): auto draws live lines when stderr is a terminal, tty always,
// plain never (timestamped lines, as in a CI log).
enum class ProgressMode { kAuto, kTty, kPlain };
// "auto", "tty" or "plain"; HarnessError naming `where` otherwise.
ProgressMode ParseProgressMode(std::string_view text, std::string_view where);
// Whether to draw live: auto needs a terminal whose TERM is set and not "dumb" (which cannot
// move the cursor).
bool UseLiveProgress(ProgressMode mode, bool is_terminal, std::string_view term);

// One cell (or a tree's shared stage) that is running a stage now.
struct RunningCell {
  std::string cell;
  Stage stage = Stage::kTree;
  double since = 0;                // when the stage started, on the run's clock
  std::size_t steps = 0;           // kbuild step lines the stage printed so far
  std::size_t expected_steps = 0;  // the build's estimate; 0 when there is none
};

// What is running, from the events as they come.
class LiveProgress {
 public:
  explicit LiveProgress(bool verbose) : verbose_(verbose) {}
  // Takes one event that came at `now` (seconds on the run's clock); returns the lines to print
  // above the running ones, for good: finished cells, notes and, when verbose, commands and
  // child output.
  std::vector<std::string> Take(const Event& event, double now);
  const std::vector<RunningCell>& running() const { return running_; }

 private:
  RunningCell* Find(const std::string& cell);

  bool verbose_;
  std::vector<RunningCell> running_;  // in the order they started
};

// The running lines, "  <cell>  <stage> <elapsed>[  <share done>]", cell ids padded to one
// width, each cut to `width` - 1 columns so that no line wraps (0: not cut).
std::vector<std::string> LiveLines(const std::vector<RunningCell>& running, double now, std::size_t width);

// The terminal's side: hides the cursor, redraws the running lines on every cell start or end
// and on a ticker (at most 1 s / tick), prints the permanent lines above them. Stop() (or the
// destructor, on an error) erases the running lines and shows the cursor again.
class LiveTerminal : public EventSink {
 public:
  struct Options {
    bool verbose = false;
    std::function<double()> clock;            // seconds; NowSeconds when empty
    std::function<std::size_t()> width;       // columns; 80 when empty
    std::chrono::milliseconds tick{250};      // 0: no ticker thread (tests)
  };
  LiveTerminal(std::ostream& out, Options options);
  ~LiveTerminal() override;
  LiveTerminal(const LiveTerminal&) = delete;
  LiveTerminal& operator=(const LiveTerminal&) = delete;

  void OnEvent(const Event& event) override;
  // Redraws the running lines with the time now (the ticker calls it).
  void Tick();
  // Ends the ticker and leaves the terminal clean: running lines erased, cursor shown. Idempotent.
  void Stop();

 private:
  void Draw(const std::vector<std::string>& permanent);  // with mutex_ held

  std::ostream& out_;
  Options options_;
  double start_;
  LiveProgress progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  bool cursor_hidden_ = false;
  std::size_t drawn_ = 0;  // running lines now on the screen, above the cursor
  std::thread ticker_;
};

// How run, corpus and boot report progress: live lines (a LiveTerminal on stderr) when `live`,
// else plain lines (TerminalReporter). Stop() before the summary is printed.
class ProgressReporter : public EventSink {
 public:
  ProgressReporter(std::ostream& out, bool verbose, bool live);
  void OnEvent(const Event& event) override;
  // Ends the live lines, leaving the terminal clean (see LiveTerminal::Stop); nothing when plain.
  void Stop();

 private:
  std::unique_ptr<EventSink> plain_;
  std::unique_ptr<LiveTerminal> live_;
};

// Columns of the terminal on file descriptor `fd`; 80 when it says nothing.
std::size_t TerminalWidth(int fd);

}  // namespace harness
