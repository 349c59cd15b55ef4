#pragma once
// results.json: the one reader and writer of the file `harness run --out DIR` leaves as
// DIR/results.json (and `harness merge` writes, `harness report` reads, and --history keeps one
// of per run). Its schema, field by field, is docs/results.md.
//
// Versioning: the file carries "schema_version". A file without it is version 1 (every file
// written before the field existed: the same fields). A version this harness does not know (a
// newer harness wrote it) is a HarnessError, never a guess. A change that removes or renames a
// field, or changes what one means, takes a new version; adding an optional field does not.
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results.h"

namespace harness {

inline constexpr int kResultsSchemaVersion = 1;

// How a run id the harness made up begins (harness run without --run-id).
inline constexpr std::string_view kAutoRunIdPrefix = "auto-";

// Where a run's cells came from, kept in results.json under "run", so that `harness merge` can
// tell the shards of one matrix from a mix.
struct RunProvenance {
  // Which run wrote this file: `harness run --run-id` (a CI passes one id to every shard and to
  // the merge), else a fresh one; and when that run started (UTC). A results.json left in a
  // persistent --out by an earlier run carries another id, so a merge can refuse it.
  std::string run_id;  // --run-id, or kAutoRunIdPrefix + start time + random bits
  std::string started;
  std::string harness_version;
  std::string matrix;          // the matrix file as given
  std::string matrix_sha256;   // of its content
  std::string out_dir;         // where the run wrote: the cells' artifact paths start with it
  int shard = 0, shards = 0;   // shard K of N; 0 of 0: not sharded
  std::vector<std::string> matrix_cells;  // a shard: every cell id of the whole matrix, in order
  int merged_shards = 0;       // a merged results.json: how many shards it holds
};

// Everything a results.json holds.
struct ResultsFile {
  int schema_version = kResultsSchemaVersion;  // as read (1 for a file without the field)
  std::vector<CellResult> cells;
  RunProvenance run;   // all empty when the file has none (a run before shards existed)
  // A --history record (harness/report/history.h): when the run was kept; empty otherwise.
  std::string time;
};

// The text of results.json. With `time` (a --history record) it also holds "time" and
// "revisions" (each cell's revision fact, by cell id).
std::string ResultsJson(const std::vector<CellResult>& results, const RunProvenance& run = {},
                        const std::string& time = "");
// A results.json (or a --history record); HarnessError naming `where` when it is not one, or is
// of a schema version this harness does not read, or names a stage, verdict or class it does
// not know.
ResultsFile ReadResultsJson(std::string_view json, const std::string& where);
// ReadResultsJson(...).cells.
std::vector<CellResult> ResultsFromJson(std::string_view json, const std::string& where);
// ReadResultsJson(...).run.
RunProvenance ProvenanceFromJson(std::string_view json, const std::string& where);

}  // namespace harness
