#pragma once
// Everything the harness shows or writes about a run: live progress on a terminal, the final
// table, JSON and JUnit XML for CI, the inspector's report. Its JSON is
// written through harness/results (codec.h, json.h), which owns the JSON library.
#include <ostream>
#include <string>
#include <vector>

#include "harness/results/events.h"
#include "harness/results/codec.h"
#include "harness/results/exit_code.h"
#include "harness/results/results.h"
#include "harness/elf/inspector.h"

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

// One cell of `harness run --list`: its id and, when it does not run, why; for --json also what
// it is made of, its shard and what it is expected to cost.
struct ListedCell {
  std::string id;
  std::string excluded;
  std::string tree, series, arch, toolchain;
  int shard = 0;                  // 1..N, or 0 when the list is not split into shards
  double estimated_seconds = 0;   // what the shard split weighs: its last time in the history, else cold
  double cold_build_seconds = 0;  // its arch's typical cold build
};
// `harness run --list`: the cells that would run, then every excluded one with its reason.
void PrintCellList(std::ostream& out, const std::string& matrix, const std::vector<ListedCell>& cells);
// `harness run --list --json FILE`: the same cells as a document a CI can build its job matrix
// from; `shards` is N (0: not split).
std::string CellListJson(const std::string& matrix, int shards, const std::vector<ListedCell>& cells);

std::string ResultsJUnit(const std::vector<CellResult>& results);

// `harness inspect`, and with --module each module's BTF on top of that vmlinux's.
void PrintInspection(std::ostream& out, const VmlinuxInfo& info);
void PrintModuleInspection(std::ostream& out, const ModuleBtfInfo& module);
std::string InspectionJson(const VmlinuxInfo& info, const std::vector<ModuleBtfInfo>& modules = {});

// The corpus table: entry, arch, expected, observed, agree; then a count.
void PrintCorpus(std::ostream& out, const std::vector<CorpusRow>& rows);
std::string CorpusJson(const std::vector<CorpusRow>& rows);

}  // namespace harness
