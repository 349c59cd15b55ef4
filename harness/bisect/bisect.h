#pragma once
// `harness bisect`: finds the commit, or the patch of a series, that broke a cell. Commits are
// bisected by `git bisect run` in a work tree of the bisect's own (created with --no-checkout:
// git only keeps the bisect's refs there, and the user's checkout is never touched), with
// `harness bisect-step` as the test; a series is bisected by a binary search over "the first K
// patches". Both run each point through one PointTester, judge it (judge.h) and log it in the
// state file (state.h), so a stopped bisect resumes without building a point twice.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/bisect/judge.h"
#include "harness/bisect/state.h"
#include "harness/results/events.h"
#include "harness/results/results.h"
#include "harness/proc/runner.h"

namespace harness {

// One point to build and judge.
struct BisectPoint {
  std::string commit;            // the commit built (in series mode: the base)
  std::filesystem::path series;  // a series of the first K patches applied on top; empty: none
};

struct PointOutcome {
  CellResult result;  // a harness or machine failure is result.error, never an exception
  BuildKind build = BuildKind::kNone;  // incremental: the build directory held an earlier build
};

// Runs the bisect's one cell (tree x arch x config of the state) at a point, as `harness run`
// would. The CLI's runs the pipeline in process; tests hand in a fake.
class PointTester {
 public:
  virtual ~PointTester() = default;
  virtual PointOutcome Run(const BisectPoint& request) = 0;
  // The command that runs the same cell again with all its logs, pasteable.
  virtual std::string ReproduceCommand(const BisectPoint& request) = 0;
};

struct BisectOptions {
  std::filesystem::path tree;      // a git repository
  std::string good, bad;           // revisions (commit mode)
  std::filesystem::path series;    // series mode: bisect these patches on top of `good`
  std::string arch;
  std::vector<std::string> bad_if;  // empty: fails as the bad endpoint does
  std::filesystem::path matrix;    // kconfig and timeouts come from here
  std::string stop_after;          // "" or "inspect": no boot, a clean build is good
  std::filesystem::path out_dir;   // the state, git's work tree, the cells' output
};

// How `git bisect` ended, from its output.
struct GitBisectEnd {
  enum class Kind { kNotYet, kFound, kOnlySkipped };
  Kind kind = Kind::kNotYet;
  std::string first_bad;                // kFound
  std::vector<std::string> candidates;  // kOnlySkipped: the first bad commit is one of these
};
GitBisectEnd ParseGitBisectOutput(std::string_view output);

struct BisectReport {
  bool found = false;                   // false: only skipped points were left (candidates)
  std::string first_bad;                // a commit id or "patches:K"
  std::string label;                    // "commit 0123456789ab" or "patch 3 of 4 (origin)"
  std::string subject;
  std::optional<StepRecord> there;      // the step at the first bad point
  std::string parent;                   // its (first) parent, or "patches:K-1"
  std::optional<StepRecord> at_parent;  // null when not built (an ancestor of good: good)
  std::vector<std::string> candidates;  // when !found
  BisectState state;                    // with every step
  std::string reproduce;
  std::filesystem::path state_path;
};

// For people: the first bad point, the verdict there and at its parent, then every step with
// its verdict, time and build, the builds done, and the command that reproduces it.
std::string FormatBisectReport(const BisectReport& report);

class Bisector {
 public:
  Bisector(ProcessRunner& runner, EventSink& sink) : runner_(runner), sink_(sink) {}

  // Checks the options (a git tree, revisions that are commits, good an ancestor of bad, a
  // series that loads) and writes a new state; throws HarnessError naming what is wrong, or
  // when a bisect is already in out_dir.
  BisectState Begin(const BisectOptions& options);

  // Runs (or continues) the bisect whose state is in `out_dir`: both endpoints first (good must
  // pass, bad must fail as --bad-if counts), then git bisect run with `step_command` (commit
  // mode) or the search over the series. Throws HarnessError when an endpoint is not as it
  // must be, or a step hit a harness error (the bisect stays resumable).
  BisectReport Run(const std::filesystem::path& out_dir, PointTester& tester,
                   const std::vector<std::string>& step_command);

  // `harness bisect-step`: the cell at the bisect work tree's BISECT_HEAD, judged and logged;
  // the exit code for git bisect run. Throws HarnessError (the caller exits kStepAbort).
  int Step(const std::filesystem::path& out_dir, PointTester& tester);

 private:
  StepRecord RunPoint(const std::filesystem::path& out_dir, PointTester& tester, const BisectPoint& request,
                      PointRole role, const std::string& at, const std::string& subject,
                      const BadRule& rule, const std::optional<FailureSignature>& bad);
  // The endpoint at `at` (from the log, or run now); throws unless it is as `role` must be.
  StepRecord Endpoint(const std::filesystem::path& out_dir, BisectState& state, PointTester& tester,
                      const BisectPoint& request, PointRole role, const std::string& at,
                      const std::string& rev, const std::string& subject);
  BisectReport RunCommits(const std::filesystem::path& out_dir, PointTester& tester,
                          const std::vector<std::string>& step_command);
  BisectReport RunSeries(const std::filesystem::path& out_dir, PointTester& tester);
  ProcessResult Git(const std::filesystem::path& dir, std::vector<std::string> args,
                    const std::filesystem::path& log = {});
  std::string GitOut(const std::filesystem::path& dir, std::vector<std::string> args, const std::string& what);
  // Whether `worktree` is a work tree of `repo` (an earlier bisect's may belong to another tree).
  bool SameRepository(const std::filesystem::path& worktree, const std::filesystem::path& repo);
  void Note(const std::string& text);

  ProcessRunner& runner_;
  EventSink& sink_;
};

}  // namespace harness
