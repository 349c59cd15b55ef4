#include "harness/plan/plan.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "harness/boot/record.h"
#include "harness/kbuild/ccache.h"
#include "harness/kbuild/kbuild.h"
#include "harness/config/ccache_remote.h"
#include "harness/config/kconfig.h"
#include "harness/core/error.h"
#include "harness/core/lock.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/proc/git.h"
#include "harness/core/version.h"
#include "harness/elf/inspector.h"
#include "harness/image/initramfs.h"
#include "harness/image/probe_build.h"
#include "harness/plan/baseline.h"
#include "harness/patches/apply.h"
#include "harness/patches/output_format.h"
#include "harness/toolchain/toolchain.h"
#include "harness/tree/tree.h"
#include "harness/verify/verify.h"

namespace harness {

// What Prepare hands every arch of one (tree, series).
struct Pipeline::PreparedSource {
  KernelTree tree;
  std::filesystem::path source;   // where make runs: the work tree, or a plain local tree
  std::string revision;           // the commit built (part of the .config cache key)
  std::optional<ApplyOutcome> applied;
  std::filesystem::path apply_log;
  std::map<Stage, double> seconds;  // of each source pass
  bool reported = false;          // its time went to the first cell that used it
};

// What the passes of one cell hand to each other.
struct Pipeline::CellContext {
  std::string cell;
  const Arch* arch = nullptr;
  std::filesystem::path dir;        // artifacts of this cell
  // Set for a matrix cell; null for `harness boot` (kernel and vmlinux given).
  const MatrixConfig* config = nullptr;
  const Cell* spec = nullptr;
  const PreparedSource* prepared = nullptr;
  BuildRequest request;
  // Handed on from pass to pass.
  std::filesystem::path kernel;     // boot image
  std::filesystem::path vmlinux;
  VmlinuxInfo info;
  // The test module, when the build made one (KernelBuilder::BuildsModule), and its .BTF.
  std::filesystem::path module;
  std::optional<ModuleBtfInfo> module_info;
  std::string module_ko;            // its bytes, read in the build lane: what the guest gets
  int boot_timeout = 60;
  AccelChoice accel = AccelChoice::kAuto;
  std::filesystem::path initrd, disk;
  BootOutcome booted;
  bool ended = false;               // a pass ended the cell (or an error did)
};

// What a pass says on its stage line, and whether the cell goes on to the next pass. A pass that
// ends the cell has set the cell's verdict.
struct Pipeline::PassOutcome {
  bool go_on = true;
  std::string line;
};

namespace {

using PassOutcome = Pipeline::PassOutcome;
PassOutcome Next(std::string line) { return {true, std::move(line)}; }
PassOutcome End(std::string line) { return {false, std::move(line)}; }

// Times one pass and reports its start and end; the harness's own share is the pass's time
// less what its children (make, QEMU, git) took.
class StageClock {
 public:
  StageClock(EventSink& sink, CellResult& result, Stage stage, std::string what)
      : sink_(sink), result_(result), stage_(stage), start_(NowSeconds()),
        children_start_(ChildClock::ThreadChildSeconds()) {
    result_.stage = stage;
    sink_.OnEvent({.kind = Event::Kind::kStageStart, .cell = result_.cell, .stage = stage, .text = std::move(what)});
  }
  ~StageClock() {
    double seconds = NowSeconds() - start_;
    const double children = ChildClock::ThreadChildSeconds() - children_start_;
    result_.timings.push_back({.stage = stage_, .seconds = seconds, .own_seconds = std::max(0.0, seconds - children)});
    sink_.OnEvent({.kind = Event::Kind::kStageEnd, .cell = result_.cell, .stage = stage_,
                   .text = outcome_, .seconds = seconds});
  }
  void Outcome(std::string text) { outcome_ = std::move(text); }

 private:
  EventSink& sink_;
  CellResult& result_;
  Stage stage_;
  double start_;
  double children_start_;
  // A pass that ends without saying how (an exception) did not succeed.
  std::string outcome_ = "did not finish";
};

void Decide(CellResult& result, Verdict verdict, std::string detail) {
  result.verdict = verdict;
  result.detail = std::move(detail);
}

// The build's cache facts (whether the remote was used, the hit counts); returns the counts as
// the build's stage line says them, empty when ccache did not run.
std::string RecordCcache(const BuildOutcome& built, const std::string& remote_fact, bool remote_used,
                         CellResult& result) {
  if (!remote_fact.empty()) SetFact(result, FactKey::kCcacheRemote, remote_fact);
  if (!built.ccache) return {};
  const CcacheStats& stats = *built.ccache;
  SetFact(result, FactKey::kCcacheHits, std::to_string(stats.hits));
  SetFact(result, FactKey::kCcacheMisses, std::to_string(stats.misses));
  if (remote_used) {
    SetFact(result, FactKey::kCcacheRemoteHits, std::to_string(stats.remote_hits));
    SetFact(result, FactKey::kCcacheRemoteMisses, std::to_string(stats.remote_misses));
  }
  return DescribeCcacheStats(stats, remote_used);
}

// The test module's .BTF, read on the vmlinux's, and what images/btfmod/btfmod.c declares: its
// struct btfmod_state, whose member `node` is the vmlinux's struct list_head. libbpf reads a
// module's BTF on any base without complaint; a module built against another vmlinux names
// other types there.
ModuleBtfInfo InspectTestModule(const std::filesystem::path& ko, const VmlinuxInfo& vmlinux) {
  ModuleBtfInfo info = InspectModuleBtf(ko, vmlinux);
  if (!info.problems.empty() || !info.has_btf) return info;
  const auto own = std::find_if(info.own_structs.begin(), info.own_structs.end(),
                                [](const auto& s) { return s.name == "btfmod_state"; });
  if (own == info.own_structs.end()) {
    info.problems.push_back("the module's BTF, read on this vmlinux's, declares no struct btfmod_state (" +
                            std::to_string(info.own_structs.size()) + " structs of its own): built against another vmlinux?");
    return info;
  }
  const auto node = std::find_if(own->members.begin(), own->members.end(), [](const auto& m) { return m.first == "node"; });
  if (node == own->members.end() || node->second != "list_head") {
    info.problems.push_back("the module's BTF, read on this vmlinux's, gives struct btfmod_state's member 'node' the type " +
                            (node == own->members.end() ? std::string("<no such member>") : "'" + node->second + "'") +
                            ", not the vmlinux's list_head: its BTF was built against another vmlinux");
  }
  return info;
}

std::string InspectSummary(const VmlinuxInfo& info) {
  std::string s = ".BTF " + std::to_string(info.btf_size) + " bytes";
  if (info.type_count) s += ", " + std::to_string(*info.type_count) + " types";
  if (info.btf.size() >= 2) {
    s += ", magic bytes " + ToHex(std::span(info.btf.data(), 2)).insert(2, " ");
  }
  s += info.btf_alloc ? ", SHF_ALLOC" : ", not SHF_ALLOC";
  s += info.btf_in_load ? ", in PT_LOAD" : ", outside PT_LOAD";
  return VmlinuxFormat(info) + ", " + s;
}

void AddConsoleTail(CellResult& result, const std::filesystem::path& log, const std::string& tail) {
  result.diagnosis.push_back("console " + log.string() + ", last lines:");
  for (const auto& line : SplitLines(tail)) result.diagnosis.push_back("  " + line);
}

}  // namespace

// A matrix cell, top to bottom. The tree and its series come first, once per (tree, series),
// in Prepare; then these. The first pass that ends the cell leaves the rest skipped.
// The lane says where the scheduler runs the pass: with the make jobs, or with the guests.
const Pipeline::Pass Pipeline::kCellPasses[] = {
    {Stage::kConfig, &Pipeline::ConfigurePass, Lane::kBuild},  // tinyconfig + fragments, olddefconfig, options checked
    {Stage::kBuild, &Pipeline::BuildPass, Lane::kBuild},       // make vmlinux and the boot image
    {Stage::kInspect, &Pipeline::InspectPass, Lane::kBuild},   // the vmlinux's .BTF, with libelf and libbpf
    {Stage::kImage, &Pipeline::ImagePass, Lane::kBoot},        // the probe as /init in an initramfs
    {Stage::kBoot, &Pipeline::BootPass, Lane::kBoot},          // QEMU, KVM on trial, console watched
    {Stage::kVerify, &Pipeline::VerifyPass, Lane::kBoot},      // the probe's record against the section
};

// A (tree, series), once for all the cells that build it: the tree obtained and its work tree
// made, then the series applied (or checked to be absent). Each reports under the (tree,
// series) name, not a cell's; its time goes to the first cell that uses it.
const Pipeline::SourcePass Pipeline::kSourcePasses[] = {
    {Stage::kTree, &Pipeline::TreePass},
    {Stage::kApply, &Pipeline::ApplyPass},
};

// `harness boot`: an existing kernel and vmlinux.
const Pipeline::Pass Pipeline::kBootPasses[] = {
    {Stage::kInspect, &Pipeline::InspectPass, Lane::kBuild},
    {Stage::kImage, &Pipeline::ImagePass, Lane::kBoot},
    {Stage::kBoot, &Pipeline::BootPass, Lane::kBoot},
    {Stage::kVerify, &Pipeline::VerifyPass, Lane::kBoot},
};

std::vector<Cell> ExpandCells(const MatrixConfig& config, const RunOptions& options) {
  // The axes: the matrix's values, then any that only an include: names, in order of appearance.
  auto axis = [&](std::vector<std::string> values, std::vector<std::string> CellRule::*field) {
    for (const auto& rule : config.includes) {
      for (const auto& value : rule.*field) {
        if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
      }
    }
    return values;
  };
  const std::vector<std::string> arches = axis(config.arches, &CellRule::arches);
  const std::vector<std::string> toolchains = axis(config.toolchains, &CellRule::toolchains);
  std::vector<std::string> tree_names;
  for (const auto& tree : config.trees) tree_names.push_back(tree.name);

  auto check_filter = [&](const std::vector<std::string>& only, const std::vector<std::string>& values,
                          const std::string& flag, const std::string& known) {
    for (const auto& name : only) {
      if (std::find(values.begin(), values.end(), name) == values.end()) {
        throw HarnessError(flag + " '" + name + "' is not in " + config.source.string() + known);
      }
    }
  };
  for (const auto& only : options.only_arches) {
    check_filter({only}, arches, "--arch", FindArch(only) ? "" : " (known arches: " + KnownArchNames() + ")");
  }
  check_filter(options.only_trees, tree_names, "--tree", " (its trees: " + Join(tree_names, ", ") + ")");
  check_filter(options.only_toolchains, toolchains, "--toolchain",
               " (its toolchains: " + Join(toolchains, ", ") + ")");
  auto wanted = [](const std::vector<std::string>& only, const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  };

  std::vector<Cell> cells;
  for (const auto& tree : config.trees) {
    if (!wanted(options.only_trees, tree.name)) continue;
    for (const auto& series : config.series) {
      for (const auto& arch_name : arches) {
        if (!wanted(options.only_arches, arch_name)) continue;
        for (const auto& toolchain_name : toolchains) {
          if (!wanted(options.only_toolchains, toolchain_name)) continue;
          const bool in_product =
              std::find(config.arches.begin(), config.arches.end(), arch_name) != config.arches.end() &&
              std::find(config.toolchains.begin(), config.toolchains.end(), toolchain_name) != config.toolchains.end();
          const bool included = std::any_of(config.includes.begin(), config.includes.end(), [&](const CellRule& rule) {
            return RuleMatches(rule, tree.name, series.name, arch_name, toolchain_name);
          });
          if (!in_product && !included) continue;
          Cell cell{tree, series, FindArch(arch_name), toolchain_name,
                    tree.name + "/" + series.name + "/" + arch_name + "/" + toolchain_name, {}};
          // What cannot work at all (the toolchain's data) wins; then the matrix's own rules,
          // which an include: overrides (it names the cell on purpose).
          const Toolchain* toolchain = FindToolchain(toolchain_name);
          if (!toolchain) {
            throw HarnessError("unknown toolchain '" + toolchain_name + "' in " + config.source.string() +
                               " (known: " + KnownToolchainNames() + ")");
          }
          if (const auto why = ToolchainExcludes(*toolchain, arch_name); !why.empty()) {
            cell.excluded = "toolchain " + toolchain_name + " on " + arch_name + ": " + std::string(why);
          } else if (!included) {
            for (const auto& rule : config.excludes) {
              if (RuleMatches(rule, tree.name, series.name, arch_name, toolchain_name)) {
                cell.excluded = rule.reason + " (exclude at " + rule.where + ")";
                break;
              }
            }
          }
          cells.push_back(std::move(cell));
        }
      }
    }
  }
  return cells;
}

RunContext::RunContext(ProcessRunner& runner, EventSink& sink, const Host& host, RunOptions options)
    : clock(runner), runner(clock), sink(sink), host(host), options(std::move(options)), out(this->options.out_dir) {}

Pipeline::Pipeline(ProcessRunner& runner, EventSink& sink, RunOptions options, const Host& host)
    : run_(runner, sink, host, std::move(options)) {}

void Pipeline::Preflight(const std::vector<Cell>& cells, bool boot) const {
  // A work tree is ~1.3 GB and a build directory up to 0.5 GB: with less than this, the run
  // would fail in the middle of a build with a message that blames the kernel.
  constexpr std::uint64_t kMinFree = std::uint64_t(2) << 30;
  if (auto free = run_.host.FreeBytes(run_.options.out_dir); free && *free < kMinFree) {
    throw HarnessError("only " + std::to_string(*free >> 20) + " MiB free for '" + run_.options.out_dir.string() +
                       "' (a run needs about 2 GiB for a work tree and its build directories): free some space "
                       "or pass --out on a larger disk");
  }
  for (const auto& cell : cells) {
    if (!cell.excluded.empty()) continue;
    CheckBuildTools(*cell.arch, run_.host, FindToolchain(cell.toolchain));
    if (boot) CheckQemuInstalled(*cell.arch, run_.host);
  }
}

namespace {

// Held until the Pipeline is gone: a second harness on the same --out waits (or stops, with --no-wait).
std::unique_ptr<FileLock> LockOutDir(const std::filesystem::path& out_dir, bool wait, EventSink& sink) {
  return std::make_unique<FileLock>(
      OutLayout(out_dir).Lock(),
      FileLock::Options{.holder = "harness (pid " + std::to_string(::getpid()) + ") since " + FormatNow(TimeZone::kLocal, "%Y-%m-%d %H:%M:%S"),
                        .on_wait = [&](const std::string& holder) {
                          sink.OnEvent({.kind = Event::Kind::kNote,
                                        .text = "waiting for " + holder + ", which is using " + out_dir.string()});
                        },
                        .give_up = Interrupted,
                        .wait = wait});
}

}  // namespace

std::vector<CellResult> Pipeline::Run(const MatrixConfig& config) { return Run(config, ExpandCells(config, run_.options)); }

std::vector<CellResult> Pipeline::Run(const MatrixConfig& config, const std::vector<Cell>& cells) {
  run_.define_output_format = config.define_output_format || run_.options.define_output_format;
  const bool boot = !run_.options.stop_after || *run_.options.stop_after >= Stage::kBoot;
  Preflight(cells, boot);
  // Bad series (missing, paths escaping the tree) are the user's error: say so before building.
  for (const auto& series : config.series) {
    if (series.name == "none" || series_.count(series.name)) continue;
    series_[series.name] = LoadSeries(series.path);
  }
  if (!out_lock_) out_lock_ = LockOutDir(run_.options.out_dir, run_.options.wait_for_out, run_.sink);
  run_.ccache_dir = PrepareCcacheDir(run_.options.cache_dir, run_.host);
  run_.pahole_version_line = PaholeVersionLine(run_.runner, run_.host);
  run_.pahole_version = ParsePaholeVersion(run_.pahole_version_line);
  // Once per arch, not per cell: an input of each booted verdict that --history compares.
  for (const auto& cell : cells) {
    const std::string arch(cell.arch->name);
    if (boot && cell.excluded.empty() && !run_.qemu_versions.count(arch)) {
      run_.qemu_versions[arch] = QemuVersion(run_.runner, *cell.arch);
    }
  }
  ChooseCcacheRemote();
  std::vector<CellResult> results = RunCells(config, cells);
  if (!run_.options.baseline) return results;
  // Pre-merge mode: each cell the series made fail is built again without it, in the same build
  // directory (usually a relink), to tell what the series broke from what was broken before.
  const std::vector<Cell> baseline = BaselineCells(cells, results);
  if (baseline.empty()) return results;
  std::vector<std::string> ids;
  for (const auto& cell : baseline) ids.push_back(cell.id);
  run_.sink.OnEvent({.kind = Event::Kind::kNote,
                 .text = "re-checking without the series, to tell what it broke from what was broken before: " +
                         Join(ids, ", ")});
  ApplyBaseline(results, cells, RunCells(config, baseline));
  return results;
}

std::vector<CellResult> Pipeline::RunCells(const MatrixConfig& config, const std::vector<Cell>& cells) {
  // Sized once: the tasks hold references to their cell's result and context.
  std::vector<CellResult> results(cells.size());
  std::vector<CellContext> contexts(cells.size());
  // A tree has one work tree, checked out at one series at a time: the next series of a tree
  // is applied only when every cell of the previous one has finished.
  std::map<std::string, std::vector<Scheduler::TaskId>> tree_busy;
  std::string source_key;
  Scheduler scheduler(run_.options.jobs);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const Cell& cell = cells[i];
    CellResult& result = results[i];
    CellContext& ctx = contexts[i];
    result.cell = cell.id;
    result.arch = std::string(cell.arch->name);
    result.artifacts_dir = run_.out.CellDir(cell.tree.name, cell.series.name, cell.arch->name, cell.toolchain).string();
    if (!cell.excluded.empty()) {
      // Reported with its reason; nothing of it runs, and it obtains no tree.
      result.verdict = Verdict::kExcluded;
      result.detail = cell.excluded;
      SetFact(result, FactKey::kToolchain, cell.toolchain);
      result.artifacts_dir.clear();
      continue;
    }
    SetFact(result, FactKey::kHarnessVersion, std::string(HarnessVersion()));  // an input --history compares
    // Keyed by the tree's output directory, not its name: two names can map to one directory
    // ("a/b" and "a_b"), and then they share its work tree and build directories as well.
    const std::string tree_dir = run_.out.TreeDir(cell.tree.name).string();
    if (const std::string key = cell.tree.name + "/" + cell.series.name; key != source_key) {
      source_key = key;
      scheduler.Wait(tree_busy[tree_dir]);
      tree_busy[tree_dir].clear();
    }
    try {
      std::filesystem::create_directories(result.artifacts_dir);
      ctx = CellContext{.cell = cell.id, .arch = cell.arch, .dir = result.artifacts_dir, .config = &config,
                        .spec = &cell};
      ctx.prepared = &Prepare(cell, result);
      if (result.verdict != Verdict::kUndecided) continue;
      ctx.request = PlanBuild(ctx);
    } catch (const HarnessError& e) {
      result.error = e.what();
      continue;
    } catch (const std::exception& e) {
      result.error = std::string("internal error: ") + e.what();
      continue;
    }
    // A build from nothing takes the whole budget; an incremental one (usually a relink after a
    // series switch, mostly serial steps) half of it; one make will most likely find up to date, one.
    const int cost = KernelBuilder::LooksUpToDate(ctx.request)     ? 1
                     : KernelBuilder::HasEarlierBuild(ctx.request) ? std::max(1, run_.options.jobs / 2)
                                                                   : run_.options.jobs;
    const auto built = scheduler.Add(Lane::kBuild, cost, [this, &ctx, &result] { RunLane(Lane::kBuild, ctx, result); });
    const auto booted =
        scheduler.Add(Lane::kBoot, 1, [this, &ctx, &result] { RunLane(Lane::kBoot, ctx, result); }, {built});
    tree_busy[tree_dir].push_back(booted);
  }
  scheduler.WaitAll();
  for (auto& result : results) Close(result, kSourcePasses, kCellPasses);
  return results;
}

void Pipeline::RunLane(Lane lane, CellContext& ctx, CellResult& result) {
  if (ctx.ended) return;
  try {
    // Two cells of one run, or two runs, never build in one directory at once.
    std::optional<FileLock> build_dir_lock;
    if (lane == Lane::kBuild) {
      const auto& dir = ctx.request.build_dir;
      build_dir_lock.emplace(OutLayout::BuildLock(dir),
                             FileLock::Options{.holder = ctx.cell + " (pid " + std::to_string(::getpid()) + ")",
                                               .on_wait = [&](const std::string& holder) {
                                                 run_.sink.OnEvent({.kind = Event::Kind::kNote, .cell = ctx.cell,
                                                                .stage = Stage::kConfig,
                                                                .text = "waiting for " + holder + " to finish with " +
                                                                        dir.string()});
                                               },
                                               .give_up = Interrupted});
    }
    RunPasses(kCellPasses, ctx, result, lane);
  } catch (const HarnessError& e) {
    result.error = e.what();
    ctx.ended = true;
  } catch (const std::exception& e) {
    result.error = std::string("internal error: ") + e.what();
    ctx.ended = true;
  }
  // The lane that ran the cell's last pass says so, once: a live display moves the cell from
  // its running lines to the finished ones.
  if (ctx.ended || lane == Lane::kBoot) {
    const std::string outcome = !result.error.empty() ? "HARNESS ERROR: " + result.error
                                : result.detail.empty() ? std::string(VerdictName(result.verdict))
                                                        : std::string(VerdictName(result.verdict)) + ": " + result.detail;
    run_.sink.OnEvent({.kind = Event::Kind::kCellEnd, .cell = ctx.cell, .stage = result.stage, .text = outcome});
    // No pass reads them again: let go of the cell's .BTF and boot output now, so that a run
    // holds the blobs of the cells that are running, not of every cell until the matrix ends
    // (30 cells of a 64 MiB section would be 2 GB).
    ctx.info = VmlinuxInfo{};
    ctx.booted = BootOutcome{};
  }
}

void Pipeline::RunPasses(std::span<const Pass> passes, CellContext& ctx, CellResult& result,
                         std::optional<Lane> lane) {
  for (const Pass& pass : passes) {
    if (ctx.ended) return;
    if (lane && pass.lane != *lane) continue;
    StageClock clock(run_.sink, result, pass.stage, std::string(StageName(pass.stage)));
    PassOutcome outcome = (this->*pass.run)(ctx, result);
    clock.Outcome(std::move(outcome.line));
    if (!outcome.go_on) ctx.ended = true;
  }
}

void Pipeline::Close(CellResult& result, std::span<const SourcePass> shared, std::span<const Pass> passes) {
  // Every stage after the one that ended the cell is skipped, in the list's order.
  auto skip_unless_ran = [&](Stage stage) {
    const bool ran = std::any_of(result.timings.begin(), result.timings.end(),
                                 [&](const StageTiming& t) { return t.stage == stage; });
    if (!ran) result.timings.push_back({stage, 0, true});
  };
  for (const SourcePass& pass : shared) skip_unless_ran(pass.stage);
  for (const Pass& pass : passes) skip_unless_ran(pass.stage);
  if (result.error.empty() && result.verdict == Verdict::kUndecided) {
    result.error = "internal error: the cell ended at the " + std::string(StageName(result.stage)) +
                   " stage without a verdict";
  }
}

const Pipeline::PreparedSource& Pipeline::Prepare(const Cell& cell, CellResult& result) {
  const std::string key = cell.tree.name + "/" + cell.series.name;
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    // Reported once, under the (tree, series) name, not per cell. A pass that throws ends every
    // cell of the (tree, series), unreported (the cells carry the error).
    auto prepared = std::make_shared<PreparedSource>();
    for (const SourcePass& pass : kSourcePasses) {
      const double start = NowSeconds();
      std::string outcome = (this->*pass.run)(cell, key, *prepared);
      const double seconds = NowSeconds() - start;
      prepared->seconds[pass.stage] = seconds;
      run_.sink.OnEvent({.kind = Event::Kind::kStageEnd, .cell = key, .stage = pass.stage, .text = std::move(outcome),
                     .seconds = seconds});
    }
    it = prepared_.emplace(key, std::move(prepared)).first;
  }
  PreparedSource& p = *it->second;
  // The first cell carries the shared time; the others show 0, so the cells' times add up.
  for (const SourcePass& pass : kSourcePasses) {
    result.timings.push_back({pass.stage, p.reported ? 0 : p.seconds[pass.stage], false, true});
  }
  p.reported = true;
  result.stage = Stage::kApply;
  RecordSource(p, result);
  return p;
}

std::string Pipeline::TreePass(const Cell& cell, const std::string& key, PreparedSource& prepared) {
  TreeProvider provider(run_.runner, run_.sink, run_.options.cache_dir);
  run_.sink.OnEvent({.kind = Event::Kind::kStageStart, .cell = key, .stage = Stage::kTree,
                 .text = "obtain " + cell.tree.name + " and its work tree (once for all its arches)"});
  prepared.tree = provider.Obtain(cell.tree);
  prepared.source = provider.EnsureWorktree(prepared.tree, run_.out.WorkTree(cell.tree.name));
  std::string outcome = prepared.source.string() + " at " +
                        (prepared.tree.base.empty() ? std::string("(not git)") : prepared.tree.base);
  if (provider.last_import_seconds() > 0) {
    outcome += ", imported into git in " + std::to_string(static_cast<int>(provider.last_import_seconds())) + " s";
  }
  return outcome;
}

std::string Pipeline::ApplyPass(const Cell& cell, const std::string& key, PreparedSource& prepared) {
  prepared.apply_log = run_.out.ApplyLog(cell.tree.name, cell.series.name);
  if (!prepared.tree.repo.empty()) {
    Series series = cell.series.name == "none" ? Series{"none", {}, {}} : series_.at(cell.series.name);
    if (run_.define_output_format) {
      std::vector<const Arch*> arches;
      for (const Arch* arch : AllArches()) arches.push_back(arch);
      auto read = [&](const std::string& path) -> std::optional<std::string> {
        ProcessResult show = run_.runner.Run(GitCommand(prepared.tree.repo, {"show", prepared.tree.base + ":" + path}));
        if (!show.ok()) return std::nullopt;
        return show.output;
      };
      if (auto patch = OutputFormatPatch(arches, read)) series.patches.push_back(std::move(*patch));
    }
    prepared.applied = SeriesApplier(run_.runner, run_.sink, key)
                           .Apply(prepared.source, prepared.tree.base, series, run_.options.skip_applied,
                                  prepared.apply_log);
    prepared.revision = prepared.applied->head;
  } else if (cell.series.name != "none") {
    throw HarnessError("tree '" + cell.tree.name + "' is a plain directory: series need a git tree "
                       "('git:' in the matrix) or a Debian package tree");
  }
  const ApplyOutcome* a = prepared.applied ? &*prepared.applied : nullptr;
  return !a ? "no series"
         : a->status == ApplyOutcome::Status::kApplied ? "at " + prepared.revision
         : a->status == ApplyOutcome::Status::kAlreadyApplied ? "already applied"
                                                               : "does not apply";
}

void Pipeline::RecordSource(const PreparedSource& p, CellResult& result) {
  if (p.applied && p.applied->status != ApplyOutcome::Status::kApplied) {
    const ApplyOutcome& a = *p.applied;
    const std::string patch = "patch " + std::to_string(a.patch_index + 1) + " '" + a.subject + "' (" + a.origin + ")";
    if (a.status == ApplyOutcome::Status::kAlreadyApplied) {
      Decide(result, Verdict::kAlreadyApplied, patch + " is already in the tree (it reverse-applies cleanly)");
      result.diagnosis.push_back("run with --skip-applied to skip such patches");
    } else {
      Decide(result, Verdict::kApplyFailed, patch + " does not apply: " + (a.file.empty() ? "" : a.file) +
                                                (a.hunk.empty() ? "" : ", hunk " + a.hunk));
      SetFact(result, FactKey::kFailedFile, a.file);
      SetFact(result, FactKey::kFailedHunk, a.hunk);
    }
    for (const auto& line : SplitLines(a.detail)) result.diagnosis.push_back("git: " + line);
    result.diagnosis.push_back("log: " + p.apply_log.string());
  }
  // Which tree was built: the package version (or "local"), its suite, the kernel's own version.
  SetFact(result, FactKey::kTreeVersion, p.tree.version);
  if (!p.tree.suite.empty()) SetFact(result, FactKey::kTreeSuite, p.tree.suite);
  if (!p.tree.kernel_version.empty()) SetFact(result, FactKey::kKernelVersion, p.tree.kernel_version);
  if (p.applied) {
    for (const auto& s : p.applied->skipped) result.diagnosis.push_back("skipped, already applied: " + s);
    SetFact(result, FactKey::kRevision, p.revision);
  }
}

void Pipeline::ChooseCcacheRemote() {
  run_.ccache_remote.clear();
  run_.ccache_remote_shown.clear();
  run_.ccache_remote_fact.clear();
  if (run_.options.ccache_remote.empty()) return;
  RedisUrl url = ParseRedisUrl(run_.options.ccache_remote, "ccache remote");
  if (const auto password = run_.host.Env(kRedisPasswordEnv)) SetRedisPassword(url, *password);
  // Every note and fact shows the URL with its password as ***.
  const std::string shown = RedisUrlShown(url);
  if (run_.ccache_dir.empty()) {
    run_.ccache_remote_fact = shown + ": unused (ccache is not installed)";
    run_.sink.OnEvent({.kind = Event::Kind::kNote, .stage = Stage::kBuild,
                   .text = "ccache is not installed: building without a compiler cache, the remote " + shown +
                           " unused (apt-get install ccache)"});
    return;
  }
  const std::string why_not = CheckCcacheRemote(url, run_.host);
  if (why_not.empty()) {
    run_.ccache_remote = RedisUrlForCcache(url);
    run_.ccache_remote_shown = shown;
    run_.ccache_remote_fact = shown + ": used";
    return;
  }
  // A dead cache server costs time, never a cell: the builds go on with the local cache.
  run_.ccache_remote_fact = shown + ": unreachable (" + why_not + ")";
  run_.sink.OnEvent({.kind = Event::Kind::kNote, .stage = Stage::kBuild,
                 .text = "ccache remote " + shown + " unreachable (" + why_not +
                         "): building with the local cache only"});
}

BuildRequest Pipeline::PlanBuild(const CellContext& ctx) const {
  const MatrixConfig& config = *ctx.config;
  const Arch& arch = *ctx.arch;
  // Fragments: the matrix's, the tree's own (e.g. 5.10's DWARF lines), the arch's own, then any
  // given on the command line; a later one overrides an earlier one's option.
  std::vector<std::vector<KconfigOption>> fragments;
  auto add_fragment = [&](const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) throw HarnessError("kconfig fragment '" + path.string() + "' does not exist");
    fragments.push_back(ParseFragment(ReadFile(path), path.string()));
  };
  const auto kconfig_dir = run_.options.data_dir / "configs" / "kconfig";
  for (const auto& name : config.fragments) add_fragment(kconfig_dir / name);
  for (const auto& name : ctx.spec->tree.kconfig_fragments) add_fragment(kconfig_dir / name);
  add_fragment(kconfig_dir / std::string(arch.kconfig_fragment));
  for (const auto& path : run_.options.extra_fragments) add_fragment(path);

  return BuildRequest{.cell = ctx.cell,
                             .arch = &arch,
                             .toolchain = FindToolchain(ctx.spec->toolchain),
                             .source = ctx.prepared->source,
                             .revision = ctx.prepared->revision,
                             .build_dir = run_.out.BuildDir(ctx.spec->tree.name, arch.name, ctx.spec->toolchain),
                             .log_dir = ctx.dir,
                             .kconfig_base = config.kconfig_base,
                             .options = MergeFragments(fragments),
                             .jobs = run_.options.jobs,
                             .timeout = std::chrono::seconds(config.build_timeout),
                             .ccache_dir = run_.ccache_dir,
                             .ccache_remote = run_.ccache_remote,
                             .ccache_remote_shown = run_.ccache_remote_shown,
                             .toolchain_version = ToolchainVersion(run_.runner, arch, *FindToolchain(ctx.spec->toolchain), run_.host),
                             .pahole_version = run_.pahole_version,
                             .binutils_version = BinutilsVersion(run_.runner, arch, *FindToolchain(ctx.spec->toolchain), run_.host),
                             .pahole_version_line = run_.pahole_version_line,
                             .user_env = UserBuildEnv(run_.host),
                             .module_source = TestModuleSource()};
}

std::filesystem::path Pipeline::TestModuleSource() const {
  const auto dir = run_.options.data_dir / "images" / std::string(kTestModuleName);
  if (!std::filesystem::exists(dir / "Kbuild")) {
    throw HarnessError("the test module's source '" + dir.string() + "' is missing (is --data-dir right?)");
  }
  return dir;
}

PassOutcome Pipeline::ConfigurePass(CellContext& ctx, CellResult& result) {
  // The kconfig asked for, as one key: an input of the verdict that --history compares.
  std::string kconfig = ctx.request.kconfig_base + "\n";
  for (const auto& o : ctx.request.options) kconfig += o.name + "=" + o.value + "\n";
  SetFact(result, FactKey::kKconfig, Sha256Hex(kconfig).substr(0, 16));
  ConfigOutcome configured = KernelBuilder(run_.runner, run_.sink, run_.host).Configure(ctx.request);
  if (!configured.error.empty()) {
    // make tinyconfig/olddefconfig itself failed: no option was dropped, the kernel did not configure.
    Decide(result, Verdict::kBuildFailed, configured.error);
    return End("failed");
  }
  if (!configured.dropped.empty()) {
    std::string names, list;
    for (const auto& d : configured.dropped) {
      names += (names.empty() ? "" : ", ") + d.requested.name;
      list += (list.empty() ? "" : ",") + d.requested.name;
      result.diagnosis.push_back(d.requested.name + "=" + d.requested.value + " (from " + d.requested.origin +
                                 ") became " + (d.actual.empty() ? "absent" : d.actual) +
                                 (d.reason.empty() ? "" : ": " + d.reason));
    }
    Decide(result, Verdict::kConfigDropped, "did not survive olddefconfig: " + names);
    SetFact(result, FactKey::kDroppedOptions, list);
    result.diagnosis.push_back("see " + (ctx.request.build_dir / ".config").string());
    return End("dropped " + names);
  }
  return Next(configured.reused ? "unchanged" : "configured");
}

PassOutcome Pipeline::BuildPass(CellContext& ctx, CellResult& result) {
  const Toolchain& toolchain = ToolchainOf(ctx.request);
  SetFact(result, FactKey::kToolchain, std::string(toolchain.name));
  SetFact(result, FactKey::kToolchainVersion, ctx.request.toolchain_version);
  SetFact(result, FactKey::kBinutilsVersion, ctx.request.binutils_version);
  SetFact(result, FactKey::kPaholeVersion, ctx.request.pahole_version_line);
  if (!ctx.request.user_env.empty()) {
    std::string vars;
    for (const auto& [name, value] : ctx.request.user_env) vars += (vars.empty() ? "" : " ") + name + "=" + ShellQuote(value);
    SetFact(result, FactKey::kMakeEnv, vars);  // the user's KCFLAGS etc., given to make
  }
  BuildOutcome built = KernelBuilder(run_.runner, run_.sink, run_.host).Build(ctx.request);
  SetFact(result, FactKey::kMakeCommand, built.command);
  const std::string cache_line = RecordCcache(built, run_.ccache_remote_fact, !run_.ccache_remote.empty(), result);
  if (!built.ok && !built.diagnosis.machine_failure.empty()) {
    // Not a verdict: a full disk or a killed compiler says nothing about the kernel.
    throw HarnessError("the machine failed the build, not the kernel: " + built.diagnosis.machine_failure + " (" +
                       built.log.string() + ":" + std::to_string(built.diagnosis.machine_failure_line) +
                       "); free the disk or memory and run again");
  }
  if (!built.ok) {
    Decide(result, Verdict::kBuildFailed, built.diagnosis.Summary());
    SetFact(result, FactKey::kBuildStep, built.diagnosis.btf_generation ? "BTF" : built.diagnosis.step);
    // The failure's cause, as SignatureOf (results/signature.h) tells one break from another.
    SetFact(result, FactKey::kBuildTarget, built.diagnosis.step_target);
    SetFact(result, FactKey::kBuildError, built.diagnosis.first_error);
    if (built.diagnosis.error_line > 0) {
      result.diagnosis.push_back("first error at " + built.log.string() + ":" + std::to_string(built.diagnosis.error_line));
    }
    result.diagnosis.push_back("make " + built.failure + "; full log " + built.log.string());
    result.diagnosis.push_back("reproduce: " + built.command);
    return End("failed");
  }
  ctx.kernel = built.image;
  ctx.vmlinux = built.vmlinux;
  ctx.module = built.module;
  if (ctx.module.empty()) {
    SetFact(result, FactKey::kModuleBtf, "not checked: the .config has no CONFIG_DEBUG_INFO_BTF_MODULES=y "
                                         "(module BTF is Linux 5.11+), so no test module was built");
  }
  SetFact(result, FactKey::kMake, built.skipped              ? "skipped (inputs unchanged)"
                                  : built.relinked.empty() ? "ran"
                                                           : "ran (relinked: earlier link outputs removed)");
  if (built.skipped) return Next("up to date, make skipped");
  return Next(cache_line.empty() ? "built" : "built; " + cache_line);
}

PassOutcome Pipeline::InspectPass(CellContext& ctx, CellResult& result) {
  ctx.info = InspectVmlinux(ctx.vmlinux);
  if (auto wrong = CheckVmlinuxArch(*ctx.arch, ctx.info); !wrong.empty()) {
    // A vmlinux given by hand for the wrong --arch is the user's mistake; a built one is the kernel's.
    if (!ctx.config) throw HarnessError("'" + ctx.vmlinux.string() + "': " + wrong + " (is --arch right?)");
    ctx.info.problems.insert(ctx.info.problems.begin(), wrong);
  }
  for (const auto& p : ctx.info.problems) result.diagnosis.push_back("vmlinux: " + p);
  SetFact(result, FactKey::kVmlinuxFormat, VmlinuxFormat(ctx.info));
  SetFact(result, FactKey::kBtfSize, std::to_string(ctx.info.btf_size));
  if (ctx.info.type_count) SetFact(result, FactKey::kBtfTypes, std::to_string(*ctx.info.type_count));
  if (!ctx.info.named_types_digest.empty()) {
    SetFact(result, FactKey::kBtfNamedTypes, std::to_string(ctx.info.named_types) + " " + ctx.info.named_types_digest);
  }
  SetFact(result, FactKey::kBuildId, ctx.info.build_id);
  // An unreadable ELF stops here, and so do delimiting symbols that disagree with .BTF: the
  // kernel would export other bytes than the section's, and the guest would be graded for the
  // linker script's fault. A missing .BTF still boots, so the guest side is seen too ("btf file
  // missing"); other problems are weighed when the guest has been compared.
  if (!ctx.info.is_elf || (ctx.info.fatal && ctx.info.has_btf)) {
    Decide(result, Verdict::kBadVmlinux, ctx.info.problems.empty() ? "unreadable .BTF" : ctx.info.problems.front());
    return End("failed");
  }
  if (!ctx.info.symbol_problem.empty()) {
    Decide(result, Verdict::kBadVmlinux, ctx.info.symbol_problem);
    return End("failed");
  }
  std::string summary = ctx.info.has_btf ? InspectSummary(ctx.info) : "no .BTF section";
  if (!ctx.module.empty()) {
    ctx.module_info = InspectTestModule(ctx.module, ctx.info);
    // Read here, beside its inspection, not in the boot lane: a run rebuilding this build
    // directory meanwhile could otherwise hand the guest another .ko than the one inspected.
    ctx.module_ko = ReadFile(ctx.module);
    for (const auto& p : ctx.module_info->problems) result.diagnosis.push_back("module: " + p);
    const ModuleBtfInfo& m = *ctx.module_info;
    SetFact(result, FactKey::kModuleBtf,
            m.has_btf ? ctx.module.filename().string() + ": " + std::to_string(m.btf.size()) + " bytes of .BTF" +
                            (m.type_count ? ", " + std::to_string(*m.type_count) + " types from id " + std::to_string(m.first_id)
                                          : std::string())
                      : ctx.module.filename().string() + ": no .BTF section");
    summary += "; " + Fact(result, FactKey::kModuleBtf);
  }
  if (run_.options.stop_after && *run_.options.stop_after <= Stage::kInspect) {
    // Never a PASS: nothing was booted or compared. Clean only when the inspector found nothing.
    if (!ctx.info.problems.empty()) {
      Decide(result, Verdict::kBadVmlinux, ctx.info.problems.front());
      return End(summary);
    }
    if (ctx.module_info && !ctx.module_info->problems.empty()) {
      Decide(result, Verdict::kBadModuleBtf, ctx.module_info->problems.front());
      return End(summary);
    }
    Decide(result, Verdict::kBuilt, InspectSummary(ctx.info) + "; no boot ran (--stop-after)");
    return End(summary + "; stopping here (--stop-after)");
  }
  ctx.boot_timeout = run_.options.boot_timeout.value_or(ctx.config ? ctx.config->boot_timeout : 60);
  ctx.accel = run_.options.accel.value_or(
      ctx.config ? ParseAccelChoice(ctx.config->accel).value_or(AccelChoice::kAuto) : AccelChoice::kAuto);
  return Next(summary);
}

PassOutcome Pipeline::ImagePass(CellContext& ctx, CellResult& result) {
  ctx.initrd = ctx.dir / "init.cpio";
  ctx.disk = ctx.dir / "probe-disk.raw";
  const auto probe = BuildProbe(run_.runner, run_.sink, *ctx.arch, run_.options.data_dir, run_.options.cache_dir, run_.host);
  const std::string initramfs = ProbeInitramfs(ReadFile(probe), ctx.module_ko);
  WriteFile(ctx.initrd, initramfs);
  SetFact(result, FactKey::kProbeHash, Sha256Hex(initramfs));  // what the guest runs: an input --history compares
  return Next("probe initramfs ready");
}

PassOutcome Pipeline::BootPass(CellContext& ctx, CellResult& result) {
  const Arch& arch = *ctx.arch;
  // A fresh, zeroed disk for every boot: a record left by an earlier boot must never count.
  // The probe reads at most the section size plus a page (harness.btf_size below); the rest of
  // the record (1-byte reads, /proc/version, notes, errors) is well under 1 MiB.
  auto fresh_disk = [&] {
    std::filesystem::remove(ctx.disk);
    { std::ofstream create(ctx.disk, std::ios::binary); }
    // The test module's file is read to st_size plus a page, at most 16 MiB (images/probe.c).
    const std::uintmax_t module_room = ctx.module.empty() ? 0 : 16u << 20;
    std::filesystem::resize_file(ctx.disk,
                                 std::max<std::uintmax_t>(8u << 20, ctx.info.btf.size() + (2u << 20)) + module_room);
  };
  BootRequest request{.cell = ctx.cell,
                      .arch = &arch,
                      .kernel = ctx.kernel,
                      .initrd = ctx.initrd,
                      .disk = ctx.disk,
                      .console_log = ctx.dir / "console.log",
                      .timeout = std::chrono::seconds(static_cast<int>(ctx.boot_timeout * arch.qemu.timeout_factor)),
                      .extra_cmdline = "harness.btf_size=" + std::to_string(ctx.info.btf.size()) +
                                       (run_.options.extra_cmdline.empty() ? "" : " " + run_.options.extra_cmdline)};
  {
    // Only a boot that may try KVM (the host's arch, not forced to TCG) settles whether KVM
    // works; until one has, the others that may try it wait, rather than each trial costing 20 s.
    const bool may_try_kvm = ctx.accel != AccelChoice::kTcg && arch.name == run_.host.HostArch();
    std::unique_lock settling(accel_mutex_, std::defer_lock);
    if (may_try_kvm && !accel_settled_) settling.lock();
    ctx.booted = BootWithAccel(run_.runner, run_.sink, request, ctx.accel, run_.options.cache_dir, fresh_disk, run_.host);
    if (may_try_kvm) accel_settled_ = true;
  }
  const BootOutcome& booted = ctx.booted;
  SetFact(result, FactKey::kQemuCommand, booted.command);
  if (auto it = run_.qemu_versions.find(std::string(arch.name)); it != run_.qemu_versions.end() && !it->second.empty()) {
    SetFact(result, FactKey::kQemuVersion, it->second);
  }
  SetFact(result, FactKey::kAccel, booted.accel == Accel::kKvm ? "kvm" : "tcg");
  if (!booted.kvm_failure.empty()) SetFact(result, FactKey::kKvmFailed, booted.kvm_failure);  // judged under TCG instead
  SetFact(result, FactKey::kBootSeconds, std::to_string(booted.process.seconds));
  if (booted.state == ConsoleParser::State::kPanicked) {
    Decide(result, Verdict::kGuestPanicked, booted.panic_line);
    AddConsoleTail(result, request.console_log, booted.console_tail);
    return End("panicked");
  }
  if (booted.timed_out) {
    Decide(result, Verdict::kTimedOut,
           "no probe result after " + std::to_string(request.timeout.count()) + " s; QEMU killed");
    AddConsoleTail(result, request.console_log, booted.console_tail);
    result.diagnosis.push_back("reproduce: " + booted.command);
    return End("timed out");
  }
  if (booted.state != ConsoleParser::State::kProbeDone && !booted.process.ok()) {
    // QEMU itself refused (bad option, missing firmware): the machine's fault, not the kernel's.
    throw HarnessError(std::string(arch.qemu.binary) + " failed (" + booted.process.Describe() +
                       ") before the guest finished: " + QemuOutputTail(booted) + "; command: " + booted.command);
  }
  return Next(booted.state == ConsoleParser::State::kProbeDone ? "probe done" : "guest powered off");
}

PassOutcome Pipeline::VerifyPass(CellContext& ctx, CellResult& result) {
  // Mapped, not read: only the record's pages are touched, and its blob is the one copy made.
  DecodeResult decoded = DecodeRecord(MappedFile(ctx.disk).bytes());
  if (!decoded.record) {
    Decide(result, Verdict::kBadRecord, decoded.error);
    for (const auto& line : SplitLines(ctx.booted.console_tail)) result.diagnosis.push_back("  " + line);
    return End("no record");
  }
  VerifyOutcome verified = VerifyBtf(*ctx.arch, ctx.info, *decoded.record, ctx.booted.complaint, ctx.dir,
                                     ctx.module_info ? &*ctx.module_info : nullptr);
  Decide(result, verified.verdict, verified.detail);
  result.diagnosis.insert(result.diagnosis.end(), verified.diagnosis.begin(), verified.diagnosis.end());
  // Verify's word is the last on a fact an earlier pass set too (module_btf).
  for (const auto& [key, value] : verified.facts) result.facts.insert_or_assign(key, value);
  return End(std::string(VerdictName(verified.verdict)));
}

CellResult Pipeline::BootExisting(const Arch& arch, const std::filesystem::path& kernel,
                                  const std::filesystem::path& vmlinux, const std::filesystem::path& module) {
  CellResult result;
  result.cell = "boot/" + std::string(arch.name);
  result.arch = std::string(arch.name);
  result.artifacts_dir = run_.out.BootDir(arch.name).string();
  try {
    for (const auto& path : {kernel, vmlinux, module}) {
      if (!path.empty() && !std::filesystem::exists(path)) throw HarnessError("'" + path.string() + "' does not exist");
    }
    CheckQemuInstalled(arch, run_.host);
    if (!out_lock_) out_lock_ = LockOutDir(run_.options.out_dir, run_.options.wait_for_out, run_.sink);
    CellContext ctx{.cell = result.cell, .arch = &arch, .dir = result.artifacts_dir, .kernel = kernel, .vmlinux = vmlinux,
                    .module = module};
    if (module.empty()) SetFact(result, FactKey::kModuleBtf, "not checked: no --module given");
    std::filesystem::create_directories(ctx.dir);
    RunPasses(kBootPasses, ctx, result);
  } catch (const HarnessError& e) {
    result.error = e.what();
  }
  Close(result, {}, kBootPasses);
  return result;
}

}  // namespace harness
