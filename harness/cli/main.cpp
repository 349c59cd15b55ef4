// harness: builds kernels for several arches, boots them under QEMU and checks that
// /sys/kernel/btf/vmlinux is the .BTF section of the vmlinux that was built.
// Main parses the command line and hands over to the one subcommand given (commands.h); all
// printing of results happens in report/.
#include <iostream>
#include <stdexcept>
#include <string_view>

#include "harness/cli/bisect_command.h"
#include "harness/cli/commands.h"
#include "harness/core/error.h"

namespace harness {
namespace {

int Main(int argc, char** argv) {
  CLI::App app{"harness: cross-arch kernel build, boot and /sys/kernel/btf/vmlinux verification"};
  app.require_subcommand(1);
  RunArgs run_args;
  CorpusArgs corpus_args;
  InspectArgs inspect_args;
  BootArgs boot_args;
  ReportArgs report_args;
  CLI::App* run = AddRun(app, run_args);
  CLI::App* corpus = AddCorpus(app, corpus_args);
  CLI::App* inspect = AddInspect(app, inspect_args);
  CLI::App* boot = AddBoot(app, boot_args);
  CacheArgs cache_args;
  CLI::App* cache = AddCache(app, cache_args);
  CLI::App* report = AddReport(app, report_args);
  MergeArgs merge_args;
  CLI::App* merge = AddMerge(app, merge_args);
  CiArgs ci_args;
  CLI::App* ci = AddCi(app, ci_args);
  BisectArgs bisect_args;
  CLI::App* bisect_cmd = AddBisectCommand(app, bisect_args);
  CLI::App* bisect_step = AddBisectStepCommand(app, bisect_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    if (code == 0) return 0;
    // Under `git bisect run` (bisect-step, or --bisect) a command line this harness cannot read
    // (a step command from another build of it) must abort the bisect: 2 would mark the commit bad.
    for (int i = 1; i < argc; ++i) {
      if (std::string_view(argv[i]) == "bisect-step" || std::string_view(argv[i]) == "--bisect") {
        return kExitBisectAbort;
      }
    }
    return kExitHarnessError;
  }

  // Bisect has its own exit codes (bisect_command.h) and handles its own errors.
  if (bisect_cmd->parsed()) return BisectCommand(bisect_args);
  if (bisect_step->parsed()) return BisectStepCommand(bisect_args);

  // `git bisect run` must not mark a commit bad because the machine failed: the given
  // subcommand's --bisect turns a harness error into an abort.
  const bool bisect = (run->parsed() && run_args.common.bisect) || (corpus->parsed() && corpus_args.common.bisect) ||
                      (boot->parsed() && boot_args.common.bisect);
  try {
    if (inspect->parsed()) return InspectCommand(inspect_args);
    if (cache->parsed()) return CacheCommand(cache_args);
    if (report->parsed()) return ReportCommand(report_args);
    if (merge->parsed()) return MergeCommand(merge_args);
    if (ci->parsed()) return CiCommand(ci_args);
    auto runner = MakeRealRunner();
    InstallInterruptHandlers();
    if (run->parsed()) return RunCommand(run_args, *runner);
    if (corpus->parsed()) return CorpusCommand(corpus_args, *runner);
    if (boot->parsed()) return BootCommand(boot_args, *runner);
    throw std::logic_error("no subcommand was parsed");
  } catch (const HarnessError& e) {
    std::cerr << "harness: error: " << e.what() << "\n";
    return bisect ? kExitBisectAbort : kExitHarnessError;
  } catch (const std::exception& e) {
    std::cerr << "harness: internal error: " << e.what() << "\n";
    return bisect ? kExitBisectAbort : kExitHarnessError;  // never blames a commit either
  }
}

}  // namespace
}  // namespace harness

int main(int argc, char** argv) { return harness::Main(argc, argv); }
