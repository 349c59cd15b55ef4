#pragma once
// --history DIR: every run's results are kept in DIR (one JSON file per run, named by its UTC
// time and a sequence number within that second, holding results.json plus the time and the revisions built), and each cell is classed
// against the newest earlier run that holds the same cell id (a sharded or filtered run keeps only
// its own cells, so an older run may hold the others):
//   new failure    failing now; passing before (or no earlier run of the cell)
//   still failing  failing before and now; `since` names the first failing run of the streak
//                  and the revision it built
//   fixed          passing now, failing before
//   passing        passing before and now (or first seen passing)
//   flaky          the verdict changed although no input did: every input of kCellInputs
//                  recorded on both sides and equal
// A changed verdict with a changed input is never flaky, and neither is one with an input
// unknown on either side (a run kept by an older harness, a cell that stopped before recording
// it): an unknown is no evidence that nothing changed, so PASS->FAIL is then a new failure.
// A changed input is named in the detail ("pahole v1.24 -> v1.25").
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results.h"

namespace harness {

// One input a verdict depends on: the CellResult fact that holds it (kept with the cell in the
// history run) and the name a person reads in "pahole v1.24 -> v1.25".
struct CellInput {
  FactKey fact;
  std::string_view name;
};
// The commit built (the tree with the series applied, so the series' content too), the kconfig
// asked for, every tool that builds or boots the kernel, the harness itself and the probe the
// guest runs. The toolchain's name is part of the cell id.
inline constexpr CellInput kCellInputs[] = {
    {FactKey::kRevision, "revision"},         {FactKey::kKconfig, "kconfig"},
    {FactKey::kToolchainVersion, "compiler"}, {FactKey::kBinutilsVersion, "binutils"},
    {FactKey::kPaholeVersion, "pahole"},      {FactKey::kQemuVersion, "qemu"},
    {FactKey::kHarnessVersion, "harness"},    {FactKey::kProbeHash, "probe"},
};

// By fact; an input not recorded is absent (unknown), never "".
using CellInputs = std::map<FactKey, std::string>;

// A cell as an earlier run recorded it.
struct PastCell {
  Verdict verdict = Verdict::kUndecided;
  bool failed = false;   // !IsSuccess(verdict)
  CellInputs inputs;     // InputsOf at the time
  std::string revision;
  std::string since, since_revision;  // its streak, when it was still failing
  double seconds = 0;    // the stages it ran, added up
};

struct PastRun {
  std::string time;
  std::filesystem::path file;
  std::map<std::string, PastCell> cells;  // by cell id; harness errors and excluded cells left out
};

// The inputs of kCellInputs the cell recorded (non-empty facts).
CellInputs InputsOf(const Facts& facts);

// The class of `current` given the same cell's previous record (nullptr: none) from the run at
// `previous_time`.
CellHistory Classify(const CellResult& current, const PastCell* previous, const std::string& previous_time);

// One kept run, from its JSON text (results.json with the time it was kept, read by
// results/codec.h); throws HarnessError naming `where` when it is not one.
PastRun ParsePastRun(std::string_view json, const std::filesystem::path& where);

// Classes every cell against the newest readable run in `dir` that holds it (a file that cannot
// be read or parsed is skipped, with a warning when it is the newest), then keeps this run there as <time>-NNN.json. Throws
// HarnessError when `dir` cannot be made or written. Returns the warnings.
std::vector<std::string> ApplyHistory(std::vector<CellResult>& results, const std::filesystem::path& dir,
                                      const std::string& now);

// What each cell cost in seconds when it last ran (the newest run in `dir` that holds it): the
// estimates `harness run --shard` balances by. Unreadable files are skipped; no directory, no
// estimates.
CellCosts CostsFromHistory(const std::filesystem::path& dir);

// "2026-12-02T00:45:10Z".
std::string UtcNow();

}  // namespace harness
