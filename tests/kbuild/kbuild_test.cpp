#include "harness/kbuild/kbuild.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/fake_host.h"
#include "tests/support/fake_runner.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using testing::RecordingSink;

class KernelBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    request_ = {.cell = "t/none/arm64/gcc",
                .arch = FindArch("arm64"),
                .source = "/src/linux",
                .build_dir = dir_ / "build",
                .log_dir = dir_,
                .kconfig_base = "tinyconfig",
                .options = ParseFragment("CONFIG_DEBUG_INFO_BTF=y\n# CONFIG_DEBUG_INFO_REDUCED is not set\n", "frag"),
                .jobs = 2};
    host_.InstallEverything();
  }

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
        link_outputs_at_make_ = std::filesystem::exists(request_.build_dir / "vmlinux") ||
                                std::filesystem::exists(request_.build_dir / ".tmp_vmlinux.btf");
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

  testing::TempDir dir_{"kbuild-test"};
  BuildRequest request_;
  bool link_outputs_at_make_ = false;  // whether vmlinux or a link intermediate was there when make built
  std::string git_status_, git_diff_;  // what the fake `git status --porcelain` / `git diff --name-only` print
  FakeRunner runner_;
  NullSink sink_;
  FakeHost host_;  // every tool installed (SetUp); nothing is looked up on this machine
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

// make's environment is built, not inherited: the host's PATH (behind the ccache dir), HOME and
// locale, the user's kbuild variables from the request, ccache's settings; nothing else of the
// host's (LLVM=1, MAKEFLAGS, CC, anything unknown). The runner is told not to inherit.
TEST_F(KernelBuilderTest, MakeEnvIsBuiltNotInherited) {
  FakeHost host;
  host.env = {{"PATH", "/opt/cross/bin:/usr/bin"}, {"HOME", "/root"}, {"LANG", "C.UTF-8"},
              {"KCFLAGS", "-O3"}, {"LLVM", "1"}, {"MAKEFLAGS", "-j99"}, {"CC", "clang"},
              {"KBUILD_OUTPUT", "/elsewhere"}, {"SOMETHING_ELSE", "x"}};
  auto env = KernelBuilder::MakeEnv(request_, host);
  EXPECT_EQ(env, (std::map<std::string, std::string>{
                     {"PATH", "/opt/cross/bin:/usr/bin"}, {"HOME", "/root"}, {"LANG", "C.UTF-8"}}));
  request_.user_env = UserBuildEnv(host);
  EXPECT_EQ(request_.user_env, (std::map<std::string, std::string>{{"KCFLAGS", "-O3"}}));
  EXPECT_THAT(WithheldBuildEnv(host), ElementsAre("LLVM=1", "CC=clang", "MAKEFLAGS=-j99", "KBUILD_OUTPUT=/elsewhere"));
  request_.ccache_dir = "/c/ccache-bin";
  env = KernelBuilder::MakeEnv(request_, host);
  EXPECT_EQ(env.at("PATH"), "/c/ccache-bin:/opt/cross/bin:/usr/bin");
  EXPECT_EQ(env.at("KCFLAGS"), "-O3");
  EXPECT_EQ(env.at("CCACHE_NOHASHDIR"), "true");
  EXPECT_EQ(env.at("CCACHE_DEPEND"), "true");
  EXPECT_EQ(env.count("LLVM") + env.count("MAKEFLAGS") + env.count("CC") + env.count("SOMETHING_ELSE"), 0u);
  EXPECT_EQ(KernelBuilder::MakeEnv(request_, FakeHost()).at("PATH"), "/c/ccache-bin:/usr/bin:/bin") << "PATH unset";
  EXPECT_THAT(KernelBuilder::PasteableCommand(request_, {"vmlinux"}), HasSubstr(" KCFLAGS=-O3 make -C "));

  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  KernelBuilder(runner_, sink_, host).Configure(request_);
  ASSERT_FALSE(runner_.calls().empty());
  for (const auto& call : runner_.calls()) {
    if (call.argv[0] == "make") {
      EXPECT_FALSE(call.inherit_env) << ShellJoin(call.argv);
    }
  }
}

// Given an unchanged request, the second Configure should not run make at all, so kbuild sees
// an untouched .config and the build stays incremental.
TEST_F(KernelBuilderTest, SecondConfigureReusesDotConfig) {
  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  KernelBuilder builder(runner_, sink_, host_);
  ConfigOutcome first = builder.Configure(request_);
  EXPECT_FALSE(first.reused);
  EXPECT_TRUE(first.dropped.empty());
  EXPECT_THAT(ReadFile(dir_ / "build" / ".config"), HasSubstr("CONFIG_DEBUG_INFO_BTF=y"));
  // A build records what kconfig read (here: files that do not exist, and stay so).
  WriteFile(request_.build_dir / "include/config/auto.conf.cmd", "deps_config := \\\n\tKconfig \\\n\n");
  KernelBuilder::RecordKconfigInputs(request_);
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
  KernelBuilder builder(runner_, sink_, host_);
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
  KernelBuilder builder(runner_, sink_, host_);
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
  KernelBuilder builder(runner_, sink_, host_);
  BuildOutcome outcome = builder.Build(request_);
  EXPECT_FALSE(outcome.ok);
  EXPECT_TRUE(outcome.diagnosis.btf_generation);
  EXPECT_EQ(outcome.failure, "exit status 2");
  EXPECT_EQ(ReadFile(dir_ / "make-command.txt"), outcome.command + "\n");
}

// Given a commit that touches nothing kconfig read (its own list, include/config/auto.conf.cmd,
// and the scripts those Kconfig files run), the .config is kept (no make); given one that
// changes any of them -- a listed Kconfig, a script run through $(shell,...) that no path
// pattern names, kconfig's sources, the top Makefile -- or a .config edited by hand, it is made
// again, and the built stamp goes with it.
TEST_F(KernelBuilderTest, ConfigIsKeptOnlyWhileWhatKconfigReadIsUnchanged) {
  request_.source = dir_ / "src";
  WriteFile(dir_ / "src/Kconfig", "source \"init/Kconfig\"\n");
  WriteFile(dir_ / "src/init/Kconfig", "config PAHOLE_VERSION\n\tint\n\tdefault $(shell,$(srctree)/scripts/pahole-version.sh $(PAHOLE))\n");
  WriteFile(dir_ / "src/scripts/pahole-version.sh", "echo 124\n");
  WriteFile(dir_ / "src/scripts/kconfig/confdata.c", "/* kconfig */\n");
  WriteFile(dir_ / "src/Makefile", "# top\n");
  WriteFile(dir_ / "src/kernel/fork.c", "/* not read by kconfig */\n");
  FakeMake("CONFIG_DEBUG_INFO_BTF=y\n");
  FakeHost host;
  KernelBuilder builder(runner_, sink_, host);
  request_.revision = "aaaa";
  ASSERT_FALSE(builder.Configure(request_).reused);
  WriteFile(request_.build_dir / "include/config/auto.conf.cmd",
            "deps_config := \\\n\tKconfig \\\n\tinit/Kconfig \\\n\ninclude/config/auto.conf: $(deps_config)\n");
  KernelBuilder::RecordKconfigInputs(request_);
  const std::string record = ReadFile(request_.build_dir / ".harness-config-inputs");
  for (const char* path : {" Kconfig\n", " init/Kconfig\n", " scripts/pahole-version.sh\n", " scripts/kconfig/confdata.c\n",
                           " Makefile\n"}) {
    EXPECT_THAT(record, HasSubstr(path));
  }
  EXPECT_THAT(record, ::testing::Not(HasSubstr("fork.c")));

  request_.revision = "bbbb";
  WriteFile(dir_ / "src/kernel/fork.c", "/* changed */\n");
  std::size_t makes = Makes();
  ConfigOutcome kept = builder.Configure(request_);
  EXPECT_TRUE(kept.reused);
  EXPECT_EQ(kept.reused_from, "aaaa");
  EXPECT_EQ(Makes(), makes);

  for (const char* path : {"scripts/pahole-version.sh", "init/Kconfig", "scripts/kconfig/confdata.c", "Makefile",
                           ".config"}) {
    SCOPED_TRACE(path);
    const bool dot_config = std::string(path) == ".config";
    WriteFile(request_.build_dir / ".harness-built", "stamp\n");
    const auto file = dot_config ? request_.build_dir / path : dir_ / "src" / path;
    WriteFile(file, ReadFile(file) + "# changed\n");
    makes = Makes();
    EXPECT_FALSE(builder.Configure(request_).reused);
    EXPECT_EQ(Makes(), makes + 2);  // tinyconfig, olddefconfig
    EXPECT_FALSE(std::filesystem::exists(request_.build_dir / ".harness-built"));
    // The next build records again.
    WriteFile(request_.build_dir / "include/config/auto.conf.cmd",
              "deps_config := \\\n\tKconfig \\\n\tinit/Kconfig \\\n\n");
    KernelBuilder::RecordKconfigInputs(request_);
    EXPECT_TRUE(builder.Configure(request_).reused);
  }
  // No record at all (a build that stopped before kconfig wrote its list): made again.
  std::filesystem::remove(request_.build_dir / ".harness-config-inputs");
  EXPECT_FALSE(builder.Configure(request_).reused);
}

// Given a build directory holding an earlier build, make must find no vmlinux (nor its link's
// intermediates) when it starts, so link-vmlinux.sh runs with this tree's scripts; objects stay.
TEST_F(KernelBuilderTest, MakeInADirectoryWithAnEarlierBuildRelinks) {
  FakeMake("");
  request_.revision = "aaaa";
  request_.pahole_version = 124;
  FakeHost host;
  KernelBuilder builder(runner_, sink_, host);
  ASSERT_TRUE(builder.Build(request_).ok);
  for (const char* name : {".tmp_vmlinux.btf", ".btf.vmlinux.bin.o", "vmlinux.o", "System.map", "init/main.o"}) {
    WriteFile(request_.build_dir / name, "x");
  }
  request_.revision = "bbbb";
  BuildOutcome built = builder.Build(request_);
  ASSERT_TRUE(built.ok);
  EXPECT_FALSE(link_outputs_at_make_);
  EXPECT_THAT(built.relinked, ElementsAre(".btf.vmlinux.bin.o", ".tmp_vmlinux.btf", "System.map", "vmlinux", "vmlinux.o"));
  EXPECT_TRUE(std::filesystem::exists(request_.build_dir / "init/main.o"));
}

// Given make itself killed by SIGKILL (not by our timeout), the build is the machine's failure:
// it leaves no "Killed" line in the log, so the result's signal must tell.
TEST_F(KernelBuilderTest, MakeKilledBySigkillIsAMachineFailure) {
  FakeMake("", 0, "  CC      init/main.o\n");
  runner_.SetHandler([this](const ProcessSpec& spec) {
    WriteFile(spec.log_path, "  CC      init/main.o\n");
    ProcessResult r;
    r.signal = SIGKILL;
    return r;
  });
  FakeHost host;
  BuildOutcome built = KernelBuilder(runner_, sink_, host).Build(request_);
  EXPECT_FALSE(built.ok);
  EXPECT_THAT(built.diagnosis.machine_failure, HasSubstr("make itself was killed by SIGKILL"));
}

// Given a second build with every input unchanged, make should not run; given a dirty work tree,
// an output changed by hand, another pahole or another compiler, it should.
TEST_F(KernelBuilderTest, UnchangedBuildSkipsMake) {
  FakeMake("");
  request_.revision = "aaaa";
  request_.pahole_version = 124;
  request_.toolchain_version = "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0";
  KernelBuilder builder(runner_, sink_, host_);
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
  // Inputs kbuild never compares: binutils, pahole's whole version (same 1.25), the user's
  // KCFLAGS, the .config edited by hand.
  ASSERT_TRUE(builder.Build(request_).skipped);
  request_.binutils_version = "aarch64-linux-gnu-ld: GNU ld (GNU Binutils for Debian) 2.41";
  EXPECT_FALSE(builder.Build(request_).skipped);
  request_.pahole_version_line = "v1.25 (/usr/local/bin/pahole)";
  EXPECT_FALSE(builder.Build(request_).skipped);
  request_.user_env = {{"KCFLAGS", "-include /nonexistent.h"}};
  EXPECT_FALSE(builder.Build(request_).skipped);
  ASSERT_TRUE(builder.Build(request_).skipped);
  WriteFile(dir_ / "build" / ".config", "CONFIG_BY_HAND=y\n");
  EXPECT_FALSE(builder.Build(request_).skipped);
  EXPECT_EQ(Makes(), 9u);
}

// Given outputs whose mtimes have settled, the first skip checks their hashes and records their
// stat, and later skips go by that stat (the hash line is not read again); an output rewritten
// since (new mtime) is hashed again and, changed, runs make. Just-written outputs are never
// trusted by stat: a rewrite within the file system's clock tick would keep it.
TEST_F(KernelBuilderTest, SettledOutputsAreRecognisedByTheirStat) {
  FakeMake("");
  request_.revision = "aaaa";
  request_.pahole_version = 124;
  KernelBuilder builder(runner_, sink_, host_);
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
  KernelBuilder builder(runner_, sink_, host_);
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
  KernelBuilder builder(runner_, sink_, host_);
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
  for (const auto& [name, value] : KernelBuilder::MakeEnv(request_, host)) EXPECT_FALSE(name.starts_with("CCACHE_")) << name;
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
TEST(CheckCcacheRemoteTest, PongOrWhyNot) {
  FakeHost host;
  const RedisUrl url = ParseRedisUrl("redis://cache:7000", "x");
  EXPECT_EQ(CheckCcacheRemote(url, host), "Connection refused");
  EXPECT_THAT(host.asked, ElementsAre("cache:7000 PING\r\n"));
  host.servers["cache:7000"] = {.line = "+PONG"};
  EXPECT_EQ(CheckCcacheRemote(url, host), "");
  host.servers["cache:7000"] = {.line = "-NOAUTH Authentication required."};
  EXPECT_EQ(CheckCcacheRemote(url, host), "answered '-NOAUTH Authentication required.' instead of +PONG");
  host.servers["cache:7000"] = {.error = "timed out after 2000 ms waiting for an answer"};
  EXPECT_EQ(CheckCcacheRemote(url, host), "timed out after 2000 ms waiting for an answer");
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
  ASSERT_TRUE(KernelBuilder(runner_, sink, host_).Build(request_).ok);
  ASSERT_FALSE(sink.events.empty());
  EXPECT_EQ(sink.events[0].kind, Event::Kind::kEstimate);
  EXPECT_EQ(sink.events[0].count, 6u);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).steps, 3u);
  EXPECT_EQ(EstimateBuildSteps(request_.build_dir).source, "the last build here");
  // An incremental build (a relink) keeps the count of the build from nothing.
  FakeMake("", 0, "  LD      vmlinux\n");
  ASSERT_TRUE(KernelBuilder(runner_, sink_, host_).Build(request_).ok);
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
  auto version = [](std::string output) {
    FakeRunner runner;
    runner.Push({.exit_code = 0, .output = std::move(output)});
    FakeHost host;
    host.programs.insert("pahole");
    return PaholeVersion(runner, host);
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
