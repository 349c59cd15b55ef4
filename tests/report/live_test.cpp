// Live progress: the pure part (events -> state -> lines) driven with a fake clock, and the
// escape sequences LiveTerminal writes around it.
#include "harness/report/live.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "harness/core/error.h"

namespace harness {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kCell = "debian-6.1/none/x86_64/gcc";

Event StageStart(const std::string& cell, Stage stage) {
  return {.kind = Event::Kind::kStageStart, .cell = cell, .stage = stage, .text = std::string(StageName(stage))};
}
Event Output(const std::string& cell, Stage stage, const std::string& line) {
  return {.kind = Event::Kind::kOutput, .cell = cell, .stage = stage, .text = line};
}

class LiveProgressTest : public ::testing::Test {
 protected:
  LiveProgress progress_{false};
};

// Given a build with an estimate of 200 steps and 50 step lines seen, it should show 25%.
TEST_F(LiveProgressTest, ABuildShowsItsShareOfTheEstimate) {
  progress_.Take(StageStart(kCell, Stage::kBuild), 10);
  progress_.Take({.kind = Event::Kind::kEstimate, .cell = kCell, .stage = Stage::kBuild, .count = 200}, 10);
  for (int i = 0; i < 50; ++i) progress_.Take(Output(kCell, Stage::kBuild, "  CC      init/main" + std::to_string(i) + ".o"), 11);
  progress_.Take(Output(kCell, Stage::kBuild, "In file included from x.c:1:"), 11);  // not a step
  EXPECT_THAT(LiveLines(progress_.running(), 72.5, 0),
              ElementsAre("  debian-6.1/none/x86_64/gcc  build 1:02.5  25% (50/~200 steps)"));
}

TEST_F(LiveProgressTest, PastTheEstimateItStaysAt99) {
  progress_.Take(StageStart(kCell, Stage::kBuild), 0);
  progress_.Take({.kind = Event::Kind::kEstimate, .cell = kCell, .stage = Stage::kBuild, .count = 2}, 0);
  for (int i = 0; i < 3; ++i) progress_.Take(Output(kCell, Stage::kBuild, "  LD      vmlinux"), 1);
  EXPECT_THAT(LiveLines(progress_.running(), 5, 0),
              ElementsAre("  debian-6.1/none/x86_64/gcc  build 5.0s  99% (3/~2 steps)"));
}

TEST_F(LiveProgressTest, WithoutAnEstimateItCountsSteps) {
  progress_.Take(StageStart(kCell, Stage::kBuild), 0);
  progress_.Take(Output(kCell, Stage::kBuild, "  AR      built-in.a"), 1);
  EXPECT_THAT(LiveLines(progress_.running(), 2, 0), ElementsAre("  debian-6.1/none/x86_64/gcc  build 2.0s  1 steps"));
}

// Other stages show their elapsed time only; ids and stage names are padded to one column.
TEST_F(LiveProgressTest, OneLinePerRunningCellAligned) {
  progress_.Take(StageStart("t/none/arm64/gcc", Stage::kBoot), 1);
  progress_.Take(StageStart(kCell, Stage::kConfig), 2);
  progress_.Take(Output("t/none/arm64/gcc", Stage::kBoot, "  CC      not a build"), 2);
  EXPECT_THAT(LiveLines(progress_.running(), 4, 0),
              ElementsAre("  t/none/arm64/gcc            boot   3.0s", "  debian-6.1/none/x86_64/gcc  config 2.0s"));
}

TEST_F(LiveProgressTest, LinesAreCutToTheTerminalWidth) {
  progress_.Take(StageStart(kCell, Stage::kBoot), 0);
  EXPECT_THAT(LiveLines(progress_.running(), 1, 21), ElementsAre("  debian-6.1/none/x8"));
}

// A cell's end leaves the running lines and is printed for good; so is a note.
TEST_F(LiveProgressTest, EndedCellsAndNotesArePermanent) {
  progress_.Take(StageStart(kCell, Stage::kVerify), 0);
  EXPECT_THAT(progress_.Take({.kind = Event::Kind::kNote, .cell = kCell, .text = "KVM unusable"}, 1.5),
              ElementsAre("[1.5s] debian-6.1/none/x86_64/gcc note: KVM unusable"));
  EXPECT_THAT(progress_.Take({.kind = Event::Kind::kCellEnd, .cell = kCell, .stage = Stage::kVerify, .text = "PASS"}, 2),
              ElementsAre("[2.0s] debian-6.1/none/x86_64/gcc PASS"));
  EXPECT_THAT(progress_.running(), IsEmpty());
}

// Between stages a cell is not running: a stage end takes its line away.
TEST_F(LiveProgressTest, AStageEndRemovesTheLine) {
  progress_.Take(StageStart(kCell, Stage::kBuild), 0);
  EXPECT_THAT(progress_.Take({.kind = Event::Kind::kStageEnd, .cell = kCell, .stage = Stage::kBuild}, 3), IsEmpty());
  EXPECT_THAT(progress_.running(), IsEmpty());
}

// Commands and child output stay in the logs unless verbose.
TEST_F(LiveProgressTest, CommandsAndOutputOnlyWhenVerbose) {
  const Event command{.kind = Event::Kind::kCommand, .cell = kCell, .stage = Stage::kBuild, .text = "make vmlinux"};
  EXPECT_THAT(progress_.Take(command, 1), IsEmpty());
  EXPECT_THAT(progress_.Take(Output(kCell, Stage::kBuild, "  CC      x.o"), 1), IsEmpty());
  LiveProgress verbose(true);
  EXPECT_THAT(verbose.Take(command, 1), ElementsAre("[1.0s] debian-6.1/none/x86_64/gcc $ make vmlinux"));
  EXPECT_THAT(verbose.Take(Output(kCell, Stage::kBuild, "  CC      x.o"), 1),
              ElementsAre("  debian-6.1/none/x86_64/gcc |   CC      x.o"));
}

TEST(ProgressModeTest, AutoNeedsATerminalThatCanMoveTheCursor) {
  EXPECT_TRUE(UseLiveProgress(ProgressMode::kAuto, true, "xterm-256color"));
  EXPECT_FALSE(UseLiveProgress(ProgressMode::kAuto, false, "xterm"));
  EXPECT_FALSE(UseLiveProgress(ProgressMode::kAuto, true, "dumb"));
  EXPECT_FALSE(UseLiveProgress(ProgressMode::kAuto, true, ""));
  EXPECT_TRUE(UseLiveProgress(ProgressMode::kTty, false, ""));
  EXPECT_FALSE(UseLiveProgress(ProgressMode::kPlain, true, "xterm"));
}

TEST(ProgressModeTest, ParsesTheThreeModesAndNamesABadOne) {
  EXPECT_EQ(ParseProgressMode("auto", "x"), ProgressMode::kAuto);
  EXPECT_EQ(ParseProgressMode("tty", "x"), ProgressMode::kTty);
  EXPECT_EQ(ParseProgressMode("plain", "x"), ProgressMode::kPlain);
  try {
    ParseProgressMode("fancy", "HARNESS_PROGRESS");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "HARNESS_PROGRESS 'fancy' is not a progress mode; use auto, tty or plain");
  }
}

// The terminal side: the cursor hidden while drawing, each redraw moving up over the previous
// running lines and clearing below, and Stop() leaving only permanent lines and the cursor back.
TEST(LiveTerminalTest, RedrawsInPlaceAndLeavesTheTerminalClean) {
  std::ostringstream out;
  double now = 100;
  LiveTerminal terminal(out, {.clock = [&] { return now; }, .width = [] { return std::size_t{80}; },
                              .tick = std::chrono::milliseconds(0)});
  terminal.OnEvent(StageStart(kCell, Stage::kBoot));
  EXPECT_EQ(out.str(), "\x1b[?25l\r\x1b[J  debian-6.1/none/x86_64/gcc  boot 0.0s\n");
  out.str("");
  now = 101;
  terminal.Tick();
  EXPECT_EQ(out.str(), "\r\x1b[1A\x1b[J  debian-6.1/none/x86_64/gcc  boot 1.0s\n");
  out.str("");
  terminal.OnEvent({.kind = Event::Kind::kCellEnd, .cell = kCell, .stage = Stage::kVerify, .text = "PASS"});
  EXPECT_EQ(out.str(), "\r\x1b[1A\x1b[J[1.0s] debian-6.1/none/x86_64/gcc PASS\n");
  out.str("");
  terminal.OnEvent(Output(kCell, Stage::kBoot, "console line"));  // nothing running, nothing to draw
  EXPECT_EQ(out.str(), "");
  terminal.Stop();
  EXPECT_EQ(out.str(), "\r\x1b[J\x1b[?25h");
  out.str("");
  terminal.Stop();
  terminal.OnEvent(StageStart(kCell, Stage::kBoot));  // after Stop: nothing
  EXPECT_EQ(out.str(), "");
}

// An error or Ctrl-C ends the run through the destructor: the running lines go, the cursor comes back.
TEST(LiveTerminalTest, TheDestructorCleansUpRunningLines) {
  std::ostringstream out;
  {
    LiveTerminal terminal(out, {.clock = [] { return 0.0; }, .tick = std::chrono::milliseconds(0)});
    terminal.OnEvent(StageStart(kCell, Stage::kBuild));
    terminal.OnEvent(StageStart("other", Stage::kBuild));
    out.str("");
  }
  EXPECT_EQ(out.str(), "\r\x1b[2A\x1b[J\x1b[?25h");
}

// The ticker thread redraws by itself while a cell runs.
TEST(LiveTerminalTest, TheTickerRedraws) {
  std::ostringstream out;
  LiveTerminal terminal(out, {.tick = std::chrono::milliseconds(10)});
  terminal.OnEvent(StageStart(kCell, Stage::kBoot));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  terminal.Stop();
  const std::string text = out.str();
  std::size_t redraws = 0;
  for (std::size_t at = 0; (at = text.find("\x1b[1A", at)) != std::string::npos; ++at) ++redraws;
  EXPECT_GE(redraws, 3u);
}

}  // namespace
}  // namespace harness
