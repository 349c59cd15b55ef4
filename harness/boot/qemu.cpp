#include "harness/boot/qemu.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

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

std::string HostArchName() {
  struct utsname u;
  if (::uname(&u) != 0) return "";
  std::string machine = u.machine;
  if (machine == "aarch64") return "arm64";
  return machine;
}

#if defined(__x86_64__)
// Runs a one-instruction real-mode guest (hlt) and reports whether KVM_RUN came back with
// KVM_EXIT_HLT. Done in a child with an alarm, since a broken KVM hangs rather than fails.
bool KvmRunsAVcpu() {
  pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::alarm(3);
    int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0 || ::ioctl(kvm, KVM_GET_API_VERSION, 0) != 12) ::_exit(1);
    int vm = ::ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) ::_exit(1);
    void* mem = ::mmap(nullptr, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) ::_exit(1);
    static_cast<unsigned char*>(mem)[0] = 0xf4;  // hlt
    kvm_userspace_memory_region region{};
    region.guest_phys_addr = 0x1000;
    region.memory_size = 0x1000;
    region.userspace_addr = reinterpret_cast<unsigned long>(mem);
    if (::ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) ::_exit(1);
    int vcpu = ::ioctl(vm, KVM_CREATE_VCPU, 0);
    int run_size = ::ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || run_size <= 0) ::_exit(1);
    auto* run = static_cast<kvm_run*>(::mmap(nullptr, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0));
    if (run == MAP_FAILED) ::_exit(1);
    kvm_sregs sregs{};
    if (::ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) ::_exit(1);
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (::ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) ::_exit(1);
    kvm_regs regs{};
    regs.rip = 0x1000;
    regs.rflags = 2;
    if (::ioctl(vcpu, KVM_SET_REGS, &regs) < 0) ::_exit(1);
    if (::ioctl(vcpu, KVM_RUN, 0) < 0) ::_exit(1);
    ::_exit(run->exit_reason == KVM_EXIT_HLT ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#else
bool KvmRunsAVcpu() { return false; }
#endif

std::filesystem::path KvmMarker(const std::filesystem::path& cache_dir) {
  // Keyed by boot: a host reboot (new kernel, nested virtualisation enabled) tries again.
  std::string boot_id;
  try {
    boot_id = std::string(Trim(ReadFile("/proc/sys/kernel/random/boot_id")));
  } catch (const std::exception&) {
    boot_id = "unknown";
  }
  return cache_dir / ("kvm-broken-" + boot_id);
}

}  // namespace

Accel ChooseAccel(const Arch& arch, const std::filesystem::path& cache_dir) {
  if (arch.name != HostArchName()) return Accel::kTcg;
  if (::access("/dev/kvm", R_OK | W_OK) != 0) return Accel::kTcg;
  if (std::filesystem::exists(KvmMarker(cache_dir))) return Accel::kTcg;
  static const bool works = KvmRunsAVcpu();
  return works ? Accel::kKvm : Accel::kTcg;
}

void MarkKvmBroken(const std::filesystem::path& cache_dir, const std::string& why) {
  WriteFile(KvmMarker(cache_dir), why + "\n");
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

std::optional<AccelChoice> ParseAccelChoice(std::string_view text) {
  if (text == "auto") return AccelChoice::kAuto;
  if (text == "kvm") return AccelChoice::kKvm;
  if (text == "tcg") return AccelChoice::kTcg;
  return std::nullopt;
}

std::string_view AccelChoiceName(AccelChoice choice) {
  switch (choice) {
    case AccelChoice::kAuto: return "auto";
    case AccelChoice::kKvm: return "kvm";
    case AccelChoice::kTcg: return "tcg";
  }
  return "?";
}

BootOutcome BootWithAccel(ProcessRunner& runner, EventSink& sink, BootRequest request, AccelChoice choice,
                          const std::filesystem::path& cache_dir, const std::function<void()>& before_boot,
                          const AccelChooser& choose) {
  switch (choice) {
    case AccelChoice::kTcg: request.accel = Accel::kTcg; break;
    case AccelChoice::kKvm: request.accel = Accel::kKvm; break;
    case AccelChoice::kAuto: request.accel = choose(*request.arch, cache_dir); break;
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
  const bool finished = booted.state != ConsoleParser::State::kRunning;
  const bool failed = !finished && (booted.timed_out || !booted.process.ok());
  if (!failed) return booted;
  const std::string why = std::string(request.arch->qemu.binary) + " with -accel kvm " + booted.process.Describe() +
                          (booted.banner_seen ? " after" : " before") + " the kernel printed its banner";
  if (choice == AccelChoice::kKvm) {
    // The user asked for KVM: a kernel that ran under it gets its verdict, a KVM that never
    // ran the kernel is the machine's fault.
    if (booted.banner_seen) return booted;
    const std::string& out = booted.process.output;
    throw HarnessError(why + " (--accel kvm; try --accel auto or tcg): " +
                       Printable(Trim(out.substr(out.size() > 400 ? out.size() - 400 : 0))) +
                       "; command: " + booted.command);
  }
  if (!booted.banner_seen) {
    // Nothing of the kernel ran: KVM itself is what failed. Remember it for this host boot.
    MarkKvmBroken(cache_dir, why);
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
  return BootKernel(runner, sink, request);
}

}  // namespace harness
