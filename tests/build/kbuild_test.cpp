#include "harness/build/kbuild.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

  std::filesystem::path dir_;
  BuildRequest request_;
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
                                     "CCACHE_IGNOREOPTIONS='-Wa,-I*' make -C /src/linux O="));
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

TEST_F(KernelBuilderTest, SuccessfulBuildFindsImageAndVmlinux) {
  FakeMake("");
  KernelBuilder builder(runner_, sink_);
  BuildOutcome outcome = builder.Build(request_);
  EXPECT_TRUE(outcome.ok) << outcome.failure;
  EXPECT_EQ(outcome.image, dir_ / "build" / "arch/arm64/boot/Image");
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
