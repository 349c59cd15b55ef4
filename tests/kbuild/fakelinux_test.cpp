// Integration: the build stage for real on the fake kernel tree (tests/data/fakelinux). The
// real KernelBuilder runs the real make through the real process runner, for every arch and
// every FAIL= mode; then the whole `harness run --stop-after inspect` runs on a matrix whose
// tree is the fake tree. No compiler runs, so each case takes a fraction of a second.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness/arch/arch.h"
#include "harness/kbuild/kbuild.h"
#include "harness/core/lock.h"
#include "harness/core/util.h"
#include "harness/elf/inspector.h"
#include "harness/proc/runner.h"
#include "harness/verify/verify.h"
#include "tests/support/fake_tools.h"
#include "tests/support/loopback.h"
#include "tests/support/temp_dir.h"

namespace harness {

// Test names and failure messages say "s390x", not a pointer.
void PrintTo(const Arch* arch, std::ostream* os) { *os << arch->name; }

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const fs::path kFakeTree = fs::path(HARNESS_TEST_DATA) / "fakelinux";
const fs::path kKconfigDir = fs::path(HARNESS_SOURCE_DIR) / "configs" / "kconfig";

// A copy of the fake tree in a test's directory (a test may write its local.mk).
void CopyFakeTree(const fs::path& dir) { fs::copy(kFakeTree, dir / "linux", fs::copy_options::recursive); }

// The fake tree reads these from a copy's local.mk.
void WriteLocalMk(const fs::path& tree, const std::string& fail = "", const std::string& drop = "") {
  WriteFile(tree / "local.mk", "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\n" +
                                   (fail.empty() ? "" : "FAIL := " + fail + "\n") +
                                   (drop.empty() ? "" : "DROP := " + drop + "\n"));
}

// The fragments the harness gives every cell of the default matrix: common + the arch's own.
std::vector<KconfigOption> DefaultOptions(const Arch& arch, const std::string& extra = "") {
  std::vector<std::vector<KconfigOption>> fragments;
  for (const std::string& name : {std::string("common.config"), std::string(arch.kconfig_fragment), extra}) {
    if (name.empty()) continue;
    fragments.push_back(ParseFragment(ReadFile(kKconfigDir / name), (kKconfigDir / name).string()));
  }
  return MergeFragments(fragments);
}

// 1-based line `n` of `text`.
std::string Line(const std::string& text, int n) {
  const auto lines = SplitLines(text);
  return n >= 1 && n <= static_cast<int>(lines.size()) ? lines[n - 1] : "";
}

int LineOf(const std::string& text, const std::string& needle) {
  const auto lines = SplitLines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i + 1);
  }
  return 0;
}

class FakeTreeBuildTest : public ::testing::TestWithParam<const Arch*> {
 protected:
  void SetUp() override {
    if (FindProgram("make").empty()) GTEST_SKIP() << "make is not installed";
    CopyFakeTree(dir_);
    tree_ = dir_ / "linux";
    runner_ = MakeRealRunner();
    request_ = {.cell = "fake/none/" + std::string(arch().name) + "/gcc",
                .arch = &arch(),
                .source = tree_,
                .build_dir = dir_ / "build",
                .log_dir = dir_ / "logs",
                .kconfig_base = "tinyconfig",
                .options = DefaultOptions(arch()),
                .jobs = 2,
                .timeout = std::chrono::seconds(60)};
  }
  const Arch& arch() const { return *GetParam(); }

  // Configures cleanly, then builds with FAIL=`fail`: make fails and the command is still kept.
  BuildOutcome FailingBuild(const std::string& fail) {
    WriteLocalMk(tree_, fail);
    KernelBuilder builder(*runner_, sink_, RealHost());
    EXPECT_EQ(builder.Configure(request_).error, "");
    BuildOutcome built = builder.Build(request_);
    EXPECT_FALSE(built.ok);
    EXPECT_EQ(built.failure, "exit status 2");
    EXPECT_TRUE(fs::exists(request_.log_dir / "make-command.txt"));
    return built;
  }

  testing::TempDir dir_{"fakelinux-test"};
  fs::path tree_;
  std::unique_ptr<ProcessRunner> runner_;
  NullSink sink_;
  BuildRequest request_;
};

// Given the default fragments, it should configure (every option kept), build vmlinux and the
// arch's boot image under O=, and leave a vmlinux the inspector finds clean and of this arch.
TEST_P(FakeTreeBuildTest, ConfiguresAndBuildsACleanVmlinuxOfTheArch) {
  WriteLocalMk(tree_);
  KernelBuilder builder(*runner_, sink_, RealHost());

  ConfigOutcome configured = builder.Configure(request_);
  ASSERT_EQ(configured.error, "");
  EXPECT_FALSE(configured.reused);
  EXPECT_TRUE(configured.dropped.empty()) << configured.dropped.front().requested.name;
  EXPECT_THAT(ReadFile(request_.log_dir / "config.log"), HasSubstr("configuration written to .config"));
  EXPECT_TRUE(fs::exists(request_.log_dir / "olddefconfig.log"));
  const std::string dot_config = ReadFile(request_.build_dir / ".config");
  EXPECT_THAT(dot_config, HasSubstr("CONFIG_DEBUG_INFO_BTF=y\n"));
  // CROSS_COMPILE reached the tree: kconfig records the compiler it would use.
  EXPECT_THAT(dot_config, HasSubstr("CONFIG_CC_VERSION_TEXT=\"" + std::string(arch().cross_prefix) + "gcc"));
  EXPECT_FALSE(fs::exists(tree_ / ".config")) << "the fake tree was configured in place";

  // Same request again before any build: nothing records yet what kconfig read, so it is made again.
  EXPECT_FALSE(builder.Configure(request_).reused);

  BuildOutcome built = builder.Build(request_);
  ASSERT_TRUE(built.ok) << built.failure << "\n" << ReadFile(built.log);
  EXPECT_EQ(ReadFile(request_.log_dir / "make-command.txt"), built.command + "\n");
  EXPECT_THAT(built.command, HasSubstr("ARCH=" + std::string(arch().linux_arch) + " "));
  std::string targets;
  for (auto target : arch().make_targets) targets += " " + std::string(target);
  EXPECT_TRUE(built.command.ends_with(" -j2" + targets)) << built.command;
  const std::string log = ReadFile(built.log);
  EXPECT_THAT(log, HasSubstr("  CC      init/main.o\n"));
  EXPECT_THAT(log, HasSubstr("  BTF     .btf.vmlinux.bin.o\n"));
  EXPECT_THAT(log, HasSubstr("  LD      vmlinux\n"));
  EXPECT_EQ(built.image, request_.build_dir / arch().boot_image);
  EXPECT_TRUE(fs::exists(built.image));
  EXPECT_TRUE(fs::exists(request_.build_dir / "include/config/auto.conf"));
  // After the build, kconfig's own list of what it read is recorded: the same request keeps the
  // .config; a change to a script Kconfig runs through $(shell,...) makes it again.
  EXPECT_TRUE(builder.Configure(request_).reused);
  WriteFile(tree_ / "scripts/pahole-version.sh", "#!/bin/sh\necho 125\n");
  EXPECT_FALSE(builder.Configure(request_).reused);
  EXPECT_THAT(ReadFile(request_.build_dir / ".config"), HasSubstr("CONFIG_PAHOLE_VERSION=125\n"));

  VmlinuxInfo info = InspectVmlinux(built.vmlinux);
  EXPECT_TRUE(info.problems.empty()) << info.problems.front();
  EXPECT_EQ(CheckVmlinuxArch(arch(), info), "");
  EXPECT_TRUE(info.has_btf);
  EXPECT_EQ(info.endian, arch().endian);
  EXPECT_EQ(info.build_id.size(), 40u);
}

// Given a fragment turning BTF off, it should build a vmlinux without .BTF and run no BTF step.
TEST_P(FakeTreeBuildTest, WithoutBtfBuildsNoBtfSection) {
  WriteLocalMk(tree_);
  request_.options = DefaultOptions(arch(), "no-btf.config");
  KernelBuilder builder(*runner_, sink_, RealHost());
  ASSERT_EQ(builder.Configure(request_).error, "");
  BuildOutcome built = builder.Build(request_);
  ASSERT_TRUE(built.ok) << built.failure;
  EXPECT_THAT(ReadFile(built.log), ::testing::Not(HasSubstr("  BTF ")));
  VmlinuxInfo info = InspectVmlinux(built.vmlinux);
  EXPECT_FALSE(info.has_btf);
  EXPECT_EQ(CheckVmlinuxArch(arch(), info), "");
}

// Given the test module's source and the default fragments (module BTF on), it should add
// `modules` to the tree's make, build the module with M= in the build directory, and leave a .ko
// whose .BTF reads as split BTF of the vmlinux, in the arch's byte order.
TEST_P(FakeTreeBuildTest, BuildsTheTestModuleWhenModuleBtfIsOn) {
  WriteLocalMk(tree_);
  request_.module_source = fs::path(HARNESS_SOURCE_DIR) / "images" / "btfmod";
  KernelBuilder builder(*runner_, sink_, RealHost());
  ASSERT_EQ(builder.Configure(request_).error, "");
  ASSERT_TRUE(KernelBuilder::BuildsModule(request_));
  BuildOutcome built = builder.Build(request_);
  ASSERT_TRUE(built.ok) << built.failure << "\n" << ReadFile(built.log);
  EXPECT_TRUE(built.command.ends_with(" modules")) << built.command;
  const fs::path dir = request_.build_dir / "harness-btfmod";
  EXPECT_EQ(built.module, dir / "btfmod.ko");
  EXPECT_THAT(built.module_command, HasSubstr("M=" + dir.string() + " modules"));
  EXPECT_THAT(ReadFile(built.module_log), HasSubstr("  BTF [M] " + (dir / "btfmod.ko").string()));
  EXPECT_EQ(ReadFile(dir / "btfmod.c"), ReadFile(request_.module_source / "btfmod.c"));
  const ModuleBtfInfo module = InspectModuleBtf(built.module, InspectVmlinux(built.vmlinux));
  EXPECT_TRUE(module.problems.empty()) << module.problems.front();
  ASSERT_EQ(module.own_structs.size(), 2u);
  EXPECT_EQ(module.own_structs[1].name, "btfmod_state");
  EXPECT_EQ(module.own_structs[1].members.front(), (std::pair<std::string, std::string>{"node", "list_head"}));
}

// Given a .ko left by an earlier build, the next build should make it again: an external
// module's .ko does not depend on vmlinux in kbuild, so a vmlinux relinked with other BTF would
// otherwise be graded with the old module BTF.
TEST_P(FakeTreeBuildTest, EveryBuildMakesTheTestModuleAgain) {
  WriteLocalMk(tree_);
  request_.module_source = fs::path(HARNESS_SOURCE_DIR) / "images" / "btfmod";
  KernelBuilder builder(*runner_, sink_, RealHost());
  ASSERT_EQ(builder.Configure(request_).error, "");
  BuildOutcome first = builder.Build(request_);
  ASSERT_TRUE(first.ok) << first.failure;
  WriteFile(first.module, "stale module of an earlier vmlinux");
  BuildOutcome second = builder.Build(request_);
  ASSERT_TRUE(second.ok) << second.failure;
  EXPECT_NE(ReadFile(second.module), "stale module of an earlier vmlinux");
  EXPECT_TRUE(InspectModuleBtf(second.module, InspectVmlinux(second.vmlinux)).problems.empty());
}

// Given module BTF off (a 5.10 tree's fragment, or no BTF at all), it should build no module.
TEST_P(FakeTreeBuildTest, WithoutModuleBtfBuildsNoModule) {
  WriteLocalMk(tree_);
  request_.module_source = fs::path(HARNESS_SOURCE_DIR) / "images" / "btfmod";
  request_.options = DefaultOptions(arch(), "no-btf.config");
  KernelBuilder builder(*runner_, sink_, RealHost());
  ASSERT_EQ(builder.Configure(request_).error, "");
  EXPECT_FALSE(KernelBuilder::BuildsModule(request_));
  BuildOutcome built = builder.Build(request_);
  ASSERT_TRUE(built.ok) << built.failure;
  EXPECT_TRUE(built.module.empty());
  EXPECT_FALSE(built.command.ends_with(" modules")) << built.command;
  EXPECT_FALSE(fs::exists(request_.build_dir / "harness-btfmod"));
}

// Given a test module that does not compile, it should fail the build at the module's error,
// pointing at the module's log and make command rather than the kernel's.
TEST_P(FakeTreeBuildTest, FailingModuleIsABuildFailureNamingItsLog) {
  WriteLocalMk(tree_, "module");
  request_.module_source = fs::path(HARNESS_SOURCE_DIR) / "images" / "btfmod";
  KernelBuilder builder(*runner_, sink_, RealHost());
  ASSERT_EQ(builder.Configure(request_).error, "");
  BuildOutcome built = builder.Build(request_);
  EXPECT_FALSE(built.ok);
  EXPECT_EQ(built.log, request_.log_dir / "module.log");
  EXPECT_THAT(built.command, HasSubstr("harness-btfmod modules"));
  EXPECT_THAT(built.diagnosis.first_error, HasSubstr("btfmod.c:1:1: error"));
  EXPECT_TRUE(built.module.empty());
}

// Given FAIL=config, it should report the config make as failed, naming its log.
TEST_P(FakeTreeBuildTest, FailConfigFailsTheConfigMake) {
  WriteLocalMk(tree_, "config");
  ConfigOutcome configured = KernelBuilder(*runner_, sink_, RealHost()).Configure(request_);
  EXPECT_THAT(configured.error, StartsWith("make tinyconfig failed (exit status 2); see "));
  EXPECT_THAT(configured.error, HasSubstr("config.log"));
  EXPECT_THAT(ReadFile(request_.log_dir / "config.log"), HasSubstr("init/Kconfig:1: syntax error"));
  EXPECT_FALSE(fs::exists(request_.build_dir / ".harness-config-key"));
}

// Given FAIL=olddefconfig, tinyconfig works and olddefconfig fails, naming its own log.
TEST_P(FakeTreeBuildTest, FailOlddefconfigNamesItsLog) {
  WriteLocalMk(tree_, "olddefconfig");
  ConfigOutcome configured = KernelBuilder(*runner_, sink_, RealHost()).Configure(request_);
  EXPECT_THAT(configured.error, StartsWith("make olddefconfig failed (exit status 2); see "));
  EXPECT_THAT(configured.error, HasSubstr("olddefconfig.log"));
}

// Given DROP=CONFIG_DEBUG_INFO_BTF (and module BTF, which depends on it), olddefconfig leaves BTF
// out and the check names it, with a reason; the .config is not cached as good, so the next run
// configures again.
TEST_P(FakeTreeBuildTest, DroppedBtfOptionIsReported) {
  WriteLocalMk(tree_, "", "CONFIG_DEBUG_INFO_BTF CONFIG_DEBUG_INFO_BTF_MODULES");
  KernelBuilder builder(*runner_, sink_, RealHost());
  ConfigOutcome configured = builder.Configure(request_);
  ASSERT_EQ(configured.error, "");
  ASSERT_EQ(configured.dropped.size(), 2u);
  EXPECT_EQ(configured.dropped[1].requested.name, "CONFIG_DEBUG_INFO_BTF_MODULES");
  EXPECT_EQ(configured.dropped[0].requested.name, "CONFIG_DEBUG_INFO_BTF");
  EXPECT_EQ(configured.dropped[0].actual, "");
  EXPECT_NE(configured.dropped[0].reason, "");
  EXPECT_THAT(ReadFile(request_.build_dir / ".config"), ::testing::Not(HasSubstr("CONFIG_DEBUG_INFO_BTF")));
  EXPECT_FALSE(builder.Configure(request_).reused);
}

// Given FAIL=build, the build fails at CC with the compiler's error line as the first error.
TEST_P(FakeTreeBuildTest, FailBuildIsDiagnosedAtTheCompileError) {
  BuildOutcome built = FailingBuild("build");
  const std::string log = ReadFile(built.log);
  EXPECT_THAT(log, HasSubstr("] Error 1"));
  EXPECT_EQ(built.diagnosis.step, "CC");  // with -j2 the CC line just before may be another object's
  EXPECT_THAT(built.diagnosis.first_error, StartsWith("init/main.c:1:1: error: expected ';'"));
  EXPECT_EQ(Line(log, built.diagnosis.error_line), built.diagnosis.first_error);
  EXPECT_FALSE(built.diagnosis.btf_generation);
}

// Given FAIL=btf, pahole fails inside gen_btf's `if !` as in 6.1, the error surfaces at the next
// LD naming .btf.vmlinux.bin.o, and the diagnosis traces it back to BTF generation.
TEST_P(FakeTreeBuildTest, FailBtfSurfacesAtLaterLinkAndIsTracedToBtf) {
  BuildOutcome built = FailingBuild("btf");
  const std::string log = ReadFile(built.log);
  const BuildDiagnosis& d = built.diagnosis;
  EXPECT_EQ(d.step, "LD");
  EXPECT_EQ(d.step_target, ".tmp_vmlinux.kallsyms1");
  EXPECT_EQ(d.first_error, std::string(arch().cross_prefix) +
                               "ld: .btf.vmlinux.bin.o: file not recognized: file format not recognized");
  EXPECT_TRUE(d.btf_generation);
  // The BTF step printed no error of its own: the error came after it.
  EXPECT_GT(LineOf(log, "  BTF     .btf.vmlinux.bin.o"), 0);
  EXPECT_LT(LineOf(log, "  BTF     .btf.vmlinux.bin.o"), d.error_line);
  EXPECT_THAT(d.Summary(), StartsWith("BTF generation (surfaced at LD .tmp_vmlinux.kallsyms1): "));
  EXPECT_FALSE(fs::exists(built.vmlinux));
}

INSTANTIATE_TEST_SUITE_P(AllArches, FakeTreeBuildTest,
                         ::testing::ValuesIn(AllArches().begin(), AllArches().end()),
                         [](const ::testing::TestParamInfo<const Arch*>& info) {
                           return std::string(info.param->name);
                         });

// The whole harness binary on a matrix of the fake tree and the three arches.
class FakeTreeHarnessRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("make").empty()) GTEST_SKIP() << "make is not installed";
    CopyFakeTree(dir_);
    WriteLocalMk(dir_ / "linux");
    WriteFile(dir_ / "matrix.yaml",
              "trees:\n"
              "  - name: fake\n"
              "    path: " + (dir_ / "linux").string() + "\n"
              "arches: [x86_64, arm64, s390x]\n"
              "kconfig:\n"
              "  base: tinyconfig\n"
              "  fragments: [common.config]\n"
              "timeouts:\n"
              "  build: 60\n");
    path_ = FakeTreePath(dir_ / "bin");
  }
  struct Run {
    int exit_code = -1;
    std::string output;
    nlohmann::json results;
  };

  Run RunHarness(std::map<std::string, std::string> env = {}, const std::string& log = "harness-output.log",
                 const std::vector<std::string>& extra = {}) {
    // The fake tree's knobs go in its local.mk: make gets only the environment the harness
    // builds for it, never the harness's own.
    std::string knobs;
    for (const char* knob : {"FAIL", "DROP", "SLOW"}) {
      if (auto it = env.find(knob); it != env.end()) {
        knobs += std::string(knob) + " := " + it->second + "\n";
        env.erase(it);
      }
    }
    if (!knobs.empty()) {
      const std::string local_mk = "FAKE_VMLINUX := " + std::string(FAKE_VMLINUX_BIN) + "\n" + knobs;
      // Rewritten only when it changes: a second run started beside a first must not touch the
      // file the first one's make is reading.
      if (ReadFile(dir_ / "linux" / "local.mk") != local_mk) WriteFile(dir_ / "linux" / "local.mk", local_mk);
    }
    env["PATH"] = path_;
    const fs::path out = dir_ / "out";
    std::vector<std::string> argv = {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect",
                                     "-j", "2", "--out", out.string(), "--cache", (dir_ / "cache").string(),
                                     "--data-dir", HARNESS_SOURCE_DIR};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ProcessResult r = MakeRealRunner()->Run(
        {.argv = argv,
         .env = env,
         .log_path = dir_ / log,
         .timeout = std::chrono::seconds(120)});
    Run run{r.exit_code, r.output, {}};
    if (fs::exists(out / "results.json")) run.results = nlohmann::json::parse(ReadFile(out / "results.json"));
    return run;
  }

  // Runs the harness with `env` added, expects `exit_code` and one cell per arch, each with
  // `verdict` at `stage`; returns the cells for the caller's own checks.
  nlohmann::json RunExpecting(std::map<std::string, std::string> env, int exit_code, const std::string& verdict,
                              const std::string& stage) {
    Run run = RunHarness(std::move(env));
    EXPECT_EQ(run.exit_code, exit_code) << run.output;
    if (!run.results.contains("cells") || run.results["cells"].size() != 3) {
      ADD_FAILURE() << "expected three cells; the harness said:\n" << run.output;
      return nlohmann::json::array();
    }
    for (const auto& cell : run.results["cells"]) {
      EXPECT_EQ(cell["verdict"], verdict) << cell.dump(2);
      EXPECT_EQ(cell["stage"], stage) << cell.dump(2);
    }
    return run.results["cells"];
  }

  testing::TempDir dir_{"fakelinux-test"};
  std::string path_;
};

// Given a clean fake tree, every arch's cell is built and inspected clean: verdict "built".
TEST_F(FakeTreeHarnessRunTest, StopAfterInspectIsBuiltOnEveryArch) {
  for (const auto& cell : RunExpecting({}, 0, "built", "inspect")) {
    EXPECT_EQ(cell["facts"]["build_id"].get<std::string>().size(), 40u) << cell.dump(2);
    const fs::path artifacts = cell["artifacts"].get<std::string>();
    EXPECT_EQ(ReadFile(artifacts / "make-command.txt"), cell["facts"]["make_command"].get<std::string>() + "\n");
    EXPECT_TRUE(fs::exists(artifacts / "build.log"));
  }
}

// Given --ccache-remote at a port where nothing listens, the run should say so once, build every
// cell with the local cache only and record it per cell; a malformed URL (here from
// HARNESS_CCACHE_REMOTE) is a harness error before anything is built.
TEST_F(FakeTreeHarnessRunTest, DeadCcacheRemoteIsANoteAndLocalOnlyBuilds) {
  if (FindProgram("ccache").empty()) GTEST_SKIP() << "ccache is not installed";
  const std::string url = "redis://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  Run run = RunHarness({}, "harness-output.log", {"--ccache-remote", url});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("note: ccache remote " + url + " unreachable (Connection refused): building "
                                    "with the local cache only"));
  ASSERT_EQ(run.results["cells"].size(), 3u) << run.output;
  for (const auto& cell : run.results["cells"]) {
    EXPECT_EQ(cell["verdict"], "built") << cell.dump(2);
    EXPECT_EQ(cell["facts"]["ccache_remote"], url + ": unreachable (Connection refused)");
    EXPECT_THAT(cell["facts"]["make_command"].get<std::string>(), ::testing::Not(HasSubstr("REMOTE")));
  }

  Run bad = RunHarness({{"HARNESS_CCACHE_REMOTE", "rediss://cache:6379"}}, "bad-url.log");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("harness: error: HARNESS_CCACHE_REMOTE 'rediss://cache:6379' has scheme 'rediss'"));
}

// Given exclusions (the matrix's own rule and the toolchain data's), the excluded cells are in
// results.json and JUnit with their reasons, nothing of them runs, and they fail nothing.
TEST_F(FakeTreeHarnessRunTest, ExcludedCellsAreReportedNeverRun) {
  WriteFile(dir_ / "matrix.yaml",
            "trees: [{name: fake, path: " + (dir_ / "linux").string() + "}]\n"
            "arches: [x86_64, s390x]\n"
            "toolchains: [gcc, clang]\n"
            "exclude:\n"
            "  - {arch: x86_64, toolchain: clang, reason: not today}\n"
            "kconfig: {base: tinyconfig, fragments: [common.config]}\n");
  Run run = RunHarness();
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.results["cells"].size(), 4u) << run.output;
  std::vector<std::string> verdicts;
  for (const auto& cell : run.results["cells"]) {
    verdicts.push_back(cell["cell"].get<std::string>() + " " + cell["verdict"].get<std::string>());
  }
  EXPECT_EQ(verdicts, (std::vector<std::string>{"fake/none/x86_64/gcc built", "fake/none/x86_64/clang excluded",
                                                "fake/none/s390x/gcc built", "fake/none/s390x/clang excluded"}));
  EXPECT_THAT(run.results["cells"][1]["detail"].get<std::string>(), ::testing::StartsWith("not today (exclude at "));
  EXPECT_THAT(run.results["cells"][3]["detail"].get<std::string>(),
              ::testing::StartsWith("toolchain clang on s390x: ld.lld (LLVM 16) cannot link s390x"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "fake" / "build-s390x-clang"));
  EXPECT_THAT(run.output, ::testing::HasSubstr("fake/none/s390x/clang: excluded: toolchain clang on s390x"));
  EXPECT_THAT(run.output, ::testing::HasSubstr("2 excluded (not run, each with its reason above)"));
  EXPECT_THAT(ReadFile(dir_ / "out" / "junit.xml"), ::testing::HasSubstr("<skipped message=\"excluded: not today"));
  EXPECT_EQ(run.results["cells"][0]["facts"]["toolchain"], "gcc");
  EXPECT_EQ(run.results["cells"][0]["facts"]["tree_version"], "local");
}

// Given FAIL=btf in the tree's local.mk, every cell fails at build and is traced to BTF generation.
TEST_F(FakeTreeHarnessRunTest, FailBtfIsABuildFailureAtBtfOnEveryArch) {
  for (const auto& cell : RunExpecting({{"FAIL", "btf"}}, 1, "build-failed", "build")) {
    EXPECT_EQ(cell["facts"]["build_step"], "BTF") << cell.dump(2);
    EXPECT_THAT(cell["detail"].get<std::string>(), StartsWith("BTF generation (surfaced at LD .tmp_vmlinux.kallsyms1)"));
  }
}

// Given DROP=CONFIG_DEBUG_INFO_BTF, every cell stops at config naming the dropped option.
TEST_F(FakeTreeHarnessRunTest, DroppedBtfIsConfigDroppedOnEveryArch) {
  for (const auto& cell : RunExpecting({{"DROP", "CONFIG_DEBUG_INFO_BTF"}}, 1, "config-dropped", "config")) {
    EXPECT_EQ(cell["facts"]["dropped_options"], "CONFIG_DEBUG_INFO_BTF") << cell.dump(2);
  }
}

// Given FAIL=config, every cell fails at config (a kernel failure, not a harness error).
TEST_F(FakeTreeHarnessRunTest, FailConfigIsABuildFailureAtConfigOnEveryArch) {
  for (const auto& cell : RunExpecting({{"FAIL", "config"}}, 1, "build-failed", "config")) {
    EXPECT_THAT(cell["detail"].get<std::string>(), StartsWith("make tinyconfig failed")) << cell.dump(2);
  }
}

// Two harness processes on one --out, started together: the second waits for the first (saying
// for whom) and then runs; both finish with every cell built (the lock is what keeps their builds apart).
TEST_F(FakeTreeHarnessRunTest, TwoRunsOnOneOutDirTakeTurns) {
  Run runs[2];
  {
    std::thread first([&] { runs[0] = RunHarness({{"SLOW", "1"}}, "first.log"); });
    // The second starts once the first holds --out (its lock file names it), so it must wait
    // however slowly a loaded machine starts processes; the first then builds for 3 s or more.
    const fs::path lock = dir_ / "out" / ".harness.lock";
    for (int i = 0; i < 3000 && LockHolder(lock).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::thread second([&] { runs[1] = RunHarness({{"SLOW", "1"}}, "second.log"); });
    first.join();
    second.join();
  }
  int waited = 0;
  for (const Run& run : runs) {
    EXPECT_EQ(run.exit_code, 0) << run.output;
    if (run.output.find("note: waiting for harness (pid ") != std::string::npos) ++waited;
  }
  EXPECT_EQ(waited, 1) << runs[0].output << "\n----\n" << runs[1].output;
  EXPECT_EQ(runs[0].output.find("note: waiting for"), std::string::npos) << "the first run waited";
  const nlohmann::json results = nlohmann::json::parse(ReadFile(dir_ / "out" / "results.json"));
  ASSERT_EQ(results["cells"].size(), 3u);
  for (const auto& cell : results["cells"]) EXPECT_EQ(cell["verdict"], "built") << cell.dump(2);
}

// With --no-wait, a second harness on a busy --out stops at once (exit 2), naming the first, and
// leaves the first's run alone.
TEST_F(FakeTreeHarnessRunTest, NoWaitRefusesABusyOutDirNamingItsHolder) {
  Run first_run;
  std::thread first([&] { first_run = RunHarness({{"SLOW", "1"}}, "first.log"); });
  const fs::path lock = dir_ / "out" / ".harness.lock";
  for (int i = 0; i < 3000 && LockHolder(lock).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  Run second = RunHarness({}, "second.log", {"--no-wait"});
  first.join();
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_THAT(second.output, HasSubstr("is in use by harness (pid ")) << second.output;
  EXPECT_THAT(second.output, HasSubstr("or use another --out"));
  EXPECT_EQ(first_run.exit_code, 0) << first_run.output;
}

}  // namespace
}  // namespace harness
