#include "harness/boot/console.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/arch/arch.h"

#include <string>

#include "harness/core/util.h"

namespace harness {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

struct Replay {
  ConsoleParser parser;
  std::size_t lines_fed = 0;  // lines fed until Feed returned false (or all of them)
  std::size_t lines_total = 0;
};

// Feeds a recorded console log line by line as the QEMU runner would: raw bytes split on '\n'.
Replay ReplayLog(const std::string& scenario, std::span<const std::string_view> allowlist = {}) {
  const std::string bytes = ReadFile(std::string(HARNESS_TEST_DATA) + "/console/" + scenario);
  Replay replay{ConsoleParser(allowlist)};
  bool over = false;
  std::size_t start = 0;
  while (start < bytes.size()) {
    auto nl = bytes.find('\n', start);
    if (nl == std::string::npos) nl = bytes.size();
    ++replay.lines_total;
    if (!over) {
      ++replay.lines_fed;
      over = !replay.parser.Feed(std::string_view(bytes).substr(start, nl - start));
    }
    start = nl + 1;
  }
  return replay;
}

// ---- Complaints: the console as evidence ----

TEST(ConsoleComplaints, WarnWithATraceIsKeptWithItsTrace) {
  Replay r = ReplayLog("warn-with-trace.log");
  EXPECT_EQ(r.parser.state(), ConsoleParser::State::kProbeDone);
  const auto& c = r.parser.complaint();
  ASSERT_FALSE(c.empty());
  // The WARNING line is the one quoted (issue 24: the verdict used to quote "cut here").
  EXPECT_THAT(c.front(), HasSubstr("WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:22"));
  EXPECT_THAT(c[1], HasSubstr("------------[ cut here ]------------"));
  EXPECT_THAT(c, ::testing::Contains(HasSubstr("ksys_read+0x5c/0xd0")));
  EXPECT_THAT(c.back(), HasSubstr("end trace"));  // stops before the probe's line
}

TEST(ConsoleComplaints, BpfInvalidMagicIsAComplaint) {
  Replay r = ReplayLog("bpf-invalid-magic.log");
  ASSERT_FALSE(r.parser.complaint().empty());
  EXPECT_THAT(r.parser.complaint().front(), HasSubstr("BPF: Invalid magic"));
}

TEST(ConsoleComplaints, KasanReportIsAComplaint) {
  Replay r = ReplayLog("kasan-report.log");
  ASSERT_FALSE(r.parser.complaint().empty());
  EXPECT_THAT(r.parser.complaint().front(), HasSubstr("BUG: KASAN: global-out-of-bounds"));
  EXPECT_THAT(r.parser.complaint(), ::testing::Contains(HasSubstr("Call trace:")));
}

// An allowlisted line, the probe's own lines and anything after the done marker are not complaints.
TEST(ConsoleComplaints, AllowlistProbeLinesAndAfterTheMarkerDoNotCount) {
  constexpr std::string_view kAllow[] = {"harmless-firmware-quirk"};
  Replay r = ReplayLog("allowlisted-warning.log", kAllow);
  EXPECT_EQ(r.parser.state(), ConsoleParser::State::kProbeDone);
  EXPECT_THAT(r.parser.complaint(), ::testing::IsEmpty());
  // Without the allowlist the same log has a complaint.
  EXPECT_THAT(ReplayLog("allowlisted-warning.log").parser.complaint(), ::testing::Not(::testing::IsEmpty()));
}

// ppc64 boots with VOF, which leaves the NVRAM blank: the kernel's warning about it is allowed on
// ppc64 only, and any other WARNING on ppc64 is still a complaint.
TEST(ConsoleComplaints, Ppc64AllowsOnlyTheBlankNvramWarning) {
  const auto allow = FindArch("ppc64")->console_allowlist;
  const std::string nvram = "WARNING: nvram corruption detected: 0-length partition";
  EXPECT_EQ(ComplaintIn(nvram, allow), "");
  EXPECT_EQ(ComplaintIn(nvram, FindArch("x86_64")->console_allowlist), nvram);
  EXPECT_EQ(ComplaintIn("WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:30", allow),
            "WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:30");
}

TEST(ConsoleComplaints, CleanRecordedBootHasNone) {
  EXPECT_THAT(ReplayLog("clean-boot-x86_64.log").parser.complaint(), ::testing::IsEmpty());
}

TEST(ConsoleComplaints, ComplaintInCutsToTheMessage) {
  EXPECT_EQ(ComplaintIn("\x1b[0m[    1.0] BUG: unable to handle page fault", {}), "BUG: unable to handle page fault");
  EXPECT_EQ(ComplaintIn("[    1.0] Run /init as init process", {}), "");
  // A module whose BTF the kernel refused at load (6.1's btf_module_notify).
  EXPECT_EQ(ComplaintIn("[    1.0] failed to validate module [btfmod] BTF: -22", {}),
            "failed to validate module [btfmod] BTF: -22");
  EXPECT_EQ(ComplaintIn("HARNESS-PROBE: read: BUG: x", {}), "");
}

TEST(ConsoleParser, CleanBootEndsAtTheMarker) {
  auto replay = ReplayLog("clean-boot-x86_64.log");
  EXPECT_EQ(replay.parser.state(), ConsoleParser::State::kProbeDone);
  EXPECT_EQ(replay.parser.marker_line(),
            "HARNESS-PROBE-DONE flags=0x3f size=1580421 read=1580421 record=3161217");
  EXPECT_TRUE(replay.parser.panic_line().empty());
  EXPECT_EQ(replay.lines_fed, replay.lines_total - 2) << "should stop right at the marker";
  // SeaBIOS escape bytes are shown escaped, never raw.
  const std::string tail = replay.parser.Tail(100);
  EXPECT_THAT(tail, HasSubstr("\\x1b[2J"));
  EXPECT_THAT(tail, Not(HasSubstr("\x1b")));
  EXPECT_THAT(tail, Not(HasSubstr("\r")));
}

TEST(ConsoleParser, NoWorkingInitIsAPanic) {
  auto replay = ReplayLog("panic-no-init.log");
  EXPECT_EQ(replay.parser.state(), ConsoleParser::State::kPanicked);
  EXPECT_THAT(replay.parser.panic_line(),
              ::testing::StartsWith("Kernel panic - not syncing: No working init found."));
  // The earlier "Failed to execute /init" is context in the tail, not the verdict.
  EXPECT_THAT(replay.parser.Tail(), HasSubstr("Failed to execute /init (error -8)"));
  EXPECT_TRUE(replay.parser.marker_line().empty());
}

TEST(ConsoleParser, InitExitingIsAPanic) {
  auto replay = ReplayLog("init-exits.log");
  EXPECT_EQ(replay.parser.state(), ConsoleParser::State::kPanicked);
  EXPECT_EQ(replay.parser.panic_line(),
            "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100");
  // The probe's own error line before it is kept for the diagnosis.
  EXPECT_THAT(replay.parser.Tail(3), HasSubstr("HARNESS-PROBE: mount sysfs: No such device"));
}

// Given a guest that stops printing (the probe hangs), the parser should keep waiting.
TEST(ConsoleParser, SilentBootStaysRunning) {
  auto replay = ReplayLog("timeout-silent.log");
  EXPECT_EQ(replay.parser.state(), ConsoleParser::State::kRunning);
  EXPECT_EQ(replay.lines_fed, replay.lines_total);
  EXPECT_THAT(replay.parser.Tail(1), "HARNESS-PROBE: hanging as asked\n");
}

TEST(ConsoleParser, GarbageAroundTheMarker) {
  auto replay = ReplayLog("garbage-non-utf8.log");
  EXPECT_EQ(replay.parser.state(), ConsoleParser::State::kProbeDone);
  EXPECT_EQ(replay.parser.marker_line(),
            "HARNESS-PROBE-DONE flags=0x3f size=1212677 read=1212677 record=2425761");
  const std::string tail = replay.parser.Tail(100);
  for (unsigned char c : tail) {
    EXPECT_TRUE(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) << "raw byte " << int(c);
  }
  EXPECT_THAT(tail, HasSubstr("\\x00"));
  EXPECT_THAT(tail, HasSubstr("\\xff"));
}

TEST(ConsoleParser, MarkerMustBeAWord) {
  ConsoleParser parser;
  EXPECT_TRUE(parser.Feed("HARNESS-PROBE-DONEX flags=0x00"));
  EXPECT_TRUE(parser.Feed("HARNESS-PROBE: hanging as asked"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kRunning);
  EXPECT_FALSE(parser.Feed("xxHARNESS-PROBE-DONEX HARNESS-PROBE-DONE"));
  EXPECT_EQ(parser.marker_line(), "HARNESS-PROBE-DONE");
}

TEST(ConsoleParser, MarkerAfterAKernelMessageOnTheSameLine) {
  ConsoleParser parser;
  EXPECT_FALSE(parser.Feed("[    2.1] random: crng initHARNESS-PROBE-DONE flags=0x7f size=-1\r"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kProbeDone);
  EXPECT_EQ(parser.marker_line(), "HARNESS-PROBE-DONE flags=0x7f size=-1");
}

TEST(ConsoleParser, FirstEndingWins) {
  ConsoleParser parser;
  EXPECT_FALSE(parser.Feed("HARNESS-PROBE-DONE flags=0x3f"));
  EXPECT_FALSE(parser.Feed("Kernel panic - not syncing: Attempted to kill init! exitcode=0x0"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kProbeDone);
  EXPECT_TRUE(parser.panic_line().empty());
}

TEST(ConsoleParser, PanicLineDropsTheTimestamp) {
  ConsoleParser parser;
  EXPECT_FALSE(parser.Feed("[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs"));
  EXPECT_EQ(parser.panic_line(), "Kernel panic - not syncing: VFS: Unable to mount root fs");
}

TEST(ConsoleParser, GarbledPanicPrefixStillCounts) {
  ConsoleParser parser;
  EXPECT_FALSE(parser.Feed("Kern\xff\xfe panic: Attempted to kill init! exitcode=0x00000009"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kPanicked);
  EXPECT_EQ(parser.panic_line(), "Attempted to kill init! exitcode=0x00000009");
}

TEST(ConsoleParser, RunInitIsNotAFailure) {
  ConsoleParser parser;
  EXPECT_TRUE(parser.Feed("Run /init as init process"));
  EXPECT_TRUE(parser.Feed("Failed to execute /init (error -8)"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kRunning);
}

// Given a guest spewing megabytes without a newline, stored lines stay small.
TEST(ConsoleParser, HugeLinesAreCut) {
  ConsoleParser parser;
  const std::string huge(10 << 20, 'A');
  EXPECT_TRUE(parser.Feed(huge));
  const std::string tail = parser.Tail();
  EXPECT_LT(tail.size(), 4096u + 100);
  EXPECT_THAT(tail, EndsWith(" more bytes]\n"));
  // A marker at the very end of a huge line is still found.
  EXPECT_FALSE(parser.Feed(huge + "HARNESS-PROBE-DONE flags=0x3f"));
  EXPECT_EQ(parser.state(), ConsoleParser::State::kProbeDone);
}

TEST(ConsoleParser, TailKeepsTheLastLines) {
  ConsoleParser parser;
  for (int i = 0; i < 1000; ++i) parser.Feed("line " + std::to_string(i));
  EXPECT_EQ(parser.Tail(2), "line 998\nline 999\n");
  EXPECT_EQ(parser.Tail(0), "");
  EXPECT_EQ(SplitLines(parser.Tail(20)).size(), 20u);
}

}  // namespace
}  // namespace harness
