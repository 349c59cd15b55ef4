#pragma once
// `harness bisect` (find the commit or patch that broke a cell) and the hidden `harness
// bisect-step` that `git bisect run` calls for each commit. The driving is in harness/bisect;
// this file holds the command line and the probe that runs a cell through the pipeline.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace harness {

struct BisectArgs {
  std::string tree, good, bad, series, arch, matrix, stop_after;
  std::vector<std::string> bad_if;
  std::string out_dir, cache_dir, data_dir;
  int jobs = 0;  // 0: number of CPUs
  bool resume = false;
  bool verbose = false;
  std::string state_dir;  // bisect-step
};

CLI::App* AddBisectCommand(CLI::App& app, BisectArgs& args);
CLI::App* AddBisectStepCommand(CLI::App& app, BisectArgs& args);

// Exit 0: the first bad commit (or patch) was found; 1: inconclusive (only skipped points were
// left); 2: the bisect could not run (bad input, endpoints not good and bad, a harness error).
int BisectCommand(const BisectArgs& args);
// For git bisect run: 0 good, 1 bad, 125 skip, 255 abort (a harness or machine failure).
int BisectStepCommand(const BisectArgs& args);

}  // namespace harness
