#include "tests/support/fake_runner.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace harness {
namespace {

ProcessSpec Spec(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

TEST(FakeRunnerTest, RecordsCallsAndJoinsThemForTheShell) {
  FakeRunner runner;
  runner.Run(Spec({"make", "ARCH=arm64", "O=/tmp/out dir"}));
  runner.Run(Spec({"qemu-system-s390x", "-append", "console=ttysclp0 it's"}));
  ASSERT_EQ(runner.calls().size(), 2u);
  EXPECT_EQ(runner.calls()[0].argv[1], "ARCH=arm64");
  EXPECT_EQ(runner.CommandLines(),
            (std::vector<std::string>{"make ARCH=arm64 'O=/tmp/out dir'",
                                      "qemu-system-s390x -append 'console=ttysclp0 it'\\''s'"}));
}

// Given two queued results, it should answer with them in order, then with a plain success.
TEST(FakeRunnerTest, ReplaysQueuedResultsThenSucceeds) {
  FakeRunner runner;
  ProcessResult failed;
  failed.exit_code = 2;
  failed.output = "make: *** [vmlinux] Error 2\n";
  ProcessResult timed_out;
  timed_out.timed_out = true;
  runner.Push(failed);
  runner.Push(timed_out);

  ProcessResult first = runner.Run(Spec({"make"}));
  EXPECT_EQ(first.exit_code, 2);
  EXPECT_EQ(first.output, failed.output);
  EXPECT_TRUE(runner.Run(Spec({"qemu"})).timed_out);
  ProcessResult rest = runner.Run(Spec({"true"}));
  EXPECT_TRUE(rest.ok());
  EXPECT_EQ(rest.Describe(), "exit status 0");
}

TEST(FakeRunnerTest, HandlerAnswersEveryCall) {
  FakeRunner runner;
  ProcessResult queued;
  queued.exit_code = 7;
  runner.Push(queued);
  runner.SetHandler([](const ProcessSpec& spec) {
    ProcessResult result;
    result.exit_code = static_cast<int>(spec.argv.size());
    return result;
  });
  EXPECT_EQ(runner.Run(Spec({"a", "b", "c"})).exit_code, 3);
  EXPECT_EQ(runner.calls().size(), 1u);
}

// Given runs from several threads at once, it should record every call and hand out each queued
// result exactly once (run under TSan in the sanitizer job).
TEST(FakeRunnerTest, ConcurrentRunsShareTheQueue) {
  constexpr int kThreads = 4;
  constexpr int kRunsEach = 50;
  FakeRunner runner;
  for (int i = 1; i <= kThreads * kRunsEach; ++i) runner.Push({.exit_code = i});
  std::vector<std::vector<int>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsEach; ++i) seen[t].push_back(runner.Run(Spec({"make", std::to_string(t)})).exit_code);
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<int> codes;
  for (const auto& codes_of_one : seen) codes.insert(codes_of_one.begin(), codes_of_one.end());
  EXPECT_EQ(codes.size(), std::size_t(kThreads * kRunsEach));
  EXPECT_EQ(runner.calls().size(), std::size_t(kThreads * kRunsEach));
  EXPECT_TRUE(runner.Run(Spec({"true"})).ok()) << "the queue is used up";
}

TEST(ProcessResultTest, DescribesEachOutcome) {
  ProcessResult r;
  r.exit_code = 2;
  EXPECT_EQ(r.Describe(), "exit status 2");
  r = {};
  r.signal = 9;
  EXPECT_EQ(r.Describe(), "killed by signal 9");
  r = {};
  r.timed_out = true;
  r.seconds = 30;
  EXPECT_EQ(r.Describe(), "timed out after 30.0 s");
  EXPECT_FALSE(r.ok());
}

// Given children that took 2 s and 0.5 s, the clock should add 2.5 s to the calling thread's total
// and nothing to another thread's (cells run side by side, each stage on one thread).
TEST(ChildClockTest, CountsChildWallTimePerThread) {
  FakeRunner inner;
  ProcessResult slow;
  slow.exit_code = 0;
  slow.seconds = 2.0;
  ProcessResult quick = slow;
  quick.seconds = 0.5;
  inner.Push(slow);
  inner.Push(quick);
  ChildClock clock(inner);
  const double before = ChildClock::ThreadChildSeconds();
  EXPECT_DOUBLE_EQ(clock.Run(Spec({"make"})).seconds, 2.0);
  clock.Run(Spec({"qemu-system-s390x"}));
  EXPECT_DOUBLE_EQ(ChildClock::ThreadChildSeconds() - before, 2.5);
  double other = -1;
  std::thread([&] { other = ChildClock::ThreadChildSeconds(); }).join();
  EXPECT_DOUBLE_EQ(other, 0.0);
  EXPECT_EQ(inner.calls().size(), 2u);
}

}  // namespace
}  // namespace harness
