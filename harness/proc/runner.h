#pragma once
// The one way the harness runs anything external (make, QEMU, apt-get, tar, compilers).
// Plain data in, plain data out, so tests swap in FakeRunner and assert exact command lines.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct ProcessSpec {
  std::vector<std::string> argv;                 // argv[0] looked up on PATH (the child's PATH)
  std::filesystem::path cwd;                     // empty: inherit
  std::map<std::string, std::string> env;        // added to / overriding the parent's environment
  // false: the child gets `env` and nothing else, so nothing of the harness's own environment
  // (an exported KCFLAGS or LLVM=1) reaches it unless the caller put it there.
  bool inherit_env = true;
  std::filesystem::path log_path;                // empty: no log; else stdout+stderr, every byte
  std::chrono::milliseconds timeout{0};          // 0: none
  // Called with each line of merged stdout+stderr (without the '\n'; raw bytes, may be
  // non-UTF-8). Return false to stop the process early (the whole group is killed).
  std::function<bool(std::string_view line)> on_line;
  std::size_t capture_limit = 4 << 20;           // keep at most this many bytes in `output` (the tail)
};

struct ProcessResult {
  int exit_code = -1;        // valid when signal == 0 and !timed_out && !stopped
  int signal = 0;            // the child died of this signal (not one we sent)
  bool timed_out = false;    // we killed it because the timeout expired
  bool stopped = false;      // we killed it because on_line returned false
  double seconds = 0;        // wall clock
  std::string output;        // merged stdout+stderr (tail when over capture_limit)

  bool ok() const { return exit_code == 0 && signal == 0 && !timed_out && !stopped; }
  std::string Describe() const;  // "exit status 2", "killed by signal 9", "timed out after 30.0 s"
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // A non-zero exit is a result, not an exception. Throws HarnessError only when the program
  // cannot be started at all (not found, not executable, cwd missing).
  virtual ProcessResult Run(const ProcessSpec& spec) = 0;
};

// Forwards to another runner and adds each child's wall time to a per-thread total, so that a
// stage can tell its own time (hashing, parsing, writing reports) from the time it spent waiting
// for make or QEMU: own = the stage's wall time - the growth of ThreadChildSeconds() over it.
// A stage's children are run from the thread that runs the stage, one after another.
class ChildClock final : public ProcessRunner {
 public:
  explicit ChildClock(ProcessRunner& inner) : inner_(inner) {}
  ProcessResult Run(const ProcessSpec& spec) override;
  // Wall seconds of every child this thread ran through any ChildClock so far.
  static double ThreadChildSeconds();

 private:
  ProcessRunner& inner_;
};

// Runs the child in its own process group; on timeout or stop sends SIGTERM to the group,
// waits a grace period, then SIGKILL, so grandchildren (make's compilers, a shell's sleep)
// never outlive it. When the child exits on its own but leaves members of its group running
// (`sleep 5 &`), those get the same TERM, grace, KILL and its exit status stands: nothing
// started by Run is alive when Run returns. The child's stdin is /dev/null. If the group
// survives SIGKILL for 5 s (stuck in the kernel), Run throws HarnessError instead of hanging.
// Even a SIGKILLed harness leaves nothing behind: the child has PR_SET_PDEATHSIG(SIGKILL) and a
// watch process kills its group when the harness dies (see real_runner.cpp).
std::unique_ptr<ProcessRunner> MakeRealRunner();

// SIGINT/SIGTERM/SIGHUP to the harness, or SIGPIPE (its stdout or stderr was closed): the running
// child's group is killed (TERM, grace, KILL), and that Run and every later one throw
// HarnessError("interrupted ..."), so a run that is stopped leaves no make or QEMU behind and
// still writes its results and logs.
void InstallInterruptHandlers();
bool Interrupted();
std::string InterruptMessage();  // "interrupted by SIGPIPE (...)", for the error of a stopped run

}  // namespace harness
