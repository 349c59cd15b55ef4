#include "harness/report/merge.h"
#include "harness/core/out_layout.h"

#include <algorithm>
#include <map>
#include <optional>

#include "harness/core/error.h"

namespace harness {
namespace {

struct Shard {
  std::filesystem::path dir;
  RunProvenance run;
  std::vector<CellResult> results;
};

std::string Quoted(const std::filesystem::path& dir) { return "'" + dir.string() + "'"; }

Shard ReadShard(const ShardResults& given) {
  const std::string where = OutLayout(given.dir).ResultsFile().string();
  Shard shard{given.dir, ProvenanceFromJson(given.json, where), ResultsFromJson(given.json, where)};
  if (shard.run.harness_version.empty()) {
    throw HarnessError(Quoted(given.dir) + " holds a results.json without a run record (written by a harness "
                       "older than --shard); run every shard again with this harness");
  }
  if (shard.run.shards == 0) {
    throw HarnessError(Quoted(given.dir) + " holds a run that was not sharded" +
                       (shard.run.merged_shards ? " (it is itself a merge)" : "") +
                       "; harness merge takes only the output directories of `harness run --shard K/N`");
  }
  return shard;
}

// Every shard must come from the same harness, the same matrix file and the same cells.
void CheckSameRun(const Shard& first, const Shard& other) {
  const RunProvenance &a = first.run, &b = other.run;
  const std::string both = Quoted(first.dir) + " and " + Quoted(other.dir);
  if (a.shards != b.shards) {
    throw HarnessError(Quoted(first.dir) + " is shard " + std::to_string(a.shard) + " of " +
                       std::to_string(a.shards) + " but " + Quoted(other.dir) + " is shard " +
                       std::to_string(b.shard) + " of " + std::to_string(b.shards) + "; merge the shards of one run");
  }
  if (a.harness_version != b.harness_version) {
    throw HarnessError(both + " were run by different harness versions ('" + a.harness_version + "' and '" +
                       b.harness_version + "'); run every shard with one harness build");
  }
  if (a.matrix_sha256 != b.matrix_sha256) {
    throw HarnessError(both + " ran different matrix files ('" + a.matrix + "' sha256 " + a.matrix_sha256.substr(0, 12) +
                       ", '" + b.matrix + "' sha256 " + b.matrix_sha256.substr(0, 12) + "); run every shard on one matrix");
  }
  if (a.matrix_cells != b.matrix_cells) {
    throw HarnessError(both + " expanded the matrix into different cells (" + std::to_string(a.matrix_cells.size()) +
                       " and " + std::to_string(b.matrix_cells.size()) +
                       "): run every shard with the same --arch, --tree, --toolchain and --series");
  }
}

// A shard's results.json must be of this run: a persistent --out (or a restored cache) can hold
// an earlier run's file when a shard's job died before writing its own. With the CI's run id
// every shard must carry it; without one, the ids someone chose must at least agree.
void CheckRunId(const Shard& first, const Shard& shard, const std::string& run_id) {
  const auto file = [](const Shard& s) { return Quoted(OutLayout(s.dir).ResultsFile()); };
  if (!run_id.empty()) {
    if (shard.run.run_id == run_id) return;
    throw HarnessError(file(shard) + " is from run '" + shard.run.run_id + "', not from run '" + run_id +
                       "' (--run-id): a results.json left by an earlier run (did this shard's job die before "
                       "writing its own?); run the shard again");
  }
  // Ids the harness made up (shards run by hand without --run-id) say nothing about which run a
  // shard belongs to; ids someone chose (every generated CI passes one) must agree.
  if (shard.run.run_id == first.run.run_id || shard.run.run_id.starts_with(kAutoRunIdPrefix) ||
      first.run.run_id.starts_with(kAutoRunIdPrefix)) {
    return;
  }
  throw HarnessError(file(shard) + " is from run '" + shard.run.run_id + "' but " + file(first) + " is from run '" +
                     first.run.run_id + "': a results.json left by an earlier run (did a shard's job die before "
                     "writing its own?); run the stale shard again, or pass the CI's --run-id to tell which one is stale");
}

std::string Numbers(const std::vector<int>& numbers) {
  std::string text;
  for (int k : numbers) text += (text.empty() ? "" : ", ") + std::to_string(k);
  return text;
}

// Each shard 1..N at most once, and every one of them unless `allow_missing`: the missing ones.
std::vector<int> CheckShardSet(const std::vector<Shard>& shards, bool allow_missing) {
  const int count = shards.front().run.shards;
  std::map<int, const Shard*> by_index;
  for (const auto& s : shards) {
    if (s.run.shard < 1 || s.run.shard > count) {
      throw HarnessError(Quoted(s.dir) + " says it is shard " + std::to_string(s.run.shard) + " of " +
                         std::to_string(count) + ", which does not exist");
    }
    auto [it, inserted] = by_index.emplace(s.run.shard, &s);
    if (!inserted) {
      throw HarnessError("shard " + std::to_string(s.run.shard) + " of " + std::to_string(count) + " is given twice: " +
                         Quoted(it->second->dir) + " and " + Quoted(s.dir));
    }
  }
  std::vector<int> missing;
  for (int k = 1; k <= count; ++k) {
    if (!by_index.count(k)) missing.push_back(k);
  }
  if (missing.empty() || allow_missing) return missing;
  std::string given;
  for (const auto& [k, s] : by_index) given += (given.empty() ? "" : ", ") + std::to_string(k) + " in " + Quoted(s->dir);
  throw HarnessError("shard" + std::string(missing.size() == 1 ? " " : "s ") + Numbers(missing) + " of " +
                     std::to_string(count) + (missing.size() == 1 ? " is" : " are") +
                     " missing (given: " + given + "); a merge needs every shard's output directory");
}

// A cell of a missing shard (--allow-missing): never run as far as the merge can tell, so a
// harness error, not a kernel verdict. With several shards missing, the cell was in one of them:
// which one, only the missing shard's own split (weighed by its history) could say.
CellResult MissingCell(const std::string& id, const std::vector<int>& missing, int count,
                       const std::vector<std::filesystem::path>& without_results) {
  CellResult r;
  r.cell = id;
  // The id is tree/series/arch/toolchain, and a tree's name may hold a '/'.
  const auto last = id.rfind('/');
  const auto before = last == std::string::npos || last == 0 ? std::string::npos : id.rfind('/', last - 1);
  if (before != std::string::npos) r.arch = id.substr(before + 1, last - before - 1);
  const bool one = missing.size() == 1;
  std::string seen;
  for (const auto& dir : without_results) seen += (seen.empty() ? "" : ", ") + Quoted(dir);
  r.error = std::string(one ? "shard " : "shards ") + Numbers(missing) + " of " + std::to_string(count) +
            " produced no output: " + (one ? "its job" : "their jobs") +
            " wrote no results.json (failed or cancelled, or the artifact is missing" +
            (seen.empty() ? "" : "; given without one: " + seen) + "); this cell " +
            (one ? "did not run" : "was in one of them and did not run");
  return r;
}

// Where the artifacts are now: the part under the shard's recorded out_dir, under its dir.
std::string Rebased(const std::string& artifacts, const Shard& shard) {
  if (artifacts.empty() || shard.run.out_dir.empty()) return artifacts;
  const auto rel = std::filesystem::path(artifacts).lexically_relative(shard.run.out_dir);
  if (rel.empty() || *rel.begin() == "..") return artifacts;
  return (shard.dir / rel).string();
}

}  // namespace

MergedRun MergeShards(const std::vector<ShardResults>& given, const MergeOptions& options) {
  if (given.empty()) throw HarnessError("no shard directories given");
  std::vector<Shard> shards;
  std::vector<std::filesystem::path> without_results;
  for (const auto& g : given) {
    if (!g.json.empty()) {
      shards.push_back(ReadShard(g));
    } else if (options.allow_missing) {
      without_results.push_back(g.dir);
    } else {
      throw HarnessError(Quoted(g.dir) + " has no results.json (--allow-missing reports its shard's cells as harness errors)");
    }
  }
  if (shards.empty()) {
    throw HarnessError("no shard wrote a results.json (every job died before the end, or no artifact was unpacked): "
                       "there is no cell list to report on");
  }
  // Compared with the first shard whose id someone chose, when one did.
  const auto chosen = std::find_if(shards.begin(), shards.end(),
                                   [](const Shard& s) { return !s.run.run_id.starts_with(kAutoRunIdPrefix); });
  for (const auto& s : shards) CheckRunId(chosen == shards.end() ? shards.front() : *chosen, s, options.run_id);
  for (const auto& s : shards) CheckSameRun(shards.front(), s);
  MergedRun merged;
  merged.missing_shards = CheckShardSet(shards, options.allow_missing);

  const std::vector<std::string>& order = shards.front().run.matrix_cells;
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < order.size(); ++i) position.emplace(order[i], i);
  std::vector<std::optional<CellResult>> slots(order.size());
  for (const auto& s : shards) {
    for (CellResult r : s.results) {
      const auto it = position.find(r.cell);
      if (it == position.end()) {
        throw HarnessError(Quoted(s.dir) + " holds cell '" + r.cell + "', which is not in its matrix's cells");
      }
      if (slots[it->second]) throw HarnessError("cell '" + r.cell + "' is in more than one shard (last in " + Quoted(s.dir) + ")");
      r.artifacts_dir = Rebased(r.artifacts_dir, s);
      r.baseline.artifacts_dir = Rebased(r.baseline.artifacts_dir, s);  // a --series re-check's logs
      slots[it->second] = std::move(r);
    }
  }
  const RunProvenance& first = shards.front().run;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i]) {
      merged.results.push_back(std::move(*slots[i]));
    } else if (!merged.missing_shards.empty()) {
      merged.results.push_back(MissingCell(order[i], merged.missing_shards, first.shards, without_results));
    } else {
      throw HarnessError("cell '" + order[i] + "' is in no shard's results (was a shard interrupted?)");
    }
  }
  merged.run = {.run_id = first.run_id, .started = first.started, .harness_version = first.harness_version,
                .matrix = first.matrix,
                .matrix_sha256 = first.matrix_sha256, .merged_shards = first.shards};
  return merged;
}

}  // namespace harness
