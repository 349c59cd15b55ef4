#pragma once
// A Host for tests: every fact is set by the test, nothing is read from the machine.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness/core/host.h"

namespace harness {

class FakeHost : public Host {
 public:
  // Programs "installed" at /fake/bin/<name>.
  std::set<std::string, std::less<>> programs;
  std::set<std::filesystem::path> files;
  // The environment; unset unless the test sets it.
  std::map<std::string, std::string, std::less<>> env;
  std::string arch = "x86_64";
  bool kvm = false;
  std::string boot_id = "fake-boot-1";
  std::optional<std::uint64_t> free_bytes = std::uint64_t(100) << 30;
  // Servers by "host:port" and their answer; any other is refused. Every request is recorded.
  std::map<std::string, ServerReply, std::less<>> servers;
  mutable std::vector<std::string> asked;  // "host:port request"

  std::filesystem::path FindProgram(std::string_view name) const override {
    return programs.count(name) ? std::filesystem::path("/fake/bin") / name : std::filesystem::path();
  }
  bool Exists(const std::filesystem::path& path) const override { return files.count(path) > 0; }
  std::optional<std::string> Env(std::string_view name) const override {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::string HostArch() const override { return arch; }
  bool KvmRunsAVcpu() const override { return kvm; }
  std::string BootId() const override { return boot_id; }
  std::optional<std::uint64_t> FreeBytes(const std::filesystem::path&) const override { return free_bytes; }
  ServerReply AskServer(std::string_view host, int port, std::string_view request,
                        std::chrono::milliseconds) const override {
    const std::string address = std::string(host) + ":" + std::to_string(port);
    asked.push_back(address + " " + std::string(request));
    auto it = servers.find(address);
    return it == servers.end() ? ServerReply{.error = "Connection refused"} : it->second;
  }

  // Every program and header a build and boot of any known arch asks for.
  void InstallEverything();
};

}  // namespace harness
