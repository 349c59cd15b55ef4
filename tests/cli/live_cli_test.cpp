// Integration: live progress on a real terminal. `harness run` on a copy of the fake kernel tree
// whose build hangs a few seconds at its first object (HANG=), inside a detached tmux session:
// while it builds, the pane shows the cell's running line with a share done and the cursor is
// hidden; after it, the pane holds the finished cell's line and the summary, no running line,
// no escape sequence printed as text, and the cursor is shown again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/fake_tools.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class LiveCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"tmux", "make"}) {
      if (RealHost().FindProgram(tool).empty()) GTEST_SKIP() << tool << " is not installed";
    }
    socket_ = "harness-live-" + std::to_string(::getpid());
    const fs::path tree = dir_ / "linux";
    fs::copy(HARNESS_SOURCE_DIR "/tests/data/fakelinux", tree, fs::copy_options::recursive);
    WriteFile(tree / "local.mk", "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\nHANG := 4\nFAKE_LINES := 20\n");
    WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, path: " + tree.string() +
                                        "}]\narches: [x86_64]\nkconfig: {base: tinyconfig, fragments: [common.config]}\n");
    path_ = FakeTreePath(dir_ / "shims");
  }
  void TearDown() override {
    if (socket_.empty()) return;  // skipped before the server started
    Tmux({"kill-server"});
  }

  // tmux on this test's own server (-L), without the user's configuration.
  ProcessResult Tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"tmux", "-f", "/dev/null", "-L", socket_});
    return MakeRealRunner()->Run({.argv = std::move(args), .env = {{"PATH", path_}}, .timeout = 10s});
  }
  std::string Screen() { return Tmux({"capture-pane", "-p", "-t", "live"}).output; }
  std::string CursorShown() { return std::string(Trim(Tmux({"display-message", "-p", "-t", "live", "#{cursor_flag}"}).output)); }

  // Polls the pane until `pattern` matches, for up to `limit`; the last screen either way.
  std::string WaitForScreen(const std::regex& pattern, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::string screen;
    while (std::chrono::steady_clock::now() < end) {
      screen = Screen();
      if (std::regex_search(screen, pattern)) return screen;
      std::this_thread::sleep_for(100ms);
    }
    return screen;
  }

  testing::TempDir dir_{"live-cli"};
  std::string socket_;
  std::string path_;
};

TEST_F(LiveCliTest, ProgressLineWhileBuildingCleanSummaryAfter) {
  const std::string command =
      ShellJoin({HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect", "-j", "1", "--out",
                 (dir_ / "out").string(), "--cache", (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR}) +
      "; echo harness-exit=$?; sleep 600";
  ProcessResult started = Tmux({"new-session", "-d", "-s", "live", "-x", "150", "-y", "40", command});
  ASSERT_TRUE(started.ok()) << started.output;

  // While the build hangs at its first object: the running line, with a share done.
  const std::string during = WaitForScreen(std::regex(R"(fake/none/x86_64/gcc +build +[0-9.:]+s? +[0-9]+% \()"), 60s);
  EXPECT_THAT(during, ::testing::ContainsRegex(R"(fake/none/x86_64/gcc +build +[0-9.:]+s? +[0-9]+% \([0-9]+/~[0-9]+ steps\))"))
      << during;
  EXPECT_EQ(CursorShown(), "0") << "the cursor should be hidden while lines are redrawn";
  RecordProperty("screen_while_building", during);

  const std::string after = WaitForScreen(std::regex("harness-exit=[0-9]+"), 60s);
  EXPECT_THAT(after, HasSubstr("harness-exit=0")) << after;
  // The cell's permanent line, then the summary; no running line is left, no escape as text.
  EXPECT_THAT(after, ::testing::ContainsRegex(R"(\] fake/none/x86_64/gcc built)")) << after;
  EXPECT_THAT(after, ::testing::ContainsRegex(R"(fake/none/x86_64/gcc +built +tree )")) << after;
  EXPECT_THAT(after, HasSubstr("results: "));
  EXPECT_THAT(after, Not(::testing::ContainsRegex(R"(gcc +build +[0-9.:]+s? +[0-9]+%)"))) << after;
  EXPECT_THAT(after, Not(::testing::ContainsRegex(R"(\[\?25|\[[0-9]*A|\[J|\x1b)"))) << after;
  EXPECT_EQ(CursorShown(), "1") << "the cursor should be shown again";
}

}  // namespace
}  // namespace harness
