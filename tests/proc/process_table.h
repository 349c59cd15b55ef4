#pragma once
// The process table as the no-orphan tests see it: which live processes mention a marker in
// their command line. Used after killing the harness, so it reads /proc, not any harness state.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace harness::testing {

// pid -> command line (arguments joined by spaces) of every live, non-zombie process whose
// command line so joined contains `marker`.
inline std::map<pid_t, std::string> ProcessesMentioning(const std::string& marker) {
  // Plain read(2): a process can vanish mid-read (ESRCH), which std::ifstream turns into a throw.
  auto read_file = [](const std::string& path) {
    std::string text;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
  };
  std::map<pid_t, std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] < '1' || name[0] > '9') continue;
    std::string cmdline = read_file("/proc/" + name + "/cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(marker) == std::string::npos) continue;
    const std::string stat = read_file("/proc/" + name + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) continue;
    if (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X') continue;  // holds no files, no CPU
    found[static_cast<pid_t>(std::atoi(name.c_str()))] = cmdline;
  }
  return found;
}

// "\n  pid: cmdline" per process, for failure messages.
inline std::string DescribeProcesses(const std::map<pid_t, std::string>& processes) {
  std::string out;
  for (const auto& [pid, cmdline] : processes) out += "\n  " + std::to_string(pid) + ": " + cmdline;
  return out;
}

// A new directory under the temp dir; its unique name is the marker the tests look for.
inline std::filesystem::path MakeMarkedDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

// Kills (SIGKILL) every live process mentioning `marker`: a failed test must not leak sleeps.
inline void KillMentioning(const std::string& marker) {
  for (const auto& [pid, cmdline] : ProcessesMentioning(marker)) ::kill(pid, SIGKILL);
}

// Polls until no live process mentions `marker` or `limit` passes; returns the leftovers.
inline std::map<pid_t, std::string> WaitUntilNoneMentions(const std::string& marker,
                                                          std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = ProcessesMentioning(marker);
    if (left.empty() || std::chrono::steady_clock::now() >= give_up) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Polls until at least `count` live processes mention `marker`; false after `limit`.
inline bool WaitUntilMentioned(const std::string& marker, std::size_t count, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (ProcessesMentioning(marker).size() < count) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Starts argv with `extra_env` added and stdout+stderr to `log`, without the harness's runner
// (the tests kill what this starts). Returns the pid.
inline pid_t StartProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                          const std::filesystem::path& log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  for (const auto& [key, value] : extra_env) ::setenv(key.c_str(), value.c_str(), 1);
  if (FILE* out = std::freopen(log.c_str(), "w", stdout)) ::dup2(::fileno(out), 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

// Kills `pid` with SIGKILL and reaps it.
inline void KillNine(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
  }
}

}  // namespace harness::testing
