#include "harness/tree/tree.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/proc/git.h"

namespace harness {
namespace {

// Holds an exclusive flock on a file for its lifetime; a second harness importing the same
// tree waits here instead of racing.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path) {
    std::filesystem::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
      throw HarnessError("cannot lock '" + path.string() + "'");
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

void CheckKernelTree(const std::filesystem::path& source, const std::string& name) {
  if (!std::filesystem::exists(source / "Makefile") ||
      !std::filesystem::exists(source / "scripts" / "link-vmlinux.sh")) {
    throw HarnessError("tree '" + name + "': '" + source.string() +
                       "' is not a kernel tree (no Makefile or scripts/link-vmlinux.sh)");
  }
  if (std::filesystem::exists(source / ".config") ||
      std::filesystem::exists(source / "include" / "config")) {
    throw HarnessError("tree '" + name + "': '" + source.string() +
                       "' has been configured in place; O= builds need a clean tree: run "
                       "'make -C " + source.string() + " mrproper'");
  }
}

}  // namespace

std::string KernelVersionFromMakefile(const std::string& makefile_text) {
  std::string version, patchlevel, sublevel;
  for (const auto& line : SplitLines(makefile_text)) {
    auto take = [&](std::string_view key, std::string& out) {
      if (StartsWith(line, key) && out.empty()) {
        auto eq = line.find('=');
        if (eq != std::string::npos) out = std::string(Trim(std::string_view(line).substr(eq + 1)));
      }
    };
    take("VERSION", version);
    take("PATCHLEVEL", patchlevel);
    take("SUBLEVEL", sublevel);
  }
  if (version.empty() || patchlevel.empty()) return "";
  return version + "." + patchlevel + (sublevel.empty() ? "" : "." + sublevel);
}

void TreeProvider::Note(const std::string& text) {
  sink_.OnEvent({.kind = Event::Kind::kNote, .cell = "", .stage = Stage::kTree, .text = text});
}

KernelTree TreeProvider::Obtain(const TreeSpec& spec) {
  KernelTree tree;
  last_import_seconds_ = 0;
  if (!spec.debian_package.empty()) {
    tree = FromDebianPackage(spec);
    // The import has no checkout: its commit is what is checked.
    const std::string at = tree.base + ":";
    ProcessResult makefile = runner_.Run(GitCommand(tree.repo, {"show", at + "Makefile"}));
    ProcessResult link = runner_.Run(GitCommand(tree.repo, {"cat-file", "-e", at + "scripts/link-vmlinux.sh"}));
    if (!makefile.ok() || !link.ok()) {
      throw HarnessError("tree '" + spec.name + "': the import " + tree.repo.string() + " is not a kernel tree (no " +
                         (makefile.ok() ? "scripts/link-vmlinux.sh" : "Makefile") + " at " + tree.base + ")");
    }
    tree.kernel_version = KernelVersionFromMakefile(makefile.output);
    return tree;
  } else if (!spec.git.empty()) {
    tree.name = spec.name;
    tree.source = std::filesystem::absolute(spec.git).lexically_normal();
    tree.repo = tree.source;
    tree.version = "local";
    ProcessResult rev = runner_.Run(GitCommand(tree.repo, {"rev-parse", "--verify", "--quiet", spec.ref + "^{commit}"}));
    if (!rev.ok()) {
      throw HarnessError("tree '" + spec.name + "': '" + spec.ref + "' is not a commit in git repository '" +
                         spec.git.string() + "'");
    }
    tree.base = std::string(Trim(rev.output));
    tree.kernel_version = "";
    return tree;  // the work tree is checked, not the repository's own checkout
  } else {
    tree.name = spec.name;
    tree.source = std::filesystem::absolute(spec.path).lexically_normal();
    tree.version = "local";
    if (!std::filesystem::is_directory(tree.source)) {
      throw HarnessError("tree '" + spec.name + "': '" + spec.path.string() + "' is not a directory");
    }
  }
  CheckKernelTree(tree.source, tree.name);
  tree.kernel_version = KernelVersionFromMakefile(ReadFile(tree.source / "Makefile"));
  return tree;
}

namespace {

// Tags cannot hold every character a Debian version can.
std::string ImportTag(const std::string& package, const std::string& version) {
  std::string tag = package + "-" + version;
  for (char& c : tag) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) c = '_';
  }
  return tag;
}

std::filesystem::path ImportDir(const std::filesystem::path& cache_dir, const std::string& package,
                                const std::string& version) {
  return cache_dir / "trees" / (package + "_" + version);
}

bool Imported(const std::filesystem::path& target) {
  return std::filesystem::exists(target / ".git" / "harness-imported");
}

// The newest version of `package` imported under `cache_dir`; empty when none is.
std::string NewestImport(const std::filesystem::path& cache_dir, const std::string& package) {
  std::string newest;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(cache_dir / "trees", ec)) {
    const std::string name = entry.path().filename().string();
    if (!StartsWith(name, package + "_") || !Imported(entry.path())) continue;
    const std::string version = name.substr(package.size() + 1);
    if (newest.empty() || CompareDebianVersions(version, newest) > 0) newest = version;
  }
  return newest;
}

}  // namespace

KernelTree TreeProvider::FromDebianPackage(const TreeSpec& spec) {
  const std::string suite = spec.suite.empty() ? std::string(DefaultSuite(spec.debian_package)) : spec.suite;
  // The host's own suite (or a package the harness knows no suite for) comes from the host's apt.
  if (suite.empty() || suite == host_suite_) {
    KernelTree tree = FromHostApt(spec);
    tree.suite = suite.empty() ? host_suite_ : suite;
    return tree;
  }
  return FromPrivateApt(spec, suite);
}

KernelTree TreeProvider::FromHostApt(const TreeSpec& spec) {
  const std::string& package = spec.debian_package;
  auto query = [&] {
    return runner_.Run({.argv = {"dpkg-query", "-W", "-f=${Status}|${Version}", package}});
  };
  ProcessResult status = query();
  if (!status.ok() || status.output.find("install ok installed") == std::string::npos) {
    const std::string wanted = spec.version.empty() ? package : package + "=" + spec.version;
    Note("installing Debian package " + wanted + " with apt-get");
    ProcessSpec install{.argv = {"apt-get", "install", "-y", "--no-install-recommends", wanted},
                        .env = {{"DEBIAN_FRONTEND", "noninteractive"}},
                        .log_path = cache_dir_ / "apt-get.log",
                        .timeout = std::chrono::minutes(20)};
    ProcessResult result = runner_.Run(install);
    if (!result.ok()) {
      throw HarnessError("tree '" + spec.name + "': 'apt-get install " + wanted + "' failed (" +
                         result.Describe() + "); see " + install.log_path.string() +
                         " (as root, run 'apt-get update' first on a new machine)");
    }
    status = query();
  }
  auto bar = status.output.find('|');
  std::string version = bar == std::string::npos ? "" : std::string(Trim(status.output.substr(bar + 1)));
  if (version.empty()) throw HarnessError("tree '" + spec.name + "': cannot read the version of " + package);
  if (!spec.version.empty() && version != spec.version) {
    throw HarnessError("tree '" + spec.name + "': " + package + " " + version + " is installed, but the matrix pins "
                       "version " + spec.version + ": install it ('apt-get install " + package + "=" + spec.version +
                       "') or change the tree's 'version:'");
  }

  // linux-source-6.1 ships /usr/src/linux-source-6.1.tar.xz.
  std::filesystem::path tarball;
  for (const char* ext : {".tar.xz", ".tar.bz2", ".tar.gz"}) {
    std::filesystem::path candidate = tarball_dir_ / (package + ext);
    if (std::filesystem::exists(candidate)) tarball = candidate;
  }
  if (tarball.empty()) {
    throw HarnessError("tree '" + spec.name + "': package " + package +
                       " is installed but " + (tarball_dir_ / package).string() + ".tar.* is missing");
  }
  KernelTree tree{.name = spec.name, .source = {}, .version = version, .suite = {}, .kernel_version = {}, .repo = {},
                  .base = ImportTag(package, version)};
  Import(spec, tree, tarball);
  return tree;
}

KernelTree TreeProvider::FromPrivateApt(const TreeSpec& spec, const std::string& suite) {
  const std::string& package = spec.debian_package;
  KernelTree tree{.name = spec.name, .source = {}, .version = spec.version, .suite = suite, .kernel_version = {},
                  .repo = {}, .base = {}};
  // A pinned version imported before needs no network at all.
  if (spec.version.empty() || !Imported(ImportDir(cache_dir_, package, spec.version))) {
    PrivateApt apt(runner_, cache_dir_ / "apt" / suite, suite);
    // One apt at a time per private configuration (apt locks its lists and fails at once).
    FileLock apt_lock(cache_dir_ / "apt" / (suite + ".lock"));
    Note("fetching " + package + " from Debian " + suite + " through the private apt configuration in " +
         apt.dir().string() + " (the system's apt sources are not used)");
    try {
      apt.Update();
    } catch (const HarnessError& e) {
      // Offline, an unpinned tree falls back to its newest import, saying so.
      const std::string newest = spec.version.empty() ? NewestImport(cache_dir_, package) : std::string();
      if (newest.empty()) throw HarnessError("tree '" + spec.name + "': " + e.what());
      Note(std::string(e.what()) + "; using the newest import there is, " + package + " " + newest);
      tree.version = newest;
      tree.base = ImportTag(package, tree.version);
      tree.source = tree.repo = ImportDir(cache_dir_, package, tree.version);
      return tree;
    }
    const std::vector<std::string> versions = apt.Versions(package);
    if (versions.empty()) {
      throw HarnessError("tree '" + spec.name + "': Debian " + suite + " has no package " + package + "; see " +
                         apt.log().string());
    }
    if (spec.version.empty()) {
      tree.version = versions.front();
    } else if (std::find(versions.begin(), versions.end(), spec.version) == versions.end()) {
      std::string offered;
      for (const auto& v : versions) offered += (offered.empty() ? "" : ", ") + v;
      throw HarnessError("tree '" + spec.name + "': the matrix pins " + package + " version " + spec.version +
                         ", but Debian " + suite + " has " + offered + ": change the tree's 'version:'");
    }
    if (!Imported(ImportDir(cache_dir_, package, tree.version))) {
      const std::filesystem::path deb = apt.Download(package, tree.version);
      const std::filesystem::path unpacked = cache_dir_ / "trees" / (package + "_" + tree.version + ".deb-files");
      ExtractDeb(runner_, deb, unpacked);
      tree.base = ImportTag(package, tree.version);
      try {
        Import(spec, tree, unpacked / "usr" / "src" / (package + ".tar.xz"));
      } catch (...) {
        std::filesystem::remove_all(unpacked);
        throw;
      }
      std::filesystem::remove_all(unpacked);  // the .deb stays in the private archive for re-imports
      return tree;
    }
  }
  tree.base = ImportTag(package, tree.version);
  tree.source = tree.repo = ImportDir(cache_dir_, package, tree.version);
  return tree;
}

void TreeProvider::Import(const TreeSpec& spec, KernelTree& tree, const std::filesystem::path& tarball) {
  const std::string& package = spec.debian_package;
  const std::string& version = tree.version;
  const std::string& tag = tree.base;
  const std::filesystem::path trees = cache_dir_ / "trees";
  const std::filesystem::path target = ImportDir(cache_dir_, package, version);
  tree.source = target;
  tree.repo = target;
  if (Imported(target)) return;
  if (!std::filesystem::exists(tarball)) {
    throw HarnessError("tree '" + spec.name + "': " + tarball.string() + " is missing (the package " + package +
                       " " + version + " did not ship it)");
  }

  FileLock lock(trees / (package + ".lock"));
  if (Imported(target)) return;  // another harness finished while we waited
  const double start = NowSeconds();
  const std::filesystem::path staging = trees / (package + "_" + version + ".partial");
  const std::filesystem::path log = trees / (package + "_" + version + ".import.log");
  std::filesystem::remove_all(staging);
  std::filesystem::remove_all(target);
  std::filesystem::create_directories(staging);
  auto fail = [&](const std::string& what, const ProcessResult& result) {
    std::filesystem::remove_all(staging);
    throw HarnessError("tree '" + spec.name + "': importing " + tarball.string() + " into git failed at " + what +
                       " (" + result.Describe() + "); see " + log.string());
  };
  ProcessResult init = Git(staging, {"init", "-q"}, log);
  if (!init.ok()) fail("'git init'", init);
  // One commit holding every file of the tarball (what `git add -A -f` of the unpacked tree
  // records: the kernel's .gitignore does not drop shipped files), streamed: the decompressor,
  // `harness cache import-tar` and git run side by side and nothing is unpacked (tar_import.h).
  // A fixed identity and date keep the commit id reproducible. The repository has no checkout:
  // builds use work trees (EnsureWorktree). fast-import is told not to delta each blob against
  // the one before it (unrelated files: twice the CPU for nothing) and to compress at level 1,
  // as `git add` does loose objects: 21 s instead of 67 s for linux-source-6.1 here.
  const std::string ext = tarball.extension().string();
  const std::string decompressor = ext == ".bz2" ? "bzip2" : ext == ".gz" ? "gzip" : "xz";
  Note("importing " + tarball.string() + " into git at " + target.string() + " (once, streamed)");
  ProcessSpec import{
      .argv = {"bash", "-o", "pipefail", "-c",
               "\"$1\" -dc -- \"$2\" | \"$3\" cache import-tar --ref \"refs/tags/$4\" --message \"$5\" "
               "--ident 'harness <harness@localhost> 1000684800 +0000' "
               "| git -C \"$6\" -c pack.compression=1 fast-import --depth=0 --done --quiet",
               "import", decompressor, tarball.string(), importer_.string(), tag,
               package + " " + version + " (imported by harness)", staging.string()},
      .env = {{"LC_ALL", "C"}},
      .log_path = log,
      .timeout = std::chrono::minutes(30)};
  ProcessResult result = runner_.Run(import);
  if (!result.ok()) fail("'" + decompressor + " -dc | harness cache import-tar | git fast-import'", result);
  WriteFile(staging / ".git" / "harness-imported", tarball.string() + " " + version + "\n");
  std::filesystem::rename(staging, target);
  last_import_seconds_ = NowSeconds() - start;
  Note("imported " + package + " " + version + " into git in " + std::to_string(static_cast<int>(last_import_seconds_)) + " s");
}


ProcessResult TreeProvider::Git(const std::filesystem::path& dir, std::vector<std::string> args,
                                const std::filesystem::path& log, std::map<std::string, std::string> env) {
  ProcessSpec spec = GitCommand(dir, args);
  spec.env.insert(env.begin(), env.end());  // LC_ALL=C stays: the output is parsed
  spec.timeout = std::chrono::minutes(30);
  ProcessResult result = runner_.Run(spec);
  std::ofstream(log, std::ios::app) << "$ " << ShellJoin(spec.argv) << "\n" << result.output;
  return result;
}

std::filesystem::path TreeProvider::EnsureWorktree(const KernelTree& tree, const std::filesystem::path& path) {
  if (tree.repo.empty()) return tree.source;
  const std::filesystem::path log = path.parent_path() / "worktree.log";
  std::filesystem::create_directories(path.parent_path());
  if (std::filesystem::exists(path / ".git")) {
    // Reused only when it is a work tree of this tree's repository: an earlier run may have
    // made it from another one (a new import of the package, another --tree for a bisect).
    auto common_dir = [&](const std::filesystem::path& dir) {
      ProcessResult r = Git(dir, {"rev-parse", "--path-format=absolute", "--git-common-dir"}, log);
      return r.ok() ? std::string(Trim(r.output)) : std::string();
    };
    ProcessResult top = Git(path, {"rev-parse", "--show-toplevel"}, log);
    std::error_code ec;
    const bool whole = top.ok() && std::filesystem::equivalent(std::string(Trim(top.output)), path, ec);
    const std::string mine = whole ? common_dir(path) : "";
    const std::string repo = mine.empty() ? "" : common_dir(tree.repo);
    if (!mine.empty() && !repo.empty() && std::filesystem::equivalent(mine, repo, ec)) return path;
    Note("work tree " + path.string() + (mine.empty() ? " is broken" : " belongs to another repository (" + mine + ")") +
         ": recreating it");
    std::filesystem::remove_all(path);
  }
  Git(tree.repo, {"worktree", "prune"}, log);
  Note("creating work tree " + path.string() + " from " + tree.repo.string() + " at " + tree.base);
  ProcessResult add = Git(tree.repo, {"worktree", "add", "-f", "--detach", path.string(), tree.base}, log);
  if (!add.ok()) {
    throw HarnessError("tree '" + tree.name + "': 'git worktree add' failed (" + add.Describe() + "); see " + log.string());
  }
  return path;
}

}  // namespace harness

namespace harness {

std::vector<PrunedImport> PruneImports(const std::filesystem::path& cache_dir, bool dry_run) {
  const std::filesystem::path trees = cache_dir / "trees";
  std::error_code ec;
  if (!std::filesystem::is_directory(trees, ec)) return {};
  // package -> its imports; only finished imports (harness-imported) count.
  std::map<std::string, std::vector<PrunedImport>> by_package;
  for (const auto& entry : std::filesystem::directory_iterator(trees)) {
    const std::string name = entry.path().filename().string();
    const auto underscore = name.rfind('_');
    if (!entry.is_directory() || underscore == std::string::npos ||
        !std::filesystem::exists(entry.path() / ".git" / "harness-imported")) {
      continue;
    }
    // The package name has no '_' (Debian names cannot), so the first '_' splits it.
    const auto split = name.find('_');
    by_package[name.substr(0, split)].push_back({entry.path(), name.substr(0, split), name.substr(split + 1), 0});
  }
  std::vector<PrunedImport> pruned;
  for (auto& [package, imports] : by_package) {
    std::sort(imports.begin(), imports.end(), [](const PrunedImport& a, const PrunedImport& b) {
      return CompareDebianVersions(a.version, b.version) > 0;
    });
    for (std::size_t i = 1; i < imports.size(); ++i) {
      PrunedImport& old = imports[i];
      std::vector<std::filesystem::path> paths = {old.path};
      for (const char* suffix : {".import.log", ".unpack.log"}) {
        paths.push_back(trees / (package + "_" + old.version + suffix));
      }
      // A .deb of that version in a private apt configuration goes too.
      if (std::filesystem::is_directory(cache_dir / "apt", ec)) {
        for (const auto& suite : std::filesystem::directory_iterator(cache_dir / "apt")) {
          paths.push_back(suite.path() / "debs" / DebFileName(package, old.version));
        }
      }
      for (const auto& path : paths) {
        if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) continue;
        if (std::filesystem::is_directory(std::filesystem::symlink_status(path, ec))) {
          for (const auto& file : std::filesystem::recursive_directory_iterator(path, ec)) {
            if (file.is_regular_file(ec) && !file.is_symlink(ec)) old.bytes += file.file_size(ec);
          }
        } else if (std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) {
          old.bytes += std::filesystem::file_size(path, ec);
        }
        if (!dry_run) {
          std::filesystem::remove_all(path, ec);
          if (ec) throw HarnessError("cannot remove '" + path.string() + "': " + ec.message());
        }
      }
      pruned.push_back(old);
    }
  }
  return pruned;
}

}  // namespace harness
