#include "harness/plan/scheduler.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace harness {

Dispatcher::Dispatcher(int budget) : budget_(std::max(1, budget)) {}

Dispatcher::TaskId Dispatcher::Add(Lane lane, int cost, std::vector<TaskId> after) {
  for (TaskId id : after) {
    if (id >= tasks_.size()) throw std::logic_error("scheduler: a task comes after one not yet added");
  }
  tasks_.push_back({lane, std::clamp(cost, 1, budget_), std::move(after)});
  return tasks_.size() - 1;
}

bool Dispatcher::Ready(const Task& task) const {
  return std::all_of(task.after.begin(), task.after.end(),
                     [&](TaskId id) { return tasks_[id].state == State::kDone; });
}

std::vector<Dispatcher::TaskId> Dispatcher::Start() {
  std::vector<TaskId> started;
  bool blocked[2] = {false, false};  // a ready task of this lane did not fit
  for (TaskId id = 0; id < tasks_.size(); ++id) {
    Task& task = tasks_[id];
    const int lane = static_cast<int>(task.lane);
    if (task.state != State::kWaiting || blocked[lane] || !Ready(task)) continue;
    if (in_use_[lane] + task.cost > budget_) {
      blocked[lane] = true;
      continue;
    }
    task.state = State::kRunning;
    in_use_[lane] += task.cost;
    started.push_back(id);
  }
  return started;
}

void Dispatcher::Finish(TaskId id) {
  Task& task = tasks_.at(id);
  if (task.state != State::kRunning) throw std::logic_error("scheduler: finishing a task that is not running");
  task.state = State::kDone;
  in_use_[static_cast<int>(task.lane)] -= task.cost;
}

bool Dispatcher::AllDone() const {
  return std::all_of(tasks_.begin(), tasks_.end(), [](const Task& t) { return t.state == State::kDone; });
}

Scheduler::~Scheduler() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return dispatcher_.AllDone(); });
  }
  for (auto& thread : threads_) thread.join();
}

Scheduler::TaskId Scheduler::Add(Lane lane, int cost, std::function<void()> work, std::vector<TaskId> after) {
  std::lock_guard lock(mutex_);
  const TaskId id = dispatcher_.Add(lane, cost, std::move(after));
  work_.push_back(std::move(work));
  StartReady();
  return id;
}

void Scheduler::StartReady() {
  for (TaskId id : dispatcher_.Start()) {
    // The thread owns its work: work_ may grow (and move its elements) while it runs.
    threads_.emplace_back([this, id, work = std::move(work_[id])] {
      std::exception_ptr failure;
      try {
        work();
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard lock(mutex_);
      if (failure && !failure_) failure_ = failure;
      dispatcher_.Finish(id);
      StartReady();
      changed_.notify_all();
    });
  }
}

void Scheduler::RethrowIfFailed() {
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

void Scheduler::Wait(const std::vector<TaskId>& ids) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] {
    return std::all_of(ids.begin(), ids.end(), [&](TaskId id) { return dispatcher_.Done(id); });
  });
  RethrowIfFailed();
}

void Scheduler::WaitAll() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return dispatcher_.AllDone(); });
  RethrowIfFailed();
}

}  // namespace harness
