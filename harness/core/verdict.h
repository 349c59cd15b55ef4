#pragma once
// What happened to one cell (tree x series x arch x toolchain): the stage it stopped at and
// the verdict. The names here are the ones every report uses.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

enum class Stage { kTree, kApply, kConfig, kBuild, kInspect, kImage, kBoot, kVerify };

enum class Verdict {
  kUndecided,         // no pass has decided yet (a finished cell never keeps this)
  kPass,
  kApplyFailed,       // "series does not apply"
  kAlreadyApplied,    // "already applied"
  kConfigDropped,     // requested kconfig option did not survive olddefconfig
  kBuildFailed,       // make failed
  kBadVmlinux,        // the built vmlinux's .BTF section is missing or malformed
  kBtfFileMissing,    // no /sys/kernel/btf/vmlinux in the guest
  kSizeMismatch,      // guest st_size or readable bytes differ from the section size
  kContentMismatch,   // same size, different bytes
  kWrongByteOrder,    // the BTF magic is byte-swapped for the target
  kStaleImage,        // the guest's build ID is not the checked vmlinux's
  kTimedOut,          // guest did not power off in time
  kGuestPanicked,     // kernel panic or init exited
  kBadRecord,         // the probe's record was missing, truncated or corrupt
  kWrongPermissions,  // the file exists, but its mode is not 0444
  kUnboundedExport,   // reads went past st_size / the section size, or never reached EOF
  kKernelComplained,  // WARN, BUG, Oops, KASAN, UBSAN, lockdep or a BPF: error on the console
  kIncompleteEvidence,  // a check a PASS needs could not run (the record lacks its data)
  kBuilt,             // --stop-after: built and inspected clean; no boot ran (not a PASS)
  kExcluded,          // the matrix or the toolchain/arch data excludes the cell, with a reason: never
                      // run, never a failure (not a PASS either)
};
inline constexpr Verdict kLastVerdict = Verdict::kExcluded;

// Verdicts that end a run with exit status 0: every check ran and agreed, or (kBuilt) the
// user asked for no boot and the inspector found nothing wrong.
inline bool IsSuccess(Verdict verdict) { return verdict == Verdict::kPass || verdict == Verdict::kBuilt; }
// Verdicts that say the kernel failed: neither a success nor excluded. (A harness error is not a
// verdict: CellResult::error.)
inline bool IsKernelFailure(Verdict verdict) { return !IsSuccess(verdict) && verdict != Verdict::kExcluded; }

std::string_view StageName(Stage stage);
std::string_view VerdictName(Verdict verdict);
// A short machine-friendly token, e.g. "content-mismatch".
std::string VerdictToken(Verdict verdict);

struct StageTiming {
  Stage stage;
  double seconds = 0;
  bool skipped = false;
  // Work done once for a (tree, series) and shared by its cells (tree, apply): the first cell
  // carries its time, the others 0, so the cells' times add up to the run's.
  bool shared = false;
  // The harness's own time in the stage: its wall time outside the processes it ran (hashing,
  // ELF and record parsing, file copies, waiting for a lock). -1: not measured (shared stages).
  double own_seconds = -1;
};

// A cell's class against the previous run of the same cell (harness/report/history.h): "new
// failure", "still failing", "fixed", "passing" or "flaky"; empty without --history.
struct CellHistory {
  std::string cls;
  std::string detail;          // one line: what it was compared with
  std::string since;           // still failing: the time of the first failing run of the streak
  std::string since_revision;  // ... and the revision it built
};

// Pre-merge mode (--series): a failing cell re-checked on the same tree without the series
// (harness/plan/baseline.h). "introduced" (the series broke it, or the tree alone fails
// differently), "pre-existing" (the tree fails the same way without it) or "unknown" (the
// re-check itself hit a harness error: never taken for pre-existing); empty when not re-checked.
struct CellBaseline {
  std::string cls;
  std::string detail;          // one line: what the tree did without the series
  std::string cell;            // the re-checked cell, e.g. "debian-6.1/none/arm64/gcc"
  std::string artifacts_dir;   // its logs
};

struct CellResult {
  std::string cell;            // e.g. "debian-6.1/none/arm64/gcc"
  std::string arch;
  Stage stage = Stage::kTree;  // where the cell ended
  Verdict verdict = Verdict::kUndecided;
  std::string detail;          // one line a person can act on
  std::vector<std::string> diagnosis;  // further lines (failing options, hex dump, console tail)
  std::vector<StageTiming> timings;
  std::string artifacts_dir;   // logs and blobs of this cell
  std::map<std::string, std::string> facts;  // e.g. "btf_size" -> "1212677", "offset" -> "4096"
  // Set when the harness or the machine failed (missing tool, bad input) while running this
  // cell: then `verdict` says nothing about the kernel and the run exits with kExitHarnessError.
  std::string error;
  // With --history: how this cell compares with the previous run of the same cell.
  CellHistory history;
  // With --series: how the cell fares without the series, when it failed with it.
  CellBaseline baseline;
};

// The cell's fact `key`, or "" when it has none.
std::string Fact(const CellResult& result, const std::string& key);

}  // namespace harness
