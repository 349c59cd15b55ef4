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
#include "harness/core/spelling.h"
#include "harness/core/util.h"

namespace harness {
namespace {

// The message for a word meant as a subcommand that names none ("unknown command 'runn' (did you
// mean 'run'?)"); empty when there is none. CLI11 alone would take the word for a stray argument
// and say only that a subcommand is required. Neither the top level nor `cache` has an option
// taking a value, so the first word not starting with '-' is the one meant as their subcommand.
std::string UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* parent = &app;
  std::string path;  // "cache " under `harness cache`
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word.empty() || word[0] == '-') continue;
    const std::vector<CLI::App*> commands = parent->get_subcommands({});
    if (commands.empty()) return {};  // the word is an argument of the command given
    std::vector<std::string_view> known;
    CLI::App* named = nullptr;
    for (CLI::App* command : commands) {
      if (command->get_name() == word) named = command;
      if (!command->get_group().empty()) known.push_back(command->get_name());  // hidden: never suggested
    }
    if (named) {
      parent = named;
      path += std::string(word) + " ";
      continue;
    }
    std::string message = "unknown command '" + path + std::string(word) + "'";
    if (const std::string_view near = NearestName(word, known); !near.empty()) {
      message += " (did you mean '" + path + std::string(near) + "'?)";
    }
    std::vector<std::string> names(known.begin(), known.end());
    return message + "; the commands are " + Join(names, ", ") + " (harness " + path + "--help says what each does)";
  }
  return {};
}

// Under `git bisect run` (bisect-step, or --bisect) a command line this harness cannot read
// (a step command from another build of it) must abort the bisect: 2 would mark the commit bad.
bool UnderGitBisect(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "bisect-step" || std::string_view(argv[i]) == "--bisect") return true;
  }
  return false;
}

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
  CLI::App* version = AddVersion(app);

  if (const std::string unknown = UnknownCommand(app, argc, argv); !unknown.empty()) {
    std::cerr << "harness: error: " << unknown << "\n";
    return UnderGitBisect(argc, argv) ? kExitBisectAbort : kExitHarnessError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    if (code == 0) return 0;
    return UnderGitBisect(argc, argv) ? kExitBisectAbort : kExitHarnessError;
  }

  // Bisect has its own exit codes (bisect_command.h) and handles its own errors.
  if (bisect_cmd->parsed()) return BisectCommand(bisect_args);
  if (bisect_step->parsed()) return BisectStepCommand(bisect_args);

  // `git bisect run` must not mark a commit bad because the machine failed: the given
  // subcommand's --bisect turns a harness error into an abort.
  const bool bisect = (run->parsed() && run_args.common.bisect) || (corpus->parsed() && corpus_args.common.bisect) ||
                      (boot->parsed() && boot_args.common.bisect);
  try {
    if (version->parsed()) return VersionCommand();
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
