// The pipeline end to end with every external command faked: a fake make that writes .config,
// a vmlinux (generated with the ELF writer) and an Image; a fake QEMU that prints a console
// and writes the probe's record to the disk it was given.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <tuple>
#include <utility>

#include "harness/boot/record.h"
#include "harness/config/ccache_remote.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/plan/plan.h"
#include "harness/results/codec.h"
#include "tests/support/fake_runner.h"
#include "tests/support/fake_host.h"
#include "tests/support/elf_writer.h"
#include "tests/support/record_writer.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "linux" / "Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n");
    WriteFile(dir_ / "linux" / "scripts" / "link-vmlinux.sh", "");
    options_.data_dir = HARNESS_SOURCE_DIR;
    options_.out_dir = dir_ / "out";
    options_.cache_dir = dir_ / "cache";
    options_.jobs = 2;
    host_.InstallEverything();  // preflight runs against the fake host, not this machine
    options_.accel = AccelChoice::kTcg;  // the host's KVM must not decide a unit test
    config_ = ParseMatrix("trees: [{name: t, path: " + (dir_ / "linux").string() +
                              "}]\narches: [arm64]\nkconfig: {fragments: [common.config]}\n",
                          "m.yaml");
    btf_ = MakeBtfBlob(Endian::kLittle, 20);
    module_btf_ = MakeModuleBtfBlob(Endian::kLittle, 20);
    runner_.SetHandler([this](const ProcessSpec& spec) { return Fake(spec); });
  }

  ProcessResult Fake(const ProcessSpec& spec) {
    ProcessResult r;
    r.exit_code = 0;
    const std::string& program = spec.argv[0];
    const std::string last = spec.argv.back();
    if (program == "pahole") {
      r.output = "v1.24\n";
    } else if (program == "make" && std::any_of(spec.argv.begin(), spec.argv.end(),
                                                [](const std::string& a) { return a.starts_with("M="); })) {
      // The test module, built against the vmlinux below (its BTF split on btf_).
      const auto m = std::find_if(spec.argv.begin(), spec.argv.end(), [](const std::string& a) { return a.starts_with("M="); });
      WriteFakeVmlinux(fs::path(m->substr(2)) / "btfmod.ko",
                       {.endian = arch_->endian, .machine = arch_->elf_machine, .btf_alloc = false, .btf_in_load = false,
                        .btf = module_btf_, .start_symbol = "", .stop_symbol = ""});
    } else if (program == "make") {
      const fs::path build = spec.argv[3].substr(2);  // O=
      if (last == "tinyconfig") WriteFile(build / ".config", "CONFIG_X=y\n");
      if (last == "olddefconfig") {
        std::string config = ReadFile(build / ".config");
        if (drop_btf_) config += "# CONFIG_DEBUG_INFO_BTF is not set\n";
        WriteFile(build / ".config", config);
      }
      // The kernel's build: the arch's targets, then `modules` when the .config asks for module BTF.
      if (last == arch_->make_targets.back() || last == "modules") {
        WriteFile(spec.log_path, build_log_);
        if (!build_log_.empty()) {
          r.exit_code = 2;
          return r;
        }
        WriteFakeVmlinux(build / "vmlinux", {.endian = arch_->endian, .machine = arch_->elf_machine,
                                             .with_btf = !btf_.empty(), .btf_alloc = btf_alloc_, .btf = btf_,
                                             .start_delta = start_delta_, .stop_delta = stop_delta_,
                                             .build_id = {0xaa, 0xbb}});
        WriteFile(build / arch_->boot_image, "image");
      }
    } else if (program == std::string(arch_->cross_prefix) + "gcc") {
      if (spec.argv.size() > 2) WriteFile(spec.argv[5], "probe binary");  // -o PATH
    } else if (program == arch_->qemu.binary && last == "--version") {
      r.output = "QEMU emulator version 7.2.11 (Debian 1:7.2+dfsg-7+deb12u7)\nCopyright (c) 2003-2022\n";
    } else if (program == arch_->qemu.binary) {
      r.seconds = qemu_seconds_;
      {
        std::lock_guard lock(fake_mutex_);  // cells boot side by side
        qemu_argv_ = spec.argv;
      }
      // Like the probe: the record is on the disk before the marker is printed.
      if (record_) {
        std::string disk = spec.argv[std::find(spec.argv.begin(), spec.argv.end(), "-drive") - spec.argv.begin() + 1];
        disk = disk.substr(5, disk.find(',') - 5);
        auto bytes = EncodeRecord(*record_);
        std::fstream f(disk, std::ios::in | std::ios::out | std::ios::binary);
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
      }
      const bool kvm = std::find(spec.argv.begin(), spec.argv.end(), "kvm") != spec.argv.end();
      for (const auto& line : kvm && !kvm_console_.empty() ? kvm_console_ : console_) {
        if (!spec.on_line(line)) {
          r.stopped = true;
          return r;
        }
      }
      r.timed_out = hang_;
    }
    return r;
  }

  ProbeRecord GoodRecord() {
    ProbeRecord rec;
    rec.flags = kFlagProcMounted | kFlagSysfsMounted | kFlagDevtmpfsMounted | kFlagBtfDirIsDir | kFlagVmlinuxExists |
                kFlagVmlinuxRegular;
    rec.mode = 0100444;
    rec.size = btf_.size();
    rec.blob = btf_;
    for (auto [offset, length] : ProbeRanges(btf_.size())) {
      rec.small_reads.push_back({offset, {btf_.begin() + offset, btf_.begin() + offset + length}});
    }
    rec.read_cap = btf_.size() + 4096;
    rec.eof_read = 0;
    rec.prog_load = BpfCall{.kind = 31, .result = 0, .log = "processed 2 insns (limit 1000000)\n"};
    rec.btf_load = BpfCall{};
    rec.module = ModuleRecord{.load = 0, .mode = 0100444, .size = module_btf_.size(), .blob = module_btf_,
                              .btf_id_result = 0, .btf_id = 2};
    // /sys/kernel/notes: one GNU build-id note (namesz 4, descsz 2, type 3) matching the vmlinux.
    rec.notes = {4, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0, 0xaa, 0xbb, 0, 0};
    return rec;
  }

  CellResult RunOne() {
    Pipeline pipeline(runner_, sink_, options_, host_);
    auto results = pipeline.Run(config_);
    EXPECT_EQ(results.size(), 1u);
    return results.at(0);
  }

  testing::TempDir dir_{"pipeline-test"};
  RunOptions options_;
  MatrixConfig config_;
  FakeRunner runner_;
  NullSink sink_;
  FakeHost host_;
  const Arch* arch_ = FindArch("arm64");  // what the fake make builds for and the fake QEMU boots
  std::vector<std::uint8_t> btf_;
  std::vector<std::uint8_t> module_btf_;  // the test module's .BTF, split on btf_
  std::int64_t start_delta_ = 0, stop_delta_ = 0;  // __start_BTF/__stop_BTF moved from the section's ends
  bool drop_btf_ = false;
  bool btf_alloc_ = true;
  bool hang_ = false;
  std::vector<std::string> kvm_console_;  // what the guest prints under -accel kvm, when not console_
  double qemu_seconds_ = 0;  // what the fake QEMU says it took
  std::string build_log_;
  std::vector<std::string> console_ = {"Linux version 6.1.0", "HARNESS-PROBE-DONE flags=0x3f"};
  std::optional<ProbeRecord> record_;
  std::vector<std::string> qemu_argv_;
  std::mutex fake_mutex_;
};

TEST_F(PipelineTest, MatchingGuestPasses) {
  record_ = GoodRecord();
  CellResult r = RunOne();
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.detail;
  EXPECT_EQ(r.stage, Stage::kVerify);
  EXPECT_EQ(r.facts[FactKey::kBtfSize], std::to_string(btf_.size()));
  EXPECT_TRUE(fs::exists(fs::path(r.artifacts_dir) / "guest.btf"));
  EXPECT_THAT(qemu_argv_, ::testing::Contains("virtio-blk-device,drive=probe"));
  EXPECT_THAT(qemu_argv_, ::testing::Contains(HasSubstr("harness.btf_size=" + std::to_string(btf_.size()))));
  for (const auto& t : r.timings) EXPECT_FALSE(t.skipped) << StageName(t.stage);
}

// Given a tree name that is not safe as a directory name, the pipeline should build, log and
// keep its work tree where OutLayout says, the directories `harness bisect` looks in (it asks
// OutLayout for the build directory to tell a clean build from an incremental one).
TEST_F(PipelineTest, PathsAreOutLayoutsEvenForNamesThatNeedSafeName) {
  config_.trees[0].name = "linux 6.1/rc";
  record_ = GoodRecord();
  std::vector<std::string> make_dirs;
  runner_.SetHandler([&](const ProcessSpec& spec) {
    if (spec.argv[0] == "make") make_dirs.push_back(spec.argv[3].substr(2));  // O=
    return Fake(spec);
  });
  CellResult r = RunOne();
  ASSERT_EQ(r.verdict, Verdict::kPass) << r.detail << r.error;
  const OutLayout out(options_.out_dir);
  const fs::path build_dir = out.BuildDir("linux 6.1/rc", "arm64", "gcc");
  EXPECT_EQ(build_dir, options_.out_dir / "linux_6.1_rc" / "build-arm64-gcc");
  ASSERT_FALSE(make_dirs.empty());
  for (const auto& dir : make_dirs) EXPECT_EQ(fs::path(dir), build_dir);
  EXPECT_TRUE(fs::exists(build_dir / ".config"));
  EXPECT_EQ(r.artifacts_dir, out.CellDir("linux 6.1/rc", "none", "arm64", "gcc").string());
  EXPECT_TRUE(fs::exists(out.ApplyLog("linux 6.1/rc", "none").parent_path()));
}

// Given a QEMU that says it ran 30 s (the fake returns at once), the boot stage's own time should
// be what is left of its wall time after its child, never below 0; every stage that ran has its
// own time within its wall time, and the shared stages are not measured.
TEST_F(PipelineTest, StagesRecordTheHarnessOwnTime) {
  record_ = GoodRecord();
  qemu_seconds_ = 30;
  CellResult r = RunOne();
  ASSERT_EQ(r.verdict, Verdict::kPass) << r.error << r.detail;
  for (const auto& t : r.timings) {
    SCOPED_TRACE(StageName(t.stage));
    if (t.shared) {
      EXPECT_EQ(t.own_seconds, -1);
    } else if (t.stage == Stage::kBoot) {
      EXPECT_EQ(t.own_seconds, 0);
    } else {
      EXPECT_GE(t.own_seconds, 0);
      EXPECT_LE(t.own_seconds, t.seconds);
    }
  }
}

TEST_F(PipelineTest, FlippedGuestByteIsContentMismatch) {
  record_ = GoodRecord();
  record_->blob[30] ^= 1;
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kContentMismatch);
  EXPECT_EQ(r.facts[FactKey::kOffset], "30");
}

// A record left on the disk by an earlier boot must never count for a later one.
TEST_F(PipelineTest, EveryBootGetsAFreshDisk) {
  record_ = GoodRecord();
  EXPECT_EQ(RunOne().verdict, Verdict::kPass);
  record_.reset();  // the second guest writes nothing
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBadRecord);
  EXPECT_THAT(r.detail, HasSubstr("no probe record"));
}

TEST_F(PipelineTest, WarningOnTheConsoleIsKernelComplained) {
  record_ = GoodRecord();
  console_ = {"Linux version 6.1.0", "[    0.5] ------------[ cut here ]------------",
              "[    0.5] WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:22 btf_vmlinux_read+0x10/0x20",
              "[    0.5] Call trace:", "HARNESS-PROBE-DONE flags=0x3f"};
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kKernelComplained);
  // The WARNING line is quoted, not the "cut here" line that announces it (which stays in the trace).
  EXPECT_THAT(r.detail, HasSubstr("WARNING: CPU: 0 PID: 1 at kernel/bpf/sysfs_btf.c:22"));
  EXPECT_THAT(r.diagnosis, ::testing::Contains(HasSubstr("cut here")));
}

// --stop-after never says PASS: a clean vmlinux is "built", one without .BTF is "bad vmlinux".
TEST_F(PipelineTest, StopAfterInspectIsBuiltNeverPass) {
  options_.stop_after = Stage::kInspect;
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBuilt) << r.detail;
  EXPECT_THAT(r.detail, HasSubstr("no boot ran"));
  EXPECT_TRUE(qemu_argv_.empty());
  btf_.clear();  // the fake make then writes a vmlinux with no .BTF
  r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBadVmlinux);
  EXPECT_THAT(r.detail, HasSubstr("no .BTF section"));
}

TEST_F(PipelineTest, StopAfterInspectFlagsANotAllocSection) {
  options_.stop_after = Stage::kInspect;
  btf_alloc_ = false;
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBadVmlinux);
  EXPECT_THAT(r.detail, HasSubstr("SHF_ALLOC"));
}

TEST_F(PipelineTest, BuildFailureSkipsTheRestAndQuotesTheError) {
  build_log_ = "  CC      kernel/fork.o\nkernel/fork.c:1:1: error: boom\nmake: *** [Makefile:1] Error 2\n";
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBuildFailed);
  EXPECT_EQ(r.stage, Stage::kBuild);
  EXPECT_EQ(r.detail, "CC kernel/fork.o: kernel/fork.c:1:1: error: boom");
  EXPECT_EQ(r.facts[FactKey::kBuildStep], "CC");
  for (const auto& t : r.timings) {
    if (t.stage > Stage::kBuild) {
      EXPECT_TRUE(t.skipped) << StageName(t.stage);
    }
  }
  EXPECT_TRUE(qemu_argv_.empty()) << "QEMU must not run after a failed build";
}

// Given a build that failed because the disk filled up, the cell should be a harness error
// (exit 2, a bisect abort), never a build-failed verdict that could mark a commit bad.
TEST_F(PipelineTest, FullDiskDuringTheBuildIsAHarnessErrorNotAVerdict) {
  build_log_ = "  CC      kernel/fork.o\n"
               "kernel/fork.c:1: fatal error: error writing to /tmp/cc.s: No space left on device\n"
               "make: *** [Makefile:1] Error 1\n";
  CellResult r = RunOne();
  EXPECT_THAT(r.error, HasSubstr("the machine failed the build, not the kernel: "));
  EXPECT_THAT(r.error, HasSubstr("No space left on device"));
  EXPECT_THAT(r.error, HasSubstr("build.log:2"));
  EXPECT_TRUE(qemu_argv_.empty());
}

// Given a build tool other than cc1 killed by SIGKILL (the OOM killer) during the link (pahole
// inside gen_btf, ld under link-vmlinux.sh), the cell should be a harness error (exit 2, a
// bisect abort), never a build-failed verdict; pahole that exits 1 on its own stays a verdict.
TEST_F(PipelineTest, PaholeKilledBySigkillIsAHarnessErrorNotAVerdict) {
  build_log_ = ReadFile(std::string(HARNESS_TEST_DATA) + "/kbuild-logs/pahole-oom-killed.log");
  CellResult r = RunOne();
  EXPECT_THAT(r.error, HasSubstr("the machine failed the build, not the kernel: Killed"));
  EXPECT_THAT(r.error, HasSubstr("build.log:7"));
  EXPECT_TRUE(qemu_argv_.empty());
}

TEST_F(PipelineTest, LdKilledBySigkillIsAHarnessErrorNotAVerdict) {
  build_log_ = ReadFile(std::string(HARNESS_TEST_DATA) + "/kbuild-logs/ld-oom-killed.log");
  CellResult r = RunOne();
  EXPECT_THAT(r.error, HasSubstr("the machine failed the build, not the kernel: scripts/link-vmlinux.sh: line 95: "));
  EXPECT_TRUE(qemu_argv_.empty());
}

TEST_F(PipelineTest, PaholeExitingOneIsABuildFailedVerdict) {
  build_log_ = ReadFile(std::string(HARNESS_TEST_DATA) + "/kbuild-logs/pahole-exit-1.log");
  CellResult r = RunOne();
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.verdict, Verdict::kBuildFailed);
  EXPECT_EQ(r.facts[FactKey::kBuildStep], "BTF");
}

TEST_F(PipelineTest, DroppedBtfStopsAtConfig) {
  drop_btf_ = true;
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kConfigDropped);
  EXPECT_EQ(r.stage, Stage::kConfig);
  EXPECT_EQ(r.facts[FactKey::kDroppedOptions], "CONFIG_DEBUG_INFO_BTF");
  EXPECT_THAT(r.diagnosis.at(0), HasSubstr("CONFIG_DEBUG_INFO_BTF=y (from "));
}

TEST_F(PipelineTest, PanicEndsTheCellWithThePanicLine) {
  console_ = {"Linux version 6.1.0", "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100",
              "never read"};
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kGuestPanicked);
  EXPECT_THAT(r.detail, HasSubstr("Attempted to kill init"));
}

// Given a kernel that panics under KVM after its banner and passes under TCG, the cell should
// be judged on the TCG boot (PASS), with the facts saying KVM failed and TCG was used.
TEST_F(PipelineTest, KvmPanicAfterTheBannerIsRebootedUnderTcgAndTcgDecides) {
  host_.arch = "arm64";  // the guest is the host's arch, so KVM is on trial
  host_.kvm = true;
  options_.accel = AccelChoice::kAuto;
  record_ = GoodRecord();
  kvm_console_ = {"Linux version 6.1.0", "Kernel panic - not syncing: Fatal exception", "never read"};
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.detail;
  EXPECT_EQ(r.facts[FactKey::kAccel], "tcg");
  EXPECT_THAT(r.facts[FactKey::kKvmFailed], HasSubstr("after the kernel printed its banner"));
  EXPECT_THAT(qemu_argv_, ::testing::Contains("tcg")) << "the last boot ran under TCG";
}

TEST_F(PipelineTest, SilentGuestTimesOut) {
  console_ = {"Linux version 6.1.0"};
  hang_ = true;
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kTimedOut);
  EXPECT_EQ(r.stage, Stage::kBoot);
}

// Each command, shortened to its program and last argument, in the order the cell ran them.
std::vector<std::string> Steps(const FakeRunner& runner) {
  std::vector<std::string> steps;
  for (const auto& call : runner.calls()) {
    // The test module's make is told by its M= (its last word is `modules`, as the kernel's is).
    const bool module = call.argv.size() > 1 && call.argv[call.argv.size() - 2].starts_with("M=");
    steps.push_back(call.argv.front() + " " + (module ? "M= " : "") + call.argv.back());
  }
  return steps;
}

// The passes in order, with every command each one ran (as ninja's tests assert commands_ran_).
TEST_F(PipelineTest, PassingCellRunsEveryCommandInOrder) {
  record_ = GoodRecord();
  CellResult r = RunOne();
  ASSERT_EQ(r.verdict, Verdict::kPass) << r.detail;
  // Verify's word on the module replaces inspect's (both set module_btf).
  EXPECT_THAT(Fact(r, FactKey::kModuleBtf), ::testing::StartsWith("/sys/kernel/btf/btfmod: ")) << r.detail;
  EXPECT_THAT(Fact(r, FactKey::kModuleBtf), HasSubstr("bytes identical to the .ko's .BTF"));
  EXPECT_EQ(Steps(runner_), (std::vector<std::string>{
                                "pahole --version",                              // once per run: pahole frozen into .config
                                "dpkg-query /fake/bin/pahole",                   // and the package it came from
                                "qemu-system-aarch64 --version",                 // once per arch: an input of the verdict
                                "aarch64-linux-gnu-gcc --version",               // the toolchain's version, an input
                                "aarch64-linux-gnu-ld --version",                // binutils: inputs kbuild never compares
                                "aarch64-linux-gnu-objcopy --version",
                                "make tinyconfig", "make olddefconfig",          // config
                                "make modules",                                  // build: vmlinux Image modules
                                "make M= modules",                               // and the test module
                                "aarch64-linux-gnu-gcc --version",               // image: the probe, keyed by compiler
                                "aarch64-linux-gnu-gcc " + std::string(HARNESS_SOURCE_DIR) + "/images/probe.c",
                                "qemu-system-aarch64 virtio-blk-device,drive=probe"}));  // boot
  std::vector<std::string> stages;
  for (const auto& t : r.timings) stages.push_back(std::string(StageName(t.stage)) + (t.skipped ? " skipped" : ""));
  EXPECT_EQ(stages, (std::vector<std::string>{"tree", "apply", "config", "build", "inspect", "image", "boot", "verify"}));
}

// A failing pass ends the cell: nothing of the later passes runs, and they are skipped in order.
TEST_F(PipelineTest, FailingPassEndsTheCellAndSkipsTheRestInOrder) {
  build_log_ = "  LD      vmlinux\nld: error: boom\nmake: *** [Makefile:1] Error 1\n";
  CellResult r = RunOne();
  EXPECT_EQ(r.verdict, Verdict::kBuildFailed);
  EXPECT_EQ(Steps(runner_),
            (std::vector<std::string>{"pahole --version", "dpkg-query /fake/bin/pahole", "qemu-system-aarch64 --version",
                                      "aarch64-linux-gnu-gcc --version", "aarch64-linux-gnu-ld --version",
                                      "aarch64-linux-gnu-objcopy --version", "make tinyconfig", "make olddefconfig",
                                      "make modules"}));
  std::vector<std::string> stages;
  for (const auto& t : r.timings) stages.push_back(std::string(StageName(t.stage)) + (t.skipped ? " skipped" : ""));
  EXPECT_EQ(stages, (std::vector<std::string>{"tree", "apply", "config", "build", "inspect skipped", "image skipped",
                                              "boot skipped", "verify skipped"}));
}

// The tree and series work is shared by the arches: its time is on the first cell only.
TEST_F(PipelineTest, SharedTreeTimeIsCountedOnce) {
  config_.arches = {"arm64", "arm64"};
  record_ = GoodRecord();
  Pipeline pipeline(runner_, sink_, options_, host_);
  auto results = pipeline.Run(config_);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].timings[0].shared);
  EXPECT_TRUE(results[1].timings[0].shared);
  EXPECT_EQ(results[1].timings[0].seconds, 0);
  EXPECT_EQ(results[1].timings[1].seconds, 0);
}

// What the machine lacks is a harness error naming the package, before anything is built.
TEST_F(PipelineTest, MissingQemuOrCrossCompilerIsAHarnessErrorBeforeAnyCommand) {
  host_.programs.erase("qemu-system-aarch64");
  Pipeline pipeline(runner_, sink_, options_, host_);
  try {
    pipeline.Run(config_);
    ADD_FAILURE() << "expected a HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("apt-get install qemu-system-arm"));
  }
  host_.InstallEverything();
  host_.programs.erase("aarch64-linux-gnu-gcc");
  EXPECT_THROW(Pipeline(runner_, sink_, options_, host_).Run(config_), HarnessError);
  EXPECT_TRUE(runner_.calls().empty());
}

TEST_F(PipelineTest, FullDiskIsAHarnessErrorBeforeAnyCommand) {
  host_.free_bytes = 100u << 20;
  try {
    Pipeline(runner_, sink_, options_, host_).Run(config_);
    ADD_FAILURE() << "expected a HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("100 MiB free"));
  }
  EXPECT_TRUE(runner_.calls().empty());
}

// A series needs git; a plain directory tree with a series is the user's error, not a verdict.
TEST_F(PipelineTest, SeriesOnAPlainTreeIsAHarnessError) {
  WriteFile(dir_ / "s.patch", "Subject: [PATCH] x\n\n---\ndiff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n");
  config_.series = {{"s", dir_ / "s.patch"}};
  CellResult r = RunOne();
  EXPECT_THAT(r.error, HasSubstr("series need a git tree"));
}

// Cells side by side: with two trees, the boot of the first runs beside the build of the
// second, and the first cell (its guest made slow here) finishes last; yet the results come back
// in matrix order, each with its own verdict.
TEST_F(PipelineTest, BootRunsBesideTheNextBuildAndResultsStayInMatrixOrder) {
  WriteFile(dir_ / "linux2" / "Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n");
  WriteFile(dir_ / "linux2" / "scripts" / "link-vmlinux.sh", "");
  config_.trees.push_back({.name = "u", .path = dir_ / "linux2"});
  record_ = GoodRecord();
  // When the first tree's guest and the second tree's make ran: both are made slow enough that,
  // run side by side, they must overlap.
  std::mutex mutex;
  double t_boot_start = 0, t_boot_end = 0, u_make_start = 0, u_make_end = 0;
  std::vector<std::string> finished;  // which tree's guest ended, in order
  runner_.SetHandler([&](const ProcessSpec& spec) {
    const std::string command = ShellJoin(spec.argv);
    const bool qemu = spec.argv[0] == "qemu-system-aarch64" && spec.argv.back() != "--version";  // a boot
    const bool t_boot = qemu && command.find("/out/t/") != std::string::npos;
    const bool u_make = spec.argv[0] == "make" && std::find(spec.argv.begin(), spec.argv.end(), "Image") != spec.argv.end() &&
                        command.find("/out/u/") != std::string::npos;
    const double start = NowSeconds();
    if (t_boot || u_make) std::this_thread::sleep_for(std::chrono::milliseconds(t_boot ? 600 : 300));
    ProcessResult r = Fake(spec);
    std::lock_guard lock(mutex);
    if (t_boot) std::tie(t_boot_start, t_boot_end) = std::pair(start, NowSeconds());
    if (u_make) std::tie(u_make_start, u_make_end) = std::pair(start, NowSeconds());
    if (qemu) finished.push_back(t_boot ? "t" : "u");
    return r;
  });
  auto results = Pipeline(runner_, sink_, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].cell, "t/none/arm64/gcc");
  EXPECT_EQ(results[1].cell, "u/none/arm64/gcc");
  for (const auto& r : results) EXPECT_EQ(r.verdict, Verdict::kPass) << r.cell << ": " << r.detail << r.error;
  EXPECT_TRUE(u_make_start < t_boot_end && t_boot_start < u_make_end)
      << "the second tree's build did not run while the first tree's guest was booting";
  EXPECT_EQ(finished, (std::vector<std::string>{"u", "t"}));
}

// Two tree names that map to one output directory ("a/b" and "a_b" are both a_b/) share its
// build directory: the second tree's build must not run while the first's guest boots the kernel
// it would overwrite.
TEST_F(PipelineTest, TreesSharingAnOutputDirectoryTakeTurns) {
  WriteFile(dir_ / "linux2" / "Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n");
  WriteFile(dir_ / "linux2" / "scripts" / "link-vmlinux.sh", "");
  config_.trees = {{.name = "a/b", .path = dir_ / "linux"}, {.name = "a_b", .path = dir_ / "linux2"}};
  record_ = GoodRecord();
  std::atomic<int> in_make = 0;
  std::atomic<bool> overlap = false;
  runner_.SetHandler([&](const ProcessSpec& spec) {
    const bool build = spec.argv[0] == "make" && std::find(spec.argv.begin(), spec.argv.end(), "Image") != spec.argv.end();
    if (build) {
      ++in_make;
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    if (spec.argv[0] == "qemu-system-aarch64") {
      for (int i = 0; i < 15; ++i) {
        if (in_make > 0) overlap = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    ProcessResult r = Fake(spec);
    if (build) --in_make;
    return r;
  });
  auto results = Pipeline(runner_, sink_, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.verdict, Verdict::kPass) << r.cell << ": " << r.detail << r.error;
  EXPECT_FALSE(overlap) << "a build ran in the directory of a kernel being booted";
}

// Two cells of one build directory never run make in it at once, even on a warm re-run where
// the scheduler would let two no-op builds run side by side: the build-directory lock holds the
// second back.
TEST_F(PipelineTest, CellsOfOneBuildDirectoryNeverBuildAtOnce) {
  config_.arches = {"arm64", "arm64"};
  options_.stop_after = Stage::kInspect;
  Pipeline(runner_, sink_, options_, host_).Run(config_);  // cold: leaves .harness-built
  std::atomic<int> in_make = 0, peak = 0;
  runner_.SetHandler([&](const ProcessSpec& spec) {
    const bool build = spec.argv[0] == "make" && std::find(spec.argv.begin(), spec.argv.end(), "Image") != spec.argv.end();
    if (build) {
      const int now = ++in_make;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ProcessResult r = Fake(spec);
    if (build) --in_make;
    return r;
  });
  auto results = Pipeline(runner_, sink_, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.verdict, Verdict::kBuilt) << r.detail << r.error;
  EXPECT_EQ(peak, 1);
}

class Notes : public EventSink {
 public:
  void OnEvent(const Event& event) override {
    if (event.kind == Event::Kind::kNote) notes.push_back(event.text);
  }
  std::vector<std::string> notes;
};

// make Image's environment, as the fake runner saw it.
std::map<std::string, std::string> BuildEnv(const FakeRunner& runner) {
  for (const auto& spec : runner.calls()) {
    if (spec.argv[0] == "make" && std::find(spec.argv.begin(), spec.argv.end(), "Image") != spec.argv.end()) return spec.env;
  }
  ADD_FAILURE() << "make Image never ran";
  return {};
}

// Given a cache server that does not answer, the run should say so once, build with the local
// cache only and record it, and the cell should pass as it would without a remote.
TEST_F(PipelineTest, UnreachableCcacheRemoteIsANoteAndALocalOnlyBuild) {
  record_ = GoodRecord();
  options_.ccache_remote = "redis://cache.lan:6379";
  Notes notes;
  auto results = Pipeline(runner_, notes, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 1u);
  const CellResult& r = results[0];
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.detail;
  EXPECT_THAT(host_.asked, ::testing::ElementsAre("cache.lan:6379 PING\r\n")) << "asked once per run";
  EXPECT_THAT(notes.notes, ::testing::Contains("ccache remote redis://cache.lan:6379 unreachable (Connection refused): "
                                               "building with the local cache only"));
  EXPECT_EQ(r.facts.at(FactKey::kCcacheRemote), "redis://cache.lan:6379: unreachable (Connection refused)");
  const auto env = BuildEnv(runner_);
  EXPECT_EQ(env.count("CCACHE_REMOTE_STORAGE"), 0u);
  EXPECT_EQ(env.at("CCACHE_NOHASHDIR"), "true") << "the local cache is still used";
  EXPECT_THAT(r.facts.at(FactKey::kMakeCommand), ::testing::Not(HasSubstr("REMOTE")));
}

// Given a server that answers PONG, make gets it as ccache's remote storage, and the command a
// person reruns names it.
TEST_F(PipelineTest, AnsweringCcacheRemoteIsUsedByTheBuild) {
  record_ = GoodRecord();
  options_.ccache_remote = "redis://cache.lan:6379";
  host_.servers["cache.lan:6379"] = {.line = "+PONG"};
  Notes notes;
  auto results = Pipeline(runner_, notes, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::kPass) << results[0].detail;
  EXPECT_EQ(results[0].facts.at(FactKey::kCcacheRemote), "redis://cache.lan:6379: used");
  EXPECT_EQ(BuildEnv(runner_).at("CCACHE_REMOTE_STORAGE"), "redis://cache.lan:6379");
  EXPECT_THAT(results[0].facts.at(FactKey::kMakeCommand), HasSubstr(" CCACHE_REMOTE_STORAGE=redis://cache.lan:6379 "));
  EXPECT_THAT(notes.notes, ::testing::Not(::testing::Contains(HasSubstr("unreachable"))));
}

// Given HARNESS_CCACHE_REDIS_PASSWORD, the server check authenticates and ccache gets the URL
// with the password in make's environment, and nothing else holds it: no note, fact, command
// (the make command shows redis://:***@HOST:PORT) or results.json.
TEST_F(PipelineTest, CcacheRemotePasswordReachesCcacheAndIsNeverShown) {
  record_ = GoodRecord();
  options_.ccache_remote = "redis://cache.lan:6379";
  host_.env[std::string(kRedisPasswordEnv)] = "hunter2secret";
  host_.servers["cache.lan:6379"] = {.line = "+OK"};
  Notes notes;
  auto results = Pipeline(runner_, notes, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::kPass) << results[0].detail;
  EXPECT_EQ(results[0].facts.at(FactKey::kCcacheRemote), "redis://:***@cache.lan:6379: used");
  EXPECT_THAT(host_.asked, ::testing::ElementsAre("cache.lan:6379 AUTH hunter2secret\r\n"));
  EXPECT_EQ(BuildEnv(runner_).at("CCACHE_REMOTE_STORAGE"), "redis://:hunter2secret@cache.lan:6379");
  EXPECT_THAT(results[0].facts.at(FactKey::kMakeCommand),
              HasSubstr(" CCACHE_REMOTE_STORAGE='redis://:***@cache.lan:6379' "));
  std::string everything = ResultsJson(results);
  for (const auto& note : notes.notes) everything += note + "\n";
  for (const auto& spec : runner_.calls()) {
    for (const auto& arg : spec.argv) everything += arg + " ";
    for (const auto& [name, value] : spec.env) {
      if (name != "CCACHE_REMOTE_STORAGE") everything += name + "=" + value + " ";
    }
  }
  EXPECT_THAT(everything, ::testing::Not(HasSubstr("hunter2secret")));
}

// Given a password the server refuses, the build goes on with the local cache, and the note
// says what the server answered, never the password.
TEST_F(PipelineTest, CcacheRemoteRefusingThePasswordIsANote) {
  record_ = GoodRecord();
  options_.ccache_remote = "redis://cache.lan:6379";
  host_.env[std::string(kRedisPasswordEnv)] = "hunter2secret";
  host_.servers["cache.lan:6379"] = {.line = "-WRONGPASS invalid username-password pair"};
  Notes notes;
  auto results = Pipeline(runner_, notes, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0].facts.at(FactKey::kCcacheRemote), HasSubstr("unreachable (answered '-WRONGPASS"));
  EXPECT_EQ(BuildEnv(runner_).count("CCACHE_REMOTE_STORAGE"), 0u);
  for (const auto& note : notes.notes) EXPECT_THAT(note, ::testing::Not(HasSubstr("hunter2secret")));
}

// Without ccache on the host there is nothing to share: no server is asked, and the cell says why.
TEST_F(PipelineTest, CcacheRemoteWithoutCcacheIsNotAsked) {
  record_ = GoodRecord();
  options_.ccache_remote = "redis://cache.lan:6379";
  host_.programs.erase("ccache");
  Notes notes;
  auto results = Pipeline(runner_, notes, options_, host_).Run(config_);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(host_.asked.empty());
  EXPECT_EQ(results[0].facts.at(FactKey::kCcacheRemote), "redis://cache.lan:6379: unused (ccache is not installed)");
  EXPECT_THAT(notes.notes, ::testing::Contains(HasSubstr("ccache is not installed")));
}

// A vmlinux whose delimiting symbols disagree with its .BTF (a linker-script change that moved
// them) is the kernel's fault and is named before any boot, on either byte order.
class PipelineBtfSymbolsTest : public PipelineTest, public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    arch_ = FindArch(GetParam());
    config_.arches = {GetParam()};
    btf_ = MakeBtfBlob(arch_->endian, 20);
    record_ = GoodRecord();  // a guest, were one booted, would serve the section's bytes
  }
  // The cell ended at inspect, and neither the probe was built nor a guest booted.
  void ExpectStoppedBeforeBoot(const CellResult& r) {
    EXPECT_EQ(r.verdict, Verdict::kBadVmlinux) << r.detail;
    EXPECT_EQ(r.stage, Stage::kInspect);
    EXPECT_TRUE(qemu_argv_.empty()) << "a guest booted: " << r.detail;
    for (const auto& step : Steps(runner_)) {
      EXPECT_THAT(step, ::testing::Not(HasSubstr("images/probe.c")));
      if (step.starts_with(std::string(arch_->qemu.binary))) {
        EXPECT_EQ(step, std::string(arch_->qemu.binary) + " --version");
      }
    }
    std::vector<std::string> stages;
    for (const auto& t : r.timings) stages.push_back(std::string(StageName(t.stage)) + (t.skipped ? " skipped" : ""));
    EXPECT_EQ(stages, (std::vector<std::string>{"tree", "apply", "config", "build", "inspect", "image skipped",
                                                "boot skipped", "verify skipped"}));
  }
};

TEST_P(PipelineBtfSymbolsTest, StopSymbolPastTheSectionEndIsBadVmlinuxBeforeAnyBoot) {
  stop_delta_ = 8;
  CellResult r = RunOne();
  ExpectStoppedBeforeBoot(r);
  EXPECT_EQ(r.detail, "__stop_BTF - __start_BTF = " + std::to_string(btf_.size() + 8) + ", section size " +
                          std::to_string(btf_.size()));
}

TEST_P(PipelineBtfSymbolsTest, StartSymbolElsewhereIsBadVmlinuxBeforeAnyBoot) {
  start_delta_ = stop_delta_ = 8;  // the length agrees; only the start is wrong
  CellResult r = RunOne();
  ExpectStoppedBeforeBoot(r);
  EXPECT_THAT(r.detail, ::testing::StartsWith("__start_BTF = 0x"));
  EXPECT_THAT(r.detail, HasSubstr(", .BTF starts at 0x"));
}

INSTANTIATE_TEST_SUITE_P(BothByteOrders, PipelineBtfSymbolsTest, ::testing::Values("arm64", "s390x"));

}  // namespace
}  // namespace harness
