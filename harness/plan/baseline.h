#pragma once
// Pre-merge mode's baseline: a cell that fails with a series under review is built and booted
// again on the same tree without the series, in the same build directory (so usually a
// relink), and classed:
//   introduced    it passes without the series, or fails another way (the series changed how
//                 it fails: a gate must not wave that through);
//   pre-existing  it fails the same way without the series: the same FailureSignature
//                 (results/signature.h: verdict, stage and normalised cause, so a new BUG: beside
//                 the tree's own WARNING:, or a compile break in another file, is introduced);
//   unknown       the re-check hit a harness error: nothing is known, and a gate that asked for
//                 `--fail-on introduced` stops with a harness error rather than guess.
// A series that does not apply (or is already applied) is introduced without a re-check.
#include <span>
#include <string_view>
#include <vector>

#include "harness/results/results.h"
#include "harness/plan/plan.h"

namespace harness {

// The cells to re-check without their series: one per failing series cell, none twice, none
// that the run already has (a matrix listing series `none` has the answer already).
std::vector<Cell> BaselineCells(std::span<const Cell> cells, std::span<const CellResult> results);

// How `with` (a failing cell with the series) compares with `without` (the same cell without it).
CellBaseline ClassAgainstBaseline(const CellResult& with, const CellResult& without);

// Sets `baseline` on each failing series cell of `results` (parallel to `cells`), from
// `rechecked` (BaselineCells' results) or from the run's own series-`none` cells.
void ApplyBaseline(std::vector<CellResult>& results, std::span<const Cell> cells,
                   const std::vector<CellResult>& rechecked);

}  // namespace harness
