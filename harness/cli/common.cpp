// What run, corpus and boot share: the common flags, their defaults from the environment, and
// how results are written and turned into an exit code.
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/plan/baseline.h"
#include "harness/report/history.h"
#include "harness/report/live.h"
#include "harness/report/html_report.h"
#include "harness/report/summary.h"
#include "harness/report/report.h"

#ifndef HARNESS_DEFAULT_DATA_DIR
#define HARNESS_DEFAULT_DATA_DIR "."
#endif

namespace harness {
namespace {

// A flag's value, else the environment variable when set and not empty, else the fallback.

}  // namespace

std::filesystem::path StepSummaryPath() {
  const auto value = RealHost().Env("GITHUB_STEP_SUMMARY");
  if (!value || value->empty()) {
    throw HarnessError("--summary-to-env: GITHUB_STEP_SUMMARY is not set (CI sets it to the file a step summary is "
                       "appended to); set it, or drop --summary-to-env and use summary.md in the output directory");
  }
  return *value;
}

std::filesystem::path FlagOrEnv(const std::string& flag, std::string_view name, const std::filesystem::path& fallback) {
  if (!flag.empty()) return std::filesystem::absolute(flag);
  const auto value = RealHost().Env(name);
  return std::filesystem::absolute(value && !value->empty() ? std::filesystem::path(*value) : fallback);
}

CLI::Validator WholeNumberFrom(long long low, long long high) {
  const std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [low, high, range](std::string& value) -> std::string {
        long long number = 0;
        const char* end = value.data() + value.size();
        const auto [stop, error] = std::from_chars(value.data(), end, number);
        if (error == std::errc() && stop == end && number >= low && number <= high) return {};
        return "must be a whole number from " + range + ", not '" + value + "'";
      },
      "INT:" + range, "");
}

void AddCommonFlags(CLI::App* cmd, CommonFlags& flags) {
  cmd->add_option("--out", flags.out_dir, "output directory: per-cell builds, logs, artifacts (env HARNESS_OUT, default ./harness-out)");
  cmd->add_option("--cache", flags.cache_dir, "cache for unpacked trees and probes (env HARNESS_CACHE, default ~/.cache/harness)");
  cmd->add_option("--data-dir", flags.data_dir, "directory holding configs/ and images/ (env HARNESS_DATA_DIR)");
  cmd->add_option("--json", flags.json_path,
                  "also write the results as JSON here (run --list: the cells, with their shards and estimates)");
  cmd->add_option("--junit", flags.junit_path, "also write the results as JUnit XML here");
  cmd->add_option("--cmdline", flags.cmdline, "extra guest kernel command line");
  cmd->add_option("--boot-timeout", flags.boot_timeout, "boot timeout base in seconds (times the arch factor)")
      ->check(WholeNumberFrom(1, kMaxBootTimeout));
  cmd->add_option("--accel", flags.accel,
                  "QEMU accelerator: auto (KVM on trial, TCG when KVM fails; the default), kvm, tcg; overrides the matrix's accel:")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  cmd->add_flag("-v,--verbose", flags.verbose, "stream build output and the guest console");
  cmd->add_flag("--bisect", flags.bisect, "for git bisect run: harness errors exit 255 (abort) instead of 2");
  cmd->add_flag("--no-wait", flags.no_wait,
                "when another harness is using --out, stop with an error naming it instead of waiting for it");
  cmd->add_option("--progress", flags.progress,
                  "auto (default): live lines per running cell when stderr is a terminal, else plain timestamped "
                  "lines; tty: always live; plain: never (env HARNESS_PROGRESS)")
      ->check(CLI::IsMember({"auto", "tty", "plain"}));
  cmd->add_flag("--summary-to-env", flags.summary_to_env,
                "also append summary.md to the file named by $GITHUB_STEP_SUMMARY (a CI step summary)");
}

RunOptions MakeRunOptions(const CommonFlags& flags) {
  RunOptions options;
  options.out_dir = FlagOrEnv(flags.out_dir, "HARNESS_OUT", "harness-out");
  options.cache_dir = ResolveCacheDir(flags.cache_dir, RealHost());
  options.data_dir = FlagOrEnv(flags.data_dir, "HARNESS_DATA_DIR", HARNESS_DEFAULT_DATA_DIR);
  options.extra_cmdline = flags.cmdline;
  if (flags.boot_timeout > 0) options.boot_timeout = flags.boot_timeout;
  if (!flags.accel.empty()) options.accel = ParseAccelChoice(flags.accel);
  options.wait_for_out = !flags.no_wait;
  if (flags.summary_to_env) StepSummaryPath();  // unset is an error now, not after the run
  return options;
}

void AddCellFlags(CLI::App* cmd, CellFlags& flags) {
  cmd->add_option("--arch", flags.arches, "only these arches (repeatable)");
  cmd->add_option("-j,--jobs", flags.jobs, "make -j (default: number of CPUs)")->check(WholeNumberFrom(1, kMaxJobs));
}

RunOptions MakeRunOptions(const CommonFlags& flags, const CellFlags& cells) {
  RunOptions options = MakeRunOptions(flags);
  options.jobs = cells.jobs;
  options.only_arches = cells.arches;
  return options;
}

ProgressReporter MakeReporter(const CommonFlags& flags) {
  const Host& host = RealHost();
  const auto env = host.Env("HARNESS_PROGRESS");
  const ProgressMode mode = !flags.progress.empty()  ? ParseProgressMode(flags.progress, "--progress")
                            : env && !env->empty() ? ParseProgressMode(*env, "HARNESS_PROGRESS")
                                                   : ProgressMode::kAuto;
  const bool live = UseLiveProgress(mode, ::isatty(STDERR_FILENO) == 1, host.Env("TERM").value_or(""));
  return ProgressReporter(std::cerr, flags.verbose, live);
}

int Finish(const std::vector<CellResult>& run_results, const CommonFlags& flags, const RunOptions& options,
           const RunProvenance& run) {
  // With a history, each cell is classed against the last run before anything is written, and
  // this run is kept. A history that cannot be written costs the run its exit status (2), never
  // its results.
  std::vector<CellResult> results = run_results;
  std::string history_error;
  if (!flags.history_dir.empty()) {
    try {
      for (const auto& w : ApplyHistory(results, std::filesystem::absolute(flags.history_dir), UtcNow())) {
        std::cerr << "harness: warning: " << w << "\n";
      }
    } catch (const HarnessError& e) {
      history_error = e.what();
    }
  }
  // Results always land next to the logs; --json/--junit add copies where CI wants them. Written
  // before anything is printed, so a closed stdout (`| head`) cannot cost them, and atomically,
  // so a full disk leaves the previous file, never half of one.
  const OutLayout out(options.out_dir);
  WriteFileAtomic(out.ResultsFile(), ResultsJson(results, run));
  WriteFileAtomic(out.JUnitFile(), ResultsJUnit(results));
  WriteReportPages(results, options.out_dir);  // report.html, summary.md
  if (!flags.json_path.empty()) WriteFileAtomic(flags.json_path, ResultsJson(results, run));
  if (!flags.junit_path.empty()) WriteFileAtomic(flags.junit_path, ResultsJUnit(results));
  PrintSummary(std::cout, results);
  std::cout << "results: " << out.ResultsFile().string() << ", " << out.JUnitFile().string() << "\n";
  if (flags.summary_to_env) {
    const std::filesystem::path summary = StepSummaryPath();
    std::ofstream out(summary, std::ios::app);
    out << SummaryMarkdown(results);
    if (!out.flush()) {
      std::cerr << "harness: error: cannot append the summary to '" << summary.string() << "' (GITHUB_STEP_SUMMARY)\n";
      return flags.bisect ? kExitBisectAbort : kExitHarnessError;
    }
  }
  int code = ExitCodeFor(results, flags.fail_on);
  if (!history_error.empty()) {
    std::cerr << "harness: error: " << history_error << "\n";
    code = kExitHarnessError;
  }
  if (code == kExitHarnessError && flags.bisect) return kExitBisectAbort;
  return code;
}

bool ClaimsToBeElf(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == sizeof magic && std::memcmp(magic, "\x7f" "ELF", sizeof magic) == 0;
}

CLI::Validator FailOnNames() {
  return CLI::Validator(
      [](std::string& text) {
        const auto value = LookupName(kFailOnNames, text);
        if (!value) return "'" + text + "': expected " + NamesOf(kFailOnNames);
        text = std::to_string(static_cast<int>(*value));
        return std::string();
      },
      "any|new|introduced");
}

const Arch& ArchNamed(const std::string& name) {
  const Arch* arch = FindArch(name);
  if (!arch) throw HarnessError(UnknownArchMessage(name));
  return *arch;
}

}  // namespace harness
