#include "harness/boot/qemu.h"

#include <algorithm>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

std::string TransportName(VirtioTransport t) {
  switch (t) {
    case VirtioTransport::kPci: return "pci";
    case VirtioTransport::kMmio: return "mmio";
    case VirtioTransport::kCcw: return "ccw";
  }
  return "?";
}

std::filesystem::path KvmMarker(const std::filesystem::path& cache_dir, const Host& host) {
  // Keyed by boot: a host reboot (new kernel, nested virtualisation enabled) tries again.
  return cache_dir / ("kvm-broken-" + host.BootId());
}

}  // namespace

void CheckQemuInstalled(const Arch& arch, const Host& host) {
  if (host.FindProgram(arch.qemu.binary).empty()) {
    throw HarnessError("'" + std::string(arch.qemu.binary) + "' is not installed: apt-get install " +
                       std::string(arch.qemu.package));
  }
}

Accel ChooseAccel(const Arch& arch, const std::filesystem::path& cache_dir, const Host& host) {
  if (arch.name != host.HostArch()) return Accel::kTcg;
  if (std::filesystem::exists(KvmMarker(cache_dir, host))) return Accel::kTcg;
  return host.KvmRunsAVcpu() ? Accel::kKvm : Accel::kTcg;
}

void MarkKvmBroken(const std::filesystem::path& cache_dir, const std::string& why, const Host& host) {
  WriteFile(KvmMarker(cache_dir, host), why + "\n");
}

std::vector<std::string> QemuArgv(const BootRequest& request) {
  const QemuFacts& q = request.arch->qemu;
  std::string cmdline = "console=" + std::string(q.console) + " panic=-1";
  if (!request.extra_cmdline.empty()) cmdline += " " + request.extra_cmdline;
  return {std::string(q.binary),
          "-accel", request.accel == Accel::kKvm ? "kvm" : "tcg",
          "-machine", std::string(q.machine),
          "-cpu", request.accel == Accel::kKvm ? "host" : std::string(q.cpu),
          "-m", std::string(q.memory),
          "-smp", "1",
          "-nographic",
          "-no-reboot",
          "-nic", "none",
          "-kernel", request.kernel.string(),
          "-initrd", request.initrd.string(),
          "-append", cmdline,
          "-drive", "file=" + QemuOptionValue(request.disk.string()) + ",format=raw,if=none,id=probe",
          "-device", std::string(q.blk_device) + ",drive=probe"};
}

BootOutcome BootKernel(ProcessRunner& runner, EventSink& sink, const BootRequest& request) {
  BootOutcome outcome;
  const auto argv = QemuArgv(request);
  outcome.command = ShellJoin(argv);
  outcome.accel = request.accel;
  sink.OnEvent({.kind = Event::Kind::kCommand, .cell = request.cell, .stage = Stage::kBoot,
                .text = outcome.command});
  sink.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBoot,
                .text = std::string("accelerator ") + (request.accel == Accel::kKvm ? "kvm" : "tcg") +
                        ", virtio over " + TransportName(request.arch->qemu.transport) + ", timeout " +
                        std::to_string(request.timeout.count()) + " s"});
  ConsoleParser parser(request.arch->console_allowlist);
  ProcessSpec spec{.argv = argv,
                   .cwd = {},
                   .env = {},
                   .log_path = request.console_log,
                   .timeout = request.timeout,
                   .on_line = [&](std::string_view line) {
                     sink.OnEvent({.kind = Event::Kind::kOutput, .cell = request.cell,
                                   .stage = Stage::kBoot, .text = Printable(line)});
                     // The probe prints its marker after the record is synced to the disk, and
                     // a panic is final: either way there is nothing more to wait for.
                     return parser.Feed(line);
                   },
                   .capture_limit = 256 << 10};
  outcome.process = runner.Run(spec);
  outcome.state = parser.state();
  outcome.timed_out = outcome.process.timed_out;
  outcome.panic_line = parser.panic_line();
  outcome.banner_seen = parser.banner_seen();
  outcome.complaint = parser.complaint();
  outcome.console_tail = parser.Tail(15);
  return outcome;
}

std::string QemuOutputTail(const BootOutcome& booted) {
  const std::string& out = booted.process.output;
  return Printable(Trim(std::string_view(out).substr(out.size() > 400 ? out.size() - 400 : 0)));
}

std::optional<AccelChoice> ParseAccelChoice(std::string_view text) {
  if (text == "auto") return AccelChoice::kAuto;
  if (text == "kvm") return AccelChoice::kKvm;
  if (text == "tcg") return AccelChoice::kTcg;
  return std::nullopt;
}

BootOutcome BootWithAccel(ProcessRunner& runner, EventSink& sink, BootRequest request, AccelChoice choice,
                          const std::filesystem::path& cache_dir, const std::function<void()>& before_boot,
                          const Host& host) {
  switch (choice) {
    case AccelChoice::kTcg: request.accel = Accel::kTcg; break;
    case AccelChoice::kKvm: request.accel = Accel::kKvm; break;
    case AccelChoice::kAuto: request.accel = ChooseAccel(*request.arch, cache_dir, host); break;
  }
  if (request.accel == Accel::kTcg) {
    before_boot();
    return BootKernel(runner, sink, request);
  }
  // KVM is on trial: a short first boot, since a broken KVM may hang rather than fail.
  BootRequest trial = request;
  if (choice == AccelChoice::kAuto) trial.timeout = std::min(request.timeout, kKvmTrialTimeout);
  before_boot();
  BootOutcome booted = BootKernel(runner, sink, trial);
  // Only a probe that finished is a KVM boot worth judging. A panic, a reset (a triple fault
  // ends QEMU with exit 0 under -no-reboot), a hang or a QEMU failure may be KVM's doing (a
  // missing CPU feature, a host bug), so it is never a verdict until TCG has booted the kernel.
  if (booted.state == ConsoleParser::State::kProbeDone) return booted;
  const std::string how = booted.state == ConsoleParser::State::kPanicked ? "panicked (" + booted.panic_line + ")"
                          : booted.timed_out || !booted.process.ok()      ? booted.process.Describe()
                                                                          : "powered off without a probe result";
  const std::string why = std::string(request.arch->qemu.binary) + " with -accel kvm " + how +
                          (booted.banner_seen ? " after" : " before") + " the kernel printed its banner";
  if (choice == AccelChoice::kKvm) {
    // The user asked for KVM: a kernel that ran under it gets its verdict, a KVM that never
    // ran the kernel is the machine's fault.
    if (booted.banner_seen) return booted;
    throw HarnessError(why + " (--accel kvm; try --accel auto or tcg): " + QemuOutputTail(booted) +
                       "; command: " + booted.command);
  }
  if (!booted.banner_seen) {
    // Nothing of the kernel ran: KVM itself is what failed. Remember it for this host boot.
    MarkKvmBroken(cache_dir, why, host);
    sink.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBoot,
                  .text = "KVM does not work on this host (" + why + "): booting under TCG, and every later boot "
                          "until the host reboots"});
  } else {
    // The kernel ran under KVM and then failed: only a TCG boot may turn that into a verdict.
    sink.OnEvent({.kind = Event::Kind::kNote, .cell = request.cell, .stage = Stage::kBoot,
                  .text = why + ": booting again under TCG before judging the kernel"});
  }
  request.accel = Accel::kTcg;
  before_boot();
  BootOutcome tcg = BootKernel(runner, sink, request);
  tcg.kvm_failure = why;
  return tcg;
}

std::string QemuVersion(ProcessRunner& runner, const Arch& arch) {
  const ProcessResult result =
      runner.Run({.argv = {std::string(arch.qemu.binary), "--version"}, .timeout = std::chrono::seconds(30)});
  if (!result.ok()) return "";
  const std::vector<std::string> lines = SplitLines(result.output);
  return lines.empty() ? "" : Printable(Trim(lines.front()));
}

}  // namespace harness
