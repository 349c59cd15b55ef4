#pragma once
// What happened to one cell (tree x series x arch x toolchain): the stage it stopped at, the
// verdict, the facts its passes recorded, and how it compares with an earlier run and with the
// tree without the series. The names here are the ones results.json (docs/results.md) and every
// report use; each closed set has one name table (names.h).
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/names.h"

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
  kKernelRejectsBtf,  // the bytes match, but the running kernel refused them: a program load
                      // (which makes it parse vmlinux BTF) or BPF_BTF_LOAD of the exported bytes
  // The test module (images/btfmod), on kernels with module BTF (5.11+):
  kBadModuleBtf,      // the built .ko has no .BTF, or it does not read as split BTF of this vmlinux
  kModuleBtfRejected, // the kernel refused the module's BTF: the load failed validating it, or
                      // the kernel lists no BTF object of the module's name
  kModuleBtfMissing,  // the module loaded, but /sys/kernel/btf/<module> does not exist
  kModuleBtfMismatch, // /sys/kernel/btf/<module> differs from the .ko's .BTF (size, bytes, mode)
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

// Every stage, in the order a cell runs them; the name is results.json's.
inline constexpr Named<Stage> kStageNames[] = {
    {Stage::kTree, "tree"},       {Stage::kApply, "apply"}, {Stage::kConfig, "config"}, {Stage::kBuild, "build"},
    {Stage::kInspect, "inspect"}, {Stage::kImage, "image"}, {Stage::kBoot, "boot"},     {Stage::kVerify, "verify"},
};

std::string_view StageName(Stage stage);
// The stage `name` names; HarnessError for any other text.
Stage ParseStage(std::string_view name);
std::string_view VerdictName(Verdict verdict);
// A short machine-friendly token, e.g. "content-mismatch": results.json's "verdict".
std::string VerdictToken(Verdict verdict);
// The verdict whose token is `token` (kUndecided has none); HarnessError for any other text.
Verdict ParseVerdictToken(std::string_view token);

// The facts a cell's passes record, each under one name in results.json's "facts" (kFactNames;
// docs/results.md says what each means). A name outside this set does not compile.
enum class FactKey {
  // tree and apply
  kTreeVersion, kTreeSuite, kKernelVersion, kRevision, kFailedFile, kFailedHunk,
  // config
  kKconfig, kDroppedOptions,
  // build
  kToolchain, kToolchainVersion, kBinutilsVersion, kPaholeVersion, kMakeEnv, kMakeCommand, kMake,
  kBuildStep, kBuildTarget, kBuildError,
  kCcacheHits, kCcacheMisses, kCcacheRemote, kCcacheRemoteHits, kCcacheRemoteMisses,
  // inspect
  kVmlinuxFormat, kBtfSize, kBtfTypes, kBtfNamedTypes, kBuildId,
  // image and boot
  kProbeHash, kQemuCommand, kQemuVersion, kAccel, kKvmFailed, kBootSeconds,
  // verify
  kSectionSize, kComplaint, kGuestBuildId, kVmlinuxBuildId, kGuestMode, kGuestSize, kReadable,
  kOffset, kOffsetClass, kDifferingBytes, kKernelProgLoad, kKernelBtfLoad, kModuleBtf,
  // the harness
  kHarnessVersion,
};

// The JSON name of every fact key: these are the names results.json files and --history records
// already hold, so they never change.
inline constexpr Named<FactKey> kFactNames[] = {
    {FactKey::kTreeVersion, "tree_version"},
    {FactKey::kTreeSuite, "tree_suite"},
    {FactKey::kKernelVersion, "kernel_version"},
    {FactKey::kRevision, "revision"},
    {FactKey::kFailedFile, "failed_file"},
    {FactKey::kFailedHunk, "failed_hunk"},
    {FactKey::kKconfig, "kconfig"},
    {FactKey::kDroppedOptions, "dropped_options"},
    {FactKey::kToolchain, "toolchain"},
    {FactKey::kToolchainVersion, "toolchain_version"},
    {FactKey::kBinutilsVersion, "binutils_version"},
    {FactKey::kPaholeVersion, "pahole_version"},
    {FactKey::kMakeEnv, "make_env"},
    {FactKey::kMakeCommand, "make_command"},
    {FactKey::kMake, "make"},
    {FactKey::kBuildStep, "build_step"},
    {FactKey::kBuildTarget, "build_target"},
    {FactKey::kBuildError, "build_error"},
    {FactKey::kCcacheHits, "ccache_hits"},
    {FactKey::kCcacheMisses, "ccache_misses"},
    {FactKey::kCcacheRemote, "ccache_remote"},
    {FactKey::kCcacheRemoteHits, "ccache_remote_hits"},
    {FactKey::kCcacheRemoteMisses, "ccache_remote_misses"},
    {FactKey::kVmlinuxFormat, "vmlinux_format"},
    {FactKey::kBtfSize, "btf_size"},
    {FactKey::kBtfTypes, "btf_types"},
    {FactKey::kBtfNamedTypes, "btf_named_types"},
    {FactKey::kBuildId, "build_id"},
    {FactKey::kProbeHash, "probe_hash"},
    {FactKey::kQemuCommand, "qemu_command"},
    {FactKey::kQemuVersion, "qemu_version"},
    {FactKey::kAccel, "accel"},
    {FactKey::kKvmFailed, "kvm_failed"},
    {FactKey::kBootSeconds, "boot_seconds"},
    {FactKey::kSectionSize, "section_size"},
    {FactKey::kComplaint, "complaint"},
    {FactKey::kKernelProgLoad, "kernel_prog_load"},
    {FactKey::kKernelBtfLoad, "kernel_btf_load"},
    {FactKey::kModuleBtf, "module_btf"},
    {FactKey::kGuestBuildId, "guest_build_id"},
    {FactKey::kVmlinuxBuildId, "vmlinux_build_id"},
    {FactKey::kGuestMode, "guest_mode"},
    {FactKey::kGuestSize, "guest_size"},
    {FactKey::kReadable, "readable"},
    {FactKey::kOffset, "offset"},
    {FactKey::kOffsetClass, "offset_class"},
    {FactKey::kDifferingBytes, "differing_bytes"},
    {FactKey::kHarnessVersion, "harness_version"},
};
inline constexpr FactKey kLastFactKey = FactKey::kHarnessVersion;

std::string_view FactName(FactKey key);
// The key named `name`, or none: a results.json may hold facts a newer or older harness wrote.
std::optional<FactKey> FactNamed(std::string_view name);

using Facts = std::map<FactKey, std::string>;

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

  bool operator==(const StageTiming&) const = default;
};

// A cell's class against the previous run of the same cell (harness/report/history.h says how
// each is decided); kNone without --history.
enum class HistoryClass { kNone, kNewFailure, kStillFailing, kFixed, kPassing, kFlaky };
inline constexpr Named<HistoryClass> kHistoryClassNames[] = {
    {HistoryClass::kNewFailure, "new failure"}, {HistoryClass::kStillFailing, "still failing"},
    {HistoryClass::kFixed, "fixed"},            {HistoryClass::kPassing, "passing"},
    {HistoryClass::kFlaky, "flaky"},
};
// "" for kNone.
std::string_view HistoryClassName(HistoryClass cls);

struct CellHistory {
  HistoryClass cls = HistoryClass::kNone;
  std::string detail;          // one line: what it was compared with
  std::string since;           // still failing: the time of the first failing run of the streak
  std::string since_revision;  // ... and the revision it built

  bool operator==(const CellHistory&) const = default;
};

// Pre-merge mode (--series): a failing cell re-checked on the same tree without the series
// (harness/plan/baseline.h). Introduced (the series broke it, or the tree alone fails
// differently), pre-existing (the tree fails the same way without it) or unknown (the re-check
// itself hit a harness error: never taken for pre-existing); kNone when not re-checked.
enum class BaselineClass { kNone, kIntroduced, kPreExisting, kUnknown };
inline constexpr Named<BaselineClass> kBaselineClassNames[] = {
    {BaselineClass::kIntroduced, "introduced"},
    {BaselineClass::kPreExisting, "pre-existing"},
    {BaselineClass::kUnknown, "unknown"},
};
// "" for kNone.
std::string_view BaselineClassName(BaselineClass cls);

struct CellBaseline {
  BaselineClass cls = BaselineClass::kNone;
  std::string detail;          // one line: what the tree did without the series
  std::string cell;            // the re-checked cell, e.g. "debian-6.1/none/arm64/gcc"
  std::string artifacts_dir;   // its logs

  bool operator==(const CellBaseline&) const = default;
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
  Facts facts;                 // e.g. kBtfSize -> "1212677", kOffset -> "4096"
  // Facts read from a results.json under a name this harness does not know (written by another
  // version): kept as they were, so a merge or a report passes them on. The passes never write here.
  std::map<std::string, std::string> other_facts;
  // Set when the harness or the machine failed (missing tool, bad input) while running this
  // cell: then `verdict` says nothing about the kernel and the run exits with kExitHarnessError.
  std::string error;
  // With --history: how this cell compares with the previous run of the same cell.
  CellHistory history;
  // With --series: how the cell fares without the series, when it failed with it.
  CellBaseline baseline;

  bool operator==(const CellResult&) const = default;
};

// The cell's fact `key`, or "" when it has none.
std::string Fact(const CellResult& result, FactKey key);
bool HasFact(const CellResult& result, FactKey key);
void SetFact(CellResult& result, FactKey key, std::string value);

// What a cell cost in seconds when it last ran, by cell id: the estimates `harness run --shard`
// balances by (harness/plan/shard.h), read from the history (harness/report/history.h).
using CellCosts = std::map<std::string, double>;

// One row of `harness corpus`: an entry's expected outcome on an arch against what its cell did.
struct CorpusRow {
  std::string entry, arch;
  std::string expected, observed;  // "build/build-failed step=BTF"
  bool agree = false;
};

}  // namespace harness
