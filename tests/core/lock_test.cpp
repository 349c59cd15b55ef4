// FileLock: one holder at a time, across threads and processes; a waiter knows whom it waits
// for; a dead holder's lock is free.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/lock.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "out" / ".harness.lock";
  }
  testing::TempDir dir_{"lock-test"};
  fs::path path_;
};

TEST_F(FileLockTest, BusyLockWithoutWaitNamesItsHolder) {
  FileLock held(path_, {.holder = "harness (pid 42) since noon"});
  try {
    FileLock second(path_, {.wait = false});
    ADD_FAILURE() << "expected a HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("in use by harness (pid 42) since noon"));
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "out").string()));
  }
}

TEST_F(FileLockTest, WaiterGetsTheLockWhenTheHolderLetsGoAndIsToldOnce) {
  std::atomic<bool> released = false;
  std::vector<std::string> told;
  auto held = std::make_unique<FileLock>(path_, FileLock::Options{.holder = "first"});
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    released = true;
    held.reset();
  });
  FileLock second(path_, {.holder = "second", .on_wait = [&](const std::string& who) { told.push_back(who); }});
  EXPECT_TRUE(released);
  EXPECT_EQ(told, std::vector<std::string>{"first"});
  EXPECT_GT(second.waited(), 0.1);
  EXPECT_EQ(LockHolder(path_), "second");
  release.join();
}

TEST_F(FileLockTest, GiveUpEndsTheWait) {
  FileLock held(path_, {.holder = "first"});
  int polls = 0;
  EXPECT_THROW(FileLock(path_, {.give_up = [&] { return ++polls >= 3; }}), HarnessError);
  EXPECT_EQ(polls, 3);
}

// kill -9 of the holder leaves no stale lock: the kernel drops it with the process.
TEST_F(FileLockTest, KilledHolderLeavesNoStaleLock) {
  fs::create_directories(path_.parent_path());
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FileLock held(path_, {.holder = "child"});
    [[maybe_unused]] ssize_t n = ::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_THROW(FileLock(path_, {.wait = false}), HarnessError);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(FileLock(path_, {.wait = false}));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace harness
