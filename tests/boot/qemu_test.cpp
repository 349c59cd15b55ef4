#include "harness/boot/qemu.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/fake_host.h"
#include "tests/support/fake_runner.h"

namespace harness {
namespace {

BootRequest Request(const char* arch) {
  return {.cell = "c", .arch = FindArch(arch), .kernel = "/o/Image", .initrd = "/o/init.cpio", .disk = "/o/disk.raw",
          .console_log = "/o/console.log", .timeout = std::chrono::seconds(30), .accel = Accel::kTcg, .extra_cmdline = ""};
}

TEST(QemuArgvTest, X86_64) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("x86_64"))),
            "qemu-system-x86_64 -accel tcg -machine q35 -cpu qemu64 -m 256M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=ttyS0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-pci,drive=probe");
}

TEST(QemuArgvTest, Arm64) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("arm64"))),
            "qemu-system-aarch64 -accel tcg -machine virt -cpu cortex-a57 -m 256M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=ttyAMA0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-device,drive=probe");
}

TEST(QemuArgvTest, S390x) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("s390x"))),
            "qemu-system-s390x -accel tcg -machine s390-ccw-virtio -cpu qemu -m 256M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=ttysclp0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-ccw,drive=probe");
}

TEST(QemuArgvTest, Riscv64) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("riscv64"))),
            "qemu-system-riscv64 -accel tcg -machine virt -cpu rv64 -m 256M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=ttyS0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-device,drive=probe");
}

// pseries under TCG: the Spectre-mitigation capabilities TCG cannot give are turned off on the
// machine line; SLOF loads the vmlinux ELF; the console is the hypervisor's hvc0.
TEST(QemuArgvTest, Ppc64) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("ppc64"))),
            "qemu-system-ppc64 -accel tcg -machine pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,x-vof=on "
            "-cpu power9 -m 512M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=hvc0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-pci,drive=probe");
}

TEST(QemuArgvTest, I386) {
  EXPECT_EQ(ShellJoin(QemuArgv(Request("i386"))),
            "qemu-system-i386 -accel tcg -machine q35 -cpu qemu32 -m 256M -smp 1 -nographic -no-reboot -nic none "
            "-kernel /o/Image -initrd /o/init.cpio -append 'console=ttyS0 panic=-1' "
            "-drive file=/o/disk.raw,format=raw,if=none,id=probe -device virtio-blk-pci,drive=probe");
}

TEST(QemuArgvTest, KvmUsesTheHostCpuAndExtraCmdlineIsAppended) {
  BootRequest r = Request("x86_64");
  r.accel = Accel::kKvm;
  r.extra_cmdline = "harness.hang";
  const auto argv = QemuArgv(r);
  EXPECT_THAT(argv, ::testing::Contains("kvm"));
  EXPECT_THAT(argv, ::testing::Contains("host"));
  EXPECT_THAT(argv, ::testing::Contains("console=ttyS0 panic=-1 harness.hang"));
}

// Given an output path with a comma, -drive should double it: QEMU splits its option list on
// ',' and reads ',,' as a literal comma (the other paths are plain arguments, left alone).
TEST(QemuArgvTest, CommaInTheDiskPathIsEscaped) {
  BootRequest r = Request("x86_64");
  r.disk = "/o/a,b,,c/disk.raw";
  r.kernel = "/o/a,b/Image";
  const auto argv = QemuArgv(r);
  EXPECT_THAT(argv, ::testing::Contains("file=/o/a,,b,,,,c/disk.raw,format=raw,if=none,id=probe"));
  EXPECT_THAT(argv, ::testing::Contains("/o/a,b/Image"));
}

// Given a console that panics, the boot should stop at the panic line (not wait for the
// timeout) and report it; given the probe's marker, it should stop there.
TEST(BootKernelTest, StopsAtPanicAndAtTheMarker) {
  for (const auto& [line, state] : std::vector<std::pair<std::string, ConsoleParser::State>>{
           {"[    0.5] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100", ConsoleParser::State::kPanicked},
           {"HARNESS-PROBE-DONE flags=0x3f size=10 read=10 record=100", ConsoleParser::State::kProbeDone}}) {
    FakeRunner runner;
    bool kept_going = true;
    runner.SetHandler([&](const ProcessSpec& spec) {
      spec.on_line("Linux version 6.1.192");
      kept_going = spec.on_line(line);
      ProcessResult r;
      r.stopped = !kept_going;
      return r;
    });
    NullSink sink;
    BootOutcome out = BootKernel(runner, sink, Request("arm64"));
    EXPECT_FALSE(kept_going) << line;
    EXPECT_EQ(out.state, state);
    EXPECT_EQ(runner.calls().at(0).timeout, std::chrono::seconds(30));
    EXPECT_EQ(runner.calls().at(0).log_path, "/o/console.log");
  }
}

// Given a host without the arch's QEMU, it should name the Debian package; the one check that
// both a run's preflight and `harness boot` make.
TEST(CheckQemuInstalledTest, MissingQemuNamesItsPackage) {
  FakeHost host;
  try {
    CheckQemuInstalled(*FindArch("arm64"), host);
    ADD_FAILURE() << "expected a HarnessError";
  } catch (const HarnessError& e) {
    EXPECT_STREQ(e.what(), "'qemu-system-aarch64' is not installed: apt-get install qemu-system-arm");
  }
  host.programs.insert("qemu-system-aarch64");
  EXPECT_NO_THROW(CheckQemuInstalled(*FindArch("arm64"), host));
}

}  // namespace
}  // namespace harness
