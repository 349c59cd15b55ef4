#pragma once
// Everything the harness shows or writes about a run: live progress on a terminal, the final
// table, JSON and JUnit XML for CI, the inspector's report. The only user of nlohmann-json.
#include <ostream>
#include <string>
#include <vector>

#include "harness/core/events.h"
#include "harness/core/verdict.h"
#include "harness/elf/inspector.h"
#include "harness/plan/corpus.h"

namespace harness {

// Progress for people: one line per stage start and end (with elapsed time), every command
// before it runs, notes; child output when verbose, else a heartbeat every 20 s showing the
// latest output line, so a long build visibly moves (the full output is in the cell's logs).
class TerminalReporter : public EventSink {
 public:
  TerminalReporter(std::ostream& out, bool verbose) : out_(out), verbose_(verbose) {}
  void OnEvent(const Event& event) override;

 private:
  std::ostream& out_;
  bool verbose_;
  double start_ = 0;
  double last_beat_ = 0;
  bool started_ = false;
};

// "12.3s", "3:21.0": an elapsed time as the terminal shows it.
std::string DurationText(double seconds);
// An event as one plain line, "[12.3s] <cell> $ make ...", at `elapsed` seconds into the run.
std::string PlainEventLine(const Event& event, double elapsed);

// How many cells ended which way (a harness error counts as that alone).
struct VerdictCounts {
  std::size_t passed = 0, built = 0, excluded = 0, failed = 0, errors = 0;
};
VerdictCounts CountVerdicts(const std::vector<CellResult>& results);

// The closing table: cell, verdict, stage times, then each failing cell's detail and diagnosis.
void PrintSummary(std::ostream& out, const std::vector<CellResult>& results);

// One cell of `harness run --list`: its id and, when it does not run, why.
struct ListedCell {
  std::string id;
  std::string excluded;
};
// `harness run --list`: the cells that would run, then every excluded one with its reason.
void PrintCellList(std::ostream& out, const std::string& matrix, const std::vector<ListedCell>& cells);

// Where a run's cells came from, kept in results.json under "run", so that `harness merge` can
// tell the shards of one matrix from a mix.
// How a run id the harness made up begins (harness run without --run-id).
inline constexpr std::string_view kAutoRunIdPrefix = "auto-";

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

std::string ResultsJson(const std::vector<CellResult>& results, const RunProvenance& run = {});
std::string ResultsJUnit(const std::vector<CellResult>& results);
// The cells of a results.json (as ResultsJson writes it); HarnessError naming `where` otherwise.
std::vector<CellResult> ResultsFromJson(std::string_view json, const std::string& where);
// The "run" of a results.json; all empty when it has none (a run before shards existed).
RunProvenance ProvenanceFromJson(std::string_view json, const std::string& where);

// `harness inspect`.
void PrintInspection(std::ostream& out, const VmlinuxInfo& info);
std::string InspectionJson(const VmlinuxInfo& info);

// The corpus table: entry, arch, expected, observed, agree; then a count.
void PrintCorpus(std::ostream& out, const std::vector<CorpusRow>& rows);
std::string CorpusJson(const std::vector<CorpusRow>& rows);

// 0 when every cell passed, 1 when a cell failed, 2 when any cell hit a harness error.
int ExitCodeFor(const std::vector<CellResult>& results);

}  // namespace harness
