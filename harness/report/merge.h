#pragma once
// `harness merge`: the results.json of every shard of one matrix (`harness run --shard K/N`),
// made into the results of the whole matrix, as if one process had run it. A merge is all or
// nothing: a missing or duplicated shard, or shards of different matrices, cell lists or harness
// versions, are HarnessErrors naming the directories, never a silently partial report. The one
// exception is asked for (--allow-missing): a missing shard's cells are then in the report, each
// a harness error naming the shard, so a nightly with one dead shard job still gets a report.
#include <filesystem>
#include <string>
#include <vector>

#include "harness/results/results.h"
#include "harness/report/report.h"

namespace harness {

// One shard's output directory as it is found now (e.g. an unpacked CI artifact), and the text
// of its results.json; empty when the directory has none (its shard's job died first).
struct ShardResults {
  std::filesystem::path dir;
  std::string json;
};

struct MergeOptions {
  // --run-id: every shard must be of this run; without, the ids someone chose must agree.
  std::string run_id;
  // --allow-missing: a shard not given, or given without a results.json, is no error: each cell
  // it held (the matrix's cells no other shard holds) is a harness error naming it.
  bool allow_missing = false;
};

struct MergedRun {
  std::vector<CellResult> results;  // in matrix order
  RunProvenance run;                // the shards' matrix and version; merged_shards = N
  std::vector<int> missing_shards;  // --allow-missing: the shards without results, 1-based
};

// The cells of all shards in matrix order. Each cell's artifact path is moved from where its
// shard wrote it (the shard's recorded out_dir) to where that directory is now (`dir`).
// With a run id (the CI's --run-id), every shard must be of that run; without, the shards whose
// ids were chosen (not made up by the harness, kAutoRunIdPrefix) must agree.
MergedRun MergeShards(const std::vector<ShardResults>& shards, const MergeOptions& options = {});

}  // namespace harness
