// Trees of other Debian suites through a private apt configuration, with the fake runner: the
// configuration written, the exact apt-get/apt-cache/dpkg-deb command lines, version pins; and
// `harness cache prune` over a cache laid out by hand.
#include "harness/tree/debian.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/tree/tree.h"
#include "tests/support/fake_runner.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DebianTest : public ::testing::Test {
 protected:
  // Plays apt and dpkg-deb for a suite offering `offered` of linux-source-6.12; everything else
  // (the import's pipeline, git) succeeds without doing anything.
  void FakeArchive(std::vector<std::string> offered) {
    runner_.SetHandler([this, offered](const ProcessSpec& spec) {
      ProcessResult r;
      r.exit_code = 0;
      const std::string& program = spec.argv.front();
      const std::string& last = spec.argv.back();
      if (program == "apt-cache") {
        for (const auto& v : offered) {
          r.output += " linux-source-6.12 | " + v + " | http://deb.debian.org/debian trixie/main all Packages\n";
        }
      } else if (program == "apt-get" && spec.argv[spec.argv.size() - 3] == "download") {
        const std::string version = last.substr(last.find('=') + 1);
        WriteFile(spec.cwd / DebFileName("linux-source-6.12", version), "deb");
        downloaded_version_ = version;
      } else if (program == "dpkg-deb" && spec.argv[1] == "-f") {
        r.output = downloaded_version_ + "\n";
      } else if (program == "git" && spec.argv[3] == "show") {  // git -C REPO show TAG:Makefile
        r.output = "VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 117\n";
      } else if (program == "dpkg-deb" && spec.argv[1] == "-x") {
        WriteFile(fs::path(last) / "usr/src/linux-source-6.12.tar.xz", "tarball");
      }
      return r;
    });
  }

  TreeSpec Spec(std::string version = {}) {
    return {.name = "debian-6.12", .debian_package = "linux-source-6.12", .path = {}, .git = {}, .ref = {},
            .version = std::move(version), .suite = {}, .kconfig_fragments = {}};
  }

  std::string Error(const TreeSpec& spec) {
    try {
      TreeProvider(runner_, sink_, dir_ / "cache", dir_ / "usr-src", "bookworm").Obtain(spec);
    } catch (const HarnessError& e) {
      return e.what();
    }
    return "no error";
  }

  testing::TempDir dir_{"debian-test"};
  FakeRunner runner_;
  NullSink sink_;
  std::string downloaded_version_;
};

// Given a directory, it should write a sources list of that one suite, an empty status, and
// point apt at them and at its own lists and archives (never the system's).
TEST_F(DebianTest, PrivateAptConfigurationIsWrittenAndUsed) {
  PrivateApt apt(runner_, dir_ / "apt" / "trixie", "trixie");
  apt.WriteConfig();
  EXPECT_EQ(ReadFile(dir_ / "apt/trixie/sources.list"),
            "# written by harness: trixie only, never the system's sources\n"
            "deb http://deb.debian.org/debian trixie main\n");
  EXPECT_EQ(ReadFile(dir_ / "apt/trixie/status"), "");
  for (const char* sub : {"lists/partial", "archives/partial", "cache", "debs", "sources.list.d", "preferences.d"}) {
    EXPECT_TRUE(fs::is_directory(dir_ / "apt/trixie" / sub)) << sub;
  }
  const std::string d = (dir_ / "apt/trixie").string();
  EXPECT_THAT(apt.Options(),
              ElementsAre("-o", "Dir::Etc::SourceList=" + d + "/sources.list", "-o", "Dir::Etc::SourceParts=" + d + "/sources.list.d",
                          "-o", "Dir::Etc::Preferences=" + d + "/preferences", "-o",
                          "Dir::Etc::PreferencesParts=" + d + "/preferences.d", "-o",
                          "Dir::State::Lists=" + d + "/lists", "-o", "Dir::State::Status=" + d + "/status", "-o",
                          "Dir::Cache=" + d + "/cache", "-o", "Dir::Cache::Archives=" + d + "/archives", "-o",
                          "Acquire::Languages=none", "-o", "APT::Sandbox::User=root", "-o",
                          "APT::Get::AllowUnauthenticated=false"));
}

// Given linux-source-6.12 on a bookworm host, it should update the private trixie lists, take the
// newest version offered, download it into the private archive, unpack it with dpkg-deb (not
// install it) and import its tarball.
TEST_F(DebianTest, OtherSuiteIsDownloadedNotInstalled) {
  FakeArchive({"6.12.110-1", "6.12.117-1"});
  KernelTree tree = TreeProvider(runner_, sink_, dir_ / "cache", dir_ / "usr-src", "bookworm").Obtain(Spec());
  EXPECT_EQ(tree.version, "6.12.117-1");
  EXPECT_EQ(tree.suite, "trixie");
  EXPECT_EQ(tree.kernel_version, "6.12.117");
  EXPECT_EQ(tree.base, "linux-source-6.12-6.12.117-1");
  EXPECT_EQ(tree.repo, dir_ / "cache/trees/linux-source-6.12_6.12.117-1");
  const auto calls = runner_.calls();
  const fs::path apt = dir_ / "cache/apt/trixie";
  std::vector<std::string> commands;
  for (const auto& call : calls) {
    std::string line = call.argv[0];
    for (std::size_t i = 1; i < call.argv.size(); ++i) {
      if (call.argv[i] == "-o") ++i;  // the private configuration, checked above
      else line += " " + call.argv[i];
    }
    commands.push_back(line);
    if (call.argv[0] == "apt-get" || call.argv[0] == "apt-cache") {
      EXPECT_THAT(call.argv, ::testing::Contains("Dir::Etc::SourceList=" + (apt / "sources.list").string()));
      EXPECT_THAT(call.argv, ::testing::Not(::testing::Contains("install")));
    }
  }
  const std::string deb = (apt / "debs" / "linux-source-6.12_6.12.117-1_all.deb").string();
  const std::string unpacked = (dir_ / "cache/trees/linux-source-6.12_6.12.117-1.deb-files").string();
  ASSERT_GE(commands.size(), 7u);
  EXPECT_EQ(commands[0], "apt-get update -q");
  EXPECT_EQ(commands[1], "apt-cache madison linux-source-6.12");
  EXPECT_EQ(commands[2], "apt-get download -q linux-source-6.12=6.12.117-1");
  EXPECT_EQ(calls[2].cwd, apt / "debs");
  EXPECT_EQ(commands[3], "dpkg-deb -f " + deb + " Version");
  EXPECT_EQ(commands[4], "dpkg-deb -x " + deb + " " + unpacked);
  EXPECT_EQ(calls[6].argv[0], "bash") << "the import's pipeline";
  EXPECT_EQ(calls[6].argv[7], unpacked + "/usr/src/linux-source-6.12.tar.xz");
  EXPECT_FALSE(fs::exists(unpacked)) << "the unpacked .deb is removed after the import";
  EXPECT_TRUE(fs::exists(deb)) << "the .deb stays for a re-import";
  EXPECT_TRUE(fs::exists(tree.repo / ".git" / "harness-imported"));

  // A pinned version already imported needs no apt at all (no network).
  const std::size_t before = runner_.calls().size();
  KernelTree again =
      TreeProvider(runner_, sink_, dir_ / "cache", dir_ / "usr-src", "bookworm").Obtain(Spec("6.12.117-1"));
  EXPECT_EQ(again.repo, tree.repo);
  for (std::size_t i = before; i < runner_.calls().size(); ++i) {
    EXPECT_EQ(runner_.calls()[i].argv[0], "git") << "only the import's Makefile is read";
  }
}

// A pin the suite does not offer is a harness error naming both versions.
TEST_F(DebianTest, PinTheSuiteLacksNamesBothVersions) {
  FakeArchive({"6.12.117-1"});
  EXPECT_EQ(Error(Spec("6.12.1-1")),
            "tree 'debian-6.12': the matrix pins linux-source-6.12 version 6.12.1-1, but Debian trixie has "
            "6.12.117-1: change the tree's 'version:'");
}

// On the host's own suite, an installed version other than the pin is a harness error naming both.
TEST_F(DebianTest, InstalledVersionOtherThanThePinNamesBoth) {
  runner_.Push({.exit_code = 0, .output = "install ok installed|6.1.192-3"});
  TreeSpec spec = Spec("6.1.190-1");
  spec.debian_package = "linux-source-6.1";
  EXPECT_EQ(Error(spec),
            "tree 'debian-6.12': linux-source-6.1 6.1.192-3 is installed, but the matrix pins version 6.1.190-1: "
            "install it ('apt-get install linux-source-6.1=6.1.190-1') or change the tree's 'version:'");
}

// A suite given in the matrix wins over the package's default; an unknown package on the host's
// suite goes through the host's apt (dpkg-query first).
TEST_F(DebianTest, SuiteChoosesThePath) {
  EXPECT_EQ(DefaultSuite("linux-source-5.10"), "bullseye");
  EXPECT_EQ(DefaultSuite("linux-source-6.1"), "bookworm");
  EXPECT_EQ(DefaultSuite("linux-source-6.12"), "trixie");
  EXPECT_EQ(DefaultSuite("linux-source-4.19"), "");
  runner_.Push({.exit_code = 100, .output = "E: failed\n"});
  TreeSpec spec = Spec();
  spec.suite = "sid";
  EXPECT_THAT(Error(spec), HasSubstr("'apt-get update' of the private sid configuration"));
  EXPECT_TRUE(fs::exists(dir_ / "cache/apt/sid/sources.list"));
}

// Offline (apt-get update fails), an unpinned tree falls back to its newest import; a pinned one
// that was never imported is an error naming the tree.
TEST_F(DebianTest, OfflineFallsBackToTheNewestImport) {
  for (const char* version : {"6.12.99-1", "6.12.100-1"}) {
    const fs::path import = dir_ / "cache/trees" / (std::string("linux-source-6.12_") + version);
    WriteFile(import / ".git/harness-imported", "x\n");
  }
  runner_.SetHandler([](const ProcessSpec& spec) {
    if (spec.argv[0] == "git") return ProcessResult{.exit_code = 0, .output = "VERSION = 6\nPATCHLEVEL = 12\n"};
    return ProcessResult{.exit_code = 100, .output = "E: no network\n"};
  });
  KernelTree tree = TreeProvider(runner_, sink_, dir_ / "cache", dir_ / "usr-src", "bookworm").Obtain(Spec());
  EXPECT_EQ(tree.version, "6.12.100-1");
  EXPECT_EQ(tree.repo, dir_ / "cache/trees/linux-source-6.12_6.12.100-1");
  EXPECT_THAT(Error(Spec("6.12.117-1")), ::testing::StartsWith("tree 'debian-6.12': 'apt-get update' of the private "
                                                              "trixie configuration"));
}

TEST(DebianVersionTest, OrdersAsDpkgDoes) {
  EXPECT_LT(CompareDebianVersions("6.1.190-1", "6.1.192-3"), 0);
  EXPECT_LT(CompareDebianVersions("6.1.9-1", "6.1.10-1"), 0);
  EXPECT_GT(CompareDebianVersions("1:5.0-1", "6.1-1"), 0);
  EXPECT_LT(CompareDebianVersions("6.12~rc1-1", "6.12-1"), 0);
  EXPECT_LT(CompareDebianVersions("6.1.192-3", "6.1.192-3+deb12u1"), 0);
  EXPECT_EQ(CompareDebianVersions("6.1.192-3", "6.1.192-3"), 0);
  EXPECT_EQ(DebFileName("p", "1:2.0-1"), "p_1%3a2.0-1_all.deb");
}

TEST(HostSuiteTest, ReadsVersionCodename) {
  const testing::TempDir dir("os-release");
  const fs::path file = dir / "os-release";
  WriteFile(file, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n");
  EXPECT_EQ(HostSuite(file), "bookworm");
  WriteFile(file, "ID=debian\n");
  EXPECT_EQ(HostSuite(file), "");
}

// Given three imports of 6.1 and one of 5.10, prune should remove the two older 6.1 imports (with
// their logs and .debs) and count their bytes; a dry run removes nothing.
TEST_F(DebianTest, PruneKeepsTheNewestVersionOfEachPackage) {
  const fs::path trees = dir_ / "cache" / "trees";
  auto import = [&](const std::string& name, std::size_t bytes) {
    WriteFile(trees / name / ".git" / "harness-imported", "x\n");
    WriteFile(trees / name / "Makefile", std::string(bytes, 'm'));
  };
  import("linux-source-6.1_6.1.190-1", 1000);
  import("linux-source-6.1_6.1.192-3", 2000);
  import("linux-source-6.1_6.1.9-1", 3000);
  import("linux-source-5.10_5.10.223-1", 4000);
  WriteFile(trees / "linux-source-6.1_6.1.9-1.import.log", std::string(100, 'l'));
  WriteFile(trees / "linux-source-6.1.lock", "");
  WriteFile(dir_ / "cache/apt/bookworm/debs" / DebFileName("linux-source-6.1", "6.1.190-1"), std::string(50, 'd'));

  auto dry = PruneImports(dir_ / "cache", true);
  ASSERT_EQ(dry.size(), 2u);
  EXPECT_TRUE(fs::exists(trees / "linux-source-6.1_6.1.190-1"));
  auto pruned = PruneImports(dir_ / "cache", false);
  ASSERT_EQ(pruned.size(), 2u);
  EXPECT_EQ(pruned[0].version, "6.1.190-1");
  EXPECT_EQ(pruned[0].bytes, 1000u + 2 + 50);
  EXPECT_EQ(pruned[1].version, "6.1.9-1");
  EXPECT_EQ(pruned[1].bytes, 3000u + 2 + 100);
  EXPECT_FALSE(fs::exists(trees / "linux-source-6.1_6.1.190-1"));
  EXPECT_FALSE(fs::exists(trees / "linux-source-6.1_6.1.9-1.import.log"));
  EXPECT_FALSE(fs::exists(dir_ / "cache/apt/bookworm/debs" / DebFileName("linux-source-6.1", "6.1.190-1")));
  EXPECT_TRUE(fs::exists(trees / "linux-source-6.1_6.1.192-3"));
  EXPECT_TRUE(fs::exists(trees / "linux-source-5.10_5.10.223-1"));
  EXPECT_TRUE(fs::exists(trees / "linux-source-6.1.lock"));
  EXPECT_TRUE(PruneImports(dir_ / "cache", false).empty());
}

}  // namespace
}  // namespace harness
