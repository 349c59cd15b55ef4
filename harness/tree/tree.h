#pragma once
// Kernel source trees: Debian's linux-source-* tarball, obtained with apt-get and imported into
// git once in the cache (atomically, under a lock), a git repository, or a local tree used in place.
#include <filesystem>
#include <string>

#include "harness/config/matrix.h"
#include "harness/core/util.h"
#include "harness/results/events.h"
#include "harness/proc/runner.h"
#include "harness/tree/debian.h"

namespace harness {

struct KernelTree {
  std::string name;               // from the matrix, e.g. debian-6.1
  std::filesystem::path source;   // a local tree; for a git tree or a Debian import, the repository
                                  // (an import has no checkout: builds use EnsureWorktree's work tree)
  std::string version;            // Debian package version, or "local"
  std::string suite;              // the Debian suite it came from (empty: the host's apt)
  std::string kernel_version;     // e.g. 6.1.192 from the Makefile
  std::filesystem::path repo;     // the git repository; empty for a plain local tree
  std::string base;               // the commit series are applied to (a tag for Debian trees)
};

class TreeProvider {
 public:
  // `tarball_dir` is where Debian's linux-source-* packages put their tarball.
  // `host_suite` is the host's Debian suite: a package of another suite comes through a private
  // apt configuration under the cache (debian.h), never the system's apt. `importer` is the
  // harness binary whose `cache import-tar` streams a tarball into git (tests name it; in the
  // harness it is the running binary).
  TreeProvider(ProcessRunner& runner, EventSink& sink, std::filesystem::path cache_dir,
               std::filesystem::path tarball_dir = "/usr/src", std::string host_suite = HostSuite(),
               std::filesystem::path importer = SelfPath())
      : runner_(runner), sink_(sink), cache_dir_(std::move(cache_dir)), tarball_dir_(std::move(tarball_dir)),
        host_suite_(std::move(host_suite)), importer_(std::move(importer)) {}

  // Throws HarnessError when the tree cannot be had (package missing and not installable,
  // not a kernel tree, tree not clean for O= builds). A Debian tarball is imported into a git
  // repository (one commit, tagged with the package version, no checkout) once, under a lock.
  KernelTree Obtain(const TreeSpec& spec);

  // A git work tree of `tree.repo` at `path` (created once, reused after), where series are
  // applied and kernels built: the pristine tree is never touched, and every series of a tree
  // is built from the same path, so switching series costs only what the series changes. A work
  // tree of another repository (an import of another version) is recreated from this one.
  std::filesystem::path EnsureWorktree(const KernelTree& tree, const std::filesystem::path& path);

  // Seconds the last Obtain spent importing a tarball into git (0 when it was cached).
  double last_import_seconds() const { return last_import_seconds_; }

 private:
  KernelTree FromDebianPackage(const TreeSpec& spec);
  // The host's apt: installed (or installed now), its version checked against a pin.
  KernelTree FromHostApt(const TreeSpec& spec);
  // Another suite's: the private apt configuration, apt-get download, dpkg-deb -x.
  KernelTree FromPrivateApt(const TreeSpec& spec, const std::string& suite);
  // Streams `tarball` into git as trees/<package>_<version> (once, under a lock).
  void Import(const TreeSpec& spec, KernelTree& tree, const std::filesystem::path& tarball);
  void Note(const std::string& text);
  ProcessResult Git(const std::filesystem::path& dir, std::vector<std::string> args,
                    const std::filesystem::path& log, std::map<std::string, std::string> env = {});
  double last_import_seconds_ = 0;

  ProcessRunner& runner_;
  EventSink& sink_;
  std::filesystem::path cache_dir_;
  std::filesystem::path tarball_dir_;
  std::string host_suite_;
  std::filesystem::path importer_;
};

// What `harness cache prune` removed (or, dry run, would remove): each import with its bytes.
struct PrunedImport {
  std::filesystem::path path;
  std::string package;
  std::string version;
  std::uintmax_t bytes = 0;
};
// Removes every import under `cache_dir`/trees that is not the newest version of its package
// (with its logs and a downloaded .deb of that version); with `dry_run` removes nothing.
std::vector<PrunedImport> PruneImports(const std::filesystem::path& cache_dir, bool dry_run);

// "6.1.192" from a kernel Makefile's VERSION/PATCHLEVEL/SUBLEVEL lines; empty if not found.
std::string KernelVersionFromMakefile(const std::string& makefile_text);

}  // namespace harness
