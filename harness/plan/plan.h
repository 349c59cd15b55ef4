#pragma once
// Expands a matrix into cells and runs each one as a flat list of passes:
// tree -> config -> build -> inspect -> image -> boot -> verify. The first failing pass ends the
// cell; the later ones are recorded as skipped with the reason.
//
// Cells run side by side (scheduler.h): a cell's config, build and inspect passes run in the
// build lane, its image, boot and verify passes in the boot lane, so the boot of one cell runs
// beside the build of the next. Results come back in matrix order. One lock per output
// directory keeps two harness processes from sharing --out; one per build directory keeps two
// cells from sharing a build.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/kbuild/kbuild.h"
#include "harness/boot/qemu.h"
#include "harness/config/matrix.h"
#include "harness/patches/series.h"
#include "harness/plan/scheduler.h"
#include "harness/results/events.h"
#include "harness/core/lock.h"
#include "harness/core/out_layout.h"
#include "harness/results/results.h"
#include "harness/proc/runner.h"

namespace harness {

struct RunOptions {
  std::filesystem::path data_dir;        // holds configs/ and images/
  std::filesystem::path out_dir;         // per-cell build dirs, logs and artifacts
  std::filesystem::path cache_dir;       // unpacked trees, probe binaries, ccache links
  int jobs = 1;
  std::vector<std::string> only_arches;  // empty: all of the matrix's
  std::vector<std::string> only_trees;   // empty: all of the matrix's
  std::vector<std::string> only_toolchains;  // empty: all of the matrix's
  std::vector<std::filesystem::path> extra_fragments;  // applied after the matrix's, per cell
  std::optional<Stage> stop_after;       // e.g. kInspect: build and inspect only
  std::string extra_cmdline;             // appended to every guest's kernel command line
  std::optional<int> boot_timeout;       // seconds, overrides the matrix (times arch factor)
  bool skip_applied = false;             // skip patches already in the tree instead of failing
  bool define_output_format = false;     // as the matrix's define_output_format
  std::optional<AccelChoice> accel;      // --accel; else the matrix's accel:
  // Another harness holding --out: wait for it (true) or stop with an error naming it.
  bool wait_for_out = true;
  // Pre-merge mode: re-check each cell that fails with a series on the tree without it.
  bool baseline = false;
  // A Redis server as ccache's remote storage (--ccache-remote, HARNESS_CCACHE_REMOTE, the
  // matrix's ccache_remote:, already chosen and checked for syntax); empty: local cache only.
  std::string ccache_remote;
};

struct Cell {
  TreeSpec tree;
  SeriesSpec series;
  const Arch* arch = nullptr;
  std::string toolchain;
  std::string id;                        // tree/series/arch/toolchain
  // Why the cell is not run (an `exclude:` rule's reason, or the toolchain's data); empty when
  // it runs. An excluded cell is reported, never built, never a failure.
  std::string excluded;
};

// The matrix's cells in order (tree, series, arch, toolchain): the cross product, with the
// `include:` cells in their place, the excluded ones kept with their reason. Throws
// HarnessError when a filter (--arch, --tree, --toolchain) names nothing in the matrix.
std::vector<Cell> ExpandCells(const MatrixConfig& config, const RunOptions& options);

// What a whole run shares: what the caller gives (options, runner, sink, host), the --out layout
// made from it, and what is found once before the first cell (tool versions, the ccache directory
// and remote). Every pass reads it; only Pipeline::Run writes the found part, before any cell runs.
struct RunContext {
  RunContext(ProcessRunner& runner, EventSink& sink, const Host& host, RunOptions options);

  ChildClock clock;        // every child goes through it: a stage's own time is the rest
  ProcessRunner& runner;   // clock
  SerializedSink sink;     // cells report from several threads
  const Host& host;
  RunOptions options;
  OutLayout out;           // options.out_dir's paths
  // Found once per run.
  bool define_output_format = false;  // the matrix's or --define-output-format
  std::filesystem::path ccache_dir;   // empty: ccache is not installed
  int pahole_version = -1;
  std::string pahole_version_line;    // PaholeVersionLine
  std::map<std::string, std::string> qemu_versions;  // by arch, for a run that boots
  std::string ccache_remote;          // what the builds use: the URL when it answered, else empty
  std::string ccache_remote_shown;    // ccache_remote with its password as *** (the make command shows it)
  std::string ccache_remote_fact;     // facts["ccache_remote"]: "URL: used" / "URL: unreachable (...)"
};

class Pipeline {
 public:
  Pipeline(ProcessRunner& runner, EventSink& sink, RunOptions options, const Host& host);

  // Checks every tool the cells need before anything long starts; throws HarnessError naming
  // the Debian package to install.
  void Preflight(const std::vector<Cell>& cells, bool boot) const;

  // Every cell of the matrix; with options.baseline, each cell a series made fail is then
  // re-checked without the series (CellResult::baseline).
  std::vector<CellResult> Run(const MatrixConfig& config);
  // Only `cells` of the matrix (e.g. one shard's, plan/shard.h), in their order.
  std::vector<CellResult> Run(const MatrixConfig& config, const std::vector<Cell>& cells);

  // `harness boot`: image -> boot -> verify for an existing build; with `module` (a .ko built
  // against that vmlinux with module BTF) its BTF is checked too, as a matrix cell's test module.
  CellResult BootExisting(const Arch& arch, const std::filesystem::path& kernel,
                          const std::filesystem::path& vmlinux, const std::filesystem::path& module = {});

 // What a pass says on its stage line, and whether the cell goes on (public for the helpers in
  // plan.cpp; not part of the interface).
  struct PassOutcome;

 private:
  struct CellContext;
  struct PreparedSource;
  // One pass of a cell: the stage it reports as and the function that does it. A pass that
  // ends the cell has decided the cell's verdict.
  struct Pass {
    Stage stage;
    PassOutcome (Pipeline::*run)(CellContext&, CellResult&);
    Lane lane;
  };
  static const Pass kCellPasses[];  // config, build, inspect, image, boot, verify
  static const Pass kBootPasses[];  // inspect, image, boot, verify (`harness boot`)
  // A pass run once per (tree, series), shared by its cells: what it did, for its stage line.
  struct SourcePass {
    Stage stage;
    std::string (Pipeline::*run)(const Cell& cell, const std::string& key, PreparedSource& prepared);
  };
  static const SourcePass kSourcePasses[];  // tree, apply

  // Tree and series for a cell: the source passes, run for the first cell of a (tree, series);
  // each cell gets their (shared) timings and what they found.
  const PreparedSource& Prepare(const Cell& cell, CellResult& result);
  std::string TreePass(const Cell& cell, const std::string& key, PreparedSource& prepared);
  std::string ApplyPass(const Cell& cell, const std::string& key, PreparedSource& prepared);
  // The (tree, series)'s verdict (a series that does not apply) and facts, into a cell's result.
  static void RecordSource(const PreparedSource& p, CellResult& result);
  // The cells, side by side, results in the cells' order.
  std::vector<CellResult> RunCells(const MatrixConfig& config, const std::vector<Cell>& cells);
  // Runs the passes of `lane` (all of them when null) until one ends the cell.
  void RunPasses(std::span<const Pass> passes, CellContext& ctx, CellResult& result,
                 std::optional<Lane> lane = std::nullopt);
  // One lane of a matrix cell, as a scheduler task: errors end the cell, never the run.
  void RunLane(Lane lane, CellContext& ctx, CellResult& result);
  // What the build of a cell will be asked (fragments read and merged), before it is scheduled.
  BuildRequest PlanBuild(const CellContext& ctx) const;
  // <data_dir>/images/btfmod; HarnessError when it is missing.
  std::filesystem::path TestModuleSource() const;
  // Once per run: whether the shared ccache remote answers. Sets run_.ccache_remote and
  // run_.ccache_remote_fact, and says so when the builds go without it.
  void ChooseCcacheRemote();
  // Marks the stages that did not run as skipped; a cell left undecided is an internal error.
  static void Close(CellResult& result, std::span<const SourcePass> shared, std::span<const Pass> passes);

  PassOutcome ConfigurePass(CellContext& ctx, CellResult& result);
  PassOutcome BuildPass(CellContext& ctx, CellResult& result);
  PassOutcome InspectPass(CellContext& ctx, CellResult& result);
  PassOutcome ImagePass(CellContext& ctx, CellResult& result);
  PassOutcome BootPass(CellContext& ctx, CellResult& result);
  PassOutcome VerifyPass(CellContext& ctx, CellResult& result);

  RunContext run_;
  // What the cells share as they run.
  std::map<std::string, std::shared_ptr<PreparedSource>> prepared_;
  std::map<std::string, Series> series_;  // loaded and checked before any cell runs
#include "harness/core/out_layout.h"
#include "harness/results/results.h"
  // The first boot that may try KVM decides whether it works (a trial of up to 20 s); the other
  // such boots wait for it rather than each trying KVM at once. TCG-only boots never wait.
  std::mutex accel_mutex_;
  std::atomic<bool> accel_settled_ = false;
  // --out is ours from the first Run until the Pipeline is destroyed: the caller writes the
  // results after Run returns, and a second harness must not start before that.
  std::unique_ptr<FileLock> out_lock_;
};

}  // namespace harness
