#pragma once
// A fixture for tests that run the harness binary on a git repository of the fake kernel tree
// (tests/data/fakelinux): a fresh directory per test (kept when the test failed), the PATH of
// shims the fake tree needs (fake_tools.h), and the real process runner to run commands with.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/fake_tools.h"
#include "tests/support/temp_dir.h"

namespace harness {

class FakeTreeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"git", "make"}) {
      if (RealHost().FindProgram(tool).empty()) GTEST_SKIP() << tool << " is not installed";
    }
    path_ = FakeTreePath(dir_ / "bin");
  }
  ProcessResult Exec(std::vector<std::string> argv, std::map<std::string, std::string> env = {}) {
    return MakeRealRunner()->Run({.argv = std::move(argv), .env = std::move(env), .timeout = std::chrono::seconds(120)});
  }
  // git -C <repo> args..., as a fixed author; the output, trimmed.
  std::string Git(const std::filesystem::path& repo, std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", repo.string()});
    ProcessResult r = Exec(args, {{"GIT_AUTHOR_NAME", "T"}, {"GIT_AUTHOR_EMAIL", "t@example.org"},
                                  {"GIT_COMMITTER_NAME", "T"}, {"GIT_COMMITTER_EMAIL", "t@example.org"}});
    EXPECT_TRUE(r.ok()) << ShellJoin(args) << ": " << r.output;
    return std::string(Trim(r.output));
  }

  testing::TempDir dir_{"fake-tree-cli"};
  std::string path_;
};

}  // namespace harness
