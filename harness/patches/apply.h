#pragma once
// Applies a patch series to a git work tree, one commit per patch, so the tree a cell builds is
// named by a commit id that is the same every time the same series meets the same base.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/results/events.h"
#include "harness/patches/series.h"
#include "harness/proc/runner.h"

namespace harness {

struct ApplyOutcome {
  enum class Status { kApplied, kDoesNotApply, kAlreadyApplied };
  Status status = Status::kApplied;
  std::size_t patch_index = 0;       // 0-based, the patch that failed
  std::string subject, origin;       // of that patch
  std::string file;                  // the file that failed to patch
  std::string hunk;                  // its hunk header, e.g. "@@ -120,7 +120,9 @@ gen_btf()"
  std::string detail;                // git's own error lines, printable
  std::vector<std::string> skipped;  // subjects skipped as already applied (with skip_already_applied)
  std::string head;                  // the commit the worktree ends at (when applied)
};

class SeriesApplier {
 public:
  // `cell` only labels the events.
  SeriesApplier(ProcessRunner& runner, EventSink& sink, std::string cell = "")
      : runner_(runner), sink_(sink), cell_(std::move(cell)) {}

  // Resets `worktree` to `base` (commit or tag) with `git checkout -f --detach`, which leaves
  // files that do not change alone (their mtimes survive, so kbuild rebuilds little), then for
  // each patch: `git apply --check`; on failure `git apply --check --reverse` tells an already
  // applied patch (kAlreadyApplied, or skipped with skip_already_applied) from one that does not
  // apply (kDoesNotApply, naming the file and hunk from git's errors). Applied patches are
  // committed with a fixed author, committer and dates. Every git command is announced
  // (Event::kCommand, Stage::kApply) and appended with its output to `log`.
  // Throws HarnessError when git cannot run, `base` cannot be checked out, or a commit fails.
  ApplyOutcome Apply(const std::filesystem::path& worktree, const std::string& base, const Series& series,
                     bool skip_already_applied, const std::filesystem::path& log);

  // The identity and dates of every commit Apply makes.
  static std::map<std::string, std::string> CommitEnv();

 private:
  ProcessResult Git(const std::filesystem::path& worktree, const std::vector<std::string>& args,
                    const std::filesystem::path& log, const std::map<std::string, std::string>& env = {});

  ProcessRunner& runner_;
  EventSink& sink_;
  std::string cell_;
};

}  // namespace harness
