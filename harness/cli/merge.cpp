// `harness merge`: the output directories of every shard of a run (`harness run --shard K/N`,
// or their unpacked CI artifacts) made into one run's results.json, junit.xml, report.html and
// summary.md, with the exit code the whole matrix would have had. The shards' artifacts stay
// where they are; the merged files point at them.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/report/merge.h"

namespace harness {
namespace {

// With --allow-missing, a directory without results.json (or none at all: an unmatched
// `shard-*`) is a shard whose job produced no output; the merge reports its cells.
ShardResults ReadShardDir(const std::string& given, bool allow_missing) {
  const std::filesystem::path dir = std::filesystem::absolute(given).lexically_normal();
  const std::filesystem::path results = OutLayout(dir).ResultsFile();
  if (allow_missing && !std::filesystem::is_regular_file(results)) return {dir, ""};
  if (!std::filesystem::is_directory(dir)) throw HarnessError("'" + given + "' is not a directory (give each shard's --out)");
  if (!std::filesystem::is_regular_file(results)) {
    throw HarnessError("'" + given + "' has no results.json: was its shard interrupted, or is it not a shard's --out "
                       "directory (an artifact must be unpacked first)? (--allow-missing reports its cells as harness "
                       "errors)");
  }
  return {dir, ReadFile(results)};
}

// --fail-on new reads the classes the shards' --history gave their cells; without any, every
// failure would go unnoticed.
void CheckFailOnNew(const MergeArgs& args, const std::vector<CellResult>& results) {
  if (args.fail_on != FailOn::kNew) return;
  for (const auto& r : results) {
    if (r.history.cls != HistoryClass::kNone) return;
  }
  for (const auto& r : results) {
    if (r.error.empty() && r.verdict != Verdict::kExcluded) {
      throw HarnessError("--fail-on new: no shard classed its cells against a history (run the shards with "
                         "--history DIR), so new failures cannot be told from old ones");
    }
  }
}

}  // namespace

CLI::App* AddMerge(CLI::App& app, MergeArgs& args) {
  CLI::App* merge = app.add_subcommand(
      "merge", "merge the output directories of every shard of a run (harness run --shard K/N) into one report");
  merge->add_option("dirs", args.dirs, "each shard's --out directory (or its unpacked CI artifact)")->required();
  merge->add_option("--out", args.out_dir,
                    "write results.json, junit.xml, report.html and summary.md here (env HARNESS_OUT, default ./harness-out)");
  merge->add_option("--fail-on", args.fail_on,
                    "any (default): exit 1 when any cell failed; new: only when a cell is a new failure (shards run with "
                    "--history); introduced: only for failures their --series introduced (a failure never re-checked counts)")
      ->transform(FailOnNames());
  merge->add_option("--run-id", args.run_id,
                    "refuse any shard whose results.json was not written by this run (the id given to every "
                    "shard's `harness run --run-id`); without it, the shards must agree with each other");
  merge->add_flag("--allow-missing", args.allow_missing,
                  "write the report even when a shard produced no results.json: each of its cells is a harness "
                  "error naming the shard, and the exit code is 2");
  merge->add_flag("--summary-to-env", args.summary_to_env,
                  "also append summary.md to the file named by $GITHUB_STEP_SUMMARY (a CI step summary)");
  return merge;
}

int MergeCommand(const MergeArgs& args) {
  CommonFlags flags;
  flags.out_dir = args.out_dir;
  flags.fail_on = args.fail_on;
  flags.summary_to_env = args.summary_to_env;
  RunOptions options = MakeRunOptions(flags);
  std::vector<ShardResults> shards;
  for (const auto& dir : args.dirs) {
    shards.push_back(ReadShardDir(dir, args.allow_missing));
    if (shards.back().dir == options.out_dir.lexically_normal()) {
      throw HarnessError("--out '" + options.out_dir.string() + "' is the shard directory '" + dir +
                         "': its results.json would be overwritten; give another --out");
    }
  }
  MergedRun merged = MergeShards(shards, {.run_id = args.run_id, .allow_missing = args.allow_missing});
  CheckFailOnNew(args, merged.results);
  merged.run.out_dir = options.out_dir.string();
  const std::size_t found = static_cast<std::size_t>(merged.run.merged_shards) - merged.missing_shards.size();
  std::cerr << "harness: merged " << found << " shards of " << merged.run.matrix << " (" << merged.results.size()
            << " cells) into " << options.out_dir.string() << "\n";
  for (int k : merged.missing_shards) {
    std::cerr << "harness: error: shard " << k << " of " << merged.run.merged_shards
              << " produced no results.json: its cells are reported as harness errors (--allow-missing)\n";
  }
  return Finish(merged.results, flags, options, merged.run);
}

}  // namespace harness
