#pragma once
// Boots one kernel under QEMU with the probe initramfs and a raw disk for the probe's record,
// watching the console so a panic ends the boot at once instead of at the timeout.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/boot/console.h"
#include "harness/results/events.h"
#include "harness/core/host.h"
#include "harness/proc/runner.h"

namespace harness {

enum class Accel { kTcg, kKvm };

// What the user asked for (--accel, accel: in the matrix). kAuto: KVM when it is proven to work
// for this arch on this host, else TCG, and a KVM boot that ends without the probe's result
// (before or after the kernel's banner) is booted again under TCG, whose outcome is judged.
enum class AccelChoice { kAuto, kKvm, kTcg };
std::optional<AccelChoice> ParseAccelChoice(std::string_view text);

struct BootRequest {
  std::string cell;
  const Arch* arch = nullptr;
  std::filesystem::path kernel;        // the boot image
  std::filesystem::path initrd;        // probe initramfs
  std::filesystem::path disk;          // raw file the probe writes its record to
  std::filesystem::path console_log;   // every console byte
  std::chrono::seconds timeout{60};
  Accel accel = Accel::kTcg;
  std::string extra_cmdline;           // appended to the kernel command line
};

struct BootOutcome {
  ConsoleParser::State state = ConsoleParser::State::kRunning;
  bool timed_out = false;
  ProcessResult process;
  std::string panic_line;
  bool banner_seen = false;            // the kernel printed "Linux version": it got control
  std::vector<std::string> complaint;  // the first kernel complaint and its trace, if any
  std::string console_tail;
  std::string command;                 // pasteable qemu command line
  Accel accel = Accel::kTcg;           // what this boot ran under
  // Why a KVM boot of this cell was discarded and the cell booted again under TCG; empty when
  // there was no such boot.
  std::string kvm_failure;
};

std::vector<std::string> QemuArgv(const BootRequest& request);

BootOutcome BootKernel(ProcessRunner& runner, EventSink& sink, const BootRequest& request);

// The last 400 bytes of what QEMU printed, printable: why it refused, for a harness error.
std::string QemuOutputTail(const BootOutcome& booted);

// Throws HarnessError naming the Debian package when `arch`'s QEMU is not on the host: before
// anything is built for a cell that boots, and before `harness boot` boots.
void CheckQemuInstalled(const Arch& arch, const Host& host);

// The first line of `<qemu binary> --version` ("QEMU emulator version 7.2.11 (Debian ...)"), an
// input of every booted verdict; empty when it cannot be asked (then unknown, never "the same").
std::string QemuVersion(ProcessRunner& runner, const Arch& arch);

// KVM only when the guest arch is the host's, /dev/kvm really runs a vCPU, and no earlier
// boot since the host started found KVM broken (a marker in cache_dir); otherwise TCG. On this
// kind of machine /dev/kvm exists and even runs a trivial vCPU, but a real kernel hangs after
// "Booting from ROM..." on one host and makes QEMU abort on another, hence the marker.
Accel ChooseAccel(const Arch& arch, const std::filesystem::path& cache_dir, const Host& host);

// Records that KVM failed on this host until it reboots, so later boots go straight to TCG.
void MarkKvmBroken(const std::filesystem::path& cache_dir, const std::string& why, const Host& host);

// A KVM boot that shows nothing from the kernel itself within this long means KVM is broken.
inline constexpr std::chrono::seconds kKvmTrialTimeout{20};

// BootKernel under the accelerator `choice` allows, with KVM on trial: when a KVM boot ends
// without the probe's result before the kernel printed its banner (QEMU exits, aborts, dies of a
// signal, or hangs), KVM is marked broken for this host boot (one note says so) and the cell
// boots again under TCG; after the banner (a panic, a reset, a hang) the cell boots again under
// TCG without marking. So only a TCG boot's failure can become a verdict, and the outcome's
// kvm_failure says why KVM's was discarded. With kKvm there is no fallback: a kernel that ran
// under KVM gets its verdict, a KVM that never ran it is a HarnessError. `before_boot` runs
// before every boot (a fresh record disk).
BootOutcome BootWithAccel(ProcessRunner& runner, EventSink& sink, BootRequest request, AccelChoice choice,
                          const std::filesystem::path& cache_dir, const std::function<void()>& before_boot,
                          const Host& host);

}  // namespace harness
