#pragma once
// The regression corpus: each entry is a series plus the verdicts it must produce. Running it
// proves the harness's verdicts are right when the kernel is wrong.
#include <filesystem>
#include <string>
#include <vector>

#include "harness/config/expected.h"
#include "harness/config/matrix.h"
#include "harness/results/results.h"

namespace harness {

// Entries under `dir` (every subdirectory with an expected.yaml), or only `names`, sorted.
// Throws HarnessError on an unknown name or a bad expected.yaml.
std::vector<CorpusEntry> LoadCorpus(const std::filesystem::path& dir, const std::vector<std::string>& names);

// The matrix `base` with its series replaced by the corpus entries.
MatrixConfig CorpusMatrix(const MatrixConfig& base, const std::vector<CorpusEntry>& entries);

// One row per (entry, arch) that has both an expectation and a result.
std::vector<CorpusRow> CompareCorpus(const std::vector<CorpusEntry>& entries, const std::vector<CellResult>& results);

// What a cell showed, in the same words as an expectation.
std::string DescribeObserved(const CellResult& result);

}  // namespace harness
