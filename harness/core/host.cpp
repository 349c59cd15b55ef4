#include "harness/core/host.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <linux/kvm.h>
#endif

#include <cstdlib>

#include "harness/core/util.h"

namespace harness {
namespace {

#if defined(__x86_64__)
// Runs a one-instruction real-mode guest (hlt) and reports whether KVM_RUN came back with
// KVM_EXIT_HLT. Done in a child with an alarm, since a broken KVM hangs rather than fails.
bool RunHltGuest() {
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
bool RunHltGuest() { return false; }
#endif

class SystemHost : public Host {
 public:
  std::filesystem::path FindProgram(std::string_view name) const override { return harness::FindProgram(name); }

  bool Exists(const std::filesystem::path& path) const override {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  }

  std::optional<std::string> Env(std::string_view name) const override {
    const char* value = std::getenv(std::string(name).c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  }

  std::string HostArch() const override {
    struct utsname u;
    if (::uname(&u) != 0) return "";
    std::string machine = u.machine;
    if (machine == "aarch64") return "arm64";
    return machine;
  }

  bool KvmRunsAVcpu() const override {
    if (::access("/dev/kvm", R_OK | W_OK) != 0) return false;
    static const bool works = RunHltGuest();  // once per process: it forks
    return works;
  }

  std::string BootId() const override {
    try {
      return std::string(Trim(ReadFile("/proc/sys/kernel/random/boot_id")));
    } catch (const std::exception&) {
      return "unknown";
    }
  }

  std::optional<std::uint64_t> FreeBytes(const std::filesystem::path& path) const override {
    std::filesystem::path p = path;
    std::error_code ec;
    while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
    struct statvfs st;
    if (p.empty() || ::statvfs(p.c_str(), &st) != 0) return std::nullopt;
    return std::uint64_t(st.f_bavail) * st.f_frsize;
  }
};

}  // namespace

const Host& RealHost() {
  static const SystemHost host;
  return host;
}

}  // namespace harness
