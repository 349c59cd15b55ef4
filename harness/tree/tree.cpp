#include "harness/tree/tree.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

// Holds an exclusive flock on a file for its lifetime; a second harness unpacking the same
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
  if (!spec.debian_package.empty()) {
    tree = FromDebianPackage(spec);
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

KernelTree TreeProvider::FromDebianPackage(const TreeSpec& spec) {
  const std::string& package = spec.debian_package;
  auto query = [&] {
    return runner_.Run({.argv = {"dpkg-query", "-W", "-f=${Status}|${Version}", package}});
  };
  ProcessResult status = query();
  if (!status.ok() || status.output.find("install ok installed") == std::string::npos) {
    Note("installing Debian package " + package + " with apt-get");
    ProcessSpec install{.argv = {"apt-get", "install", "-y", "--no-install-recommends", package},
                        .env = {{"DEBIAN_FRONTEND", "noninteractive"}},
                        .log_path = cache_dir_ / "apt-get.log",
                        .timeout = std::chrono::minutes(20)};
    ProcessResult result = runner_.Run(install);
    if (!result.ok()) {
      throw HarnessError("tree '" + spec.name + "': 'apt-get install " + package + "' failed (" +
                         result.Describe() + "); see " + install.log_path.string() +
                         " (as root, run 'apt-get update' first on a new machine)");
    }
    status = query();
  }
  auto bar = status.output.find('|');
  std::string version = bar == std::string::npos ? "" : std::string(Trim(status.output.substr(bar + 1)));
  if (version.empty()) throw HarnessError("tree '" + spec.name + "': cannot read the version of " + package);

  // linux-source-6.1 ships /usr/src/linux-source-6.1.tar.xz.
  std::filesystem::path tarball;
  for (const char* ext : {".tar.xz", ".tar.bz2", ".tar.gz"}) {
    std::filesystem::path candidate = "/usr/src/" + package + ext;
    if (std::filesystem::exists(candidate)) tarball = candidate;
  }
  if (tarball.empty()) {
    throw HarnessError("tree '" + spec.name + "': package " + package +
                       " is installed but /usr/src/" + package + ".tar.* is missing");
  }

  KernelTree tree{.name = spec.name, .source = {}, .version = version, .kernel_version = {}};
  const std::filesystem::path trees = cache_dir_ / "trees";
  const std::filesystem::path target = trees / (package + "_" + version);
  const std::filesystem::path done = target / ".harness-unpacked";
  tree.source = target;
  if (std::filesystem::exists(done)) return tree;

  FileLock lock(trees / (package + ".lock"));
  if (std::filesystem::exists(done)) return tree;  // another harness finished while we waited
  const std::filesystem::path staging = trees / (package + "_" + version + ".partial");
  std::filesystem::remove_all(staging);
  std::filesystem::remove_all(target);
  std::filesystem::create_directories(staging);
  Note("unpacking " + tarball.string() + " into " + target.string() + " (once)");
  ProcessSpec untar{.argv = {"tar", "-xf", tarball.string(), "-C", staging.string(),
                             "--strip-components=1"},
                    .log_path = trees / (package + "_" + version + ".unpack.log"),
                    .timeout = std::chrono::minutes(20)};
  ProcessResult result = runner_.Run(untar);
  if (!result.ok()) {
    std::filesystem::remove_all(staging);
    throw HarnessError("tree '" + spec.name + "': unpacking " + tarball.string() + " failed (" +
                       result.Describe() + "); see " + untar.log_path.string());
  }
  WriteFile(staging / ".harness-unpacked", tarball.string() + " " + version + "\n");
  std::filesystem::rename(staging, target);
  return tree;
}

}  // namespace harness
