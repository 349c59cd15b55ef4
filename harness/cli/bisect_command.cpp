#include "harness/cli/bisect_command.h"
#include "harness/cli/commands.h"

#include "harness/core/host.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "harness/bisect/bisect.h"
#include "harness/config/matrix.h"
#include "harness/core/error.h"
#include "harness/core/host.h"
#include "harness/core/lock.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/plan/plan.h"
#include "harness/report/report.h"

#ifndef HARNESS_DEFAULT_DATA_DIR
#define HARNESS_DEFAULT_DATA_DIR "."
#endif

namespace harness {
namespace {

namespace fs = std::filesystem;

// The cells' tree name, so their directories are <out>/run/bisect/{src,build-<arch>-gcc,...}.
constexpr const char* kTreeName = "bisect";

// The same defaults as run's (commands.h); ResolveCacheDir honours HARNESS_CACHE.
fs::path DataDir(const BisectArgs& args) { return FlagOrEnv(args.data_dir, "HARNESS_DATA_DIR", HARNESS_DEFAULT_DATA_DIR); }
fs::path CacheDir(const BisectArgs& args) { return ResolveCacheDir(args.cache_dir, RealHost()); }
fs::path OutDir(const BisectArgs& args) {
  return args.out_dir.empty() ? FlagOrEnv("", "HARNESS_OUT", "harness-out") / "bisect" : fs::absolute(args.out_dir);
}
int Jobs(const BisectArgs& args) {
  return args.jobs > 0 ? args.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Progress as `harness run` shows it; the step processes' own lines (from git bisect run) as
// they are.
class BisectSink : public EventSink {
 public:
  explicit BisectSink(bool verbose) : terminal_(std::cerr, verbose) {}
  void OnEvent(const Event& event) override {
    if (event.kind == Event::Kind::kOutput && event.cell == "bisect") {
      std::cerr << event.text << "\n";
      return;
    }
    terminal_.OnEvent(event);
  }

 private:
  TerminalReporter terminal_;
};

// The bisect's one cell, through the pipeline: tree `git: <tree>, ref: <commit>`, the state's
// arch, kconfig and timeouts from its matrix, in <out>/run so every point shares one work tree
// and, per arch, one build directory (each step an incremental build).
class PipelinePointTester : public PointTester {
 public:
  PipelinePointTester(ProcessRunner& runner, EventSink& sink, const BisectState& state, const BisectArgs& args,
                      const fs::path& out_dir)
      : runner_(runner), sink_(sink), state_(state), out_dir_(out_dir), matrix_(LoadMatrix(state.matrix)) {
    options_.data_dir = DataDir(args);
    options_.cache_dir = CacheDir(args);
    options_.out_dir = out_dir / "run";
    options_.jobs = Jobs(args);
    if (!state.stop_after.empty()) options_.stop_after = Stage::kInspect;
  }

  PointOutcome Run(const BisectPoint& request) override {
    const MatrixConfig config = Matrix(request);
    const fs::path build_dir = OutLayout(options_.out_dir).BuildDir(kTreeName, state_.arch, config.toolchains.front());
    const bool had_build = fs::exists(build_dir / ".config");
    PointOutcome outcome;
    try {
      Pipeline pipeline(runner_, sink_, options_, RealHost());
      auto results = pipeline.Run(config);
      if (results.size() != 1) throw HarnessError("the pipeline ran " + std::to_string(results.size()) + " cells, not 1");
      outcome.result = std::move(results.front());
    } catch (const std::exception& e) {
      outcome.result.arch = state_.arch;
      outcome.result.error = e.what();
    }
    bool built = false;
    for (const auto& timing : outcome.result.timings) built |= timing.stage == Stage::kBuild && !timing.skipped;
    outcome.build = !built ? BuildKind::kNone : had_build ? BuildKind::kIncremental : BuildKind::kClean;
    return outcome;
  }

  std::string ReproduceCommand(const BisectPoint& request) override {
    // The one cell: the matrix's rules name its own trees, and the history and the shared cache
    // are the bisect's business, not a reproduction's.
    MatrixConfig config = Matrix(request);
    config.excludes.clear();
    config.includes.clear();
    config.history.clear();
    config.ccache_remote.clear();
    const std::string yaml = "# harness bisect: the cell at " + request.commit +
                             (request.series.empty() ? "" : " with " + request.series.string()) + "\n" +
                             MatrixToYaml(config);
    const fs::path file = out_dir_ / ("reproduce-" + request.commit.substr(0, 12) +
                                      (request.series.empty() ? "" : "-" + request.series.filename().string()) + ".yaml");
    WriteFileAtomic(file, yaml);
    std::vector<std::string> argv = {SelfPath().string(), "run", file.string(), "--arch",
                                     state_.arch, "--out", (out_dir_ / "reproduce").string(), "--data-dir",
                                     options_.data_dir.string()};
    if (options_.stop_after) argv.insert(argv.end(), {"--stop-after", "inspect"});
    return ShellJoin(argv);
  }

 private:
  MatrixConfig Matrix(const BisectPoint& request) const {
    MatrixConfig config = matrix_;
    TreeSpec tree;
    tree.name = kTreeName;
    tree.git = state_.tree;
    tree.ref = request.commit;
    config.trees = {tree};
    config.series = {request.series.empty() ? SeriesSpec{"none", {}}
                                            : SeriesSpec{request.series.filename().string(), request.series}};
    config.arches = {state_.arch};
    if (config.toolchains.empty()) config.toolchains = {"gcc"};
    config.toolchains.resize(1);
    return config;
  }

  ProcessRunner& runner_;
  EventSink& sink_;
  BisectState state_;
  fs::path out_dir_;
  MatrixConfig matrix_;
  RunOptions options_;
};

}  // namespace

CLI::App* AddBisectCommand(CLI::App& app, BisectArgs& args) {
  CLI::App* cmd = app.add_subcommand("bisect", "find the commit, or the patch of a series, that broke an arch");
  cmd->add_option("--tree", args.tree, "the kernel's git repository (never checked out: the bisect has its own work tree)");
  cmd->add_option("--good", args.good, "a commit that passes (with --series: the base, default HEAD)");
  cmd->add_option("--bad", args.bad, "a commit that fails");
  cmd->add_option("--series", args.series, "bisect this series' patches on top of --good instead of commits");
  cmd->add_option("--arch", args.arch, "the arch whose cell is bisected");
  cmd->add_option("--bad-if", args.bad_if,
                  "what counts as bad: build, boot, verify or any failure (default: failing as --bad does)")
      ->delimiter(',')
      ->check(CLI::IsMember({"build", "boot", "verify", "any", "same"}));
  cmd->add_option("--matrix", args.matrix, "take kconfig and timeouts from this matrix (default: configs/default.yaml)");
  cmd->add_option("--stop-after", args.stop_after, "build and inspect only, no boot: a clean build is good")
      ->check(CLI::IsMember({"inspect"}));
  cmd->add_flag("--resume", args.resume, "continue the bisect in --out from its state");
  cmd->add_option("--out", args.out_dir, "the bisect's directory (default: $HARNESS_OUT/bisect, else harness-out/bisect)");
  cmd->add_option("--cache", args.cache_dir, "cache for trees and probes (env HARNESS_CACHE, default ~/.cache/harness)");
  cmd->add_option("--data-dir", args.data_dir, "directory holding configs/ and images/ (env HARNESS_DATA_DIR)");
  cmd->add_option("-j,--jobs", args.jobs, "make -j (default: number of CPUs)")->check(WholeNumberFrom(1, kMaxJobs));
  cmd->add_flag("-v,--verbose", args.verbose, "stream build output and the guest console");
  return cmd;
}

CLI::App* AddBisectStepCommand(CLI::App& app, BisectArgs& args) {
  CLI::App* cmd = app.add_subcommand("bisect-step", "one step of a bisect, for git bisect run (internal)");
  cmd->group("");  // hidden from --help
  cmd->add_option("--state", args.state_dir, "the bisect's directory")->required();
  cmd->add_option("--cache", args.cache_dir, "cache for trees and probes");
  cmd->add_option("--data-dir", args.data_dir, "directory holding configs/ and images/");
  cmd->add_option("-j,--jobs", args.jobs, "make -j")->check(WholeNumberFrom(1, kMaxJobs));
  cmd->add_flag("-v,--verbose", args.verbose, "stream build output and the guest console");
  return cmd;
}

int BisectCommand(const BisectArgs& args) {
  const fs::path out_dir = OutDir(args);
  try {
    auto runner = MakeRealRunner();
    InstallInterruptHandlers();
    BisectSink sink(args.verbose);
    Bisector bisector(*runner, sink);
    // One bisect per directory: two (a second --resume, say) would drive one git bisect and
    // append to one step log at once. The steps (bisect-step) run under this one's hold.
    const FileLock lock(out_dir / ".bisect.lock",
                        {.holder = "harness bisect (pid " + std::to_string(::getpid()) + ")", .wait = false});
    BisectState state;
    if (args.resume) {
      state = LoadStateToResume(out_dir);
    } else {
      if (args.tree.empty() || args.arch.empty()) throw HarnessError("harness bisect needs --tree and --arch (or --resume)");
      state = bisector.Begin({.tree = args.tree,
                              .good = args.good,
                              .bad = args.bad,
                              .series = args.series,
                              .arch = args.arch,
                              .bad_if = args.bad_if,
                              .matrix = args.matrix.empty() ? DataDir(args) / "configs" / "default.yaml"
                                                            : fs::path(args.matrix),
                              .stop_after = args.stop_after,
                              .out_dir = out_dir});
    }
    std::cerr << "harness: bisect of " << state.tree.string() << " on " << state.arch << ", state in "
              << StatePath(out_dir).string() << "\n";
    PipelinePointTester tester(*runner, sink, state, args, out_dir);
    // git bisect run speaks English (LC_ALL=C: the harness reads its output); each step gets this
    // process's LC_ALL back through env(1), so its compilers speak as the endpoints' builds did
    // (in a UTF-8 locale gcc quotes with ‘’, in C with '') and their failures compare alike.
    const std::optional<std::string> lc_all = RealHost().Env("LC_ALL");
    std::vector<std::string> step = lc_all ? std::vector<std::string>{"env", "LC_ALL=" + *lc_all}
                                           : std::vector<std::string>{"env", "-u", "LC_ALL"};
    step.insert(step.end(), {SelfPath().string(), "bisect-step", "--state", out_dir.string(), "--cache",
                             CacheDir(args).string(), "--data-dir", DataDir(args).string(), "-j",
                             std::to_string(Jobs(args))});
    if (args.verbose) step.push_back("-v");
    const BisectReport report = bisector.Run(out_dir, tester, step);
    std::cout << FormatBisectReport(report);
    return report.found ? kExitPass : kExitCellFailed;
  } catch (const HarnessError& e) {
    std::cerr << "harness: error: " << e.what() << "\n";
    return kExitHarnessError;
  } catch (const std::exception& e) {
    std::cerr << "harness: internal error: " << e.what() << "\n";
    return kExitHarnessError;
  }
}

int BisectStepCommand(const BisectArgs& args) {
  // Anything that is not a verdict about the kernel aborts git bisect run (>= 128).
  try {
    const fs::path out_dir = fs::absolute(args.state_dir);
    auto runner = MakeRealRunner();
    InstallInterruptHandlers();
    TerminalReporter sink(std::cerr, args.verbose);
    const BisectState state = LoadState(out_dir);
    PipelinePointTester tester(*runner, sink, state, args, out_dir);
    return Bisector(*runner, sink).Step(out_dir, tester);
  } catch (const std::exception& e) {
    std::cerr << "harness: error: bisect-step: " << e.what() << "\n";
    return kStepAbort;
  }
}

}  // namespace harness
