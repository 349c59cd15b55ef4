// What is left when the process that called Run is SIGKILLed: no destructor runs, so only the
// child's PR_SET_PDEATHSIG and the group watch (see real_runner.cpp) can clean up. The child is a
// shell with a backgrounded and a foreground `sleep`, run by proc_run_helper; every process of
// the tree carries the test's temporary directory in its command line, which is what we look for.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "harness/core/util.h"
#include "tests/proc/process_table.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::DescribeProcesses;
using testing::KillNine;
using testing::ProcessesMentioning;
using testing::StartProcess;
using testing::WaitUntilMentioned;
using testing::WaitUntilNoneMentions;

class NoOrphansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeMarkedDir("harness-orphans");
    ASSERT_FALSE(dir_.empty());
    sleep_ = (dir_ / "sleep").string();
    fs::create_symlink(FindProgram("sleep"), sleep_);
  }
  void TearDown() override {
    testing::KillMentioning(dir_.string());
    fs::remove_all(dir_);
  }

  // Starts the helper with a shell that has a grandchild in its group and waits until all of
  // the tree is up: the helper, its group watch, the shell and both sleeps.
  pid_t StartTree() {
    const pid_t helper = StartProcess({PROC_RUN_HELPER, "/bin/sh", "-c", "\"$0\" 300 & \"$0\" 301; wait", sleep_}, {},
                                      dir_ / "helper.log");
    EXPECT_TRUE(WaitUntilMentioned(sleep_, 5, 10s)) << DescribeProcesses(ProcessesMentioning(sleep_));
    return helper;
  }

  fs::path dir_;
  std::string sleep_;
};

// The guarantee: SIGKILL of the parent leaves no process of the child's tree alive.
TEST_F(NoOrphansTest, SigkillOfTheParentKillsTheChildAndItsGrandchildren) {
  const pid_t helper = StartTree();
  const auto start = std::chrono::steady_clock::now();
  KillNine(helper);
  const auto left = WaitUntilNoneMentions(sleep_, 5s);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(left.empty()) << "alive " << ms.count() << " ms after kill -9:" << DescribeProcesses(left);
  RecordProperty("gone_after_ms", static_cast<int>(ms.count()));
  EXPECT_LT(ms, 2s);
}

// PDEATHSIG on its own (the group watch killed first): the direct child dies with its parent.
// Its backgrounded grandchild is the watch's job, which is why there is one.
TEST_F(NoOrphansTest, PdeathsigKillsTheDirectChildWithoutTheWatch) {
  const pid_t helper = StartTree();
  std::string helper_cmdline = ProcessesMentioning(sleep_).at(helper);
  pid_t shell = -1;
  for (const auto& [pid, cmdline] : ProcessesMentioning(sleep_)) {
    if (pid != helper && cmdline == helper_cmdline) KillNine(pid);  // the watch: a fork of the helper
    if (cmdline.rfind("/bin/sh -c", 0) == 0) shell = pid;
  }
  ASSERT_GT(shell, 0) << DescribeProcesses(ProcessesMentioning(sleep_));
  KillNine(helper);
  const auto give_up = std::chrono::steady_clock::now() + 2s;
  while (ProcessesMentioning(sleep_).count(shell) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(ProcessesMentioning(sleep_).count(shell), 0u) << DescribeProcesses(ProcessesMentioning(sleep_));
}

}  // namespace
}  // namespace harness
