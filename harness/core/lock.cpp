#include "harness/core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {

std::string LockHolder(const std::filesystem::path& path) {
  try {
    return std::string(Trim(ReadFile(path)));
  } catch (const std::exception&) {
    return "";
  }
}

FileLock::FileLock(const std::filesystem::path& path, const Options& options) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw HarnessError("cannot open the lock file '" + path.string() + "': " + std::strerror(errno));
  const double start = NowSeconds();
  bool told = false;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EINTR) continue;
    if (error != EWOULDBLOCK) {
      ::close(fd_);
      throw HarnessError("cannot lock '" + path.string() + "': " + std::strerror(error));
    }
    const std::string holder = LockHolder(path);
    const std::string who = holder.empty() ? "another harness process" : holder;
    if (!options.wait) {
      ::close(fd_);
      throw HarnessError("'" + path.parent_path().string() + "' is in use by " + who +
                         "; wait for it to finish, or use another --out");
    }
    if (!told && options.on_wait) options.on_wait(who);
    told = true;
    if (options.give_up && options.give_up()) {
      ::close(fd_);
      throw HarnessError("stopped while waiting for " + who + " to release '" + path.string() + "'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  waited_ = told ? NowSeconds() - start : 0;
  if (!options.holder.empty()) {
    // Best effort: the lock is what counts, the text only helps a waiter explain itself.
    const std::string text = options.holder + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] ssize_t n = ::pwrite(fd_, text.data(), text.size(), 0);
    }
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace harness
