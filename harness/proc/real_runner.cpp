// The real ProcessRunner: Boost.Process forks and execs (and reports exec failures through its
// CLOEXEC error pipe); everything after the exec is plain POSIX, because what matters here is
// process-group control and a read loop that never blocks past the timeout.
//
// Lifecycle of one Run:
//   1. resolve argv[0] on the child's PATH, check cwd, open the log: any failure throws
//      HarnessError before anything is started;
//   2. spawn the child as the leader of a new process group, stdin from /dev/null, stdout and
//      stderr both into one pipe we created with O_CLOEXEC;
//   3. loop on poll(): tee bytes to the log, the capture tail and on_line; reap the leader as
//      soon as it exits (pidfd, or a short tick when pidfds are unavailable);
//   4. on timeout, on on_line returning false, or when the leader has exited but other members
//      of its group are still alive (a backgrounded grandchild), signal the whole group:
//      SIGTERM, a grace period, then SIGKILL;
//   5. return once the leader is reaped and no live process is left in its group.
//
// "Live" ignores zombies: an orphaned grandchild is reparented to PID 1, and if PID 1 does not
// reap (some containers), its zombie stays a member of the group forever. A zombie holds no
// files and no CPU, so it does not count.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/error.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/start_dir.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"

namespace harness {

std::atomic<int> g_interrupt_signal{0};  // set by the handlers of InstallInterruptHandlers

namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long a group gets between SIGTERM and SIGKILL (make and QEMU exit well within this).
constexpr milliseconds kGracePeriod{2000};
// How long we wait for the group to vanish after SIGKILL before giving up (a process stuck in
// uninterruptible sleep cannot be killed any faster).
constexpr milliseconds kKillWait{5000};
// Poll interval while we wait for the group to vanish or for a leader without a pidfd.
constexpr milliseconds kTick{20};
// A "line" without '\n' is delivered once it grows this long, so binary output cannot make
// the partial-line buffer grow without bound.
constexpr std::size_t kMaxLine = 1 << 20;

std::string SysError(const std::string& what) { return what + ": " + std::strerror(errno); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Moves fd to a number >= 3 (keeping O_CLOEXEC), in case our own stdio was closed and the
// kernel handed out 0, 1 or 2: the child's dup2 calls onto 0..2 would otherwise clobber it.
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

// argv[0] as the child's execve will see it: searched on spec.env's PATH if given, else on ours.
std::filesystem::path ResolveProgram(const ProcessSpec& spec) {
  const std::string& name = spec.argv[0];
  if (name.find('/') != std::string::npos) {
    std::filesystem::path p(name);
    if (p.is_relative() && !spec.cwd.empty()) p = spec.cwd / p;
    std::error_code ec;
    if (::access(p.c_str(), X_OK) == 0 && !std::filesystem::is_directory(p, ec)) return p;
    throw HarnessError("cannot run '" + name + "': no such executable file");
  }
  std::filesystem::path found;
  auto path_it = spec.env.find("PATH");
  if (path_it == spec.env.end()) {
    found = FindProgram(name);
  } else {
    std::string_view dirs = path_it->second;
    while (found.empty()) {
      auto colon = dirs.find(':');
      std::string_view dir = dirs.substr(0, colon);
      std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
      if (candidate.is_relative() && !spec.cwd.empty()) candidate = spec.cwd / candidate;
      std::error_code ec;
      if (::access(candidate.c_str(), X_OK) == 0 &&
          !std::filesystem::is_directory(candidate, ec)) {
        found = candidate;
      }
      if (colon == std::string_view::npos) break;
      dirs.remove_prefix(colon + 1);
    }
  }
  if (found.empty()) throw HarnessError("cannot run '" + name + "': not found on PATH");
  return found;
}

// True when some process of group `pgid` is alive (not a zombie). Only meaningful once the
// leader has been reaped, since the leader's own zombie is a member until then.
bool GroupAlive(pid_t pgid) {
  if (::kill(-pgid, 0) == -1 && errno == ESRCH) return false;
  // kill() also counts zombies; look at /proc for a member that is not one.
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc", ec);
  if (ec) return true;  // no /proc: trust kill()
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return true;
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    std::string stat_path = "/proc/" + name + "/stat";
    Fd fd(::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    char buf[512];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) continue;
    std::string_view stat(buf, static_cast<std::size_t>(n));
    // "pid (comm) state ppid pgrp ...": comm may contain anything, so parse after the last ')'.
    auto paren = stat.rfind(')');
    if (paren == std::string_view::npos || paren + 2 >= stat.size()) continue;
    std::string_view rest = stat.substr(paren + 2);
    char state = rest[0];
    // Skip "S ppid " to reach pgrp.
    auto sp1 = rest.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : rest.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) continue;
    long pgrp = 0;
    const char* begin = rest.data() + sp2 + 1;
    std::from_chars(begin, rest.data() + rest.size(), pgrp);
    if (pgrp == pgid && state != 'Z' && state != 'X') return true;
  }
  return false;
}

// Serialises spawns: Boost 1.74 creates its exec-error pipe with pipe() and sets FD_CLOEXEC
// afterwards, so a concurrent fork in another thread could inherit the write end and make our
// spawn block until that other child exits.
std::mutex& SpawnMutex() {
  static std::mutex mutex;
  return mutex;
}

// Forks and execs; returns the child's pid, which is also its process group id.
pid_t Spawn(const ProcessSpec& spec, const std::filesystem::path& exe, int out_fd,
            int null_fd) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : spec.env) env[key] = value;
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  // bp::error keeps Boost from throwing; on_error also reaps the failed child, which Boost
  // would leave as a zombie.
  std::error_code spawn_error;
  // Runs in the forked child before execve: async-signal-safe calls only.
  auto child_setup = [out_fd, null_fd](auto& exec) {
    ::setpgid(0, 0);
    // A blocked mask and ignored signals survive exec; the child gets a clean slate so our
    // SIGTERM works and pipelines in Makefiles see SIGPIPE.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    // Both fds are >= 3 (see AboveStdio), so no dup2 clobbers the other's source; dup2
    // clears FD_CLOEXEC on the copies.
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
  };
  // Runs in the parent when exec (or chdir) failed; the child has already _exit()ed.
  auto reap_failed = [](auto& exec, const std::error_code&) {
    if (exec.pid > 0) ::waitpid(exec.pid, nullptr, 0);
  };

  std::lock_guard lock(SpawnMutex());
  std::string cwd = spec.cwd.empty() ? std::string() : spec.cwd.string();
  bp::child child = cwd.empty()
      ? bp::child(bp::exe(exe.string()), bp::args(args), bp::env(env),
                  bp::extend::on_exec_setup(child_setup), bp::extend::on_error(reap_failed),
                  bp::error(spawn_error))
      : bp::child(bp::exe(exe.string()), bp::args(args), bp::env(env), bp::start_dir(cwd),
                  bp::extend::on_exec_setup(child_setup), bp::extend::on_error(reap_failed),
                  bp::error(spawn_error));
  if (spawn_error || !child.valid()) {
    throw HarnessError("cannot run '" + spec.argv[0] + "': " +
                       (spawn_error ? spawn_error.message() : std::string("spawn failed")));
  }
  pid_t pid = child.id();
  child.detach();  // from here on we wait and signal ourselves
  return pid;
}

// If Run unwinds (on_line threw, the log hit a full disk) the child must not outlive it.
class GroupGuard {
 public:
  explicit GroupGuard(pid_t pid) : pid_(pid) {}
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  ~GroupGuard() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    if (!reaped_) {
      while (::waitpid(pid_, nullptr, 0) == -1 && errno == EINTR) {
      }
    }
    // SIGKILL is delivered asynchronously; give the rest of the group a moment to die.
    auto give_up = Clock::now() + kKillWait;
    while (GroupAlive(pid_) && Clock::now() < give_up) std::this_thread::sleep_for(kTick);
  }
  void MarkReaped() { reaped_ = true; }
  void Release() { pid_ = 0; }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// Turns the bytes of the pipe into the log, the capture tail and on_line calls.
class OutputSink {
 public:
  OutputSink(const ProcessSpec& spec, ProcessResult& result) : spec_(spec), result_(result) {
    if (spec.log_path.empty()) return;
    std::error_code ec;
    if (spec.log_path.has_parent_path()) {
      std::filesystem::create_directories(spec.log_path.parent_path(), ec);
    }
    log_ = ::open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_ < 0) throw HarnessError(SysError("cannot write log '" + spec.log_path.string() + "'"));
  }
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;
  ~OutputSink() {
    if (log_ >= 0) ::close(log_);
  }

  void Write(std::string_view bytes) {
    WriteLog(bytes);
    Capture(bytes);
    while (!bytes.empty()) {
      auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) {
        partial_.append(bytes);
        if (partial_.size() >= kMaxLine) {
          Deliver(partial_);
          partial_.clear();
        }
        return;
      }
      if (partial_.empty()) {
        Deliver(bytes.substr(0, nl));
      } else {
        partial_.append(bytes.substr(0, nl));
        Deliver(partial_);
        partial_.clear();
      }
      bytes.remove_prefix(nl + 1);
    }
  }

  // The final line may lack its '\n'.
  void Finish() {
    if (!partial_.empty()) Deliver(partial_);
    partial_.clear();
    std::string& out = result_.output;
    if (out.size() > spec_.capture_limit) out.erase(0, out.size() - spec_.capture_limit);
  }

  // on_line asked us to stop.
  bool stop_requested() const { return stop_requested_; }

 private:
  void WriteLog(std::string_view bytes) {
    if (log_ < 0) return;
    // Unbuffered write(2): whatever we read is on disk even if the harness crashes next.
    while (!bytes.empty()) {
      ssize_t n = ::write(log_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw HarnessError(SysError("cannot write log '" + spec_.log_path.string() + "'"));
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void Capture(std::string_view bytes) {
    std::size_t limit = spec_.capture_limit;
    if (limit == 0) return;
    std::string& out = result_.output;
    out.append(bytes);
    // Trim in batches so a long run stays linear.
    if (out.size() > 2 * limit + (64 << 10)) out.erase(0, out.size() - limit);
  }

  void Deliver(std::string_view line) {
    if (stop_requested_ || !spec_.on_line) return;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!spec_.on_line(line)) stop_requested_ = true;
  }

  const ProcessSpec& spec_;
  ProcessResult& result_;
  int log_ = -1;
  std::string partial_;
  bool stop_requested_ = false;
};

class RealRunner : public ProcessRunner {
 public:
  ProcessResult Run(const ProcessSpec& spec) override;
};

ProcessResult RealRunner::Run(const ProcessSpec& spec) {
  if (Interrupted()) throw HarnessError("interrupted by signal " + std::to_string(g_interrupt_signal.load()));
  if (spec.argv.empty() || spec.argv[0].empty()) throw HarnessError("cannot run an empty command");
  std::filesystem::path exe = ResolveProgram(spec);
  std::error_code cwd_error;
  if (!spec.cwd.empty() && !std::filesystem::is_directory(spec.cwd, cwd_error)) {
    throw HarnessError("cannot run '" + spec.argv[0] + "': working directory '" +
                       spec.cwd.string() + "' does not exist");
  }

  ProcessResult result;
  OutputSink sink(spec, result);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw HarnessError(SysError("cannot create a pipe"));
  Fd read_end(AboveStdio(pipe_fds[0]));
  Fd write_end(AboveStdio(pipe_fds[1]));
  Fd null_fd(AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  if (read_end.get() < 0 || write_end.get() < 0 || null_fd.get() < 0) {
    throw HarnessError(SysError("cannot set up the child's stdio"));
  }

  const Clock::time_point start = Clock::now();
  const pid_t pid = Spawn(spec, exe, write_end.get(), null_fd.get());
  GroupGuard guard(pid);
  write_end.Reset();  // else we would never see EOF
  null_fd.Reset();
  ::fcntl(read_end.get(), F_SETFL, ::fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);
  // Readable when the leader exits; without it (old kernel, seccomp) we fall back to ticking.
  // (Raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  enum class Phase { kRunning, kTerminating, kKilling };
  Phase phase = Phase::kRunning;
  Clock::time_point phase_deadline{};
  bool reaped = false;
  int status = 0;
  bool pipe_open = true;

  char buf[64 << 10];
  // Reads what the pipe holds right now; never blocks (the read end is O_NONBLOCK).
  auto drain = [&] {
    while (pipe_open) {
      ssize_t n = ::read(read_end.get(), buf, sizeof buf);
      if (n > 0) {
        sink.Write(std::string_view(buf, static_cast<std::size_t>(n)));
      } else if (n == 0) {
        pipe_open = false;
      } else if (errno != EINTR) {
        if (errno != EAGAIN) pipe_open = false;
        return;
      }
    }
  };
  auto signal_group = [&](int sig, Phase next, milliseconds wait) {
    ::kill(-pid, sig);
    phase = next;
    phase_deadline = Clock::now() + wait;
  };

  for (;;) {
    if (!reaped) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid || (r == -1 && errno == ECHILD)) {
        // ECHILD: someone else reaped it (SIGCHLD ignored); the status is lost.
        if (r == -1) status = -1;
        reaped = true;
        guard.MarkReaped();
        pidfd.Reset();
      }
    }
    const Clock::time_point now = Clock::now();
    const bool group_alive = !reaped || GroupAlive(pid);

    if (phase == Phase::kRunning) {
      if (Interrupted()) {
        result.stopped = true;
        signal_group(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (sink.stop_requested()) {
        result.stopped = true;
        signal_group(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (spec.timeout.count() > 0 && now - start >= spec.timeout) {
        result.timed_out = true;
        signal_group(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (reaped && group_alive) {
        // The leader is gone but left processes behind (e.g. `sleep 5 &`): nothing may outlive
        // Run, so they get the same TERM, grace, KILL; the leader's status stands.
        signal_group(SIGTERM, Phase::kTerminating, kGracePeriod);
      }
    } else if (phase == Phase::kTerminating && now >= phase_deadline) {
      signal_group(SIGKILL, Phase::kKilling, kKillWait);
    }

    if (!group_alive || (phase == Phase::kKilling && Clock::now() >= phase_deadline)) {
      // Whatever is still in the pipe was written before the group died. If someone outside
      // the group (a process that called setsid) still holds the pipe, we do not wait for it.
      drain();
      break;
    }

    // Sleep until output arrives, the leader exits or the next deadline, whichever is first.
    milliseconds wait = (phase == Phase::kRunning && !reaped && pidfd.get() >= 0)
                            ? milliseconds(1000)
                            : (phase == Phase::kRunning && !reaped ? milliseconds(100) : kTick);
    Clock::time_point next = now + wait;
    if (phase == Phase::kRunning && spec.timeout.count() > 0) {
      next = std::min(next, start + spec.timeout);
    } else if (phase != Phase::kRunning) {
      next = std::min(next, phase_deadline);
    }
    int timeout_ms = static_cast<int>(
        std::max<long long>(0, std::chrono::ceil<milliseconds>(next - Clock::now()).count()));
    pollfd fds[2];
    nfds_t nfds = 0;
    if (pipe_open) fds[nfds++] = {read_end.get(), POLLIN, 0};
    if (pidfd.get() >= 0) fds[nfds++] = {pidfd.get(), POLLIN, 0};
    int ready = ::poll(nfds ? fds : nullptr, nfds, timeout_ms);
    if (ready < 0 && errno != EINTR) throw HarnessError(SysError("poll failed"));
    if (ready > 0 && pipe_open && fds[0].revents != 0) drain();
  }

  if (!reaped) {
    // Only reachable when SIGKILL did not finish the leader within kKillWait (stuck in D state).
    // Blocking here is the lesser evil: returning would leave an unreaped child behind.
    while (::waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    guard.MarkReaped();
  }
  guard.Release();
  sink.Finish();

  if (!result.timed_out && !result.stopped && status != -1) {
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (Interrupted()) throw HarnessError("interrupted by signal " + std::to_string(g_interrupt_signal.load()) +
                                        " while running '" + spec.argv[0] + "' (its process group was killed)");
  return result;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = [](int sig) { g_interrupt_signal.store(sig); };
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

bool Interrupted() { return g_interrupt_signal.load() != 0; }

std::string ProcessResult::Describe() const {
  char buf[64];
  if (timed_out) {
    std::snprintf(buf, sizeof buf, "timed out after %.1f s", seconds);
  } else if (stopped) {
    std::snprintf(buf, sizeof buf, "stopped early after %.1f s", seconds);
  } else if (signal != 0) {
    std::snprintf(buf, sizeof buf, "killed by signal %d", signal);
  } else if (exit_code >= 0) {
    std::snprintf(buf, sizeof buf, "exit status %d", exit_code);
  } else {
    std::snprintf(buf, sizeof buf, "exit status unknown");
  }
  return buf;
}

std::unique_ptr<ProcessRunner> MakeRealRunner() { return std::make_unique<RealRunner>(); }

}  // namespace harness
