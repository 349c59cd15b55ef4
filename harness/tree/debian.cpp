#include "harness/tree/debian.h"

#include <algorithm>
#include <array>
#include <fstream>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

struct KnownPackage {
  std::string_view package;
  std::string_view suite;
};
// Debian's kernel source packages and their suites (linux-source-6.1 is bookworm's, the
// harness's own host).
constexpr std::array<KnownPackage, 3> kKnownPackages = {{
    {"linux-source-5.10", "bullseye"},
    {"linux-source-6.1", "bookworm"},
    {"linux-source-6.12", "trixie"},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// dpkg's order of one character in the non-digit parts: '~' first, then the end, letters, others.
int Order(char c) {
  if (c == '~') return -1;
  if (std::isalpha(static_cast<unsigned char>(c))) return c;
  return c + 256;
}

// dpkg's verrevcmp: alternating non-digit and digit runs.
int CompareFragment(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      const int ac = i < a.size() && !IsDigit(a[i]) ? Order(a[i]) : 0;  // a digit or the end: 0
      const int bc = j < b.size() && !IsDigit(b[j]) ? Order(b[j]) : 0;
      if (ac != bc) return ac - bc;
      if (i < a.size() && !IsDigit(a[i])) ++i;
      if (j < b.size() && !IsDigit(b[j])) ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    int first_diff = 0;
    while (i < a.size() && IsDigit(a[i]) && j < b.size() && IsDigit(b[j])) {
      if (!first_diff) first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && IsDigit(a[i])) return 1;
    if (j < b.size() && IsDigit(b[j])) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Parts {
  long epoch = 0;
  std::string_view upstream, revision;
};

Parts Split(std::string_view v) {
  Parts p;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    std::string_view epoch = v.substr(0, colon);
    for (char c : epoch) p.epoch = IsDigit(c) ? p.epoch * 10 + (c - '0') : p.epoch;
    v = v.substr(colon + 1);
  }
  if (auto dash = v.rfind('-'); dash != std::string_view::npos) {
    p.revision = v.substr(dash + 1);
    v = v.substr(0, dash);
  }
  p.upstream = v;
  return p;
}

}  // namespace

std::string_view DefaultSuite(std::string_view package) {
  for (const auto& known : kKnownPackages) {
    if (known.package == package) return known.suite;
  }
  return {};
}

std::string HostSuite(const std::filesystem::path& os_release) {
  std::ifstream in(os_release);
  std::string line;
  while (std::getline(in, line)) {
    if (StartsWith(line, "VERSION_CODENAME=")) {
      std::string value(Trim(std::string_view(line).substr(17)));
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return {};
}

int CompareDebianVersions(std::string_view a, std::string_view b) {
  const Parts pa = Split(a), pb = Split(b);
  if (pa.epoch != pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  if (int c = CompareFragment(pa.upstream, pb.upstream)) return c;
  return CompareFragment(pa.revision, pb.revision);
}

std::string DebFileName(std::string_view package, std::string_view version, std::string_view arch) {
  std::string escaped;
  for (char c : version) escaped += c == ':' ? std::string("%3a") : std::string(1, c);
  return std::string(package) + "_" + escaped + "_" + std::string(arch) + ".deb";
}

void PrivateApt::WriteConfig() const {
  // sources.list.d and preferences.d stay empty: apt reads no part of the system's configuration
  // ("-" is not understood as "none" by Debian 12's apt: it warns about /etc/apt/-/).
  for (const char* sub : {"lists/partial", "archives/partial", "cache", "debs", "sources.list.d", "preferences.d"}) {
    std::filesystem::create_directories(dir_ / sub);
  }
  WriteFile(dir_ / "sources.list", "# written by harness: " + suite_ + " only, never the system's sources\n"
                                   "deb " + mirror_ + " " + suite_ + " main\n");
  // No package counts as installed here: apt only needs to know what the archive has.
  if (!std::filesystem::exists(dir_ / "status")) WriteFile(dir_ / "status", "");
}

std::vector<std::string> PrivateApt::Options() const {
  return {"-o", "Dir::Etc::SourceList=" + (dir_ / "sources.list").string(),
          "-o", "Dir::Etc::SourceParts=" + (dir_ / "sources.list.d").string(),
          "-o", "Dir::Etc::Preferences=" + (dir_ / "preferences").string(),
          "-o", "Dir::Etc::PreferencesParts=" + (dir_ / "preferences.d").string(),
          "-o", "Dir::State::Lists=" + (dir_ / "lists").string(),
          "-o", "Dir::State::Status=" + (dir_ / "status").string(),
          "-o", "Dir::Cache=" + (dir_ / "cache").string(),
          "-o", "Dir::Cache::Archives=" + (dir_ / "archives").string(),
          "-o", "Acquire::Languages=none",
          // As root, apt hands downloads to the _apt user, who cannot write under root's cache.
          "-o", "APT::Sandbox::User=root",
          "-o", "APT::Get::AllowUnauthenticated=false"};
}

ProcessResult PrivateApt::Apt(const std::string& program, const std::vector<std::string>& args,
                              const std::filesystem::path& cwd) {
  std::vector<std::string> argv = {program};
  const auto options = Options();
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = runner_.Run({.argv = argv, .cwd = cwd, .env = {{"LC_ALL", "C"}},
                                      .timeout = std::chrono::minutes(20)});
  std::ofstream(log(), std::ios::app) << "$ " << ShellJoin(argv) << "\n" << result.output;
  return result;
}

void PrivateApt::Update() {
  WriteConfig();
  ProcessResult result = Apt("apt-get", {"update", "-q"});
  if (!result.ok()) {
    throw HarnessError("'apt-get update' of the private " + suite_ + " configuration in " + dir_.string() +
                       " failed (" + result.Describe() + "; is " + mirror_ + " reachable?); see " + log().string());
  }
}

std::vector<std::string> PrivateApt::Versions(const std::string& package) {
  ProcessResult result = Apt("apt-cache", {"madison", package});
  std::vector<std::string> versions;
  // "linux-source-5.10 | 5.10.223-1 | http://deb.debian.org/debian bullseye/main all Packages"
  for (const auto& line : SplitLines(result.output)) {
    const auto first = line.find('|');
    if (first == std::string::npos) continue;
    const auto second = line.find('|', first + 1);
    if (Trim(std::string_view(line).substr(0, first)) != package || second == std::string::npos) continue;
    std::string version(Trim(std::string_view(line).substr(first + 1, second - first - 1)));
    if (std::find(versions.begin(), versions.end(), version) == versions.end()) versions.push_back(version);
  }
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return CompareDebianVersions(a, b) > 0; });
  return versions;
}

std::filesystem::path PrivateApt::Download(const std::string& package, const std::string& version) {
  WriteConfig();
  const std::filesystem::path deb = dir_ / "debs" / DebFileName(package, version);
  if (!std::filesystem::exists(deb)) {
    ProcessResult result = Apt("apt-get", {"download", "-q", package + "=" + version}, dir_ / "debs");
    if (!result.ok() || !std::filesystem::exists(deb)) {
      throw HarnessError("'apt-get download " + package + "=" + version + "' from " + suite_ + " failed (" +
                         (result.ok() ? "no " + deb.filename().string() + " appeared" : result.Describe()) +
                         "); see " + log().string());
    }
  }
  if (const std::string got = DebVersion(runner_, deb); got != version) {
    throw HarnessError(deb.string() + " is version " + got + ", not the " + version + " asked for; remove it and retry");
  }
  return deb;
}

std::string DebVersion(ProcessRunner& runner, const std::filesystem::path& deb) {
  ProcessResult result = runner.Run({.argv = {"dpkg-deb", "-f", deb.string(), "Version"}});
  const std::string version(Trim(result.output));
  if (!result.ok() || version.empty()) {
    throw HarnessError("cannot read the version of '" + deb.string() + "' (dpkg-deb -f: " + result.Describe() + ")");
  }
  return version;
}

void ExtractDeb(ProcessRunner& runner, const std::filesystem::path& deb, const std::filesystem::path& into) {
  std::filesystem::remove_all(into);
  std::filesystem::create_directories(into);
  ProcessResult result = runner.Run({.argv = {"dpkg-deb", "-x", deb.string(), into.string()},
                                     .timeout = std::chrono::minutes(20)});
  if (!result.ok()) {
    std::filesystem::remove_all(into);
    throw HarnessError("unpacking '" + deb.string() + "' with dpkg-deb failed (" + result.Describe() +
                       "): " + std::string(Trim(result.output)));
  }
}

}  // namespace harness
