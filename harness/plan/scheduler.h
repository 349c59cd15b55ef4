#pragma once
// Runs the cells of a matrix side by side within a CPU budget (-j is the total).
//
// Two lanes, each with the budget as its width:
//   build  make jobs. A kernel build from nothing costs the whole budget (it runs make -jN), so
//          those run one at a time; an incremental one (a relink after a series switch, whose
//          link, pahole and objcopy steps are serial) half; a build predicted to be a no-op (a
//          warm re-run) one, so up to N of those run together. The caller decides the cost.
//   boot   QEMU guests, one busy host thread each (TCG, one vCPU). Boots and verifies of
//          finished cells run beside the build of the next one.
// Within a lane tasks start in the order they were added, and one that does not fit holds back
// the ones after it: builds keep matrix order and a cold build is never starved by warm ones. A
// task starts only when every task it comes after has finished.
//
// Dispatcher is the policy alone, with no threads or clocks, so tests drive it with a fake
// clock; Scheduler runs it on threads.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace harness {

enum class Lane { kBuild, kBoot };

class Dispatcher {
 public:
  using TaskId = std::size_t;
  explicit Dispatcher(int budget);

  // Cost is clamped to [1, budget]. `after` must name tasks already added.
  TaskId Add(Lane lane, int cost, std::vector<TaskId> after = {});
  // The tasks that may start now, in order; they are marked running.
  std::vector<TaskId> Start();
  void Finish(TaskId id);

  bool Done(TaskId id) const { return tasks_.at(id).state == State::kDone; }
  bool AllDone() const;
  // Tokens in use in a lane (for tests and progress lines).
  int InUse(Lane lane) const { return in_use_[static_cast<int>(lane)]; }
  int budget() const { return budget_; }
  int Cost(TaskId id) const { return tasks_.at(id).cost; }

 private:
  enum class State { kWaiting, kRunning, kDone };
  struct Task {
    Lane lane;
    int cost;
    std::vector<TaskId> after;
    State state = State::kWaiting;
  };
  bool Ready(const Task& task) const;

  int budget_;
  int in_use_[2] = {0, 0};
  std::vector<Task> tasks_;
};

class Scheduler {
 public:
  using TaskId = Dispatcher::TaskId;
  explicit Scheduler(int budget) : dispatcher_(budget) {}
  // Waits for every task (the work of a task may still be adding others).
  ~Scheduler();

  // `work` runs on a thread of its own once the dispatcher lets it start. It should not throw;
  // if it does, the exception is rethrown by Wait/WaitAll and the tasks after it still run.
  TaskId Add(Lane lane, int cost, std::function<void()> work, std::vector<TaskId> after = {});
  void Wait(const std::vector<TaskId>& ids);
  void WaitAll();

 private:
  void StartReady();  // call with mutex_ held
  void RethrowIfFailed();  // call with mutex_ held

  std::mutex mutex_;
  std::condition_variable changed_;
  Dispatcher dispatcher_;
  std::vector<std::function<void()>> work_;
  std::vector<std::thread> threads_;
  std::exception_ptr failure_;
};

}  // namespace harness
