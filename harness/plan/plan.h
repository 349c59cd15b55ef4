#pragma once
// Expands a matrix into cells and runs each one as a flat list of passes:
// tree -> config -> build -> inspect -> image -> boot -> verify. The first failing pass ends the
// cell; the later ones are recorded as skipped with the reason.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/boot/qemu.h"
#include "harness/config/matrix.h"
#include "harness/patches/series.h"
#include "harness/core/events.h"
#include "harness/core/verdict.h"
#include "harness/proc/runner.h"

namespace harness {

struct RunOptions {
  std::filesystem::path data_dir;        // holds configs/ and images/
  std::filesystem::path out_dir;         // per-cell build dirs, logs and artifacts
  std::filesystem::path cache_dir;       // unpacked trees, probe binaries, ccache links
  int jobs = 1;
  std::vector<std::string> only_arches;  // empty: all of the matrix's
  std::vector<std::filesystem::path> extra_fragments;  // applied after the matrix's, per cell
  std::optional<Stage> stop_after;       // e.g. kInspect: build and inspect only
  std::string extra_cmdline;             // appended to every guest's kernel command line
  std::optional<int> boot_timeout;       // seconds, overrides the matrix (times arch factor)
  bool skip_applied = false;             // skip patches already in the tree instead of failing
  bool define_output_format = false;     // as the matrix's define_output_format
  std::optional<AccelChoice> accel;      // --accel; else the matrix's accel:
};

struct Cell {
  TreeSpec tree;
  SeriesSpec series;
  const Arch* arch = nullptr;
  std::string toolchain;
  std::string id;                        // tree/series/arch/toolchain
};

// Throws HarnessError when a filter names an arch that is not in the matrix.
std::vector<Cell> ExpandCells(const MatrixConfig& config, const RunOptions& options);

class Pipeline {
 public:
  Pipeline(ProcessRunner& runner, EventSink& sink, RunOptions options, const Host& host = RealHost());

  // Checks every tool the cells need before anything long starts; throws HarnessError naming
  // the Debian package to install.
  void Preflight(const std::vector<Cell>& cells, bool boot) const;

  std::vector<CellResult> Run(const MatrixConfig& config);

  // `harness boot`: image -> boot -> verify for an existing build.
  CellResult BootExisting(const Arch& arch, const std::filesystem::path& kernel,
                          const std::filesystem::path& vmlinux);

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
  };
  static const Pass kCellPasses[];  // config, build, inspect, image, boot, verify
  static const Pass kBootPasses[];  // inspect, image, boot, verify (`harness boot`)

  // Tree and series for a cell, done once per (tree, series), reported once, shared by its arches.
  const PreparedSource& Prepare(const Cell& cell, CellResult& result);
  void RunPasses(std::span<const Pass> passes, CellContext& ctx, CellResult& result);
  // Marks the stages that did not run as skipped; a cell left undecided is an internal error.
  static void Close(CellResult& result, std::initializer_list<Stage> shared, std::span<const Pass> passes);

  PassOutcome ConfigurePass(CellContext& ctx, CellResult& result);
  PassOutcome BuildPass(CellContext& ctx, CellResult& result);
  PassOutcome InspectPass(CellContext& ctx, CellResult& result);
  PassOutcome ImagePass(CellContext& ctx, CellResult& result);
  PassOutcome BootPass(CellContext& ctx, CellResult& result);
  PassOutcome VerifyPass(CellContext& ctx, CellResult& result);

  ProcessRunner& runner_;
  EventSink& sink_;
  const Host& host_;
  RunOptions options_;
  std::map<std::string, std::shared_ptr<PreparedSource>> prepared_;
  std::map<std::string, Series> series_;  // loaded and checked before any cell runs
  bool define_output_format_ = false;
};

}  // namespace harness
