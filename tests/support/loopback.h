#pragma once
// Loopback servers for integration tests: a free port, and redis-server on it (the shared
// compiler cache), stopped by its destructor whichever way the test ends.
#include <sys/types.h>

#include <filesystem>
#include <string>

namespace harness {

// A 127.0.0.1 port nobody listens on right now (the kernel's pick for port 0); 0 on failure.
int FreeLoopbackPort();

// redis-server --port PORT --bind 127.0.0.1 without persistence, its output in `log`.
class RedisServer {
 public:
  RedisServer(int port, const std::filesystem::path& log);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Waits up to 10 s for it to answer PING.
  bool Answers() const;
  std::string Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace harness
