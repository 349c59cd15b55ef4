#pragma once
// Every path under --out, named in one place. The run, `harness boot`, the bisect (whose cells
// run under <bisect dir>/run) and the report writers all ask this type, so a tree's directory
// is the same whoever computes it:
//
//   <out>/.harness.lock                        one harness at a time on --out
//   <out>/results.json, junit.xml,             the run's results and what is made from them
//         report.html, summary.md
//   <out>/corpus.json                          `harness corpus`'s comparison
//   <out>/<tree>/src                           the tree's work tree, worktree.log beside it
//   <out>/<tree>/build-<arch>-<toolchain>      the build directory, shared by the tree's series
//   <out>/<tree>/.build-<arch>-<toolchain>.lock  one cell at a time in that build directory
//   <out>/<tree>/<series>/apply.log            the series' `git am` log
//   <out>/<tree>/<series>/<arch>-<toolchain>   the cell's logs and artifacts
//   <out>/boot-<arch>                          `harness boot`'s artifacts
//
// Tree and series names go through SafeName: a name from the matrix never adds a directory
// level ("a/b" is "a_b").
#include <filesystem>
#include <string>
#include <string_view>

namespace harness {

// `name` with every character other than [A-Za-z0-9._-] replaced by '_'.
std::string SafeName(std::string name);

class OutLayout {
 public:
  explicit OutLayout(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path Lock() const { return root_ / ".harness.lock"; }
  std::filesystem::path ResultsFile() const { return root_ / "results.json"; }
  std::filesystem::path JUnitFile() const { return root_ / "junit.xml"; }
  std::filesystem::path ReportPage() const { return root_ / "report.html"; }
  std::filesystem::path SummaryPage() const { return root_ / "summary.md"; }
  std::filesystem::path CorpusFile() const { return root_ / "corpus.json"; }  // `harness corpus`

  // One tree's directory: its work tree, its build directories, its series' cells.
  std::filesystem::path TreeDir(std::string_view tree) const;
  std::filesystem::path WorkTree(std::string_view tree) const { return TreeDir(tree) / "src"; }
  std::filesystem::path BuildDir(std::string_view tree, std::string_view arch, std::string_view toolchain) const;
  std::filesystem::path ApplyLog(std::string_view tree, std::string_view series) const;
  std::filesystem::path CellDir(std::string_view tree, std::string_view series, std::string_view arch,
                                std::string_view toolchain) const;
  std::filesystem::path BootDir(std::string_view arch) const;

  // The lock file beside a build directory (hidden, so it is never taken for a build).
  static std::filesystem::path BuildLock(const std::filesystem::path& build_dir);

 private:
  std::filesystem::path SeriesDir(std::string_view tree, std::string_view series) const;

  std::filesystem::path root_;
};

}  // namespace harness
