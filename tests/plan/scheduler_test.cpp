// The scheduler's policy on a fake clock (Dispatcher: no threads, no time), then the threaded
// Scheduler on short real tasks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

#include "harness/plan/scheduler.h"

namespace harness {
namespace {

struct Job {
  std::string name;
  Lane lane;
  int cost;
  double seconds;
  std::vector<std::string> after;
};

struct Span {
  double start = -1, end = -1;
};

// Runs `jobs` through a Dispatcher on a fake clock: each started task ends `seconds` later.
// Checks at every step that no lane uses more than the budget. Returns when each ran.
std::map<std::string, Span> Simulate(int budget, const std::vector<Job>& jobs) {
  Dispatcher dispatcher(budget);
  std::map<std::string, Dispatcher::TaskId> ids;
  std::vector<const Job*> by_id;
  for (const Job& job : jobs) {
    std::vector<Dispatcher::TaskId> after;
    for (const auto& name : job.after) after.push_back(ids.at(name));
    ids[job.name] = dispatcher.Add(job.lane, job.cost, after);
    by_id.push_back(&job);
  }
  std::map<std::string, Span> spans;
  std::multimap<double, Dispatcher::TaskId> running;  // end time -> task
  double now = 0;
  for (;;) {
    for (auto id : dispatcher.Start()) {
      spans[by_id[id]->name].start = now;
      running.emplace(now + by_id[id]->seconds, id);
    }
    EXPECT_LE(dispatcher.InUse(Lane::kBuild), budget) << "at " << now;
    EXPECT_LE(dispatcher.InUse(Lane::kBoot), budget) << "at " << now;
    if (running.empty()) break;
    auto next = running.begin();
    now = next->first;
    spans[by_id[next->second]->name].end = now;
    dispatcher.Finish(next->second);
    running.erase(next);
  }
  EXPECT_TRUE(dispatcher.AllDone()) << "a task never started";
  return spans;
}

// Three cold cells on -j2: builds one after the other with the whole budget; each cell's boot
// runs beside the next cell's build, so the matrix ends one boot after the last build.
TEST(DispatcherTest, ColdBuildsRunOneAtATimeWithBootsBesideThem) {
  std::vector<Job> jobs;
  for (const std::string cell : {"a", "b", "c"}) {
    jobs.push_back({cell + ".build", Lane::kBuild, 2, 100, {}});
    jobs.push_back({cell + ".boot", Lane::kBoot, 1, 10, {cell + ".build"}});
  }
  auto t = Simulate(2, jobs);
  EXPECT_EQ(t["a.build"].start, 0);
  EXPECT_EQ(t["b.build"].start, 100);
  EXPECT_EQ(t["c.build"].start, 200);
  EXPECT_EQ(t["a.boot"].start, 100);  // beside b's build
  EXPECT_EQ(t["b.boot"].start, 200);
  EXPECT_EQ(t["c.boot"].end, 310);    // not 330, as one cell after another would take
}

// A warm re-run: no-op builds cost one token, so two run at once on -j2, and boots overlap.
TEST(DispatcherTest, WarmBuildsRunSideBySide) {
  std::vector<Job> jobs;
  for (const std::string cell : {"a", "b", "c"}) {
    jobs.push_back({cell + ".build", Lane::kBuild, 1, 4, {}});
    jobs.push_back({cell + ".boot", Lane::kBoot, 1, 2, {cell + ".build"}});
  }
  auto t = Simulate(2, jobs);
  EXPECT_EQ(t["a.build"].start, 0);
  EXPECT_EQ(t["b.build"].start, 0);
  EXPECT_EQ(t["c.build"].start, 4);
  EXPECT_EQ(t["a.boot"].start, 4);
  EXPECT_EQ(t["b.boot"].start, 4);
  EXPECT_EQ(t["c.boot"].end, 10);  // against 18 one after another
}

// A cold build queued behind a warm one waits for the whole budget, and the warm builds after
// it do not overtake it: builds keep matrix order and the cold one is never starved.
TEST(DispatcherTest, ColdBuildIsNotOvertakenByLaterWarmOnes) {
  auto t = Simulate(2, {{"warm1", Lane::kBuild, 1, 5, {}},
                        {"cold", Lane::kBuild, 2, 50, {}},
                        {"warm2", Lane::kBuild, 1, 5, {}},
                        {"warm3", Lane::kBuild, 1, 5, {}}});
  EXPECT_EQ(t["cold"].start, 5);
  EXPECT_EQ(t["warm2"].start, 55);
  EXPECT_EQ(t["warm3"].start, 55);
}

// The lanes do not hold each other back: a boot does not wait behind a blocked build.
TEST(DispatcherTest, LanesAreIndependent) {
  auto t = Simulate(1, {{"build1", Lane::kBuild, 1, 30, {}},
                        {"build2", Lane::kBuild, 1, 30, {}},
                        {"boot0", Lane::kBoot, 1, 5, {}}});
  EXPECT_EQ(t["boot0"].start, 0);
  EXPECT_EQ(t["build2"].start, 30);
}

TEST(DispatcherTest, CostIsClampedToTheBudgetAndAfterMustExist) {
  Dispatcher d(2);
  const auto big = d.Add(Lane::kBuild, 16);
  const auto zero = d.Add(Lane::kBuild, 0);
  EXPECT_EQ(d.Cost(big), 2);
  EXPECT_EQ(d.Cost(zero), 1);
  EXPECT_THROW(d.Add(Lane::kBoot, 1, {7}), std::logic_error);
  EXPECT_EQ(d.Start(), std::vector<Dispatcher::TaskId>{big});
  EXPECT_THROW(d.Finish(zero), std::logic_error);  // not running
}

TEST(SchedulerTest, NeverRunsMoreThanTheBudgetAndRunsEverything) {
  std::atomic<int> running = 0, peak = 0, done = 0;
  {
    Scheduler scheduler(2);
    for (int i = 0; i < 8; ++i) {
      scheduler.Add(Lane::kBuild, 1, [&] {
        const int now = ++running;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --running;
        ++done;
      });
    }
    scheduler.WaitAll();
  }
  EXPECT_EQ(done, 8);
  EXPECT_EQ(peak, 2);
}

TEST(SchedulerTest, AfterOrdersTasksAndWaitRethrows) {
  std::vector<std::string> order;
  std::mutex mutex;
  auto note = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    order.push_back(what);
  };
  Scheduler scheduler(2);
  auto first = scheduler.Add(Lane::kBuild, 2, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    note("build");
  });
  auto second = scheduler.Add(Lane::kBoot, 1, [&] { note("boot"); }, {first});
  scheduler.Wait({second});
  EXPECT_EQ(order, (std::vector<std::string>{"build", "boot"}));
  scheduler.Add(Lane::kBoot, 1, [] { throw std::runtime_error("boom"); });
  EXPECT_THROW(scheduler.WaitAll(), std::runtime_error);
  scheduler.WaitAll();  // reported once
}

}  // namespace
}  // namespace harness
