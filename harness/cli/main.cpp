// harness: builds kernels for several arches, boots them under QEMU and checks that
// /sys/kernel/btf/vmlinux is the .BTF section of the vmlinux that was built.
// main reads as the list of passes; all printing happens in report/.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "harness/arch/arch.h"
#include "harness/cli/bisect_command.h"
#include "harness/config/matrix.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/elf/inspector.h"
#include "harness/plan/corpus.h"
#include "harness/plan/plan.h"
#include "harness/proc/runner.h"
#include "harness/report/report.h"
#include "harness/verify/verify.h"

#ifndef HARNESS_DEFAULT_DATA_DIR
#define HARNESS_DEFAULT_DATA_DIR "."
#endif

namespace harness {
namespace {

std::filesystem::path EnvOr(const char* name, const std::filesystem::path& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::filesystem::path(value) : fallback;
}

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
  bool bisect = false;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags& flags) {
  cmd->add_option("--out", flags.out_dir, "output directory: per-cell builds, logs, artifacts (env HARNESS_OUT, default ./harness-out)");
  cmd->add_option("--cache", flags.cache_dir, "cache for unpacked trees and probes (env HARNESS_CACHE, default ~/.cache/harness)");
  cmd->add_option("--data-dir", flags.data_dir, "directory holding configs/ and images/ (env HARNESS_DATA_DIR)");
  cmd->add_option("--json", flags.json_path, "also write the results as JSON here");
  cmd->add_option("--junit", flags.junit_path, "also write the results as JUnit XML here");
  cmd->add_option("--cmdline", flags.cmdline, "extra guest kernel command line");
  cmd->add_option("--boot-timeout", flags.boot_timeout, "boot timeout base in seconds (times the arch factor)")->check(CLI::PositiveNumber);
  cmd->add_option("--accel", flags.accel,
                  "QEMU accelerator: auto (KVM on trial, TCG when KVM fails; the default), kvm, tcg; overrides the matrix's accel:")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  cmd->add_flag("-v,--verbose", flags.verbose, "stream build output and the guest console");
  cmd->add_flag("--bisect", flags.bisect, "for git bisect run: harness errors exit 255 (abort) instead of 2");
}

RunOptions MakeRunOptions(const CommonFlags& flags) {
  RunOptions options;
  options.out_dir = std::filesystem::absolute(
      flags.out_dir.empty() ? EnvOr("HARNESS_OUT", "harness-out") : std::filesystem::path(flags.out_dir));
  options.cache_dir = std::filesystem::absolute(
      flags.cache_dir.empty() ? DefaultCacheDir() : std::filesystem::path(flags.cache_dir));
  options.data_dir = std::filesystem::absolute(
      flags.data_dir.empty() ? EnvOr("HARNESS_DATA_DIR", HARNESS_DEFAULT_DATA_DIR) : std::filesystem::path(flags.data_dir));
  options.extra_cmdline = flags.cmdline;
  if (flags.boot_timeout > 0) options.boot_timeout = flags.boot_timeout;
  if (!flags.accel.empty()) options.accel = ParseAccelChoice(flags.accel);
  return options;
}

int Finish(const std::vector<CellResult>& results, const CommonFlags& flags, const RunOptions& options) {
  // Results always land next to the logs; --json/--junit add copies where CI wants them. Written
  // before anything is printed, so a closed stdout (`| head`) cannot cost them, and atomically,
  // so a full disk leaves the previous file, never half of one.
  WriteFileAtomic(options.out_dir / "results.json", ResultsJson(results));
  WriteFileAtomic(options.out_dir / "junit.xml", ResultsJUnit(results));
  if (!flags.json_path.empty()) WriteFileAtomic(flags.json_path, ResultsJson(results));
  if (!flags.junit_path.empty()) WriteFileAtomic(flags.junit_path, ResultsJUnit(results));
  PrintSummary(std::cout, results);
  std::cout << "results: " << (options.out_dir / "results.json").string() << ", "
            << (options.out_dir / "junit.xml").string() << "\n";
  int code = ExitCodeFor(results);
  if (code == kExitHarnessError && flags.bisect) return kExitBisectAbort;
  return code;
}

int Main(int argc, char** argv) {
  CLI::App app{"harness: cross-arch kernel build, boot and /sys/kernel/btf/vmlinux verification"};
  app.require_subcommand(1);

  CommonFlags run_flags;
  std::string config_path;
  std::vector<std::string> arches;
  std::vector<std::string> fragments;
  std::string stop_after;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* run = app.add_subcommand("run", "run every cell of a matrix: config, build, inspect, boot, verify");
  run->add_option("config", config_path, "matrix YAML (default: configs/default.yaml in the data dir)");
  run->add_option("--arch", arches, "only these arches (repeatable)");
  run->add_option("-j,--jobs", jobs, "make -j (default: number of CPUs)")->check(CLI::PositiveNumber);
  run->add_option("--fragment", fragments, "extra kconfig fragment applied last (repeatable)");
  run->add_option("--stop-after", stop_after, "stop each cell after this stage")->check(CLI::IsMember({"build", "inspect"}));
  std::vector<std::string> series_paths;
  bool skip_applied = false;
  run->add_option("--series", series_paths,
                  "pre-merge mode: run the matrix with this series applied (a kernel-patches/ directory, an mbox or a .patch; repeatable)");
  run->add_flag("--skip-applied", skip_applied, "skip patches already in the tree instead of failing the cell");
  bool define_output_format = false;
  run->add_flag("--define-output-format", define_output_format,
                "append a generated patch defining CONFIG_OUTPUT_FORMAT for arches whose Kconfig lacks it (the 2019 local fix)");
  AddCommonFlags(run, run_flags);

  CommonFlags corpus_flags;
  std::vector<std::string> corpus_names, corpus_arches;
  std::string corpus_dir, corpus_matrix;
  CLI::App* corpus = app.add_subcommand("corpus", "run regression corpus entries and compare with their expected.yaml");
  corpus->add_option("entries", corpus_names, "entry names (default: all)");
  corpus->add_option("--dir", corpus_dir, "corpus directory (default: kernel-patches/regressions in the data dir)");
  corpus->add_option("--matrix", corpus_matrix, "matrix whose trees, arches and kconfig to use (default: configs/default.yaml)");
  corpus->add_option("--arch", corpus_arches, "only these arches (repeatable)");
  corpus->add_option("-j,--jobs", jobs, "make -j (default: number of CPUs)")->check(CLI::PositiveNumber);
  AddCommonFlags(corpus, corpus_flags);

  std::string inspect_path;
  bool inspect_json = false;
  CLI::App* inspect = app.add_subcommand("inspect", "read a vmlinux's .BTF section and check it");
  inspect->add_option("vmlinux", inspect_path, "the vmlinux ELF")->required();
  inspect->add_flag("--json", inspect_json, "print JSON");
  std::string inspect_arch;
  inspect->add_option("--arch", inspect_arch, "flag a vmlinux that is not of this arch");

  CommonFlags boot_flags;
  std::string boot_arch, boot_kernel, boot_vmlinux;
  CLI::App* boot = app.add_subcommand("boot", "boot an existing build and verify /sys/kernel/btf/vmlinux");
  boot->add_option("--arch", boot_arch, "target arch")->required();
  boot->add_option("--kernel", boot_kernel, "boot image (bzImage, Image)")->required();
  boot->add_option("--vmlinux", boot_vmlinux, "the vmlinux of the same build")->required();
  AddCommonFlags(boot, boot_flags);

  BisectArgs bisect_args;
  CLI::App* bisect = AddBisectCommand(app, bisect_args);
  CLI::App* bisect_step = AddBisectStepCommand(app, bisect_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitHarnessError;
  }

  if (bisect->parsed()) return BisectCommand(bisect_args);
  if (bisect_step->parsed()) return BisectStepCommand(bisect_args);

  try {
    if (inspect->parsed()) {
      VmlinuxInfo info = InspectVmlinux(inspect_path);
      if (!inspect_arch.empty()) {
        const Arch* arch = FindArch(inspect_arch);
        if (!arch) throw HarnessError("unknown arch '" + inspect_arch + "' (known: " + KnownArchNames() + ")");
        if (auto wrong = CheckVmlinuxArch(*arch, info); !wrong.empty()) info.problems.insert(info.problems.begin(), wrong);
      }
      if (inspect_json) std::cout << InspectionJson(info);
      else PrintInspection(std::cout, info);
      return info.problems.empty() ? kExitPass : kExitCellFailed;
    }

    auto runner = MakeRealRunner();
    InstallInterruptHandlers();
    if (boot->parsed()) {
      const Arch* arch = FindArch(boot_arch);
      if (!arch) throw HarnessError("unknown arch '" + boot_arch + "' (known: " + KnownArchNames() + ")");
      RunOptions options = MakeRunOptions(boot_flags);
      TerminalReporter reporter(std::cerr, boot_flags.verbose);
      Pipeline pipeline(*runner, reporter, options);
      auto result = pipeline.BootExisting(*arch, std::filesystem::absolute(boot_kernel),
                                          std::filesystem::absolute(boot_vmlinux));
      return Finish({result}, boot_flags, options);
    }

    if (corpus->parsed()) {
      RunOptions options = MakeRunOptions(corpus_flags);
      options.jobs = jobs;
      options.only_arches = corpus_arches;
      const auto dir = corpus_dir.empty() ? options.data_dir / "kernel-patches" / "regressions" : std::filesystem::path(corpus_dir);
      const auto entries = LoadCorpus(dir, corpus_names);
      const auto matrix_path = corpus_matrix.empty() ? options.data_dir / "configs" / "default.yaml" : std::filesystem::path(corpus_matrix);
      MatrixConfig config = CorpusMatrix(LoadMatrix(matrix_path), entries);
      TerminalReporter reporter(std::cerr, corpus_flags.verbose);
      Pipeline pipeline(*runner, reporter, options);
      std::cerr << "harness: corpus of " << entries.size() << " entries from " << dir.string() << ", output in "
                << options.out_dir.string() << "\n";
      auto results = pipeline.Run(config);
      const int code = Finish(results, corpus_flags, options);
      const auto rows = CompareCorpus(entries, results);
      WriteFileAtomic(options.out_dir / "corpus.json", CorpusJson(rows));
      PrintCorpus(std::cout, rows);
      std::cout << "corpus: " << (options.out_dir / "corpus.json").string() << "\n";
      if (code == kExitHarnessError || code == kExitBisectAbort) return code;
      bool all_agree = !rows.empty();
      for (const auto& r : rows) all_agree &= r.agree;
      return all_agree ? kExitPass : kExitCellFailed;
    }

    RunOptions options = MakeRunOptions(run_flags);
    options.jobs = jobs;
    options.skip_applied = skip_applied;
    options.define_output_format = define_output_format;
    options.only_arches = arches;
    for (const auto& f : fragments) options.extra_fragments.push_back(std::filesystem::absolute(f));
    if (stop_after == "build" || stop_after == "inspect") options.stop_after = Stage::kInspect;
    const std::filesystem::path matrix =
        config_path.empty() ? options.data_dir / "configs" / "default.yaml" : std::filesystem::path(config_path);
    MatrixConfig config = LoadMatrix(matrix);
    // Series paths in a matrix are relative to the data dir (kernel-patches/...).
    for (auto& series : config.series) {
      if (!series.path.empty() && series.path.is_relative()) series.path = options.data_dir / series.path;
    }
    if (!series_paths.empty()) {
      config.series.clear();
      // A series is named after its file's stem or its directory; the name keys its cells and
      // output directory, so two with one name would silently collapse into one.
      std::map<std::string, std::string> named;  // name -> the --series that gave it
      for (const auto& path : series_paths) {
        std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
        if (!std::filesystem::exists(p)) throw HarnessError("--series '" + path + "' does not exist");
        std::string name = (std::filesystem::is_directory(p) ? p.filename() : p.stem()).string();
        if (name.empty()) name = "series";
        if (name == "none") {
          throw HarnessError("--series '" + path + "' would be named 'none', which means the tree without patches; "
                             "rename it");
        }
        if (auto [it, inserted] = named.emplace(name, path); !inserted) {
          throw HarnessError("--series '" + it->second + "' and --series '" + path + "' are both named '" + name +
                             "' (a series is named after its file or directory); rename one");
        }
        config.series.push_back({name, p});
      }
    }
    TerminalReporter reporter(std::cerr, run_flags.verbose);
    Pipeline pipeline(*runner, reporter, options);
    std::cerr << "harness: " << matrix.string() << ", output in " << options.out_dir.string() << "\n";
    auto results = pipeline.Run(config);
    return Finish(results, run_flags, options);
  } catch (const HarnessError& e) {
    std::cerr << "harness: error: " << e.what() << "\n";
    return (run->parsed() && run_flags.bisect) || (boot->parsed() && boot_flags.bisect) ||
                   (corpus->parsed() && corpus_flags.bisect)
               ? kExitBisectAbort
                                                                                      : kExitHarnessError;
  } catch (const std::exception& e) {
    std::cerr << "harness: internal error: " << e.what() << "\n";
    return kExitHarnessError;
  }
}

}  // namespace
}  // namespace harness

int main(int argc, char** argv) { return harness::Main(argc, argv); }
