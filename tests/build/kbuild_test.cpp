#include "harness/build/kbuild.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/fake_runner.h"
#include "tests/support/fake_host.h"

namespace harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Keeps every event, for tests of what the builder reports.
class RecordingSink : public EventSink {
 public:
  void OnEvent(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

class KernelBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kbuild_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    request_ = {.cell = "t/none/arm64/gcc",
                .arch = FindArch("arm64"),
                .source = "/src/linux",
                .build_dir = dir_ / "build",
                .log_dir = dir_,
                .kconfig_base = "tinyconfig",
                .options = ParseFragment("CONFIG_DEBUG_INFO_BTF=y\n# CONFIG_DEBUG_INFO_REDUCED is not set\n", "frag"),
                .jobs = 2};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Plays make: config targets write `dot_config` as .config; other targets append to the log.
  void FakeMake(std::string dot_config, int build_exit = 0, std::string build_log = "") {
    runner_.SetHandler([=, this](const ProcessSpec& spec) {
      ProcessResult r;
      r.exit_code = 0;
      if (spec.argv[0] == "pahole") {
        r.output = "v1.24\n";
        return r;
      }
      if (spec.argv[0] == "git") {
        r.output = spec.argv[3] == "status" ? git_status_ : git_diff_;
        return r;
      }
      const std::string target = spec.argv.back();
      if (target == "tinyconfig") WriteFile(request_.build_dir / ".config", "CONFIG_X=y\n");
      if (target == "olddefconfig") WriteFile(request_.build_dir / ".config", dot_config);
      if (target == "Image") {
        WriteFile(spec.log_path, build_log);
        r.exit_code = build_exit;
        if (build_exit == 0) {
          WriteFile(request_.build_dir / "vmlinux", "elf");
          WriteFile(request_.build_dir / "arch/arm64/boot/Image", "img");
        }
      }
      return r;
    });
  }

  std::size_t Makes() const {
    std::size_t n = 0;
    for (const auto& call : runner_.calls()) n += call.argv[0] == "make";
    return n;
  }

  std::filesystem::path dir_;
  BuildRequest request_;
  std::string git_status_, git_diff_;  // what the fake `git status --porcelain` / `git diff --name-only` print
  FakeRunner runner_;
  NullSink sink_;
};

TEST_F(KernelBuilderTest, ExactMakeCommandLine) {
  EXPECT_THAT(KernelBuilder::MakeArgv(request_, {"vmlinux", "Image"}),
              ElementsAre("make", "-C", "/src/linux", "O=" + (dir_ / "build").string(), "ARCH=arm64",
                          "CROSS_COMPILE=aarch64-linux-gnu-", "-j2", "vmlinux", "Image"));
  request_.ccache_dir = "/c/ccache-bin";
  EXPECT_THAT(KernelBuilder::PasteableCommand(request_, {"vmlinux"}),
              ::testing::StartsWith("PATH=/c/ccache-bin:$PATH CCACHE_NOHASHDIR=true CCACHE_BASEDIR=/ "
                                     "CCACHE_IGNOREOPTIONS='-Wa,-I*' CCACHE_DEPEND=true make -C /src/linux O="));
}

// Given a ccache dir, make's PATH should be the host's PATH behind it; without one, make
// inherits the harness's environment untouched.
TEST_F(KernelBuilderTest, MakeEnvPutsCcacheBeforeTheHostsPath) {
  FakeHost host;
  host.env["PATH"] = "/opt/cross/bin:/usr/bin";
  EXPECT_TRUE(KernelBuilder::MakeEnv(request_, host).empty());
  request_.ccache_dir = "/c/ccache-bin";
  const auto env = KernelBuilder::MakeEnv(request_, host);
  EXPECT_EQ(env.at("PATH"), "/c/ccache-bin:/opt/cross/bin:/usr/bin");
  EXPECT_EQ(env.at("CCACHE_NOHASHDIR"), "true");
  EXPECT_EQ(env.at("CCACHE_DEPEND"), "true");
  EXPECT_EQ(KernelBuilder::MakeEnv(request_, FakeHost()).at("PATH"), "/c/ccache-bin:/usr/bin:/bin") << "PATH unset";
}

// Given an unchanged request, the second Configure should not run make at all, so kbuild sees
// an untouched .config and the build stays incremental.
TEST_F(KernelBuilderTest, SecondConfigureReusesDotConfig) {
  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  KernelBuilder builder(runner_, sink_);
  ConfigOutcome first = builder.Configure(request_);
  EXPECT_FALSE(first.reused);
  EXPECT_TRUE(first.dropped.empty());
  EXPECT_THAT(ReadFile(dir_ / "build" / ".config"), HasSubstr("CONFIG_DEBUG_INFO_BTF=y"));
  const std::size_t makes = runner_.CommandLines().size();
  ConfigOutcome second = builder.Configure(request_);
  EXPECT_TRUE(second.reused);
  for (std::size_t i = makes; i < runner_.CommandLines().size(); ++i) {
    EXPECT_THAT(runner_.CommandLines()[i], ::testing::Not(HasSubstr("make"))) << "make ran again";
  }
  // A changed fragment regenerates.
  request_.options.push_back({"CONFIG_PRINTK", "y", "frag:3"});
  EXPECT_FALSE(builder.Configure(request_).reused);
}

TEST_F(KernelBuilderTest, FragmentIsAppendedBeforeOlddefconfig) {
  std::string seen;
  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  KernelBuilder builder(runner_, sink_);
  builder.Configure(request_);
  std::vector<std::string> targets;
  for (const auto& call : runner_.calls()) {
    if (call.argv[0] == "make") targets.push_back(call.argv.back());
  }
  EXPECT_THAT(targets, ElementsAre("tinyconfig", "olddefconfig"));
  EXPECT_EQ(ReadFile(dir_ / "fragment.config"), "CONFIG_DEBUG_INFO_BTF=y\n# CONFIG_DEBUG_INFO_REDUCED is not set\n");
}

TEST_F(KernelBuilderTest, DroppedBtfIsReportedAndNotCached) {
  FakeMake("# CONFIG_DEBUG_INFO_BTF is not set\nCONFIG_DEBUG_INFO_REDUCED=y\n");
  KernelBuilder builder(runner_, sink_);
  ConfigOutcome outcome = builder.Configure(request_);
  ASSERT_EQ(outcome.dropped.size(), 2u);
  EXPECT_EQ(outcome.dropped[0].requested.name, "CONFIG_DEBUG_INFO_BTF");
  EXPECT_THAT(outcome.dropped[0].reason, HasSubstr("REDUCED"));
  EXPECT_FALSE(builder.Configure(request_).reused) << "a failed config must be regenerated next time";
}

TEST_F(KernelBuilderTest, FailedBuildIsDiagnosedFromTheLog) {
  FakeMake("", 2,
           "  LD      .tmp_vmlinux.btf\n  BTF     .btf.vmlinux.bin.o\n"
           "aarch64-linux-gnu-objcopy: error: invalid bfd target\nmake: *** [Makefile:1] Error 2\n");
  KernelBuilder builder(runner_, sink_);
  BuildOutcome outcome = builder.Build(request_);
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(outcome.diagnosis.btf_generation);
  EXPECT_EQ(outcome.failure, "exit status 2");
  EXPECT_EQ(ReadFile(dir_ / "make-command.txt"), outcome.command + "\n");
}

// Given a series that touches only link-vmlinux.sh, the .config made at the tree's commit is kept
// (no make); given one touching a Kconfig file, a defconfig or the top Makefile, it is made again.
TEST_F(KernelBuilderTest, ConfigIsKeptAcrossCommitsThatTouchNoKconfigInput) {
  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  KernelBuilder builder(runner_, sink_);
  request_.revision = "aaaa";
  ASSERT_FALSE(builder.Configure(request_).reused);
  request_.revision = "bbbb";
  git_diff_ = "scripts/link-vmlinux.sh\nkernel/bpf/sysfs_btf.c\narch/arm64/kernel/vmlinux.lds.S\n";
  std::size_t makes = Makes();
  ConfigOutcome kept = builder.Configure(request_);
  EXPECT_TRUE(kept.reused);
  EXPECT_EQ(kept.reused_from, "aaaa");
  EXPECT_EQ(Makes(), makes);
  EXPECT_EQ(runner_.calls().back().argv,
            (std::vector<std::string>{"git", "-C", "/src/linux", "diff", "--name-only", "aaaa", "bbbb", "--"}));
  for (const char* path : {"lib/Kconfig.debug", "arch/arm64/configs/defconfig", "kernel/configs/tiny.config",
                           "scripts/kconfig/confdata.c", "Makefile", "arch/s390/Makefile"}) {
    SCOPED_TRACE(path);
    request_.revision = std::string("c-") + path;  // kept from bbbb: the last configure's commit
    git_diff_ = std::string("scripts/link-vmlinux.sh\n") + path + "\n";
    makes = Makes();
    EXPECT_FALSE(builder.Configure(request_).reused);
    EXPECT_EQ(Makes(), makes + 2);  // tinyconfig, olddefconfig
  }
}

// Given a second build with every input unchanged, make should not run; given a dirty work tree,
// an output changed by hand, another pahole or another compiler, it should.
TEST_F(KernelBuilderTest, UnchangedBuildSkipsMake) {
  FakeMake("");
  request_.revision = "aaaa";
  request_.pahole_version = 124;
  request_.toolchain_version = "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0";
  KernelBuilder builder(runner_, sink_);
  ASSERT_TRUE(builder.Build(request_).ok);
  EXPECT_EQ(Makes(), 1u);
  BuildOutcome again = builder.Build(request_);
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(again.vmlinux, dir_ / "build" / "vmlinux");
  EXPECT_EQ(Makes(), 1u);

  git_status_ = " M scripts/link-vmlinux.sh\n";
  EXPECT_FALSE(builder.Build(request_).skipped);  // edited by hand: make decides
  EXPECT_EQ(Makes(), 2u);
  git_status_.clear();
  ASSERT_TRUE(builder.Build(request_).skipped);

  WriteFile(dir_ / "build" / "vmlinux", "elf, relinked by hand");
  EXPECT_FALSE(builder.Build(request_).skipped);
  ASSERT_TRUE(builder.Build(request_).skipped);

  request_.pahole_version = 125;
  EXPECT_FALSE(builder.Build(request_).skipped);
  request_.toolchain_version = "aarch64-linux-gnu-gcc (Debian 13.1.0-1) 13.1.0";
  EXPECT_FALSE(builder.Build(request_).skipped);
  EXPECT_EQ(Makes(), 5u);
}

// Given outputs whose mtimes have settled, the first skip checks their hashes and records their
// stat, and later skips go by that stat (the hash line is not read again); an output rewritten
// since (new mtime) is hashed again and, changed, runs make. Just-written outputs are never
// trusted by stat: a rewrite within the file system's clock tick would keep it.
TEST_F(KernelBuilderTest, SettledOutputsAreRecognisedByTheirStat) {
  FakeMake("");
  request_.revision = "aaaa";
  request_.pahole_version = 124;
  KernelBuilder builder(runner_, sink_);
  ASSERT_TRUE(builder.Build(request_).ok);
  const auto stamp = dir_ / "build" / ".harness-built";
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(5);
  ASSERT_TRUE(builder.Build(request_).skipped);
  EXPECT_EQ(SplitLines(ReadFile(stamp)).size(), 2u);  // just written: no stat recorded
  for (const char* output : {"vmlinux", "arch/arm64/boot/Image"}) std::filesystem::last_write_time(dir_ / "build" / output, old);
  ASSERT_TRUE(builder.Build(request_).skipped);  // hashed, then the settled stat recorded
  auto lines = SplitLines(ReadFile(stamp));
  ASSERT_EQ(lines.size(), 3u);
  WriteFile(stamp, lines[0] + "\nnot the hashes\n" + lines[2] + "\n");
  EXPECT_TRUE(builder.Build(request_).skipped);  // by stat alone
  EXPECT_EQ(Makes(), 1u);

  WriteFile(dir_ / "build" / "vmlinux", "elf, relinked by hand");
  EXPECT_FALSE(builder.Build(request_).skipped);
  EXPECT_EQ(Makes(), 2u);
}

// Given a tree that is not git (no commit to pin), or a failed build, make always runs.
TEST_F(KernelBuilderTest, NoSkipWithoutACommitOrAfterAFailure) {
  FakeMake("");
  request_.pahole_version = 124;
  KernelBuilder builder(runner_, sink_);
  ASSERT_TRUE(builder.Build(request_).ok);
  EXPECT_FALSE(builder.Build(request_).skipped);
  request_.revision = "aaaa";
  ASSERT_FALSE(builder.Build(request_).skipped);
  ASSERT_TRUE(builder.Build(request_).skipped);
  FakeMake("", 2, "make: *** [Makefile:1] Error 2\n");
  request_.revision = "bbbb";
  EXPECT_FALSE(builder.Build(request_).ok);
  request_.revision = "aaaa";  // the stamp went with the failed build
  EXPECT_FALSE(builder.Build(request_).skipped);
}

TEST_F(KernelBuilderTest, SuccessfulBuildFindsImageAndVmlinux) {
  FakeMake("");
  KernelBuilder builder(runner_, sink_);
  BuildOutcome outcome = builder.Build(request_);
  EXPECT_TRUE(outcome.ok) << outcome.failure;
  EXPECT_EQ(outcome.image, dir_ / "build" / "arch/arm64/boot/Image");
}

// Given a remote, make's environment and the pasteable command should both name it, with
// remote_only off so the local cache stays the first level; without one, neither mentions it.
TEST_F(KernelBuilderTest, RemoteStorageIsInTheEnvAndThePasteableCommand) {
  FakeHost host;
  request_.ccache_dir = "/c/ccache-bin";
  auto env = KernelBuilder::MakeEnv(request_, host);
  EXPECT_EQ(env.count("CCACHE_REMOTE_STORAGE"), 0u);
  EXPECT_EQ(env.at("CCACHE_STATSLOG"), (dir_ / "ccache-stats.log").string());
  EXPECT_THAT(KernelBuilder::PasteableCommand(request_, {"vmlinux"}), ::testing::Not(HasSubstr("REMOTE")));

  request_.ccache_remote = "redis://cache.lan:6379";
  env = KernelBuilder::MakeEnv(request_, host);
  EXPECT_EQ(env.at("CCACHE_REMOTE_STORAGE"), "redis://cache.lan:6379");
  EXPECT_EQ(env.at("CCACHE_NOREMOTE_ONLY"), "true");
  EXPECT_EQ(env.at("CCACHE_NOHASHDIR"), "true");
  EXPECT_THAT(KernelBuilder::PasteableCommand(request_, {"vmlinux"}),
              ::testing::StartsWith("PATH=/c/ccache-bin:$PATH CCACHE_NOHASHDIR=true CCACHE_BASEDIR=/ "
                                    "CCACHE_IGNOREOPTIONS='-Wa,-I*' CCACHE_DEPEND=true CCACHE_REMOTE_STORAGE=redis://cache.lan:6379 "
                                    "CCACHE_NOREMOTE_ONLY=true make -C /src/linux O="));

  // ccache is off (not installed): a remote alone changes nothing.
  request_.ccache_dir.clear();
  EXPECT_TRUE(KernelBuilder::MakeEnv(request_, host).empty());
}

// Given a build through ccache, the outcome should hold this build's counters from the stats
// log, not those a previous build left in it.
TEST_F(KernelBuilderTest, BuildReadsItsOwnCcacheCounters) {
  request_.ccache_dir = "/c/ccache-bin";
  WriteFile(dir_ / "ccache-stats.log", "# old.c\ncache_miss\n");
  runner_.SetHandler([&](const ProcessSpec& spec) {
    ProcessResult r;
    r.exit_code = 0;
    if (spec.argv.back() == "Image") {
      std::ofstream(spec.env.at("CCACHE_STATSLOG"), std::ios::app)
          << "# a.c\ndirect_cache_hit\nremote_storage_hit\n# b.c\ncache_miss\nremote_storage_miss\n"
             "# c.c\npreprocessed_cache_hit\n";
      WriteFile(request_.build_dir / "vmlinux", "elf");
      WriteFile(request_.build_dir / "arch/arm64/boot/Image", "img");
    }
    return r;
  });
  BuildOutcome outcome = KernelBuilder(runner_, sink_, FakeHost()).Build(request_);
  ASSERT_TRUE(outcome.ccache.has_value());
  EXPECT_EQ(outcome.ccache->hits, 2);
  EXPECT_EQ(outcome.ccache->misses, 1);
  EXPECT_EQ(outcome.ccache->remote_hits, 1);
  EXPECT_EQ(outcome.ccache->remote_misses, 1);
  EXPECT_EQ(DescribeCcacheStats(*outcome.ccache, true), "ccache 2/3 hits, 1 from the remote");
  EXPECT_EQ(DescribeCcacheStats(*outcome.ccache, false), "ccache 2/3 hits");
}

// Given a Redis that answers PONG it is usable; refused, silent or another answer says why not.
TEST(ProbeCcacheRemoteTest, PongOrWhyNot) {
  FakeHost host;
  const RedisUrl url = ParseRedisUrl("redis://cache:7000", "x");
  EXPECT_EQ(ProbeCcacheRemote(url, host), "Connection refused");
  EXPECT_THAT(host.asked, ElementsAre("cache:7000 PING\r\n"));
  host.servers["cache:7000"] = {.line = "+PONG"};
  EXPECT_EQ(ProbeCcacheRemote(url, host), "");
  host.servers["cache:7000"] = {.line = "-NOAUTH Authentication required."};
  EXPECT_EQ(ProbeCcacheRemote(url, host), "answered '-NOAUTH Authentication required.' instead of +PONG");
  host.servers["cache:7000"] = {.error = "timed out after 2000 ms waiting for an answer"};
  EXPECT_EQ(ProbeCcacheRemote(url, host), "timed out after 2000 ms waiting for an answer");
}

// Given no build yet, the estimate comes from .config (3 steps per "=y"); after a build, it is
// that build's count of kbuild step lines, and the build says which before make runs.
TEST_F(KernelBuilderTest, StepEstimateFromConfigThenFromTheLastBuild) {
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).steps, 0u);
  WriteFile(request_.build_dir / ".config", "CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=m\n");
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).steps, 6u);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).source, ".config");

  FakeMake("", 0, "  CC      init/main.o\n  AR      built-in.a\nwarning: x\n  LD      vmlinux\n");
  RecordingSink sink;
  ASSERT_TRUE(KernelBuilder(runner_, sink).Build(request_).ok);
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events[0].kind, Event::Kind::kEstimate);
  EXPECT_EQ(sink.events[0].count, 6u);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).steps, 3u);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).source, "the last build here");
  // An incremental build (a relink) keeps the count of the build from nothing.
  FakeMake("", 0, "  LD      vmlinux\n");
  ASSERT_TRUE(KernelBuilder(runner_, sink_).Build(request_).ok);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).steps, 3u);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

// CheckBuildTools's error on a host where only `programs` are installed.
std::string ErrorWithOnly(const std::vector<std::string>& programs) {
  FakeHost host;
  host.programs.insert(programs.begin(), programs.end());
  try {
    CheckBuildTools(*FindArch("s390x"), host);
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "";
}

// Given a host without the tools, it should name the Debian package to install.
TEST(CheckBuildToolsTest, MissingToolNamesItsPackage) {
  EXPECT_EQ(ErrorWithOnly({}), "'make' is not installed: apt-get install make");
  EXPECT_EQ(ErrorWithOnly({"make"}), "'s390x-linux-gnu-gcc' is not installed: apt-get install gcc-s390x-linux-gnu");
  EXPECT_EQ(ErrorWithOnly({"make", "s390x-linux-gnu-gcc", "s390x-linux-gnu-ld", "gcc"}),
            "'pahole' is not installed: apt-get install dwarves");
}

// Given pahole's --version output, it should read the first MAJOR.MINOR and name a version too
// large for kconfig's encoding instead of failing inside std::stoi.
TEST(PaholeVersionTest, ReadsFirstVersionAndNamesOverflow) {
  if (FindProgram("pahole").empty()) GTEST_SKIP() << "pahole is not installed";
  auto version = [](std::string output) {
    FakeRunner runner;
    runner.Push({.exit_code = 0, .output = std::move(output)});
    return PaholeVersion(runner);
  };
  EXPECT_EQ(version("v1.24\n"), 124);
  EXPECT_EQ(version("pahole 7 v1.25.3\n"), 125);
  EXPECT_EQ(version("v" + std::string(1 << 20, '9') + "\n1.22"), 122) << "a 1 MB line without a dot";
  EXPECT_EQ(version("none\n"), 0);
  try {
    version("v99999999999.1\n");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "pahole version '99999999999.1' (from 'pahole --version') is out of range");
  }
  EXPECT_THROW(version("v21474837.0\n"), HarnessError) << "fits an int, but not times 100";
}
}  // namespace
}  // namespace harness
