#include "harness/plan/corpus.h"

#include <algorithm>
#include <charconv>

#include "harness/core/error.h"

namespace harness {
namespace {

std::string Describe(const ExpectedCell& e) {
  std::string text = e.stage + "/" + e.verdict;
  if (!e.step.empty()) text += " step=" + e.step;
  if (!e.option.empty()) text += " option=" + e.option;
  if (e.offset) {
    text += " offset=" + std::to_string(*e.offset);
    if (e.offset_slack) text += "+" + std::to_string(e.offset_slack);
  }
  return text;
}

bool Agrees(const ExpectedCell& e, const CellResult& r) {
  if (!r.error.empty()) return false;
  if (std::string(StageName(r.stage)) != e.stage || VerdictToken(r.verdict) != e.verdict) return false;
  if (!e.step.empty() && Fact(r, FactKey::kBuildStep) != e.step) return false;
  if (!e.option.empty()) {
    const std::string dropped = "," + Fact(r, FactKey::kDroppedOptions) + ",";
    if (dropped.find("," + e.option + ",") == std::string::npos) return false;
  }
  if (e.offset) {
    const std::string offset = Fact(r, FactKey::kOffset);
    if (offset.empty()) return false;
    std::uint64_t got = 0;
    const auto [end, ec] = std::from_chars(offset.data(), offset.data() + offset.size(), got);
    if (ec != std::errc() || end != offset.data() + offset.size()) {
      throw HarnessError("cell '" + r.cell + "': offset '" + offset + "' is not a byte offset (" +
                         (ec == std::errc::result_out_of_range ? "out of range" : "not a number") + ")");
    }
    // Subtracting, not adding, so a slack near 2^64 cannot wrap around.
    if (got < *e.offset || got - *e.offset > e.offset_slack) return false;
  }
  return true;
}

}  // namespace

std::vector<CorpusEntry> LoadCorpus(const std::filesystem::path& dir, const std::vector<std::string>& names) {
  if (!std::filesystem::is_directory(dir)) throw HarnessError("corpus directory '" + dir.string() + "' does not exist");
  std::vector<CorpusEntry> entries;
  if (names.empty()) {
    for (const auto& item : std::filesystem::directory_iterator(dir)) {
      if (item.is_directory() && std::filesystem::exists(item.path() / "expected.yaml")) {
        entries.push_back(LoadCorpusEntry(item.path()));
      }
    }
  } else {
    for (const auto& name : names) {
      if (name.find('/') != std::string::npos || !std::filesystem::is_directory(dir / name)) {
        throw HarnessError("no corpus entry '" + name + "' in " + dir.string());
      }
      entries.push_back(LoadCorpusEntry(dir / name));
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  if (entries.empty()) throw HarnessError("no corpus entries (directories with expected.yaml) in " + dir.string());
  return entries;
}

MatrixConfig CorpusMatrix(const MatrixConfig& base, const std::vector<CorpusEntry>& entries) {
  MatrixConfig config = base;
  config.series.clear();
  for (const auto& entry : entries) config.series.push_back({entry.name, entry.dir});
  // Only the arches some entry has an expectation for: a cell nobody compares is a wasted build
  // (the default matrix has arches the corpus was not recorded on).
  std::erase_if(config.arches, [&](const std::string& arch) {
    return std::none_of(entries.begin(), entries.end(), [&](const CorpusEntry& e) { return e.expect.count(arch) > 0; });
  });
  return config;
}

std::string DescribeObserved(const CellResult& r) {
  if (!r.error.empty()) return "harness error: " + r.error;
  std::string text = std::string(StageName(r.stage)) + "/" + VerdictToken(r.verdict);
  if (!Fact(r, FactKey::kBuildStep).empty()) text += " step=" + Fact(r, FactKey::kBuildStep);
  if (!Fact(r, FactKey::kDroppedOptions).empty()) text += " option=" + Fact(r, FactKey::kDroppedOptions);
  if (!Fact(r, FactKey::kOffset).empty()) text += " offset=" + Fact(r, FactKey::kOffset);
  return text;
}

std::vector<CorpusRow> CompareCorpus(const std::vector<CorpusEntry>& entries, const std::vector<CellResult>& results) {
  std::vector<CorpusRow> rows;
  for (const auto& entry : entries) {
    for (const auto& [arch, expected] : entry.expect) {
      for (const auto& r : results) {
        // Cell ids are tree/series/arch/toolchain.
        if (r.arch != arch || r.cell.find("/" + entry.name + "/" + arch + "/") == std::string::npos) continue;
        rows.push_back({entry.name, arch, Describe(expected), DescribeObserved(r), Agrees(expected, r)});
      }
    }
  }
  return rows;
}

}  // namespace harness
