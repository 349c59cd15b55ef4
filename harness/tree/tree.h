#pragma once
// Kernel source trees: Debian's linux-source-* tarball, obtained with apt-get and unpacked once
// into the cache (atomically, under a lock), or a local tree used in place.
#include <filesystem>
#include <string>

#include "harness/config/matrix.h"
#include "harness/core/events.h"
#include "harness/proc/runner.h"

namespace harness {

struct KernelTree {
  std::string name;               // from the matrix, e.g. debian-6.1
  std::filesystem::path source;   // the pristine tree (for a git tree: the repository's top)
  std::string version;            // Debian package version, or "local"
  std::string kernel_version;     // e.g. 6.1.192 from the Makefile
  std::filesystem::path repo;     // the git repository; empty for a plain local tree
  std::string base;               // the commit series are applied to (a tag for Debian trees)
};

class TreeProvider {
 public:
  // `tarball_dir` is where Debian's linux-source-* packages put their tarball.
  TreeProvider(ProcessRunner& runner, EventSink& sink, std::filesystem::path cache_dir,
               std::filesystem::path tarball_dir = "/usr/src")
      : runner_(runner), sink_(sink), cache_dir_(std::move(cache_dir)), tarball_dir_(std::move(tarball_dir)) {}

  // Throws HarnessError when the tree cannot be had (package missing and not installable,
  // not a kernel tree, tree not clean for O= builds). A Debian tarball is unpacked and imported
  // into a git repository (one commit, tagged with the package version) once, under a lock.
  KernelTree Obtain(const TreeSpec& spec);

  // A git work tree of `tree.repo` at `path` (created once, reused after), where series are
  // applied and kernels built: the pristine tree is never touched, and every series of a tree
  // is built from the same path, so switching series costs only what the series changes.
  std::filesystem::path EnsureWorktree(const KernelTree& tree, const std::filesystem::path& path);

  // Seconds the last Obtain spent importing a tarball into git (0 when it was cached).
  double last_import_seconds() const { return last_import_seconds_; }

 private:
  KernelTree FromDebianPackage(const TreeSpec& spec);
  void Note(const std::string& text);
  ProcessResult Git(const std::filesystem::path& dir, std::vector<std::string> args,
                    const std::filesystem::path& log, std::map<std::string, std::string> env = {});
  double last_import_seconds_ = 0;

  ProcessRunner& runner_;
  EventSink& sink_;
  std::filesystem::path cache_dir_;
  std::filesystem::path tarball_dir_;
};

// "6.1.192" from a kernel Makefile's VERSION/PATCHLEVEL/SUBLEVEL lines; empty if not found.
std::string KernelVersionFromMakefile(const std::string& makefile_text);

}  // namespace harness
