// The Debian-tarball path of TreeProvider on a tiny fake kernel tarball made at test time:
// real tar, xz, git and the harness binary's `cache import-tar`, with dpkg-query answered by the
// test.
#include "harness/tree/tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// Answers dpkg-query as if linux-source-9.9 were installed; runs everything else for real.
class PackageRunner : public ProcessRunner {
 public:
  PackageRunner() : real_(MakeRealRunner()) {}
  std::string version = "9.9.1-1";
  ProcessResult Run(const ProcessSpec& spec) override {
    if (spec.argv[0] == "dpkg-query") {
      ProcessResult r;
      r.exit_code = 0;
      r.output = "install ok installed|" + version;
      return r;
    }
    return real_->Run(spec);
  }

 private:
  std::unique_ptr<ProcessRunner> real_;
};

class TreeProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (FindProgram("git").empty() || FindProgram("tar").empty() || FindProgram("xz").empty()) {
      GTEST_SKIP() << "git, tar or xz is not installed";
    }
    const fs::path src = dir_ / "make" / "linux-source-9.9";
    WriteFile(src / "Makefile", "VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 1\n");
    WriteFile(src / "scripts" / "link-vmlinux.sh", "#!/bin/sh\n");
    WriteFile(src / ".gitignore", "*.o\n");
    WriteFile(src / "shipped.o", "a file the tarball ships although .gitignore names it\n");
    fs::create_directories(dir_ / "usr-src");
    auto runner = MakeRealRunner();
    ASSERT_TRUE(runner->Run({.argv = {"tar", "-cJf", (dir_ / "usr-src" / "linux-source-9.9.tar.xz").string(), "-C",
                                      (dir_ / "make").string(), "linux-source-9.9"}})
                    .ok());
  }

  testing::TempDir dir_{"tree-test"};
  NullSink sink_;
};

// Given the tarball, it should import it into git once (every shipped file, tagged), and a
// second provider should reuse the import.
TEST_F(TreeProviderTest, ImportsOnceIntoGit) {
  PackageRunner runner;
  TreeProvider provider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN);
  KernelTree tree = provider.Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}});
  EXPECT_EQ(tree.kernel_version, "9.9.1");
  EXPECT_EQ(tree.base, "linux-source-9.9-9.9.1-1");
  EXPECT_GT(provider.last_import_seconds(), 0);
  auto real = MakeRealRunner();
  ProcessResult files = real->Run({.argv = {"git", "-C", tree.repo.string(), "ls-tree", "-r", "--name-only", tree.base}});
  EXPECT_NE(files.output.find("shipped.o"), std::string::npos) << "the import must not drop ignored-but-shipped files";
  EXPECT_TRUE(real->Run({.argv = {"git", "-C", tree.repo.string(), "rev-parse", "--verify", tree.base}}).ok());

  TreeProvider again(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN);
  EXPECT_EQ(again.Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}}).source,
            tree.source);
  EXPECT_EQ(again.last_import_seconds(), 0);

  const fs::path worktree = dir_ / "out" / "t" / "src";
  EXPECT_EQ(again.EnsureWorktree(tree, worktree), worktree);
  EXPECT_TRUE(fs::exists(worktree / "scripts" / "link-vmlinux.sh"));
  WriteFile(worktree / "marker", "left by the first run\n");
  EXPECT_EQ(again.EnsureWorktree(tree, worktree), worktree);
  EXPECT_TRUE(fs::exists(worktree / "marker")) << "a second call reuses the work tree";
}

// Given a work tree made from another repository (an earlier import, another bisect --tree), it
// should recreate it from the tree's own repository instead of building the other's files.
TEST_F(TreeProviderTest, WorktreeOfAnotherRepositoryIsRecreated) {
  PackageRunner runner;
  TreeProvider provider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN);
  const KernelTree first =
      provider.Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}});
  const fs::path worktree = dir_ / "out" / "t" / "src";
  provider.EnsureWorktree(first, worktree);
  WriteFile(worktree / "marker", "from the first repository\n");

  // A second repository: a clone of the first, so the same commit exists in both.
  auto real = MakeRealRunner();
  const fs::path other = dir_ / "other";
  ASSERT_TRUE(real->Run({.argv = {"git", "clone", "-q", first.repo.string(), other.string()}}).ok());
  KernelTree second = first;
  second.repo = other;
  second.source = other;
  EXPECT_EQ(provider.EnsureWorktree(second, worktree), worktree);
  EXPECT_FALSE(fs::exists(worktree / "marker"));
  ProcessResult common =
      real->Run({.argv = {"git", "-C", worktree.string(), "rev-parse", "--path-format=absolute", "--git-common-dir"}});
  ASSERT_TRUE(common.ok());
  EXPECT_TRUE(fs::equivalent(std::string(Trim(common.output)), other / ".git"));
}

// Two harnesses obtaining the same tree at once must not corrupt the cache.
TEST_F(TreeProviderTest, ConcurrentObtainsShareOneImport) {
  std::vector<std::thread> threads;
  std::vector<fs::path> sources(3);
  std::vector<std::string> errors(3);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      PackageRunner runner;
      NullSink sink;
      try {
        sources[i] = TreeProvider(runner, sink, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN)
                         .Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}})
                         .source;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(sources[i], sources[0]);
  }
  EXPECT_TRUE(fs::exists(sources[0] / ".git" / "harness-imported"));
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "trees" / "linux-source-9.9_9.9.1-1.partial"));
}

// Given an output directory whose work tree came from an import of 9.9.1-1, obtaining 9.9.2-1 (a
// point release: another repository) should recreate the work tree from the new import, not
// leave it on the old one whose tag the new repository lacks; pruning the old import then
// leaves the output directory working.
TEST_F(TreeProviderTest, WorkTreeFollowsAnImportOfAnotherVersion) {
  PackageRunner runner;
  const TreeSpec spec{.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}};
  KernelTree old_tree = TreeProvider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN).Obtain(spec);
  const fs::path worktree = dir_ / "out" / "t" / "src";
  TreeProvider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN).EnsureWorktree(old_tree, worktree);

  runner.version = "9.9.2-1";
  TreeProvider provider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN);
  KernelTree new_tree = provider.Obtain(spec);
  ASSERT_NE(new_tree.repo, old_tree.repo);
  EXPECT_EQ(provider.EnsureWorktree(new_tree, worktree), worktree);
  auto real = MakeRealRunner();
  ProcessResult common =
      real->Run({.argv = {"git", "-C", worktree.string(), "rev-parse", "--path-format=absolute", "--git-common-dir"}});
  EXPECT_EQ(fs::path(std::string(Trim(common.output))), new_tree.repo / ".git");
  EXPECT_TRUE(real->Run({.argv = {"git", "-C", worktree.string(), "rev-parse", "--verify", new_tree.base}}).ok());

  const auto pruned = PruneImports(dir_ / "cache", false);
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_EQ(pruned[0].path, old_tree.repo);
  EXPECT_GT(pruned[0].bytes, 0u);
  EXPECT_EQ(provider.EnsureWorktree(new_tree, worktree), worktree) << "the new import's work tree survives a prune";
  EXPECT_TRUE(fs::exists(worktree / "Makefile"));
}

// Given one tree archived in each format tar writes (GNU, pax, ustar), the streamed import
// should record the very commit that unpacking the archive and `git add -A -f` records with the
// same identity, date and message: same commit id, hence same tree hash. The tree has what the
// stream must get right: modes, a symlink, a hard link, a path too long for a header, a space,
// an ignored-but-shipped file, an empty file and an empty directory (git records neither
// directory nor its absence).
TEST_F(TreeProviderTest, StreamedImportRecordsWhatUnpackAndAddRecords) {
  const fs::path src = dir_ / "make" / "linux-source-9.9";
  WriteFile(src / "scripts" / "tool", "#!/bin/sh\necho tool\n");
  fs::permissions(src / "scripts" / "tool", fs::perms::owner_exec, fs::perm_options::add);
  WriteFile(src / "scripts" / "group-exec-only", "x\n");
  fs::permissions(src / "scripts" / "group-exec-only", fs::perms::group_exec, fs::perm_options::add);
  fs::create_symlink("../Makefile", src / "scripts" / "Makefile.link");
  WriteFile(src / std::string(60, 'a') / std::string(60, 'b') / "long path.c", "int x;\n");
  fs::create_hard_link(src / "scripts" / "tool", src / "tool-link");
  WriteFile(src / "empty", "");
  fs::create_directories(src / "empty-dir");

  auto real = MakeRealRunner();
  auto git = [&](const fs::path& repo, std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", repo.string()});
    const std::map<std::string, std::string> id = {
        {"GIT_AUTHOR_NAME", "harness"}, {"GIT_AUTHOR_EMAIL", "harness@localhost"},
        {"GIT_COMMITTER_NAME", "harness"}, {"GIT_COMMITTER_EMAIL", "harness@localhost"},
        {"GIT_AUTHOR_DATE", "2001-09-17T00:00:00+0000"}, {"GIT_COMMITTER_DATE", "2001-09-17T00:00:00+0000"}};
    ProcessResult r = real->Run({.argv = args, .env = id});
    EXPECT_TRUE(r.ok()) << ShellJoin(args) << ": " << r.output;
    return std::string(Trim(r.output));
  };
  for (const std::string format : {"gnu", "posix", "ustar"}) {
    SCOPED_TRACE(format);
    const fs::path usr_src = dir_ / ("usr-src-" + format);
    const fs::path tarball = usr_src / "linux-source-9.9.tar.xz";
    fs::create_directories(usr_src);
    ASSERT_TRUE(real->Run({.argv = {"tar", "--format=" + format, "-cJf", tarball.string(), "-C", (dir_ / "make").string(),
                                    "linux-source-9.9"}})
                    .ok());
    const fs::path unpacked = dir_ / ("unpacked-" + format);
    fs::create_directories(unpacked);
    ASSERT_TRUE(real->Run({.argv = {"tar", "-xf", tarball.string(), "-C", unpacked.string(), "--strip-components=1"}}).ok());
    git(unpacked, {"init", "-q"});
    git(unpacked, {"-c", "core.autocrlf=false", "add", "-A", "-f", "."});
    git(unpacked, {"-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m",
                   "linux-source-9.9 9.9.1-1 (imported by harness)"});

    PackageRunner runner;
    TreeProvider provider(runner, sink_, dir_ / ("cache-" + format), usr_src, HostSuite(), HARNESS_BIN);
    const KernelTree tree =
        provider.Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}});
    EXPECT_EQ(git(tree.repo, {"rev-parse", tree.base + "^{tree}"}), git(unpacked, {"rev-parse", "HEAD^{tree}"}));
    EXPECT_EQ(git(tree.repo, {"rev-parse", tree.base}), git(unpacked, {"rev-parse", "HEAD"}));
    EXPECT_EQ(git(tree.repo, {"rev-parse", "HEAD"}), git(tree.repo, {"rev-parse", tree.base})) << "HEAD is the import";
    EXPECT_EQ(git(tree.repo, {"ls-tree", tree.base, "scripts/tool"}).substr(0, 6), "100755");
    EXPECT_EQ(tree.kernel_version, "9.9.1");
  }
}

// Given a tarball that is not what it claims (corrupt xz), the import should fail naming its log,
// leave no repository behind and import cleanly once the tarball is good again.
TEST_F(TreeProviderTest, CorruptTarballFailsAndLeavesNoImport) {
  const fs::path tarball = dir_ / "usr-src" / "linux-source-9.9.tar.xz";
  const std::string good = ReadFile(tarball);
  WriteFile(tarball, good.substr(0, good.size() / 2));
  PackageRunner runner;
  TreeProvider provider(runner, sink_, dir_ / "cache", dir_ / "usr-src", HostSuite(), HARNESS_BIN);
  const TreeSpec spec{.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}};
  try {
    provider.Obtain(spec);
    FAIL() << "a truncated tarball was imported";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'xz -dc | harness cache import-tar | git fast-import'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("linux-source-9.9_9.9.1-1.import.log"));
  }
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "trees" / "linux-source-9.9_9.9.1-1"));
  EXPECT_FALSE(fs::exists(dir_ / "cache" / "trees" / "linux-source-9.9_9.9.1-1.partial"));
  WriteFile(tarball, good);
  EXPECT_EQ(provider.Obtain(spec).kernel_version, "9.9.1");
}

TEST_F(TreeProviderTest, MissingTarballIsAHarnessError) {
  PackageRunner runner;
  TreeProvider provider(runner, sink_, dir_ / "cache", dir_ / "nowhere", HostSuite(), HARNESS_BIN);
  EXPECT_THROW(provider.Obtain({.name = "t", .debian_package = "linux-source-9.9", .path = {}, .git = {}, .ref = {}}),
               HarnessError);
}

TEST_F(TreeProviderTest, ConfiguredLocalTreeIsRefused) {
  PackageRunner runner;
  const fs::path local = dir_ / "make" / "linux-source-9.9";
  WriteFile(local / ".config", "CONFIG_X=y\n");
  try {
    TreeProvider(runner, sink_, dir_ / "cache").Obtain({.name = "l", .debian_package = {}, .path = local, .git = {}, .ref = {}});
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_NE(std::string(e.what()).find("mrproper"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace harness
