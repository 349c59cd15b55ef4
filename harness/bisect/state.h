#pragma once
// A bisect's state on disk (<out>/bisect-state.txt): what is bisected, how "bad" is judged, and
// one line per step, appended as the bisect runs, so an interrupted bisect resumes without
// building anything twice and the log of every step stays with the run. Plain text, one
// "key value" line each, steps as tab-separated fields:
//
//   harness-bisect 2
//   tree /src/linux
//   good 0123...            (full commit ids; in series mode the base the patches apply to)
//   bad 4567...             (commit mode only)
//   series /path/to/series  (series mode only)
//   arch s390x
//   bad-if same
//   matrix /path/to/configs/default.yaml
//   stop-after build        (optional)
//   harness-version 0.1.0+gabc
//   matrix-sha256 <hex>     (of the matrix file's content)
//   series-sha256 <hex>     (series mode only: of the series' files)
//   signature build-failed@build/CC memory.c: error: ...   (once the bad endpoint
//                           has been judged: results/signature.h's token, its cause after the space)
//   step <role> <at> <exit> <signature> <seconds> <build> <attempts> <subject> <detail>
//   end <how it ended>      (once it has: a first bad point named, or an endpoint that rules it out)
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/names.h"

namespace harness {

// Which point a step checked: an endpoint (good, bad) or a point git bisect chose (step).
enum class PointRole { kGood, kBad, kStep };
inline constexpr Named<PointRole> kPointRoleNames[] = {
    {PointRole::kGood, "good"}, {PointRole::kBad, "bad"}, {PointRole::kStep, "step"}};

// How a point was built: from an empty build directory, over an earlier build, or not at all
// (the cell stopped before building).
enum class BuildKind { kClean, kIncremental, kNone };
inline constexpr Named<BuildKind> kBuildKindNames[] = {
    {BuildKind::kClean, "clean"}, {BuildKind::kIncremental, "incremental"}, {BuildKind::kNone, "none"}};

struct StepRecord {
  PointRole role = PointRole::kStep;
  std::string at;         // a commit id, or "patches:K" (the base plus the series' first K patches)
  int exit_code = 0;      // what git bisect was (or would be) told: 0, 1, 125 or 255
  std::string signature;  // FailureSignature::Token(), "pass@verify", ...
  double seconds = 0;     // wall clock of the step, retries included
  BuildKind build = BuildKind::kNone;
  int attempts = 1;       // 2 when a flaky verdict was retried
  std::string subject;    // the commit's or patch's subject
  std::string detail;     // the cell's one-line detail, or the harness error
};

struct BisectState {
  std::filesystem::path tree;
  std::string good, bad;
  std::filesystem::path series;  // empty: commit mode
  std::string arch;
  std::string bad_if = "same";
  std::filesystem::path matrix;
  std::string stop_after;
  // What the logged steps were judged with (RecordInputs): a resume is refused when any differs.
  std::string harness_version;
  std::string matrix_sha256;
  std::string series_sha256;     // series mode: every file of the series, by name and content
  std::string signature;         // the bad endpoint's, once judged
  std::string end;               // how the bisect ended; empty while it runs
  std::vector<StepRecord> steps;
  std::vector<std::string> notes;  // what parsing tolerated (a half-written last line)

  bool series_mode() const { return !series.empty(); }
  // The last record at `at`, or null.
  const StepRecord* Find(std::string_view at) const;
};

std::filesystem::path StatePath(const std::filesystem::path& dir);

// The header lines (everything but signature and steps).
std::string FormatStateHeader(const BisectState& state);
std::string FormatStep(const StepRecord& step);

// Throws HarnessError("<origin>:<line>: ...") for an unknown key, a repeated key, a malformed
// step, a missing required key or another version. A last line without its newline (the
// harness died while appending it) is dropped with a note.
BisectState ParseState(std::string_view text, const std::string& origin);
BisectState LoadState(const std::filesystem::path& dir);

// Sets the state's harness version and the SHA-256 of its matrix and series, as they are now.
void RecordInputs(BisectState& state);
// LoadState for `harness bisect --resume`: throws HarnessError, naming what changed and saying to
// start again without --resume, when the series, the matrix or the harness differ from what the
// state recorded, or when it recorded none (a state from before the hashes).
BisectState LoadStateToResume(const std::filesystem::path& dir);

// Writes a new state file; throws HarnessError if one is already there and has not ended (a
// bisect in progress). An ended one is kept beside it as bisect-state-<N>.txt, so a new bisect
// in the same directory reuses its work tree and build directories; returns that file's path
// (empty when there was none).
std::filesystem::path CreateState(const std::filesystem::path& dir, const BisectState& state);
// Appends one line (a step, the signature) with a single write; a half-written line left by an
// earlier crash is cut off first.
void AppendStateLine(const std::filesystem::path& dir, const std::string& line);

}  // namespace harness
