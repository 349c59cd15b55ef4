#include "harness/plan/baseline.h"

#include <algorithm>
#include <map>

#include "harness/core/error.h"
#include "harness/results/signature.h"

namespace harness {
namespace {

constexpr std::string_view kNoSeries = "none";

// A kernel failure (an undecided cell counts: a gate must not pass it).
bool Failed(const CellResult& r) { return r.error.empty() && IsKernelFailure(r.verdict); }

// Whether the series itself is the failure: nothing to build without it.
bool SeriesDidNotApply(const CellResult& r) {
  return r.verdict == Verdict::kApplyFailed || r.verdict == Verdict::kAlreadyApplied;
}

bool NeedsBaseline(const Cell& cell, const CellResult& r) {
  return cell.series.name != kNoSeries && cell.excluded.empty() && Failed(r);
}

Cell WithoutSeries(const Cell& cell) {
  Cell base = cell;
  base.series = SeriesSpec{std::string(kNoSeries), {}};
  base.id = cell.tree.name + "/" + base.series.name + "/" + std::string(cell.arch->name) + "/" + cell.toolchain;
  return base;
}

std::string Outcome(const CellResult& r) {
  std::string text = std::string(VerdictName(r.verdict)) + " at " + std::string(StageName(r.stage));
  if (!r.detail.empty()) text += ": " + r.detail;
  return text;
}

}  // namespace

std::vector<Cell> BaselineCells(std::span<const Cell> cells, std::span<const CellResult> results) {
  std::vector<Cell> out;
  auto known = [&](const std::string& id) {
    return std::any_of(cells.begin(), cells.end(), [&](const Cell& c) { return c.id == id; }) ||
           std::any_of(out.begin(), out.end(), [&](const Cell& c) { return c.id == id; });
  };
  for (std::size_t i = 0; i < cells.size() && i < results.size(); ++i) {
    if (!NeedsBaseline(cells[i], results[i]) || SeriesDidNotApply(results[i])) continue;
    Cell base = WithoutSeries(cells[i]);
    if (!known(base.id)) out.push_back(std::move(base));
  }
  return out;
}

CellBaseline ClassAgainstBaseline(const CellResult& with, const CellResult& without) {
  CellBaseline b{.cell = without.cell, .artifacts_dir = without.artifacts_dir};
  if (!without.error.empty()) {
    b.cls = BaselineClass::kUnknown;
    b.detail = "the re-check without the series hit a harness error: " + without.error;
  } else if (IsSuccess(without.verdict)) {
    b.cls = BaselineClass::kIntroduced;
    b.detail = "without the series: " + std::string(VerdictName(without.verdict));
  } else if (const FailureSignature was = SignatureOf(without), is = SignatureOf(with); was == is) {
    b.cls = BaselineClass::kPreExisting;
    b.detail = "fails the same way without the series: " + Outcome(without);
  } else {
    b.cls = BaselineClass::kIntroduced;
    b.detail = "fails another way without the series: " + Outcome(without);
    // Same verdict at the same stage: only the causes tell them apart, so name both.
    if (was.verdict == is.verdict && was.stage == is.stage) {
      b.detail += " (cause without the series: " + was.cause + "; with it: " + is.cause + ")";
    }
  }
  return b;
}

void ApplyBaseline(std::vector<CellResult>& results, std::span<const Cell> cells,
                   const std::vector<CellResult>& rechecked) {
  std::map<std::string, const CellResult*> by_id;
  for (const auto& r : rechecked) by_id[r.cell] = &r;
  for (const auto& r : results) by_id.emplace(r.cell, &r);
  for (std::size_t i = 0; i < cells.size() && i < results.size(); ++i) {
    CellResult& r = results[i];
    if (!NeedsBaseline(cells[i], r)) continue;
    if (SeriesDidNotApply(r)) {
      r.baseline = {.cls = BaselineClass::kIntroduced, .detail = "the series does not apply to this tree"};
      if (r.verdict == Verdict::kAlreadyApplied) r.baseline.detail = "the series is already in this tree";
      continue;
    }
    const auto it = by_id.find(WithoutSeries(cells[i]).id);
    if (it == by_id.end()) {
      r.baseline = {.cls = BaselineClass::kUnknown, .detail = "the tree was not re-checked without the series"};
    } else {
      r.baseline = ClassAgainstBaseline(r, *it->second);
    }
  }
}

}  // namespace harness
