// The real thing, once: bullseye's linux-source-5.10 through the private apt configuration in
// the harness's cache (the .deb is kept there, so the nightly matrix and later runs reuse it),
// then unpacked with dpkg-deb. SKIPPED when deb.debian.org cannot be reached within 5 s (with
// HARNESS_NETWORK_TESTS=1 an unreachable archive fails instead).
#include <gtest/gtest.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>
#include <fstream>

#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/tree/debian.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A TCP connection to host:80 within `timeout_ms`.
bool Reachable(const char* host, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host, "80", &hints, &found) != 0) return false;
  bool ok = false;
  for (addrinfo* a = found; a && !ok; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int error = 0;
      socklen_t len = sizeof error;
      ok = ::poll(&p, 1, timeout_ms) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return ok;
}

TEST(DebianDownloadTest, PrivateAptDownloadsAndDpkgDebUnpacks) {
  const auto forced = RealHost().Env("HARNESS_NETWORK_TESTS");
  if (FindProgram("apt-get").empty() || FindProgram("dpkg-deb").empty()) GTEST_SKIP() << "apt-get or dpkg-deb missing";
  if (!Reachable("deb.debian.org", 5000)) {
    if (forced == "1") FAIL() << "HARNESS_NETWORK_TESTS=1 but deb.debian.org:80 is unreachable";
    GTEST_SKIP() << "deb.debian.org:80 is unreachable (set HARNESS_NETWORK_TESTS=1 to make that a failure)";
  }
  const fs::path cache = DefaultCacheDir(RealHost());
  auto runner = MakeRealRunner();
  PrivateApt apt(*runner, cache / "apt" / "bullseye", "bullseye");
  apt.Update();
  const auto versions = apt.Versions("linux-source-5.10");
  ASSERT_FALSE(versions.empty()) << "see " << apt.log();
  EXPECT_EQ(versions.front().rfind("5.10.", 0), 0u) << versions.front();
  const fs::path deb = apt.Download("linux-source-5.10", versions.front());
  EXPECT_EQ(DebVersion(*runner, deb), versions.front());

  const testing::TempDir into("debian-download-test");
  ExtractDeb(*runner, deb, into);
  const fs::path tarball = into / "usr/src/linux-source-5.10.tar.xz";
  ASSERT_TRUE(fs::exists(tarball)) << "dpkg-deb -x left no " << tarball;
  EXPECT_GT(fs::file_size(tarball), 50u << 20);
  char magic[6] = {};
  std::ifstream(tarball, std::ios::binary).read(magic, sizeof magic);
  EXPECT_EQ(std::string(magic, 6), std::string("\xFD" "7zXZ\0", 6)) << "an xz tarball";
  // Nothing was installed: the system's dpkg does not know the package.
  ProcessResult query = runner->Run({.argv = {"dpkg-query", "-W", "-f=${Status}", "linux-source-5.10"}});
  EXPECT_EQ(query.output.find("install ok installed"), std::string::npos);
}

}  // namespace
}  // namespace harness
