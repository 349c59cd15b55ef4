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
  std::filesystem::path source;   // the unpacked tree
  std::string version;            // Debian package version, or "local"
  std::string kernel_version;     // e.g. 6.1.192 from the Makefile
};

class TreeProvider {
 public:
  TreeProvider(ProcessRunner& runner, EventSink& sink, std::filesystem::path cache_dir)
      : runner_(runner), sink_(sink), cache_dir_(std::move(cache_dir)) {}

  // Throws HarnessError when the tree cannot be had (package missing and not installable,
  // not a kernel tree, tree not clean for O= builds).
  KernelTree Obtain(const TreeSpec& spec);

 private:
  KernelTree FromDebianPackage(const TreeSpec& spec);
  void Note(const std::string& text);

  ProcessRunner& runner_;
  EventSink& sink_;
  std::filesystem::path cache_dir_;
};

// "6.1.192" from a kernel Makefile's VERSION/PATCHLEVEL/SUBLEVEL lines; empty if not found.
std::string KernelVersionFromMakefile(const std::string& makefile_text);

}  // namespace harness
