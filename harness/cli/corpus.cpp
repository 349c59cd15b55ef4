// `harness corpus`: runs regression entries (kernel-patches/regressions/*) on a matrix's trees
// and arches and compares each cell with the entry's expected.yaml.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/config/matrix.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/plan/corpus.h"
#include "harness/report/report.h"

namespace harness {

CLI::App* AddCorpus(CLI::App& app, CorpusArgs& args) {
  CLI::App* corpus = app.add_subcommand("corpus", "run regression corpus entries and compare with their expected.yaml");
  corpus->add_option("entries", args.names, "entry names (default: all)");
  corpus->add_option("--dir", args.dir, "corpus directory (default: kernel-patches/regressions in the data dir)");
  corpus->add_option("--matrix", args.matrix, "matrix whose trees, arches and kconfig to use (default: configs/default.yaml)");
  AddCellFlags(corpus, args.cells);
  AddCommonFlags(corpus, args.common);
  return corpus;
}

int CorpusCommand(const CorpusArgs& args, ProcessRunner& runner) {
  RunOptions options = MakeRunOptions(args.common, args.cells);
  const auto dir = args.dir.empty() ? options.data_dir / "kernel-patches" / "regressions" : std::filesystem::path(args.dir);
  const auto entries = LoadCorpus(dir, args.names);
  const auto matrix_path =
      args.matrix.empty() ? options.data_dir / "configs" / "default.yaml" : std::filesystem::path(args.matrix);
  MatrixConfig config = CorpusMatrix(LoadMatrix(matrix_path), entries);
  std::cerr << "harness: corpus of " << entries.size() << " entries from " << dir.string() << ", output in "
            << options.out_dir.string() << "\n";
  ProgressReporter reporter = MakeReporter(args.common);
  Pipeline pipeline(runner, reporter, options, RealHost());
  const std::vector<CellResult> results = pipeline.Run(config);
  reporter.Stop();
  const int code = Finish(results, args.common, options);
  const auto rows = CompareCorpus(entries, results);
  WriteFileAtomic(OutLayout(options.out_dir).CorpusFile(), CorpusJson(rows));
  PrintCorpus(std::cout, rows);
  std::cout << "corpus: " << OutLayout(options.out_dir).CorpusFile().string() << "\n";
  if (code == kExitHarnessError || code == kExitBisectAbort) return code;
  bool all_agree = !rows.empty();
  for (const auto& r : rows) all_agree &= r.agree;
  return all_agree ? kExitPass : kExitCellFailed;
}

}  // namespace harness
