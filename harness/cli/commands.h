#pragma once
// The harness's subcommands: each owns its options, registers them with CLI11 and runs on its
// own. main.cpp only parses and dispatches to the one that was given.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/plan/plan.h"
#include "harness/report/live.h"
#include "harness/proc/runner.h"
#include "harness/report/report.h"

namespace harness {

// Flags run, corpus and boot share: where things go, the guest, and how errors exit.
struct CommonFlags {
  std::string out_dir;
  std::string cache_dir;
  std::string data_dir;
  std::string json_path;
  std::string junit_path;
  std::string cmdline;
  int boot_timeout = 0;
  std::string accel;
  bool verbose = false;
  bool bisect = false;  // a harness error exits kExitBisectAbort instead of kExitHarnessError
  bool no_wait = false;  // another harness on --out is an error, not something to wait for
  bool summary_to_env = false;  // append summary.md to the file $GITHUB_STEP_SUMMARY names
  std::string history_dir;  // run only (--history or the matrix's history:): class cells against the last run
  // run only: "new" exits 1 only for new failures (needs a history); "introduced" only for failures
  // the --series introduced (needs --series)
  FailOn fail_on = FailOn::kAny;
  std::string progress;  // --progress auto|tty|plain; empty: HARNESS_PROGRESS, else auto
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& flags);
// The bounds of -j and --boot-timeout: no machine runs more than 1024 make jobs usefully, and a
// boot base over a day (times the arch's factor) is a typo, not a slow guest.
constexpr long long kMaxJobs = 1024;
constexpr long long kMaxBootTimeout = 24 * 60 * 60;
// A check for a whole-number option that says in words what it takes ("--jobs: must be a whole
// number from 1 to 1024, not '0'"), where CLI11's own ranges print a bound of 300 digits.
CLI::Validator WholeNumberFrom(long long low, long long high);
// --fail-on: a name of results/exit_code.h's table, made into its FailOn; any other text
// (a number too) is refused, naming the choices.
CLI::Validator FailOnNames();
// The flag when given, else the environment variable `name` when set, else `fallback`; absolute.
std::filesystem::path FlagOrEnv(const std::string& flag, std::string_view name, const std::filesystem::path& fallback);
// The file $GITHUB_STEP_SUMMARY names; a HarnessError when it is unset (--summary-to-env).
std::filesystem::path StepSummaryPath();
// The flags resolved against the environment (HARNESS_OUT, HARNESS_CACHE, HARNESS_DATA_DIR).
RunOptions MakeRunOptions(const CommonFlags& flags);
// The progress reporter the flags ask for: live lines on stderr when it is a terminal (or
// --progress tty), else plain lines. Stop() it before the summary is printed.
ProgressReporter MakeReporter(const CommonFlags& flags);
// Writes results.json (with `run` recorded in it) and junit.xml (and the --json/--junit copies),
// prints the summary and returns the exit code.
int Finish(const std::vector<CellResult>& results, const CommonFlags& flags, const RunOptions& options,
           const RunProvenance& run = {});

// Flags of the subcommands that expand a matrix into cells (run, corpus).
struct CellFlags {
  std::vector<std::string> arches;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

void AddCellFlags(CLI::App* cmd, CellFlags& flags);
// MakeRunOptions plus the arch filter and make -j.
RunOptions MakeRunOptions(const CommonFlags& flags, const CellFlags& cells);

// The arch called `name`; throws HarnessError listing the known ones.
const Arch& ArchNamed(const std::string& name);

// Whether the file starts with the ELF magic. A --vmlinux that does not was never a vmlinux: the
// wrong path was given (an input error, exit 2), not a kernel with a bad .BTF (a verdict, exit 1).
bool ClaimsToBeElf(const std::filesystem::path& path);

// `harness run`: every cell of a matrix.
struct RunArgs {
  std::string config_path;
  std::vector<std::string> fragments;
  std::string stop_after;
  std::vector<std::string> series_paths;
  bool skip_applied = false;
  bool define_output_format = false;
  bool no_baseline = false;             // --series without re-checking failing cells without it
  bool list = false;                    // print the cells and exclusions, run nothing
  std::vector<std::string> trees;       // --tree: only these trees
  std::vector<std::string> toolchains;  // --toolchain: only these toolchains
  std::string ccache_remote;            // --ccache-remote: a Redis server shared as ccache's remote storage
  std::string shard;                    // --shard K/N: only shard K of N (plan/shard.h)
  int list_shards = 0;                  // --list --shards N: every cell with its shard of N
  std::string run_id;                   // --run-id: stamped in results.json; empty: a fresh one
  bool record_history = false;          // --record-history: use the history even with ad-hoc flags
  CellFlags cells;
  CommonFlags common;
};
CLI::App* AddRun(CLI::App& app, RunArgs& args);
int RunCommand(const RunArgs& args, ProcessRunner& runner);

// `harness merge`: the output directories of every shard of a run, as one run's results.
struct MergeArgs {
  std::vector<std::string> dirs;
  std::string out_dir;
  FailOn fail_on = FailOn::kAny;
  bool summary_to_env = false;
  std::string run_id;  // --run-id: every shard must be of this run
  bool allow_missing = false;  // --allow-missing: a shard without results.json is reported, not refused
};
CLI::App* AddMerge(CLI::App& app, MergeArgs& args);
int MergeCommand(const MergeArgs& args);

// `harness ci github|gitlab`: a CI configuration running the matrix as shards, then a merge.
struct CiArgs {
  std::string system;
  int shards = 0;
  std::string matrix = "configs/default.yaml";
  std::string output;
  std::vector<std::string> runner_labels;  // --runner (repeatable)
  std::string image = "debian:bookworm";
  std::string schedule = "0 1 * * *";
  int timeout_minutes = 360;
  std::vector<std::string> run_args;  // after --: more `harness run` arguments for every shard
};
CLI::App* AddCi(CLI::App& app, CiArgs& args);
int CiCommand(const CiArgs& args);

// `harness corpus`: regression entries against their expected.yaml.
struct CorpusArgs {
  std::vector<std::string> names;
  std::string dir;
  std::string matrix;
  CellFlags cells;
  CommonFlags common;
};
CLI::App* AddCorpus(CLI::App& app, CorpusArgs& args);
int CorpusCommand(const CorpusArgs& args, ProcessRunner& runner);

// `harness inspect`: one vmlinux's .BTF, no processes run.
struct InspectArgs {
  std::string vmlinux;
  std::vector<std::string> modules;  // .ko files whose split BTF to read on top of the vmlinux's
  std::string arch;
  bool json = false;
};
CLI::App* AddInspect(CLI::App& app, InspectArgs& args);
int InspectCommand(const InspectArgs& args);

// `harness report`: report.html and summary.md again from a results.json, no processes run.
struct ReportArgs {
  std::string results;
  std::string to;
};
CLI::App* AddReport(CLI::App& app, ReportArgs& args);
int ReportCommand(const ReportArgs& args);

// `harness boot`: an existing build's image -> boot -> verify.
struct BootArgs {
  std::string arch;
  std::string kernel;
  std::string vmlinux;
  std::string module;  // --module: the test module built against that vmlinux, checked too
  CommonFlags common;
};
CLI::App* AddBoot(CLI::App& app, BootArgs& args);
int BootCommand(const BootArgs& args, ProcessRunner& runner);

// `harness --version`, `harness version`: the harness's version and what it was built with.
std::string VersionText();
CLI::App* AddVersion(CLI::App& app);  // the --version flag and the version subcommand
int VersionCommand();

// `harness cache prune`: old tree imports out of the cache. `harness cache import-tar`: the
// filter between the decompressor and `git fast-import` in a tree's import (tar_import.h).
struct CacheArgs {
  std::string cache_dir;
  bool dry_run = false;
  bool import_tar = false;
  std::string ref, message, ident;
  int strip_components = 1;
};
CLI::App* AddCache(CLI::App& app, CacheArgs& args);
int CacheCommand(const CacheArgs& args);

}  // namespace harness
