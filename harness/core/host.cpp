#include "harness/core/host.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <linux/kvm.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "harness/core/fd.h"
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

using Clock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; false when the time ran out first.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the next call report the error
  }
}

std::string TimedOut(std::chrono::milliseconds timeout) {
  return "timed out after " + std::to_string(timeout.count()) + " ms";
}

// A non-blocking connect to one address; an error message, empty when connected.
std::string Connect(const Fd& socket, const addrinfo& address, Clock::time_point deadline,
                    std::chrono::milliseconds timeout) {
  if (::connect(socket.get(), address.ai_addr, address.ai_addrlen) == 0) return {};
  if (errno != EINPROGRESS) return std::strerror(errno);
  if (!WaitFor(socket.get(), POLLOUT, deadline)) return TimedOut(timeout) + " connecting";
  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, &error, &length);
  return error ? std::strerror(error) : "";
}

// Sends `request` and reads up to the first line end; fills `reply`.
void Exchange(const Fd& socket, std::string_view request, Clock::time_point deadline,
              std::chrono::milliseconds timeout, ServerReply& reply) {
  while (!request.empty()) {
    if (!WaitFor(socket.get(), POLLOUT, deadline)) {
      reply.error = TimedOut(timeout) + " sending";
      return;
    }
    const ssize_t sent = ::send(socket.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN && errno != EINTR) {
      reply.error = std::strerror(errno);
      return;
    }
    if (sent > 0) request.remove_prefix(static_cast<std::size_t>(sent));
  }
  std::string answer;
  while (answer.find('\n') == std::string::npos && answer.size() < 4096) {
    if (!WaitFor(socket.get(), POLLIN, deadline)) {
      reply.error = TimedOut(timeout) + " waiting for an answer";
      return;
    }
    char buffer[512];
    const ssize_t got = ::recv(socket.get(), buffer, sizeof buffer, 0);
    if (got == 0) break;
    if (got < 0 && errno != EAGAIN && errno != EINTR) {
      reply.error = std::strerror(errno);
      return;
    }
    if (got > 0) answer.append(buffer, static_cast<std::size_t>(got));
  }
  if (answer.empty()) {
    reply.error = "the server closed the connection without answering";
    return;
  }
  reply.line = std::string(Trim(answer.substr(0, answer.find('\n'))));
}

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

  ServerReply AskServer(std::string_view host, int port, std::string_view request,
                        std::chrono::milliseconds timeout) const override {
    const auto deadline = Clock::now() + timeout;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string name(host);
    if (int rc = ::getaddrinfo(name.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
      return {.error = "cannot resolve '" + name + "': " + ::gai_strerror(rc)};
    }
    ServerReply reply{.error = "no address"};
    // Each address in turn (a name may have an IPv6 and an IPv4 one), until one answers.
    for (const addrinfo* a = found; a; a = a->ai_next) {
      Fd socket(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
      if (socket.get() < 0) {
        reply.error = std::strerror(errno);
        continue;
      }
      reply = {.error = Connect(socket, *a, deadline, timeout)};
      if (reply.error.empty()) Exchange(socket, request, deadline, timeout, reply);
      if (reply.error.empty()) break;
    }
    ::freeaddrinfo(found);
    return reply;
  }
};

}  // namespace

const Host& RealHost() {
  static const SystemHost host;
  return host;
}

}  // namespace harness
