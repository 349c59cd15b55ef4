// `harness cache prune`: removes the tree imports (and their downloaded .debs) that are not the
// newest version of their package, and says what went and how many bytes it freed.
// `harness cache import-tar`: tar on stdin, a git fast-import stream on stdout (the tree import
// runs it in a pipeline; see tar_import.h).
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/tree/tar_import.h"
#include "harness/tree/tree.h"

namespace harness {
namespace {

std::string Bytes(std::uintmax_t bytes) {
  char text[32];
  if (bytes >= (1u << 30)) std::snprintf(text, sizeof text, "%.1f GiB", bytes / double(1u << 30));
  else if (bytes >= (1u << 20)) std::snprintf(text, sizeof text, "%.1f MiB", bytes / double(1u << 20));
  else std::snprintf(text, sizeof text, "%ju bytes", bytes);
  return text;
}

}  // namespace

CLI::App* AddCache(CLI::App& app, CacheArgs& args) {
  CLI::App* cache = app.add_subcommand("cache", "manage the harness's cache (~/.cache/harness)");
  cache->require_subcommand(1);
  CLI::App* prune = cache->add_subcommand(
      "prune", "remove tree imports (trees/<package>_<version>) other than the newest version of each package");
  prune->add_option("--cache", args.cache_dir, "the cache (env HARNESS_CACHE, default ~/.cache/harness)");
  prune->add_flag("--dry-run", args.dry_run, "say what would be removed, remove nothing");
  CLI::App* import = cache->add_subcommand(
      "import-tar", "plumbing of the tree import: a tar archive on stdin to a git fast-import stream on stdout");
  import->add_option("--ref", args.ref, "the ref the commit goes to (refs/tags/...)")->required();
  import->add_option("--message", args.message, "the commit message")->required();
  import->add_option("--ident", args.ident, "author and committer: 'name <email> epoch tz'")->required();
  import->add_option("--strip-components", args.strip_components, "leading path components to drop (default 1)")
      ->check(WholeNumberFrom(0, 255));
  import->callback([&args] { args.import_tar = true; });
  return cache;
}

int CacheCommand(const CacheArgs& args) {
  if (args.import_tar) {
    std::ios::sync_with_stdio(false);
    const TarImportCounts counts =
        TarToFastImport(std::cin, std::cout,
                        {.ref = args.ref, .message = args.message, .ident = args.ident,
                         .strip_components = args.strip_components});
    std::cerr << "import-tar: " << counts.files << " files, " << counts.symlinks << " symlinks, " << counts.bytes
              << " bytes\n";
    return 0;
  }
  const std::filesystem::path cache_dir = ResolveCacheDir(args.cache_dir, RealHost());
  const std::vector<PrunedImport> pruned = PruneImports(cache_dir, args.dry_run);
  std::uintmax_t total = 0;
  const char* verb = args.dry_run ? "would remove" : "removed";
  for (const auto& p : pruned) {
    std::cout << verb << " " << p.path.string() << " (" << p.package << " " << p.version << ", " << Bytes(p.bytes)
              << ")\n";
    total += p.bytes;
  }
  if (pruned.empty()) {
    std::cout << "nothing to prune in " << (cache_dir / "trees").string()
              << ": every import is the newest version of its package\n";
  } else {
    std::cout << (args.dry_run ? "would free " : "freed ") << Bytes(total) << " (" << pruned.size() << " import"
              << (pruned.size() == 1 ? "" : "s") << ")"
              << (args.dry_run ? "" : "; output directories using them get a new work tree on their next run") << "\n";
  }
  return 0;
}

}  // namespace harness
