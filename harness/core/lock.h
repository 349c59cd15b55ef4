#pragma once
// An advisory lock on a file (flock), held for the lifetime of the object. Two harness
// processes on one --out, or two cells of one run sharing a build directory, take the same
// lock file and so run one after the other. flock locks belong to an open file description, so
// two threads of one process that each open the file exclude each other too, and the kernel
// drops the lock when its holder dies (kill -9 included): a lock is never left stale.
//
// The holder writes who it is (pid, start time, what) into the file, so a waiter can say what it
// is waiting for.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace harness {

class FileLock {
 public:
  struct Options {
    std::string holder;  // written into the file once held, e.g. "harness run (pid 123)"
    // Called once, with what the file says about its holder, when the lock is busy.
    std::function<void(const std::string& holder)> on_wait;
    // Polled while waiting; when it returns true the wait ends with a HarnessError
    // (e.g. Ctrl-C). Null: wait until the lock is free.
    std::function<bool()> give_up;
    bool wait = true;  // false: a busy lock is a HarnessError naming its holder
  };

  // Creates the file (and its directory) if missing; blocks until the lock is held. Throws
  // HarnessError when it cannot, saying why and who holds it.
  FileLock(const std::filesystem::path& path, const Options& options);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Seconds spent waiting for the lock (0 when it was free).
  double waited() const { return waited_; }

 private:
  int fd_ = -1;
  double waited_ = 0;
};

// What the lock file at `path` says about its last holder ("" when unreadable).
std::string LockHolder(const std::filesystem::path& path);

}  // namespace harness
