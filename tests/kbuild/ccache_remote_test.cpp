// The shared compiler cache for real: a redis-server started by the test on a free loopback
// port, and two compilations of one small C file through the harness's own ccache set-up
// (PrepareCcacheDir's links, KernelBuilder::MakeEnv), from two directories with two separate
// local caches, as two CI runners would. The second must be a remote hit. No kernel is built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <map>

#include "harness/kbuild/ccache.h"
#include "harness/kbuild/kbuild.h"
#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "tests/support/loopback.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

class CcacheRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("ccache").empty()) GTEST_SKIP() << "ccache is not installed";
    if (FindProgram("redis-server").empty()) GTEST_SKIP() << "redis-server is not installed";
    arch_ = FindArch(RealHost().HostArch());
    ASSERT_NE(arch_, nullptr) << RealHost().HostArch();
    ccache_bin_ = PrepareCcacheDir(dir_ / "harness-cache", RealHost());
    runner_ = MakeRealRunner();
  }
  // The kernel build's request, as the pipeline plans it, for a runner called `name`.
  BuildRequest Request(const std::string& name, const std::string& remote) const {
    return {.cell = name, .arch = arch_, .source = dir_ / name, .build_dir = dir_ / name / "build",
            .log_dir = dir_ / name / "logs", .ccache_dir = ccache_bin_, .ccache_remote = remote};
  }

  // Compiles hello.c in <dir>/<name> with <dir>/<name>/ccache as the local cache, with the
  // make environment the harness gives a kernel build; returns the build's ccache counters.
  CcacheStats Compile(const BuildRequest& request) {
    fs::create_directories(request.log_dir);
    fs::remove(KernelBuilder::CcacheStatsLog(request));  // as Build does: this compilation's counters only
    WriteFile(request.source / "hello.c",
              "#include <stdio.h>\nint main(void) { puts(\"hello from the shared cache\"); return 0; }\n");
    auto env = KernelBuilder::MakeEnv(request, RealHost());
    env["CCACHE_DIR"] = (request.source / "ccache").string();
    ProcessResult r = runner_->Run({.argv = {std::string(arch_->cross_prefix) + "gcc", "-g", "-O2", "-c", "hello.c",
                                             "-o", "hello.o"},
                                    .cwd = request.source,
                                    .env = env,
                                    .log_path = request.log_dir / "compile.log"});
    EXPECT_TRUE(r.ok()) << r.Describe() << "\n" << r.output;
    EXPECT_TRUE(fs::exists(request.source / "hello.o"));
    return ReadCcacheStatsLog(KernelBuilder::CcacheStatsLog(request)).value_or(CcacheStats{});
  }

  // `ccache --print-stats` of the local cache of runner `name`: counter -> value.
  std::map<std::string, long> PrintStats(const std::string& name) {
    ProcessResult r = runner_->Run({.argv = {"ccache", "--print-stats"},
                                    .env = {{"CCACHE_DIR", (dir_ / name / "ccache").string()}},
                                    .capture_limit = 1 << 20});
    EXPECT_TRUE(r.ok()) << r.output;
    std::map<std::string, long> stats;
    for (const std::string& line : SplitLines(r.output)) {
      const auto tab = line.find('\t');
      if (tab != std::string::npos) stats[line.substr(0, tab)] = std::atol(line.c_str() + tab + 1);
    }
    return stats;
  }

  const Arch* arch_ = nullptr;
  testing::TempDir dir_{"ccache-remote-test"};
  fs::path ccache_bin_;
  std::unique_ptr<ProcessRunner> runner_;
};

// Given one Redis and two runners with empty local caches in different directories, the
// first should miss everywhere and store into Redis, the second should hit in Redis.
TEST_F(CcacheRemoteTest, SecondRunnerIsARemoteHit) {
  if (FindProgram(std::string(arch_->cross_prefix) + "gcc").empty()) GTEST_SKIP() << "no host gcc";
  RedisServer redis(FreeLoopbackPort(), dir_ / "redis.log");
  ASSERT_TRUE(redis.Answers()) << ReadFile(dir_ / "redis.log");

  const CcacheStats first = Compile(Request("runner-a", redis.Url()));
  EXPECT_EQ(first.misses, 1);
  EXPECT_EQ(first.remote_misses, 1);
  EXPECT_GT(PrintStats("runner-a")["remote_storage_write"], 0) << "the result went to Redis";

  const CcacheStats second = Compile(Request("runner-b", redis.Url()));
  EXPECT_EQ(second.hits, 1);
  EXPECT_EQ(second.remote_hits, 1);
  auto stats = PrintStats("runner-b");
  EXPECT_EQ(stats["remote_storage_hit"], 1);
  EXPECT_EQ(stats["remote_storage_miss"], 0);
  EXPECT_EQ(stats["local_storage_miss"], 1) << "its own local cache was empty";
  EXPECT_EQ(stats["cache_miss"], 0);

  // The local cache is the first level: the same runner again is a local hit.
  fs::remove(dir_ / "runner-b" / "hello.o");
  const CcacheStats third = Compile(Request("runner-b", redis.Url()));
  EXPECT_EQ(third.hits, 1);
  EXPECT_EQ(third.remote_hits, 0);
  EXPECT_EQ(PrintStats("runner-b")["local_storage_hit"], 1);
}

// Given a port where nothing listens, the check should say so at once, and the build the
// harness then plans (no remote) should compile with the local cache only.
TEST_F(CcacheRemoteTest, DeadPortIsRefusedAndTheBuildStaysLocal) {
  if (FindProgram(std::string(arch_->cross_prefix) + "gcc").empty()) GTEST_SKIP() << "no host gcc";
  const std::string url = "redis://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(CheckCcacheRemote(ParseRedisUrl(url, "test"), RealHost()), ::testing::HasSubstr("refused"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  const CcacheStats local = Compile(Request("runner-a", ""));
  EXPECT_EQ(local.misses, 1);
  EXPECT_EQ(local.remote_misses, 0);
  EXPECT_EQ(PrintStats("runner-a")["remote_storage_miss"], 0) << "no remote was asked";
}

}  // namespace
}  // namespace harness
