// The accelerator policy: KVM is on trial, and only a TCG boot's failure is ever judged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include "harness/boot/qemu.h"
#include "harness/core/error.h"
#include "tests/support/fake_runner.h"
#include "tests/support/fake_host.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Notes : public EventSink {
 public:
  void OnEvent(const Event& e) override {
    if (e.kind == Event::Kind::kNote) notes.push_back(e.text);
  }
  std::vector<std::string> notes;
};

// How the fake QEMU behaves under each accelerator.
enum class Fault { kNone, kAbort, kExit1, kHang, kHangAfterBanner, kPanicAfterBanner, kResetAfterBanner };

class AccelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.kvm = true;
    runner_.SetHandler([this](const ProcessSpec& spec) {
      const bool kvm = std::find(spec.argv.begin(), spec.argv.end(), "kvm") != spec.argv.end();
      accels_.push_back(kvm ? "kvm" : "tcg");
      return Qemu(spec, kvm ? kvm_fault_ : tcg_fault_);
    });
  }

  static ProcessResult Qemu(const ProcessSpec& spec, Fault fault) {
    ProcessResult r;
    r.exit_code = 0;
    switch (fault) {
      case Fault::kAbort:  // the other host's KVM: an assertion in QEMU, SIGABRT, at once
        r.exit_code = -1;
        r.signal = 6;
        r.output = "error: failed to set MSR 0x10a to 0x69\nqemu: kvm_buf_set_msrs: Assertion failed.\n";
        return r;
      case Fault::kExit1:
        r.exit_code = 1;
        r.output = "qemu-system-x86_64: failed to initialize kvm: Permission denied\n";
        return r;
      case Fault::kHang:  // the first host's KVM: "Booting from ROM..." and nothing more
        spec.on_line("Booting from ROM...");
        r.exit_code = -1;
        r.timed_out = true;
        return r;
      case Fault::kHangAfterBanner:
        spec.on_line("Linux version 6.1.0");
        r.exit_code = -1;
        r.timed_out = true;
        return r;
      case Fault::kPanicAfterBanner:  // the console parser stops QEMU at the panic line
        spec.on_line("Linux version 6.1.0");
        if (!spec.on_line("Kernel panic - not syncing: Fatal exception")) r.stopped = true;
        return r;
      case Fault::kResetAfterBanner:  // a triple fault under -no-reboot: QEMU exits 0, no probe result
        spec.on_line("Linux version 6.1.0");
        return r;
      case Fault::kNone:
        spec.on_line("Linux version 6.1.0");
        if (!spec.on_line("HARNESS-PROBE-DONE flags=0x3f")) r.stopped = true;
        return r;
    }
    return r;
  }

  BootOutcome Boot(AccelChoice choice) {
    BootRequest request{.cell = "c", .arch = FindArch("x86_64"), .kernel = "/o/bzImage", .initrd = "/o/init.cpio",
                        .disk = "/o/disk.raw", .console_log = "", .timeout = std::chrono::seconds(120)};
    return BootWithAccel(runner_, sink_, request, choice, cache_, [this] { ++fresh_disks_; }, host_);
  }
  bool Marked() const {
    for (const auto& entry : fs::directory_iterator(cache_)) {
      if (entry.path().filename().string().rfind("kvm-broken-", 0) == 0) return true;
    }
    return false;
  }

  testing::TempDir cache_{"accel-test"};
  FakeRunner runner_;
  Notes sink_;
  FakeHost host_;  // x86_64 whose /dev/kvm runs a vCPU: KVM is tried unless marked broken
  Fault kvm_fault_ = Fault::kNone, tcg_fault_ = Fault::kNone;
  std::vector<std::string> accels_;
  int fresh_disks_ = 0;
};

TEST_F(AccelTest, WorkingKvmBootsOnce) {
  BootOutcome b = Boot(AccelChoice::kAuto);
  EXPECT_EQ(b.state, ConsoleParser::State::kProbeDone);
  EXPECT_EQ(accels_, (std::vector<std::string>{"kvm"}));
  EXPECT_FALSE(Marked());
}

// Given QEMU that aborts, exits 1 or hangs under KVM before the kernel's banner, the cell should
// boot again under TCG, KVM should be marked broken for the host boot, and one note says so.
TEST_F(AccelTest, EveryKvmFailureBeforeTheBannerFallsBackToTcg) {
  for (Fault fault : {Fault::kAbort, Fault::kExit1, Fault::kHang}) {
    fs::remove_all(cache_);
    fs::create_directories(cache_);
    accels_.clear();
    sink_.notes.clear();
    fresh_disks_ = 0;
    kvm_fault_ = fault;
    BootOutcome b = Boot(AccelChoice::kAuto);
    EXPECT_EQ(b.state, ConsoleParser::State::kProbeDone) << static_cast<int>(fault);
    EXPECT_EQ(accels_, (std::vector<std::string>{"kvm", "tcg"}));
    EXPECT_EQ(fresh_disks_, 2) << "each boot needs a fresh record disk";
    EXPECT_TRUE(Marked());
    int kvm_notes = 0;
    for (const auto& n : sink_.notes) kvm_notes += n.find("KVM does not work on this host") != std::string::npos;
    EXPECT_EQ(kvm_notes, 1);
    // The next cell goes straight to TCG, silently.
    accels_.clear();
    sink_.notes.clear();
    Boot(AccelChoice::kAuto);
    EXPECT_EQ(accels_, (std::vector<std::string>{"tcg"}));
    for (const auto& n : sink_.notes) EXPECT_EQ(n.find("KVM does not work"), std::string::npos) << n;
  }
}

// The KVM trial is short; a kernel that ran under KVM and then hung is judged under TCG only.
TEST_F(AccelTest, KvmFailureAfterTheBannerIsRetriedUnderTcgWithoutMarking) {
  kvm_fault_ = Fault::kHangAfterBanner;
  tcg_fault_ = Fault::kHangAfterBanner;
  BootOutcome b = Boot(AccelChoice::kAuto);
  EXPECT_EQ(accels_, (std::vector<std::string>{"kvm", "tcg"}));
  EXPECT_TRUE(b.timed_out) << "the TCG boot's timeout is the verdict's evidence";
  EXPECT_THAT(b.command, HasSubstr("-accel tcg"));
  EXPECT_EQ(b.accel, Accel::kTcg);
  EXPECT_FALSE(Marked());
  EXPECT_EQ(runner_.calls().at(0).timeout, kKvmTrialTimeout);
  EXPECT_EQ(runner_.calls().at(1).timeout, std::chrono::seconds(120));
}

// Given a kernel that panics, or resets (a triple fault), under KVM after its banner and boots
// under TCG, the TCG boot is the one judged (here a pass), and the outcome says KVM failed.
TEST_F(AccelTest, KvmPanicOrResetAfterTheBannerIsJudgedUnderTcg) {
  for (Fault fault : {Fault::kPanicAfterBanner, Fault::kResetAfterBanner}) {
    accels_.clear();
    fresh_disks_ = 0;
    kvm_fault_ = fault;
    BootOutcome b = Boot(AccelChoice::kAuto);
    EXPECT_EQ(accels_, (std::vector<std::string>{"kvm", "tcg"})) << static_cast<int>(fault);
    EXPECT_EQ(b.state, ConsoleParser::State::kProbeDone) << "the TCG boot's outcome, not KVM's";
    EXPECT_EQ(b.accel, Accel::kTcg);
    EXPECT_THAT(b.kvm_failure, HasSubstr("after the kernel printed its banner"));
    EXPECT_EQ(fresh_disks_, 2) << "the TCG boot needs a fresh record disk";
    EXPECT_FALSE(Marked()) << "KVM ran the kernel: it is not broken";
  }
}

// Given a kernel that panics under both, the verdict's evidence is TCG's panic line.
TEST_F(AccelTest, PanicUnderKvmAndTcgIsTcgsPanic) {
  kvm_fault_ = tcg_fault_ = Fault::kPanicAfterBanner;
  BootOutcome b = Boot(AccelChoice::kAuto);
  EXPECT_EQ(accels_, (std::vector<std::string>{"kvm", "tcg"}));
  EXPECT_EQ(b.state, ConsoleParser::State::kPanicked);
  EXPECT_EQ(b.accel, Accel::kTcg);
  EXPECT_THAT(b.command, HasSubstr("-accel tcg"));
  EXPECT_FALSE(b.kvm_failure.empty());
}

// A kernel that finished its probe under KVM is judged on that boot: no second boot.
TEST_F(AccelTest, WorkingKvmHasNoKvmFailure) {
  BootOutcome b = Boot(AccelChoice::kAuto);
  EXPECT_EQ(accels_, (std::vector<std::string>{"kvm"}));
  EXPECT_TRUE(b.kvm_failure.empty());
}

// Under TCG a QEMU failure is the caller's to judge (a harness error): nothing is retried.
TEST_F(AccelTest, TcgFailureIsNotRetried) {
  tcg_fault_ = Fault::kAbort;
  BootOutcome b = Boot(AccelChoice::kTcg);
  EXPECT_EQ(accels_, (std::vector<std::string>{"tcg"}));
  EXPECT_EQ(b.process.signal, 6);
  EXPECT_FALSE(Marked());
}

TEST_F(AccelTest, ForcedKvmThatNeverRanTheKernelIsAHarnessError) {
  kvm_fault_ = Fault::kAbort;
  try {
    Boot(AccelChoice::kKvm);
    FAIL() << "expected a HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--accel kvm"));
    EXPECT_THAT(e.what(), HasSubstr("kvm_buf_set_msrs"));
  }
  EXPECT_EQ(accels_, (std::vector<std::string>{"kvm"}));
}

TEST_F(AccelTest, ForcedTcgNeverTriesKvm) {
  Boot(AccelChoice::kTcg);
  EXPECT_EQ(accels_, (std::vector<std::string>{"tcg"}));
}

// KVM is tried only for a guest of the host's arch whose /dev/kvm runs a vCPU, and not after a
// marker for this host boot; a marker of an earlier host boot does not count.
TEST_F(AccelTest, ChooseAccelAsksTheHost) {
  const Arch& x86 = *FindArch("x86_64");
  EXPECT_EQ(ChooseAccel(x86, cache_, host_), Accel::kKvm);
  EXPECT_EQ(ChooseAccel(*FindArch("arm64"), cache_, host_), Accel::kTcg);
  host_.kvm = false;
  EXPECT_EQ(ChooseAccel(x86, cache_, host_), Accel::kTcg);
  host_.kvm = true;
  MarkKvmBroken(cache_, "test", host_);
  EXPECT_EQ(ChooseAccel(x86, cache_, host_), Accel::kTcg);
  host_.boot_id = "fake-boot-2";  // the host rebooted: KVM is on trial again
  EXPECT_EQ(ChooseAccel(x86, cache_, host_), Accel::kKvm);
}

TEST(AccelChoiceTest, ParsesTheThreeNames) {
  EXPECT_EQ(ParseAccelChoice("auto"), AccelChoice::kAuto);
  EXPECT_EQ(ParseAccelChoice("kvm"), AccelChoice::kKvm);
  EXPECT_EQ(ParseAccelChoice("tcg"), AccelChoice::kTcg);
  EXPECT_FALSE(ParseAccelChoice("hvf"));
}

}  // namespace
}  // namespace harness
