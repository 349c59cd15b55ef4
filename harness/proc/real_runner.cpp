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
//
// When the harness itself dies without unwinding (SIGKILL, a crash), no destructor runs, so two
// mechanisms that need no cooperation from the dying harness keep its children from living on:
//   - PR_SET_PDEATHSIG(SIGKILL) in the child: the kernel kills the direct child (make, QEMU);
//   - a group watch: a forked copy of the harness, in its own session, blocked on a pipe whose
//     only write end the harness holds. The kernel closes that end when the harness dies; the
//     watch then SIGKILLs the child's whole process group, which covers the grandchildren
//     (make's compilers, QEMU under a wrapper) that PDEATHSIG does not reach.
// A child subreaper (PR_SET_CHILD_SUBREAPER) would not help here: it only changes who adopts
// orphans while the harness lives, and it dies with the harness.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
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
#include <optional>
#include <string>
#include <system_error>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/fd.h"
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
// Call with SpawnMutex() held.
pid_t Spawn(const ProcessSpec& spec, const std::filesystem::path& exe, int out_fd,
            int null_fd) {
  bp::environment env = boost::this_process::environment();
  if (!spec.inherit_env) env.clear();
  for (const auto& [key, value] : spec.env) env[key] = value;
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  // bp::error keeps Boost from throwing; on_error also reaps the failed child, which Boost
  // would leave as a zombie.
  std::error_code spawn_error;
  const pid_t parent = ::getpid();
  // Runs in the forked child before execve: async-signal-safe calls only.
  auto child_setup = [out_fd, null_fd, parent](auto& exec) {
    ::setpgid(0, 0);
    // The child dies with the harness even if the harness is SIGKILLed. PDEATHSIG fires when the
    // *thread* that forked exits, not the process; that is safe because Run blocks its thread
    // until the child is gone (a scheduler worker thread lives until its task, and so every Run
    // it makes, has ended). It survives execve except of set-user-ID programs, which the group
    // watch still covers.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The parent may have died between fork and prctl, and then no signal would ever come.
    if (::getppid() != parent) ::_exit(127);
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

// Waits up to `wait` for our child `pid` to exit; true when it was reaped (status in *status).
bool ReapWithin(pid_t pid, milliseconds wait, int* status) {
  const auto give_up = Clock::now() + wait;
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || (r == -1 && errno == ECHILD)) return true;
    if (r == -1 && errno != EINTR) return true;  // cannot happen for our own child
    if (Clock::now() >= give_up) return false;
    std::this_thread::sleep_for(kTick);
  }
}

// SIGKILLs a child's process group if the harness dies before Run ends (see the top of the
// file). Forked while SpawnMutex() is held, after the child, so it knows the group to kill.
class GroupWatch {
 public:
  explicit GroupWatch(pid_t pgid) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw HarnessError(SysError("cannot create a pipe"));
    const pid_t watcher = ::fork();
    if (watcher == 0) Watch(fds[0], pgid);
    ::close(fds[0]);
    if (watcher < 0) {
      ::close(fds[1]);
      throw HarnessError(SysError("cannot fork the process-group watch"));
    }
    watcher_ = watcher;
    write_end_ = fds[1];
  }
  GroupWatch(const GroupWatch&) = delete;
  GroupWatch& operator=(const GroupWatch&) = delete;
  // Run is ending (its group is gone or given up on). The watch is killed rather than told, so
  // it never acts on a group id that may since have been reused, and the harness never writes
  // to a pipe whose reader may be gone (SIGPIPE would read as a closed stdout).
  ~GroupWatch() {
    ::kill(watcher_, SIGKILL);
    // Blocking is fine: a process blocked in read() dies of SIGKILL at once.
    while (::waitpid(watcher_, nullptr, 0) == -1 && errno == EINTR) {
    }
    ::close(write_end_);
  }

 private:
  // In the forked watch: async-signal-safe calls only, since another thread of the harness may
  // have held a lock at the fork.
  [[noreturn]] static void Watch(int read_end, pid_t pgid) {
    // Its own session: a Ctrl-C or a group kill aimed at the harness does not take it along.
    ::setsid();
    // Hold nothing else of the harness's: another child's pipe held open here would hide its
    // EOF, a held stdout would keep `harness | cat` waiting.
    ::dup2(read_end, 0);
    if (::syscall(SYS_close_range, 1u, ~0u, 0u) != 0) {
      for (int fd = 1; fd < 65536; ++fd) ::close(fd);  // kernels before 5.9
    }
    // Nothing is ever written: read returns 0 when the last write end closes, which is when the
    // harness has died (exec'd children never hold it: it is O_CLOEXEC).
    char byte;
    ssize_t n;
    while ((n = ::read(0, &byte, 1)) == -1 && errno == EINTR) {
    }
    if (n == 0) ::kill(-pgid, SIGKILL);
    ::_exit(0);
  }

  pid_t watcher_ = -1;
  int write_end_ = -1;
};

// If Run unwinds (on_line threw, the log hit a full disk) the child must not outlive it.
class GroupGuard {
 public:
  explicit GroupGuard(pid_t pid) : pid_(pid) {}
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  ~GroupGuard() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    // Bounded like Run's own wait: a process stuck in the kernel must not hang the unwinding.
    if (!reaped_) ReapWithin(pid_, kKillWait, nullptr);
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
    if (log_ < 0) ThrowWriteError(spec.log_path, errno);
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
        ThrowWriteError(spec_.log_path, errno);  // a full disk mid-build is the machine's error
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

// The steps of RealRunner::Run, in order: what it checks before starting, the watch over the
// running group, and how the leader's status becomes the result.

// Throws HarnessError when the command cannot start (an interrupt, an empty command, a program
// not found, a missing working directory); else the program to execute.
std::filesystem::path CheckRunnable(const ProcessSpec& spec) {
  if (Interrupted()) throw HarnessError(InterruptMessage());
  if (spec.argv.empty() || spec.argv[0].empty()) throw HarnessError("cannot run an empty command");
  std::filesystem::path exe = ResolveProgram(spec);
  std::error_code cwd_error;
  if (!spec.cwd.empty() && !std::filesystem::is_directory(spec.cwd, cwd_error)) {
    throw HarnessError("cannot run '" + spec.argv[0] + "': working directory '" +
                       spec.cwd.string() + "' does not exist");
  }
  return exe;
}

// Watches a started group until it is gone: reaps the leader, ends the group (TERM, grace,
// KILL) on an interrupt, a stop asked by on_line, the timeout, or processes the leader left
// behind, and hands what the pipe carries to the sink meanwhile.
class GroupSupervisor {
 public:
  GroupSupervisor(const ProcessSpec& spec, pid_t pid, Clock::time_point start, int read_end, OutputSink& sink,
                  GroupGuard& guard, ProcessResult& result)
      : spec_(spec),
        pid_(pid),
        start_(start),
        read_end_(read_end),
        sink_(sink),
        guard_(guard),
        result_(result),
        // Readable when the leader exits; without it (old kernel, seccomp) we fall back to
        // ticking. (Raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C".)
        pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {
    ::fcntl(read_end_, F_SETFL, ::fcntl(read_end_, F_GETFL) | O_NONBLOCK);
  }

  // Returns when the group is gone (true), or when SIGKILL did not end it within kKillWait
  // (false: a process stuck in the kernel).
  bool Supervise() {
    for (;;) {
      Reap();
      const Clock::time_point now = Clock::now();
      const bool group_alive = !reaped_ || GroupAlive(pid_);
      Escalate(now, group_alive);
      if (!group_alive || (phase_ == Phase::kKilling && Clock::now() >= phase_deadline_)) {
        // Whatever is still in the pipe was written before the group died. If someone outside
        // the group (a process that called setsid) still holds the pipe, we do not wait for it.
        Drain();
        return !group_alive;
      }
      WaitForActivity(now);
    }
  }

  // The leader's wait status; -1 when it was lost.
  int status() const { return status_; }

 private:
  enum class Phase { kRunning, kTerminating, kKilling };

  void Reap() {
    if (reaped_) return;
    pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_ || (r == -1 && errno == ECHILD)) {
      // ECHILD: someone else reaped it (SIGCHLD ignored); the status is lost.
      if (r == -1) status_ = -1;
      reaped_ = true;
      guard_.MarkReaped();
      pidfd_.Reset();
    }
  }

  // Moves to the next phase when the time has come.
  void Escalate(Clock::time_point now, bool group_alive) {
    if (phase_ == Phase::kRunning) {
      if (Interrupted()) {
        result_.stopped = true;
        Signal(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (sink_.stop_requested()) {
        result_.stopped = true;
        Signal(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (spec_.timeout.count() > 0 && now - start_ >= spec_.timeout) {
        result_.timed_out = true;
        Signal(SIGTERM, Phase::kTerminating, kGracePeriod);
      } else if (reaped_ && group_alive) {
        // The leader is gone but left processes behind (e.g. `sleep 5 &`): nothing may outlive
        // Run, so they get the same TERM, grace, KILL; the leader's status stands.
        Signal(SIGTERM, Phase::kTerminating, kGracePeriod);
      }
    } else if (phase_ == Phase::kTerminating && now >= phase_deadline_) {
      Signal(SIGKILL, Phase::kKilling, kKillWait);
    }
  }

  void Signal(int sig, Phase next, milliseconds wait) {
    ::kill(-pid_, sig);
    phase_ = next;
    phase_deadline_ = Clock::now() + wait;
  }

  // Reads what the pipe holds right now; never blocks (the read end is O_NONBLOCK).
  void Drain() {
    while (pipe_open_) {
      ssize_t n = ::read(read_end_, buf_, sizeof buf_);
      if (n > 0) {
        sink_.Write(std::string_view(buf_, static_cast<std::size_t>(n)));
      } else if (n == 0) {
        pipe_open_ = false;
      } else if (errno != EINTR) {
        if (errno != EAGAIN) pipe_open_ = false;
        return;
      }
    }
  }

  // Sleeps until output arrives, the leader exits or the next deadline, whichever is first.
  void WaitForActivity(Clock::time_point now) {
    milliseconds wait = (phase_ == Phase::kRunning && !reaped_ && pidfd_.get() >= 0)
                            ? milliseconds(1000)
                            : (phase_ == Phase::kRunning && !reaped_ ? milliseconds(100) : kTick);
    Clock::time_point next = now + wait;
    if (phase_ == Phase::kRunning && spec_.timeout.count() > 0) {
      next = std::min(next, start_ + spec_.timeout);
    } else if (phase_ != Phase::kRunning) {
      next = std::min(next, phase_deadline_);
    }
    int timeout_ms = static_cast<int>(
        std::max<long long>(0, std::chrono::ceil<milliseconds>(next - Clock::now()).count()));
    pollfd fds[2];
    nfds_t nfds = 0;
    if (pipe_open_) fds[nfds++] = {read_end_, POLLIN, 0};
    if (pidfd_.get() >= 0) fds[nfds++] = {pidfd_.get(), POLLIN, 0};
    int ready = ::poll(nfds ? fds : nullptr, nfds, timeout_ms);
    if (ready < 0 && errno != EINTR) throw HarnessError(SysError("poll failed"));
    if (ready > 0 && pipe_open_ && fds[0].revents != 0) Drain();
  }

  const ProcessSpec& spec_;
  const pid_t pid_;
  const Clock::time_point start_;
  const int read_end_;
  OutputSink& sink_;
  GroupGuard& guard_;
  ProcessResult& result_;
  Fd pidfd_;
  Phase phase_ = Phase::kRunning;
  Clock::time_point phase_deadline_{};
  bool reaped_ = false;
  int status_ = 0;
  bool pipe_open_ = true;
  char buf_[64 << 10];
};

// The leader's wait status as the result's exit code or signal; a run that was stopped or timed
// out, or whose status was lost, keeps neither.
void SetExitStatus(int status, ProcessResult& result) {
  if (!result.timed_out && !result.stopped && status != -1) {
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
}

class RealRunner : public ProcessRunner {
 public:
  ProcessResult Run(const ProcessSpec& spec) override;
};

ProcessResult RealRunner::Run(const ProcessSpec& spec) {
  const std::filesystem::path exe = CheckRunnable(spec);

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
  std::unique_lock spawn_lock(SpawnMutex());
  const pid_t pid = Spawn(spec, exe, write_end.get(), null_fd.get());
  // Declared before the guard, so on unwinding the group is killed before the watch stands down.
  std::optional<GroupWatch> watch;
  try {
    watch.emplace(pid);
  } catch (const HarnessError&) {
    ::kill(-pid, SIGKILL);
    ReapWithin(pid, kKillWait, nullptr);
    throw;
  }
  spawn_lock.unlock();
  GroupGuard guard(pid);
  write_end.Reset();  // else we would never see EOF
  null_fd.Reset();

  GroupSupervisor supervisor(spec, pid, start, read_end.get(), sink, guard, result);
  // Only false when SIGKILL did not end the group within kKillWait: a process stuck in the
  // kernel (uninterruptible sleep, a ptrace stop). Waiting longer could hang the harness for
  // good, so give up and say so; the unreaped leader stays a zombie until the harness exits.
  if (!supervisor.Supervise()) {
    guard.Release();
    throw HarnessError("'" + spec.argv[0] + "' (process group " + std::to_string(pid) +
                       ") did not die within " + std::to_string(kKillWait.count() / 1000) +
                       " s of SIGKILL; giving up on it (stuck in the kernel? see /proc/" +
                       std::to_string(pid) + "/stack)");
  }
  guard.Release();
  sink.Finish();

  SetExitStatus(supervisor.status(), result);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (Interrupted()) {
    throw HarnessError(InterruptMessage() + " while running '" + spec.argv[0] + "' (its process group was killed)");
  }
  return result;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action {};
  action.sa_handler = [](int sig) { g_interrupt_signal.store(sig); };
  sigemptyset(&action.sa_mask);
  // SIGPIPE too: `harness run | head -1` must not kill the harness between two writes, leaving
  // make or QEMU behind and no results. With a handler the write fails with EPIPE instead
  // (a stream just stops printing) and the run ends as for Ctrl-C. Handlers are reset by exec,
  // so children still get the default SIGPIPE.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::sigaction(sig, &action, nullptr);
}

bool Interrupted() { return g_interrupt_signal.load() != 0; }

std::string InterruptMessage() {
  switch (const int sig = g_interrupt_signal.load()) {
    case SIGINT: return "interrupted by SIGINT";
    case SIGTERM: return "interrupted by SIGTERM";
    case SIGHUP: return "interrupted by SIGHUP";
    case SIGPIPE: return "interrupted by SIGPIPE (the harness's output was closed)";
    default: return "interrupted by signal " + std::to_string(sig);
  }
}

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
