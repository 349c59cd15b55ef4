// The bisect state file: what it keeps, and that it rejects corruption with the line at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "harness/bisect/state.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

const std::string kSha1(40, 'a'), kSha2(40, 'b');

BisectState CommitState() {
  BisectState state;
  state.tree = "/src/linux";
  state.good = kSha1;
  state.bad = kSha2;
  state.arch = "s390x";
  state.matrix = "/h/configs/default.yaml";
  state.stop_after = "inspect";
  return state;
}

StepRecord Step(const std::string& at, int exit_code) {
  return {.role = PointRole::kStep, .at = at, .exit_code = exit_code, .signature = "build-failed@build/BTF", .seconds = 12.25,
          .build = BuildKind::kIncremental, .attempts = 1, .subject = "kbuild:\tgen_btf", .detail = "line one\nline two"};
}

std::string Header() { return FormatStateHeader(CommitState()); }

// Given the std::string of a state, it should throw with `what` in the message.
void ExpectRejected(const std::string& text, const std::string& what) {
  try {
    ParseState(text, "state.txt");
    ADD_FAILURE() << "accepted:\n" << text;
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr(what)) << text;
  }
}

TEST(StateTest, HeaderAndStepsRoundTrip) {
  const std::string text = Header() + "signature build-failed@build/BTF\n" + FormatStep(Step(kSha1, 0)) +
                           FormatStep(Step(kSha2, 125));
  const BisectState state = ParseState(text, "state.txt");
  EXPECT_EQ(state.tree, "/src/linux");
  EXPECT_EQ(state.good, kSha1);
  EXPECT_EQ(state.bad, kSha2);
  EXPECT_EQ(state.arch, "s390x");
  EXPECT_EQ(state.bad_if, "same");
  EXPECT_EQ(state.stop_after, "inspect");
  EXPECT_EQ(state.signature, "build-failed@build/BTF");
  EXPECT_FALSE(state.series_mode());
  ASSERT_EQ(state.steps.size(), 2u);
  EXPECT_EQ(state.steps[1].exit_code, 125);
  EXPECT_DOUBLE_EQ(state.steps[0].seconds, 12.2);  // one decimal kept (12.25 rounds to even)
  EXPECT_EQ(state.steps[0].build, BuildKind::kIncremental);
  EXPECT_EQ(state.steps[0].subject, "kbuild: gen_btf");  // tabs and newlines flattened
  EXPECT_EQ(state.steps[0].detail, "line one line two");
  EXPECT_EQ(state.Find(kSha2)->exit_code, 125);
  EXPECT_EQ(state.Find("patches:1"), nullptr);
  EXPECT_TRUE(state.notes.empty());
}

TEST(StateTest, SeriesModeNeedsSeriesInsteadOfBad) {
  BisectState series = CommitState();
  series.bad.clear();
  series.series = "/p/series";
  EXPECT_TRUE(ParseState(FormatStateHeader(series), "s").series_mode());
  BisectState neither = series;
  neither.series.clear();
  ExpectRejected(FormatStateHeader(neither), "either 'bad' (a commit bisect) or 'series'");
}

// Given a step line cut short by a crash, it should drop it with a note, not fail.
TEST(StateTest, AHalfWrittenLastLineIsDroppedWithANote) {
  std::string step = FormatStep(Step(kSha2, 1));
  const BisectState state = ParseState(Header() + FormatStep(Step(kSha1, 0)) + step.substr(0, 20), "state.txt");
  EXPECT_EQ(state.steps.size(), 1u);
  ASSERT_EQ(state.notes.size(), 1u);
  EXPECT_THAT(state.notes[0], HasSubstr("half-written last line"));
}

TEST(StateTest, CorruptStateIsRejectedWithItsLine) {
  ExpectRejected("", "empty bisect state");
  ExpectRejected("{\"tree\": 1}\n", "state.txt:1: not a harness bisect state");
  ExpectRejected("harness-bisect 3\n", "state.txt:1: bisect state version 3, this harness reads 2");
  // Version 1's signature tokens carry no cause: its "same failure" would be misread, so it is
  // refused with the reason, never loaded.
  ExpectRejected("harness-bisect 1\ntree /t\n",
                 "state.txt:1: bisect state version 1, this harness reads 2 (an older harness wrote it");
  ExpectRejected(Header() + "colour blue\n", "state.txt:9: unknown key 'colour'");
  ExpectRejected(Header() + "arch arm64\n", "state.txt:9: 'arch' again (first on line 5)");
  ExpectRejected(Header() + "step\tstep\t" + kSha1 + "\t0\n", "state.txt:9: a step needs 10 tab-separated fields, found 4");
  std::string bad_exit = FormatStep(Step(kSha1, 0));
  bad_exit.replace(bad_exit.find("\t0\t"), 3, "\tzero\t");
  ExpectRejected(Header() + bad_exit, "state.txt:9: a step's exit code, seconds and attempts must be numbers");
  std::string who = FormatStep(Step(kSha1, 0));
  who.replace(0, 10, "step\tmiddle\t");
  ExpectRejected(Header() + who, "unknown step role 'middle' (good, bad or step)");
  std::string how = FormatStep(Step(kSha1, 0));
  how.replace(how.find("\tincremental\t"), 13, "\tpartial\t");
  ExpectRejected(Header() + how, "unknown build kind 'partial' (clean, incremental or none)");
  ExpectRejected("harness-bisect 2\ntree /t\narch x86_64\nbad " + kSha2 + "\n", "no 'good' line");
  ExpectRejected(Header() + "tree\n", "expected 'key value'");
}

class StateFileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_{"bisect-state-test"};
};

// Given a crash mid-append, the next append cuts the torn line off first.
TEST_F(StateFileTest, CreateAppendLoadAndRepairATornLine) {
  CreateState(dir_, CommitState());
  EXPECT_THROW(CreateState(dir_, CommitState()), HarnessError);  // a bisect is already there
  AppendStateLine(dir_, FormatStep(Step(kSha1, 0)));
  {
    std::ofstream torn(StatePath(dir_), std::ios::app);
    torn << "step\tstep\tcut";
  }
  EXPECT_EQ(LoadState(dir_).notes.size(), 1u);
  AppendStateLine(dir_, "signature build-failed@build/BTF");
  const BisectState state = LoadState(dir_);
  EXPECT_TRUE(state.notes.empty());
  EXPECT_EQ(state.steps.size(), 1u);
  EXPECT_EQ(state.signature, "build-failed@build/BTF");
  EXPECT_THROW(LoadState(dir_ / "nowhere"), HarnessError);
}

// Given a bisect that has ended, a new one may begin in its directory; the old log is kept.
TEST_F(StateFileTest, ANewBisectKeepsTheLogOfAnEndedOne) {
  EXPECT_EQ(CreateState(dir_, CommitState()), std::filesystem::path());
  AppendStateLine(dir_, FormatStep(Step(kSha1, 0)));
  AppendStateLine(dir_, "end found " + kSha1);
  EXPECT_EQ(LoadState(dir_).end, "found " + kSha1);
  const std::string ended = ReadFile(StatePath(dir_));

  EXPECT_EQ(CreateState(dir_, CommitState()), dir_ / "bisect-state-1.txt");
  EXPECT_EQ(ReadFile(dir_ / "bisect-state-1.txt"), ended);
  const BisectState fresh = LoadState(dir_);
  EXPECT_TRUE(fresh.steps.empty());
  EXPECT_TRUE(fresh.end.empty());
  EXPECT_THROW(CreateState(dir_, CommitState()), HarnessError) << "the new one has not ended";
  AppendStateLine(dir_, "end inconclusive");
  EXPECT_EQ(CreateState(dir_, CommitState()), dir_ / "bisect-state-2.txt");
}

}  // namespace
}  // namespace harness
