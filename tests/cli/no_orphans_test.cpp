// The harness binary leaves nothing behind when it is SIGKILLed mid-build or mid-boot, or when
// its output is closed (`harness run -v 2>&1 | head -1`), and in the last case still writes its
// results. The "kernel" is a copy of tests/data/fakelinux with HANG=300: its build prints lines
// and then sleeps in a shell and a grandchild; the "QEMU" a script that does the same. Every
// process of those trees carries this test's temporary directory in its command line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "harness/core/util.h"
#include "tests/support/elf_writer.h"
#include "tests/support/fake_tools.h"
#include "harness/proc/runner.h"
#include "tests/proc/process_table.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::DescribeProcesses;
using testing::KillNine;
using testing::ProcessesMentioning;
using testing::WaitUntilMentioned;
using testing::WaitUntilNoneMentions;

class NoOrphansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("make").empty()) GTEST_SKIP() << "make is not installed";
    dir_ = testing::MakeMarkedDir("harness-cli-orphans");
    ASSERT_FALSE(dir_.empty());
    sleep_ = (dir_ / "sleep").string();
    fs::create_symlink(FindProgram("sleep"), sleep_);
    // A copy of the fake tree (never the checked-in one) whose build hangs for 300 s at its first
    // object, in sleeps named sleep_.
    const fs::path tree = dir_ / "linux";
    fs::copy(HARNESS_SOURCE_DIR "/tests/data/fakelinux", tree, fs::copy_options::recursive);
    WriteFile(tree / "local.mk", "HANG := 300\nFAKE_SLEEP := " + sleep_ + "\n");
    WriteFile(dir_ / "matrix.yaml", "trees: [{name: fake, path: " + tree.string() + "}]\n"
                                    "arches: [x86_64]\n");
    // Preflight wants the cross gcc and ld, which the fake tree never runs: shims stand in.
    path_ = FakeTreePath(dir_ / "shims");
  }
  void TearDown() override {
    if (dir_.empty()) return;
    testing::KillMentioning(dir_.string());
    fs::remove_all(dir_);
  }

  std::vector<std::string> HarnessArgv() const {
    return {HARNESS_BIN, "run", (dir_ / "matrix.yaml").string(), "--stop-after", "inspect", "-j", "1", "-v",
            "--out", (dir_ / "out").string(), "--cache", (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR};
  }

  fs::path dir_;
  std::string sleep_;
  std::string path_;  // PATH for `harness run`
};

// Given the harness killed with SIGKILL while make runs (a shell and two sleeps below it), no
// process of that tree should be left.
TEST_F(NoOrphansTest, KillNineMidBuildLeavesNoProcess) {
  const pid_t harness = testing::StartProcess(HarnessArgv(), {{"PATH", path_}}, dir_ / "harness.log");
  // The recipe's shell and both sleeps mention "<dir>/sleep 300".
  ASSERT_TRUE(WaitUntilMentioned(sleep_ + " 300", 3, 15s))
      << ReadFile(dir_ / "harness.log") << DescribeProcesses(ProcessesMentioning(dir_.string()));
  const auto start = std::chrono::steady_clock::now();
  KillNine(harness);
  const auto left = WaitUntilNoneMentions(dir_.string(), 5s);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_TRUE(left.empty()) << "alive " << ms.count() << " ms after kill -9 of the harness:" << DescribeProcesses(left);
  RecordProperty("gone_after_ms", static_cast<int>(ms.count()));
}

// Given the harness killed with SIGKILL while QEMU runs (a fake one, first on PATH: a script with
// a backgrounded and a foreground sleep), no process of that tree should be left. `harness boot`
// on arm64 boots at once (no KVM trial on an x86 host), a test-time vmlinux passes inspection.
TEST_F(NoOrphansTest, KillNineMidBootLeavesNoProcess) {
  const fs::path vmlinux = dir_ / "vmlinux";
  FakeVmlinuxSpec spec;
  spec.machine = 183;  // EM_AARCH64
  spec.btf = MakeBtfBlob(Endian::kLittle, 3);
  WriteFakeVmlinux(vmlinux, spec);
  WriteFile(dir_ / "Image", "not a kernel: the fake QEMU never reads it\n");
  const fs::path bin = dir_ / "bin";
  WriteFile(bin / "qemu-system-aarch64", "#!/bin/sh\necho 'fake qemu: booting'\n\"" + sleep_ + "\" 300 &\n\"" + sleep_ +
                                              "\" 300\n");
  fs::permissions(bin / "qemu-system-aarch64", fs::perms::owner_all);
  const pid_t harness = testing::StartProcess(
      {HARNESS_BIN, "boot", "--arch", "arm64", "--kernel", (dir_ / "Image").string(), "--vmlinux", vmlinux.string(),
       "--out", (dir_ / "out").string(), "--cache", (dir_ / "cache").string(), "--data-dir", HARNESS_SOURCE_DIR},
      {{"PATH", bin.string() + ":" + std::getenv("PATH")}}, dir_ / "harness.log");
  // The fake QEMU's shell (its script path is in dir_) and both sleeps.
  ASSERT_TRUE(WaitUntilMentioned(sleep_ + " 300", 2, 15s) && WaitUntilMentioned("qemu-system-aarch64", 1, 1s))
      << ReadFile(dir_ / "harness.log") << DescribeProcesses(ProcessesMentioning(dir_.string()));
  KillNine(harness);
  const auto left = WaitUntilNoneMentions(dir_.string(), 5s);
  EXPECT_TRUE(left.empty()) << "alive after kill -9 of the harness:" << DescribeProcesses(left);
}

// Given a reader that stops early, the harness should not die of SIGPIPE: the run ends as for
// Ctrl-C, make's group is killed, and results.json is written. `head -1` closes the pipe before
// the build starts, `grep -m1` in the middle of make's output.
class ClosedOutputTest : public NoOrphansTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ClosedOutputTest, EndsTheRunWithResultsAndNoProcessLeft) {
  std::vector<std::string> argv = {"bash", "-c",
                                   std::string("\"$@\" 2>&1 | ") + GetParam() +
                                       "; echo \"harness exit status ${PIPESTATUS[0]}\"",
                                   "bash"};
  for (const auto& arg : HarnessArgv()) argv.push_back(arg);
  ProcessSpec spec;
  spec.argv = argv;
  // Far more output than a pipe holds, so the harness writes on after the reader is gone. In the
  // tree's local.mk: the harness gives make an environment of its own, so FAKE_LINES set here
  // would never reach it (with the default 200 lines the harness could write them all before grep
  // exits, then wait out the hang with nothing to write and never see the closed pipe).
  WriteFile(dir_ / "linux" / "local.mk", "HANG := 300\nFAKE_SLEEP := " + sleep_ + "\nFAKE_LINES := 10000\n");
  spec.env = {{"PATH", path_}};
  spec.timeout = 20s;
  ProcessResult r = MakeRealRunner()->Run(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.output, HasSubstr("harness exit status 2\n"));  // a harness error, not 141 (SIGPIPE)
  ASSERT_TRUE(fs::exists(dir_ / "out" / "results.json")) << r.output;
  EXPECT_THAT(ReadFile(dir_ / "out" / "results.json"), HasSubstr("interrupted by SIGPIPE"));
  const auto left = WaitUntilNoneMentions(dir_.string(), 2s);
  EXPECT_TRUE(left.empty()) << DescribeProcesses(left);
}

INSTANTIATE_TEST_SUITE_P(Readers, ClosedOutputTest, ::testing::Values("head -1", "grep -m1 'fake build line'"),
                         [](const auto& info) { return info.index == 0 ? "HeadBeforeTheBuild" : "GrepMidBuild"; });

}  // namespace
}  // namespace harness
