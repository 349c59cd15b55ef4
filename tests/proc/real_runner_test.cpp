// Runs real processes through /bin/sh. The process-tree tests check that nothing of the child's
// process group is alive after Run returns; zombies do not count (in a container whose PID 1
// does not reap, killed grandchildren stay zombies, which hold no files and no CPU).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// State letter of /proc/<pid>/stat, or 0 when the process is gone.
char ProcState(pid_t pid, pid_t* pgrp = nullptr) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return 0;
  if (pgrp) {
    int ppid = 0, group = 0;
    std::sscanf(stat.c_str() + paren + 2, "%*c %d %d", &ppid, &group);
    *pgrp = group;
  }
  return stat[paren + 2];
}

bool Alive(pid_t pid) {
  char state = ProcState(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

// Pids of live (non-zombie) processes in process group `pgid`.
std::vector<pid_t> LiveMembers(pid_t pgid) {
  std::vector<pid_t> live;
  if (::kill(-pgid, 0) == -1 && errno == ESRCH) return live;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    pid_t pid = std::atoi(name.c_str());
    pid_t group = 0;
    char state = ProcState(pid, &group);
    if (group == pgid && state != 0 && state != 'Z' && state != 'X') live.push_back(pid);
  }
  return live;
}

std::vector<pid_t> ReadPids(const fs::path& path) {
  std::vector<pid_t> pids;
  for (const auto& line : SplitLines(ReadFile(path))) pids.push_back(std::atoi(line.c_str()));
  return pids;
}

class RealRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runner_ = MakeRealRunner();
  }

  ProcessSpec Shell(const std::string& script) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    return spec;
  }

  // Asserts that the group led by the first pid in `pids_file`, and every pid listed there, is
  // gone.
  void ExpectTreeGone(const fs::path& pids_file) {
    std::vector<pid_t> pids = ReadPids(pids_file);
    ASSERT_FALSE(pids.empty());
    for (pid_t pid : LiveMembers(pids[0])) {
      ADD_FAILURE() << "pid " << pid << " of group " << pids[0] << " is alive: "
                    << Printable(ReadFile("/proc/" + std::to_string(pid) + "/stat"));
    }
    for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << "pid " << pid;
  }

  testing::TempDir dir_{"harness-proc"};
  std::unique_ptr<ProcessRunner> runner_;
};

// Given stdout and stderr, it should merge them, log every byte and call on_line per line.
TEST_F(RealRunnerTest, CapturesLogsAndSplitsMergedOutput) {
  ProcessSpec spec = Shell("printf 'one\\ntwo\\n'; echo three >&2; printf 'four\\r\\nfive'");
  spec.log_path = dir_ / "logs" / "nested" / "run.log";
  fs::create_directories(spec.log_path.parent_path());
  WriteFile(spec.log_path, std::string(10000, 'x'));  // must be truncated
  std::vector<std::string> lines;
  spec.on_line = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.ok()) << result.Describe();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "one\ntwo\nthree\nfour\r\nfive");
  EXPECT_EQ(ReadFile(spec.log_path), result.output);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three", "four", "five"}));
}

TEST_F(RealRunnerTest, CreatesTheLogDirectory) {
  ProcessSpec spec = Shell("echo hi");
  spec.log_path = dir_ / "a" / "b" / "c.log";
  runner_->Run(spec);
  EXPECT_EQ(ReadFile(spec.log_path), "hi\n");
}

TEST_F(RealRunnerTest, ReportsExitCode) {
  ProcessResult result = runner_->Run(Shell("echo failing; exit 3"));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.signal, 0);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.Describe(), "exit status 3");
  EXPECT_EQ(result.output, "failing\n");
}

TEST_F(RealRunnerTest, ReportsDeathBySignal) {
  ProcessResult result = runner_->Run(Shell("kill -9 $$"));
  EXPECT_EQ(result.signal, 9);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.Describe(), "killed by signal 9");
}

TEST_F(RealRunnerTest, HonoursEnvAndCwd) {
  ProcessSpec spec = Shell("printf '%s|%s|%s|%s' \"$HARNESS_X\" \"${HARNESS_EMPTY-unset}\" "
                           "\"$(pwd -P)\" \"${HOME:+home-inherited}\"");
  spec.env = {{"HARNESS_X", "a value with spaces"}, {"HARNESS_EMPTY", ""}};
  spec.cwd = dir_;
  ::setenv("HOME", "/nonexistent-home", 0);
  ProcessResult result = runner_->Run(spec);
  ASSERT_TRUE(result.ok()) << result.Describe() << ": " << result.output;
  EXPECT_EQ(result.output, "a value with spaces||" + fs::canonical(dir_).string() +
                               "|home-inherited");
}

TEST_F(RealRunnerTest, OverridesAnInheritedVariable) {
  ::setenv("HARNESS_PROC_TEST_VAR", "parent", 1);
  ProcessSpec spec = Shell("printf %s \"$HARNESS_PROC_TEST_VAR\"");
  spec.env = {{"HARNESS_PROC_TEST_VAR", "child"}};
  EXPECT_EQ(runner_->Run(spec).output, "child");
  ::unsetenv("HARNESS_PROC_TEST_VAR");
}

// Given inherit_env false, the child should see spec.env and nothing of the parent's.
TEST_F(RealRunnerTest, WithoutInheritTheChildSeesOnlyItsEnv) {
  ::setenv("HARNESS_PROC_TEST_LEAK", "leaked", 1);
  ProcessSpec spec = Shell("printf '%s|%s' \"${HARNESS_PROC_TEST_LEAK-unset}\" \"$ONLY\"; env | wc -l");
  spec.env = {{"ONLY", "mine"}, {"PATH", "/usr/bin:/bin"}};
  spec.inherit_env = false;
  ProcessResult result = runner_->Run(spec);
  ::unsetenv("HARNESS_PROC_TEST_LEAK");
  ASSERT_TRUE(result.ok()) << result.Describe() << ": " << result.output;
  EXPECT_EQ(result.output.substr(0, 10), "unset|mine") << result.output;
}

// Given a PATH in spec.env, it should find argv[0] there, as the child's execvp would.
TEST_F(RealRunnerTest, LooksUpArgv0OnTheChildsPath) {
  fs::create_directories(dir_ / "bin");
  WriteFile(dir_ / "bin" / "harness-fake-tool", "#!/bin/sh\necho tool \"$@\"\n");
  fs::permissions(dir_ / "bin" / "harness-fake-tool", fs::perms::owner_all);
  ProcessSpec spec;
  spec.argv = {"harness-fake-tool", "x y"};
  EXPECT_THROW(runner_->Run(spec), HarnessError);  // not on our PATH
  spec.env = {{"PATH", (dir_ / "bin").string() + ":/usr/bin:/bin"}};
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.ok()) << result.Describe();
  EXPECT_EQ(result.output, "tool x y\n");
}

TEST_F(RealRunnerTest, KeepsBinaryOutputByteExact) {
  static const char kBytes[] = "\x00\x01\xff\xfe\r\n\x80 \x1b[31mred\n\xc3\x28tail";
  const std::string expected(kBytes, sizeof kBytes - 1);
  ProcessSpec spec = Shell("printf '\\000\\001\\377\\376\\r\\n\\200 \\033[31mred\\n\\303(tail'");
  spec.log_path = dir_ / "bin.log";
  std::vector<std::string> lines;
  spec.on_line = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  ProcessResult result = runner_->Run(spec);
  ASSERT_TRUE(result.ok()) << result.Describe();
  EXPECT_EQ(result.output, expected);
  EXPECT_EQ(ReadFile(spec.log_path), expected);
  EXPECT_EQ(lines, (std::vector<std::string>{std::string("\x00\x01\xff\xfe", 4),
                                             "\x80 \x1b[31mred", "\xc3(tail"}));
}

// Given more output than capture_limit, it should keep the tail and still log everything.
TEST_F(RealRunnerTest, KeepsTheTailOfLongOutput) {
  ProcessSpec spec = Shell("seq 1 200000");
  spec.capture_limit = 100;
  spec.log_path = dir_ / "seq.log";
  std::size_t line_count = 0;
  spec.on_line = [&](std::string_view) {
    ++line_count;
    return true;
  };
  ProcessResult result = runner_->Run(spec);
  ASSERT_TRUE(result.ok()) << result.Describe();
  std::string full = ReadFile(spec.log_path);
  EXPECT_EQ(line_count, 200000u);
  EXPECT_EQ(full.substr(full.size() - 7), "200000\n");
  ASSERT_EQ(result.output.size(), 100u);
  EXPECT_EQ(result.output, full.substr(full.size() - 100));
}

TEST_F(RealRunnerTest, MissingProgramThrows) {
  ProcessSpec spec;
  spec.argv = {"harness-no-such-program", "--help"};
  try {
    runner_->Run(spec);
    FAIL() << "expected HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "cannot run 'harness-no-such-program': not found on PATH");
  }
}

TEST_F(RealRunnerTest, NonExecutableFileAndMissingCwdThrow) {
  WriteFile(dir_ / "script", "#!/bin/sh\n");
  ProcessSpec spec;
  spec.argv = {(dir_ / "script").string()};
  EXPECT_THROW(runner_->Run(spec), HarnessError);
  spec = Shell("true");
  spec.cwd = dir_ / "missing";
  EXPECT_THROW(runner_->Run(spec), HarnessError);
}

// Given on_line returning false at "3", it should kill the group and not call on_line again.
TEST_F(RealRunnerTest, StopsWhenOnLineReturnsFalse) {
  fs::path pids = dir_ / "pids";
  // Counts without `$(seq 1 1000000)`, whose expansion alone took seconds on a loaded machine and
  // counted against the 2 s bound below.
  ProcessSpec spec = Shell("echo $$ > " + pids.string() +
                           "; i=0; while :; do i=$((i+1)); echo $i; sleep 0.01; done");
  spec.log_path = dir_ / "stop.log";
  std::vector<std::string> lines;
  spec.on_line = [&](std::string_view line) {
    lines.emplace_back(line);
    return line != "3";
  };
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.stopped);
  EXPECT_FALSE(result.timed_out);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.exit_code, -1);
  EXPECT_EQ(result.signal, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_LT(result.seconds, 2.0);  // sh dies on SIGTERM: no grace period needed
  EXPECT_TRUE(StartsWith(result.Describe(), "stopped")) << result.Describe();
  ExpectTreeGone(pids);
}

// The key one: a timeout must take the whole tree down, not just the shell.
TEST_F(RealRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("echo $$ > " + pids.string() + "; echo started; sleep 300 & echo $! >> " +
                           pids.string() + "; sleep 300; wait");
  spec.timeout = std::chrono::milliseconds(1000);
  spec.log_path = dir_ / "timeout.log";
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.stopped);
  EXPECT_FALSE(result.ok());
  EXPECT_GE(result.seconds, 1.0);
  EXPECT_LT(result.seconds, 4.0);
  EXPECT_EQ(result.output, "started\n");
  EXPECT_EQ(ReadFile(spec.log_path), "started\n");
  EXPECT_TRUE(StartsWith(result.Describe(), "timed out after 1.")) << result.Describe();
  ExpectTreeGone(pids);
  EXPECT_EQ(ReadPids(pids).size(), 2u);
}

// Given a tree that ignores SIGTERM (ignored dispositions survive exec), SIGKILL after the
// grace period should still end it.
TEST_F(RealRunnerTest, SigkillsATreeThatIgnoresSigterm) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("trap '' TERM; echo $$ > " + pids.string() + "; sleep 300 & echo $! >> " +
                           pids.string() + "; sleep 300; wait");
  spec.timeout = std::chrono::milliseconds(500);
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.timed_out);
  EXPECT_GE(result.seconds, 2.0);  // the grace period was given
  EXPECT_LT(result.seconds, 6.0);
  ExpectTreeGone(pids);
}

// Given a grandchild that keeps stdout open after the shell exits, Run should not wait for it:
// the leftover group is killed once the direct child has exited, and its status stands.
TEST_F(RealRunnerTest, KillsLeftoversHoldingThePipeWhenTheChildExits) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("echo $$ > " + pids.string() + "; sleep 30 & echo $! >> " +
                           pids.string() + "; echo done");
  ProcessResult result = runner_->Run(spec);
  EXPECT_TRUE(result.ok()) << result.Describe();
  EXPECT_EQ(result.output, "done\n");
  EXPECT_LT(result.seconds, 2.0);
  ExpectTreeGone(pids);
}

// Same, with the leftover detached from the pipe: the pipe hits EOF at once, but the leftover
// must still not outlive Run.
TEST_F(RealRunnerTest, KillsLeftoversDetachedFromThePipe) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("echo $$ > " + pids.string() + "; sleep 30 >/dev/null 2>&1 & echo $! >> " +
                           pids.string() + "; exit 4");
  ProcessResult result = runner_->Run(spec);
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_LT(result.seconds, 2.0);
  ExpectTreeGone(pids);
}

// Given on_line throwing, the exception should propagate and the child must not survive it.
TEST_F(RealRunnerTest, KillsTheChildWhenOnLineThrows) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("echo $$ > " + pids.string() + "; echo x; sleep 300");
  spec.on_line = [](std::string_view) -> bool { throw std::runtime_error("boom"); };
  EXPECT_THROW(runner_->Run(spec), std::runtime_error);
  ExpectTreeGone(pids);
}

// Given a child that outlives SIGKILL as far as its parent can tell, Run should give up after the
// kill wait with a HarnessError, not hang. Here the leader is ptraced by a process that never
// waits: SIGTERM leaves it in a signal-delivery stop, and after SIGKILL its zombie is visible only
// to the tracer, so waitpid in Run never sees it exit (as with a process stuck in the kernel).
TEST_F(RealRunnerTest, GivesUpOnAChildThatDoesNotDieAfterSigkill) {
  ProcessSpec spec = Shell("echo $$; exec sleep 300");
  pid_t leader = -1, tracer = -1;
  bool seized = false;
  spec.on_line = [&](std::string_view line) {
    leader = std::atoi(std::string(line).c_str());
    int ready[2];
    if (::pipe(ready) != 0) return false;
    tracer = ::fork();
    if (tracer == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = ::ptrace(PTRACE_SEIZE, leader, nullptr, nullptr) == 0 ? 'y' : 'n';
      (void)!::write(ready[1], &ok, 1);
      for (;;) ::pause();
    }
    char ok = 'n';
    (void)!::read(ready[0], &ok, 1);
    ::close(ready[0]);
    ::close(ready[1]);
    seized = ok == 'y';
    return false;  // stop: TERM, grace, KILL
  };
  std::string error;
  const auto start = std::chrono::steady_clock::now();
  try {
    runner_->Run(spec);
  } catch (const HarnessError& e) {
    error = e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tracer > 0) {
    ::kill(tracer, SIGKILL);
    ::waitpid(tracer, nullptr, 0);
  }
  if (leader > 0) ::waitpid(leader, nullptr, 0);  // visible to us again now the tracer is gone
  if (!seized) GTEST_SKIP() << "cannot ptrace here, so no child can survive SIGKILL";
  EXPECT_EQ(error, "'/bin/sh' (process group " + std::to_string(leader) + ") did not die within 5 s of SIGKILL; "
                   "giving up on it (stuck in the kernel? see /proc/" + std::to_string(leader) + "/stack)");
  EXPECT_GE(seconds, 6.5);  // 2 s grace after SIGTERM, 5 s after SIGKILL
  EXPECT_LT(seconds, 10.0);
}

// Given a log on a full disk, Run should throw a HarnessError that says so (a machine's error,
// never a build failure), and the child must not outlive it.
TEST_F(RealRunnerTest, FullDiskForTheLogIsNamed) {
  fs::path pids = dir_ / "pids";
  ProcessSpec spec = Shell("echo $$ > " + pids.string() + "; echo output; sleep 300");
  spec.log_path = "/dev/full";
  try {
    runner_->Run(spec);
    ADD_FAILURE() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write '/dev/full': the disk is full (No space left on device); free some space on it and run again");
  }
  ExpectTreeGone(pids);
}

// Given a long-running child in another thread, a short Run here must not inherit its pipe or
// wait for it.
TEST_F(RealRunnerTest, ConcurrentRunsDoNotBlockEachOther) {
  std::atomic<bool> long_done{false};
  std::thread slow([&] {
    ProcessSpec spec = Shell("sleep 2");
    runner_->Run(spec);
    long_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 20; ++i) {
    ProcessResult result = runner_->Run(Shell("echo quick"));
    EXPECT_EQ(result.output, "quick\n");
    EXPECT_LT(result.seconds, 1.0);
  }
  EXPECT_FALSE(long_done);
  slow.join();
}

}  // namespace
}  // namespace harness
