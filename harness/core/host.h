#pragma once
// What the harness asks of the machine it runs on, behind one interface (as ninja's
// DiskInterface): installed programs, files, environment variables, the host's arch, whether KVM
// runs a vCPU, the boot id, free disk. The real one reads the system; tests hand in a FakeHost
// (tests/support/fake_host.h), so no unit test's outcome depends on what this machine has.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

// What a server answered (its first line, without the line end), or why it could not be asked.
struct ServerReply {
  std::string line;
  std::string error;  // empty when a line came back: "connection refused", "timed out after 2 s", ...
};

class Host {
 public:
  virtual ~Host() = default;
  // An executable on PATH (or the path itself when it contains '/'); empty when missing.
  virtual std::filesystem::path FindProgram(std::string_view name) const = 0;
  // A file or directory (headers such as /usr/include/gelf.h).
  virtual bool Exists(const std::filesystem::path& path) const = 0;
  // The harness's own environment variable `name`; nullopt when unset (an empty value is set).
  virtual std::optional<std::string> Env(std::string_view name) const = 0;
  // The host's arch in the harness's names (x86_64, arm64, s390x, ...).
  virtual std::string HostArch() const = 0;
  // /dev/kvm can be opened read-write and runs a one-instruction vCPU. A real kernel may still
  // fail under it (the boot stage keeps KVM on trial).
  virtual bool KvmRunsAVcpu() const = 0;
  // Changes when the host reboots (/proc/sys/kernel/random/boot_id).
  virtual std::string BootId() const = 0;
  // Bytes available to an unprivileged writer in the filesystem holding `path` (or its
  // nearest existing parent); nullopt when it cannot be told.
  virtual std::optional<std::uint64_t> FreeBytes(const std::filesystem::path& path) const = 0;
  // Connects to host:port over TCP, sends `request` and reads the first line of the answer, all
  // within `timeout` (name lookup aside). Whether the shared compiler cache is up before a
  // build relies on it.
  virtual ServerReply AskServer(std::string_view host, int port, std::string_view request,
                                std::chrono::milliseconds timeout) const = 0;
};

// The machine the harness runs on.
const Host& RealHost();

}  // namespace harness
