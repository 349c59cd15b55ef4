// `harness run`: every cell of a matrix, optionally with a series applied (pre-merge mode).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "harness/cli/commands.h"
#include "harness/config/ccache_remote.h"
#include "harness/config/matrix.h"
#include "harness/core/host.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/core/version.h"
#include "harness/kbuild/ccache.h"
#include "harness/plan/shard.h"
#include "harness/report/history.h"
#include "harness/report/report.h"

namespace harness {
namespace {

// --stop-after names the last stage a cell runs. Only inspect is offered: a build is always
// inspected before a cell may read "built", so stopping after make alone would vouch for a
// vmlinux nobody looked at.
std::string CheckStopAfter(std::string& stage) {
  if (stage == "inspect") return {};
  if (stage == "build") {
    return "'build' is no longer accepted: use --stop-after inspect (it builds and inspects the vmlinux, "
           "without booting; a cell is only 'built' once its vmlinux was inspected)";
  }
  return "'" + stage + "' is not a stage to stop after; use --stop-after inspect";
}

// --series replaces the matrix's series. A series is named after its file's stem or its
// directory; the name keys its cells and output directory, so two with one name would silently
// collapse into one.
std::vector<SeriesSpec> SeriesFromFlags(const std::vector<std::string>& series_paths) {
  std::vector<SeriesSpec> series;
  std::map<std::string, std::string> named;  // name -> the --series that gave it
  for (const auto& path : series_paths) {
    std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
    if (!std::filesystem::exists(p)) throw HarnessError("--series '" + path + "' does not exist");
    std::string name = (std::filesystem::is_directory(p) ? p.filename() : p.stem()).string();
    if (name.empty()) name = "series";
    if (name == "none") {
      throw HarnessError("--series '" + path + "' would be named 'none', which means the tree without patches; "
                         "rename it");
    }
    if (auto [it, inserted] = named.emplace(name, path); !inserted) {
      throw HarnessError("--series '" + it->second + "' and --series '" + path + "' are both named '" + name +
                         "' (a series is named after its file or directory); rename one");
    }
    series.push_back({name, p});
  }
  return series;
}

// Throws unless `path` is a directory this user can write, or one that can be made (its nearest
// existing ancestor is): what --list checks of --out, --cache and --history, making nothing.
void CheckCanMakeDirectory(const std::filesystem::path& path, const std::string& what) {
  std::error_code ec;
  std::filesystem::path existing = std::filesystem::absolute(path);
  while (!existing.empty() && !std::filesystem::exists(existing, ec)) {
    if (existing == existing.parent_path()) break;
    existing = existing.parent_path();
  }
  if (std::filesystem::exists(existing, ec) && !std::filesystem::is_directory(existing, ec)) {
    throw HarnessError(what + " '" + path.string() + "' is not a directory that can be made: '" + existing.string() +
                       "' is a file");
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw HarnessError(what + " '" + path.string() + "' is not a directory that can be written: '" +
                       existing.string() + "': " + std::strerror(errno));
  }
}

// --fail-on new needs a previous run to tell new failures from old; the history directory is
// made (or found unusable) before anything is built, not after. `make` false (--list) only
// checks that it could be.
void CheckHistoryFlags(const CommonFlags& flags, bool make = true) {
  if (flags.fail_on == FailOn::kNew && flags.history_dir.empty()) {
    throw HarnessError("--fail-on new needs a history to tell new failures from old ones: add --history DIR "
                       "(or history: in the matrix)");
  }
  if (flags.history_dir.empty()) return;
  if (!make) return CheckCanMakeDirectory(flags.history_dir, "--history");
  std::error_code ec;
  std::filesystem::create_directories(flags.history_dir, ec);
  if (ec || !std::filesystem::is_directory(flags.history_dir)) {
    throw HarnessError("--history '" + flags.history_dir + "' is not a directory that can be made" +
                       (ec ? ": " + ec.message() : std::string()));
  }
}

// The flags that make a run something other than the matrix's (another kconfig, another boot
// timeout, no boot): its verdicts are not comparable with the shared history's, and its
// boot timeout is no input the history compares (a PASS->timeout under a short --boot-timeout
// would read as flaky). Such a run neither reads nor writes the history unless asked
// (--record-history), and says so.
std::vector<std::string> AdHocFlags(const RunArgs& args) {
  std::vector<std::string> flags;
  if (!args.fragments.empty()) flags.push_back("--fragment");
  if (args.common.boot_timeout > 0) flags.push_back("--boot-timeout");
  if (!args.stop_after.empty()) flags.push_back("--stop-after");
  return flags;
}

void LeaveHistoryToTheMatrix(const RunArgs& args, CommonFlags& common) {
  const std::vector<std::string> ad_hoc = AdHocFlags(args);
  if (ad_hoc.empty() || common.history_dir.empty() || args.record_history) return;
  const std::string flags = Join(ad_hoc, ", ");
  if (common.fail_on == FailOn::kNew) {
    throw HarnessError("--fail-on new compares with the history '" + common.history_dir + "', which a run with " +
                       flags + " does not use (its verdicts are not the matrix's): add --record-history to class "
                       "this run against it and keep it there anyway, or drop " + flags);
  }
  std::cerr << "harness: note: not classing this run against the history '" << common.history_dir
            << "' nor keeping it there: it has " << flags
            << ", so its verdicts are not the matrix's (add --record-history to keep it anyway)\n";
  common.history_dir.clear();
}

// --fail-on introduced compares each failing cell with the tree without the series: without
// --series there is nothing to compare, and with --no-baseline nothing is compared.
void CheckBaselineFlags(const RunArgs& args) {
  if (args.common.fail_on != FailOn::kIntroduced) return;
  if (args.series_paths.empty()) {
    throw HarnessError("--fail-on introduced needs --series: it fails the run only for failures the series "
                       "introduced, found by re-checking each failing cell without it");
  }
  if (args.no_baseline) {
    throw HarnessError("--fail-on introduced needs the re-check that --no-baseline turns off");
  }
}

// The shared compiler cache: --ccache-remote, else HARNESS_CCACHE_REMOTE when set and not
// empty, else the matrix's ccache_remote: (checked when the matrix was read). A bad URL is the
// user's error before anything is built, named after where it came from.
std::string ResolveCcacheRemote(const std::string& flag, const MatrixConfig& config) {
  if (!flag.empty()) return ParseRedisUrl(flag, "--ccache-remote").url;
  if (const auto env = RealHost().Env("HARNESS_CCACHE_REMOTE"); env && !env->empty()) {
    return ParseRedisUrl(*env, "HARNESS_CCACHE_REMOTE").url;
  }
  return config.ccache_remote;
}

// A run id when the caller gave none: "auto-", the start time and 32 random bits, so two runs on
// one --out (or two shards' jobs) never share one by accident. The prefix tells merge that no
// one chose it (shards run by hand each have their own).
std::string FreshRunId(const std::string& started) {
  char random[9];
  std::snprintf(random, sizeof random, "%08x", static_cast<unsigned>(std::random_device()()));
  std::string id = started;
  std::erase_if(id, [](char c) { return c == '-' || c == ':'; });
  return std::string(kAutoRunIdPrefix) + id + "-" + random;
}

// What the previous run left as its results (results.json and what is made from it) goes before
// this run's first stage: a run that dies must leave nothing a merge or a CI step could take
// for its own. The logs and artifacts stay.
void RemoveStaleResults(const std::filesystem::path& out_dir, const CommonFlags& flags) {
  const OutLayout out(out_dir);
  std::vector<std::filesystem::path> files = {out.ResultsFile(), out.JUnitFile(), out.ReportPage(), out.SummaryPage()};
  for (const auto& copy : {flags.json_path, flags.junit_path}) {
    if (!copy.empty()) files.push_back(copy);  // --json, --junit
  }
  for (const auto& file : files) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    if (ec) {
      throw HarnessError("cannot remove the previous run's '" + file.string() + "': " + ec.message() +
                         "; remove it, or give another --out");
    }
  }
}

// What results.json records of this run, so `harness merge` can check its shards belong together.
RunProvenance Provenance(const std::filesystem::path& matrix, const RunOptions& options, ShardSpec shard,
                         const std::vector<Cell>& all_cells, const std::string& run_id) {
  const std::string started = UtcNow();
  RunProvenance run{.run_id = run_id.empty() ? FreshRunId(started) : run_id,
                    .started = started,
                    .harness_version = std::string(HarnessVersion()),
                    .matrix = matrix.string(),
                    .matrix_sha256 = Sha256Hex(ReadFile(matrix)),
                    .out_dir = options.out_dir.string(),
                    .shard = shard.index,
                    .shards = shard.count};
  if (shard.count > 0) {
    for (const Cell& cell : all_cells) run.matrix_cells.push_back(cell.id);
  }
  return run;
}

// `run --list`: every check a run makes before its first build, in a form that changes nothing
// (no directory made, no tree obtained, no lock taken), so that what a run would refuse, the list
// refuses now (exit 2). A ccache remote that does not answer refuses nothing (the builds would
// use the local cache), so it is only noted.
void CheckBeforeTheFirstBuild(const MatrixConfig& config, const RunOptions& options, const CommonFlags& common,
                              const std::vector<Cell>& cells, ProcessRunner& runner) {
  CheckHistoryFlags(common, /*make=*/false);
  CheckCanMakeDirectory(options.out_dir, "--out");
  CheckCanMakeDirectory(options.cache_dir, "--cache");
  std::set<std::string> trees_checked;
  for (const Cell& cell : cells) {
    const TreeSpec& tree = cell.tree;
    if (!cell.excluded.empty() || !trees_checked.insert(tree.name).second) continue;
    if (!tree.path.empty() && !std::filesystem::is_directory(tree.path)) {
      throw HarnessError("tree '" + tree.name + "': '" + tree.path.string() + "' is not a directory");
    }
    if (!tree.git.empty()) {
      const std::string ref = tree.ref.empty() ? "HEAD" : tree.ref;
      const ProcessResult rev = runner.Run(
          {.argv = {"git", "-C", tree.git.string(), "rev-parse", "--verify", "--quiet", ref + "^{commit}"}});
      if (!rev.ok()) {
        throw HarnessError("tree '" + tree.name + "': '" + ref + "' is not a commit in git repository '" +
                           tree.git.string() + "'");
      }
    }
    // A debian_package tree is had through apt, which --list does not run.
  }
  for (const SeriesSpec& series : config.series) {
    if (series.name != "none") LoadSeries(series.path);  // missing, unreadable or escaping the tree
  }
  NullSink sink;
  const bool boot = !options.stop_after || *options.stop_after >= Stage::kBoot;
  Pipeline(runner, sink, options, RealHost()).Preflight(cells, boot);  // disk space, tools, QEMU
  if (!options.ccache_remote.empty()) {
    const RedisUrl url = ParseRedisUrl(options.ccache_remote, "ccache remote");
    if (const std::string why_not = CheckCcacheRemote(url, RealHost()); !why_not.empty()) {
      std::cerr << "harness: note: ccache remote " << url.url << " does not answer (" << why_not
                << "): a run would build with the local cache only\n";
    }
  }
}

// How many shards the run or the list is split into: --shard K/N's N, or --list --shards N.
int CheckListShards(const RunArgs& args, ShardSpec shard) {
  if (args.list_shards == 0) return shard.count;
  if (!args.list) throw HarnessError("--shards " + std::to_string(args.list_shards) + " goes with --list (a run takes --shard K/N)");
  if (shard.count) throw HarnessError("--shards and --shard: give one (--shard K/N lists shard K's cells)");
  if (args.list_shards < 1) throw HarnessError("--shards " + std::to_string(args.list_shards) + ": give at least 1 shard");
  return args.list_shards;
}

// The cells --list shows: shard K's with --shard K/N, else all of them; each with its shard of N
// (0 when not split) and its estimates.
std::vector<ListedCell> ListCells(const std::vector<Cell>& all_cells, ShardSpec shard, int shards,
                                  const CellCosts& costs) {
  const std::vector<int> shard_of = shards ? AssignShards(all_cells, shards, costs) : std::vector<int>(all_cells.size());
  std::vector<ListedCell> listed;
  for (std::size_t i = 0; i < all_cells.size(); ++i) {
    const Cell& cell = all_cells[i];
    if (shard.count && shard_of[i] != shard.index) continue;
    listed.push_back({.id = cell.id,
                      .excluded = cell.excluded,
                      .tree = cell.tree.name,
                      .series = cell.series.name,
                      .arch = std::string(cell.arch->name),
                      .toolchain = cell.toolchain,
                      .shard = shard_of[i],
                      .estimated_seconds = EstimatedCost(cell, costs),
                      .cold_build_seconds = cell.arch->cold_build_seconds});
  }
  return listed;
}

}  // namespace

CLI::App* AddRun(CLI::App& app, RunArgs& args) {
  CLI::App* run = app.add_subcommand("run", "run every cell of a matrix: config, build, inspect, boot, verify");
  run->add_option("config", args.config_path, "matrix YAML (default: configs/default.yaml in the data dir)");
  AddCellFlags(run, args.cells);
  run->add_option("--tree", args.trees, "only these trees of the matrix (repeatable)");
  run->add_option("--toolchain", args.toolchains, "only these toolchains of the matrix (repeatable)");
  run->add_flag("--list", args.list,
                "make every check a run makes before its first build (flags, trees, series, history, --out, tools; "
                "exit 2 on any), then print every cell and every excluded cell with its reason; builds nothing, "
                "obtains no tree");
  run->add_option("--shards", args.list_shards,
                  "with --list: give every cell its shard of N (as --shard K/N would split them), for --json");
  run->add_option("--shard", args.shard,
                  "K/N: only shard K of N (1-based); cells sharing a build directory stay together, shards are "
                  "balanced by the history's timings or each arch's typical cold build; see `harness merge`");
  run->add_option("--run-id", args.run_id,
                  "stamp results.json with this run id (a CI gives every shard and `harness merge --run-id` "
                  "the same one, so a shard's stale results.json is refused); default: a fresh id");
  run->add_option("--fragment", args.fragments, "extra kconfig fragment applied last (repeatable)");
  run->add_option("--stop-after", args.stop_after,
                  "stop each cell after this stage; only 'inspect': build and inspect the vmlinux, no boot")
      ->check(CLI::Validator(CheckStopAfter, "{inspect}", "stage"));
  run->add_option("--series", args.series_paths,
                  "pre-merge mode: run the matrix with this series applied (a kernel-patches/ directory, an mbox or a .patch; repeatable)");
  run->add_flag("--no-baseline", args.no_baseline,
                "with --series: do not re-check failing cells on the tree without the series");
  run->add_flag("--skip-applied", args.skip_applied, "skip patches already in the tree instead of failing the cell");
  run->add_option("--ccache-remote", args.ccache_remote,
                  "share compiled objects through a Redis server as ccache's remote storage, behind the local "
                  "cache: redis://HOST[:PORT][/DB]; when it does not answer, the builds use the local cache only "
                  "(env HARNESS_CCACHE_REMOTE; overrides the matrix's ccache_remote:)");
  run->add_flag("--define-output-format", args.define_output_format,
                "append a generated patch defining CONFIG_OUTPUT_FORMAT for arches whose Kconfig lacks it (the 2019 local fix)");
  AddCommonFlags(run, args.common);
  run->add_option("--history", args.common.history_dir,
                  "keep each run's results here and class each cell against the previous run (new failure, "
                  "still failing, fixed, passing, flaky); overrides the matrix's history:");
  run->add_flag("--record-history", args.record_history,
                "class and keep this run in the history even though --fragment, --boot-timeout or --stop-after "
                "make it an ad-hoc run (without this flag such a run leaves the history alone)");
  run->add_option("--fail-on", args.common.fail_on,
                  "any (default): exit 1 when any cell fails; new: only when a cell is a new failure (needs a history); "
                  "introduced: only when the --series introduced the failure (it fails differently or passes "
                  "without it)")
      ->transform(FailOnNames());
  return run;
}

int RunCommand(const RunArgs& args, ProcessRunner& runner) {
  const ShardSpec shard = args.shard.empty() ? ShardSpec{} : ParseShard(args.shard);
  RunOptions options = MakeRunOptions(args.common, args.cells);
  options.skip_applied = args.skip_applied;
  options.define_output_format = args.define_output_format;
  options.only_trees = args.trees;
  options.only_toolchains = args.toolchains;
  for (const auto& f : args.fragments) options.extra_fragments.push_back(std::filesystem::absolute(f));
  if (args.stop_after == "inspect") options.stop_after = Stage::kInspect;
  const std::filesystem::path matrix =
      args.config_path.empty() ? options.data_dir / "configs" / "default.yaml" : std::filesystem::path(args.config_path);
  MatrixConfig config = LoadMatrix(matrix);
  // Series paths in a matrix are relative to the data dir (kernel-patches/...).
  for (auto& series : config.series) {
    if (!series.path.empty() && series.path.is_relative()) series.path = options.data_dir / series.path;
  }
  if (!args.series_paths.empty()) config.series = SeriesFromFlags(args.series_paths);
  CheckBaselineFlags(args);
  options.baseline = !args.series_paths.empty() && !args.no_baseline;
  options.ccache_remote = ResolveCcacheRemote(args.ccache_remote, config);
  CommonFlags common = args.common;
  if (common.history_dir.empty()) common.history_dir = config.history;
  const std::vector<Cell> all_cells = ExpandCells(config, options);
  const int shards = CheckListShards(args, shard);
  const CellCosts costs = shards ? CostsFromHistory(common.history_dir) : CellCosts{};
  const std::vector<Cell> cells = CellsOfShard(all_cells, shard, costs);
  const std::string what = matrix.string() + (shard.count ? ", shard " + args.shard : "");
  LeaveHistoryToTheMatrix(args, common);
  if (args.list) {
    CheckBeforeTheFirstBuild(config, options, common, cells, runner);
    const std::vector<ListedCell> listed = ListCells(all_cells, shard, shards, costs);
    if (!common.json_path.empty()) WriteFileAtomic(common.json_path, CellListJson(matrix.string(), shards, listed));
    PrintCellList(std::cout, what, listed);
    return kExitPass;
  }
  CheckHistoryFlags(common);
  const RunProvenance run = Provenance(matrix, options, shard, all_cells, args.run_id);
  RemoveStaleResults(options.out_dir, common);
  if (cells.empty()) {
    // More shards than build groups: this job has nothing to build, but still writes an empty
    // results.json so that `harness merge` sees every shard. It keeps no (empty) run in the history.
    std::cerr << "harness: note: " << what << " has no cells (" << shard.count
              << " shards for fewer build groups); nothing to run\n";
    common.history_dir.clear();
    return Finish({}, common, options, run);
  }
  std::cerr << "harness: " << what << ", output in " << options.out_dir.string() << "\n";
  ProgressReporter reporter = MakeReporter(args.common);
  Pipeline pipeline(runner, reporter, options, RealHost());
  const std::vector<CellResult> results = pipeline.Run(config, cells);
  reporter.Stop();  // the live lines end before the summary is printed
  return Finish(results, common, options, run);
}

}  // namespace harness
