// `harness report`: writes report.html and summary.md from an existing results.json, e.g. for a
// run made before the page existed or a directory copied from CI. Links are relative to the
// directory of results.json unless --to names another directory.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/out_layout.h"
#include "harness/core/util.h"
#include "harness/report/html_report.h"
#include "harness/report/report.h"

namespace harness {

CLI::App* AddReport(CLI::App& app, ReportArgs& args) {
  CLI::App* report = app.add_subcommand("report", "write report.html and summary.md from a results.json");
  report->add_option("results", args.results, "a results.json written by harness run")->required();
  report->add_option("--to", args.to, "write the pages here (default: the directory of results.json)");
  return report;
}

int ReportCommand(const ReportArgs& args) {
  const std::filesystem::path results_path = std::filesystem::absolute(args.results);
  if (!std::filesystem::is_regular_file(results_path)) {
    throw HarnessError("'" + args.results + "' is not a file (give a results.json)");
  }
  const auto results = ResultsFromJson(ReadFile(results_path), args.results);
  const std::filesystem::path to = args.to.empty() ? results_path.parent_path() : std::filesystem::absolute(args.to);
  std::filesystem::create_directories(to);
  WriteReportPages(results, to);
  std::cout << OutLayout(to).ReportPage().string() << "\n" << OutLayout(to).SummaryPage().string() << "\n";
  return kExitPass;
}

}  // namespace harness
