#pragma once
// Debian packages of other suites (bullseye's linux-source-5.10, trixie's linux-source-6.12)
// without touching the system's apt: a private apt configuration under the harness's cache (its
// own sources list, lists, archives and an empty dpkg status), `apt-get download` into it, and
// `dpkg-deb -x` to take the tarball out of the .deb. Nothing is installed. Every command goes
// through ProcessRunner.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "harness/proc/runner.h"

namespace harness {

inline constexpr std::string_view kDebianMirror = "http://deb.debian.org/debian";

// The suite a known Debian kernel source package comes from ("bullseye" for linux-source-5.10);
// empty for a package the harness does not know (the host's apt is asked then).
std::string_view DefaultSuite(std::string_view package);

// The host's Debian suite (VERSION_CODENAME in an os-release file); empty when not said.
std::string HostSuite(const std::filesystem::path& os_release = "/etc/os-release");

// dpkg's ordering of two Debian versions (epoch, upstream, revision, '~' before everything):
// negative, zero or positive as `a` is older than, the same as or newer than `b`.
int CompareDebianVersions(std::string_view a, std::string_view b);

// A .deb's file name as apt-get download writes it (an epoch's ':' is "%3a").
std::string DebFileName(std::string_view package, std::string_view version, std::string_view arch = "all");

class PrivateApt {
 public:
  // `dir` holds everything: sources.list, status, lists/, archives/, cache/, debs/, apt.log.
  PrivateApt(ProcessRunner& runner, std::filesystem::path dir, std::string suite,
             std::string mirror = std::string(kDebianMirror))
      : runner_(runner), dir_(std::move(dir)), suite_(std::move(suite)), mirror_(std::move(mirror)) {}

  // Writes the sources list ("deb MIRROR SUITE main"), an empty status and the directories.
  void WriteConfig() const;
  // The -o options that point apt at this configuration and nothing of the system's.
  std::vector<std::string> Options() const;
  // apt-get update of this configuration's lists. Throws HarnessError naming the log.
  void Update();
  // The versions of `package` the suite offers, newest first (apt-cache madison).
  std::vector<std::string> Versions(const std::string& package);
  // The .deb of `package` at `version` in debs/ (downloaded once, reused after); its control
  // Version is checked against `version`.
  std::filesystem::path Download(const std::string& package, const std::string& version);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path log() const { return dir_ / "apt.log"; }

 private:
  ProcessResult Apt(const std::string& program, const std::vector<std::string>& args,
                    const std::filesystem::path& cwd = {});

  ProcessRunner& runner_;
  std::filesystem::path dir_;
  std::string suite_;
  std::string mirror_;
};

// The control field Version of a .deb (dpkg-deb -f); throws HarnessError when unreadable.
std::string DebVersion(ProcessRunner& runner, const std::filesystem::path& deb);
// Unpacks a .deb's files under `into` (dpkg-deb -x: nothing installed). Throws HarnessError.
void ExtractDeb(ProcessRunner& runner, const std::filesystem::path& deb, const std::filesystem::path& into);

}  // namespace harness
