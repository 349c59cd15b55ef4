#include "harness/bisect/bisect.h"

#include <cstdio>
#include <set>

#include "harness/arch/arch.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/proc/git.h"
#include "harness/patches/series.h"

namespace harness {
namespace {

// git bisect's work tree under the bisect's output directory: refs only, no files.
constexpr const char* kGitDir = "bisect-git";
// Endpoints are judged against "any failing verdict": good must have none, bad must have one.
const BadRule kAnyFailure{.same_as_bad = false, .any = true};

bool IsCommitId(std::string_view text) {
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string Short(std::string_view at) { return std::string(IsCommitId(at) ? at.substr(0, 12) : at); }

std::string PatchesAt(std::size_t k) { return "patches:" + std::to_string(k); }

std::string OutcomeName(int exit_code) {
  switch (exit_code) {
    case kStepGood: return "good";
    case kStepBad: return "bad";
    case kStepSkip: return "skip";
    default: return "abort";
  }
}

// "build failed at build (BTF generation)", "PASS", or the token as it is ("error"); with the
// cause where steps are listed side by side, so a skipped step shows why it differs.
std::string ShowSignature(std::string_view token, bool with_cause = false) {
  auto signature = ParseSignature(token);
  if (!signature) return std::string(token);
  if (IsSuccess(signature->verdict)) return std::string(VerdictName(signature->verdict));
  return with_cause ? signature->DescribeWithCause() : signature->Describe();
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

BadRule RuleOf(const BisectState& state) {
  std::vector<std::string> words;
  std::string_view rest = state.bad_if;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    words.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
  }
  return ParseBadIf(words);
}

std::optional<FailureSignature> BadSignature(const BisectState& state) {
  if (state.signature.empty()) return std::nullopt;
  auto signature = ParseSignature(state.signature);
  if (!signature) throw HarnessError("bisect state: unreadable signature '" + state.signature + "'");
  return signature;
}

// A step already judged at `at` (0, 1 or 125), to reuse instead of building again.
const StepRecord* Judged(const BisectState& state, std::string_view at) {
  const StepRecord* record = state.Find(at);
  return record && record->role == PointRole::kStep && record->exit_code != kStepAbort ? record : nullptr;
}

// A quilt directory holding the first `k` patches of `series`, for the pipeline to apply.
std::filesystem::path PrefixSeries(const std::filesystem::path& out_dir, const Series& series, std::size_t k) {
  const auto dir = out_dir / "series" / ("first-" + std::to_string(k));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string order;
  for (std::size_t i = 0; i < k; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04zu.patch", i + 1);
    WriteFile(dir / name, series.patches[i].text);
    order += std::string(name) + "\n";
  }
  WriteFile(dir / "series", order);
  return dir;
}

// Records once that the bisect ended, so a new one may begin in the same directory.
void MarkEnded(const std::filesystem::path& out_dir, BisectState& state, const std::string& how) {
  if (!state.end.empty()) return;
  AppendStateLine(out_dir, "end " + how);
  state.end = how;
}

std::string ResumeHint(const std::filesystem::path& out_dir) {
  return "the bisect is kept: fix that, then run harness bisect --resume --out " + out_dir.string();
}

}  // namespace

GitBisectEnd ParseGitBisectOutput(std::string_view output) {
  GitBisectEnd end;
  bool listing = false;
  for (const auto& raw : SplitLines(output)) {
    const std::string line(Trim(raw));
    constexpr std::string_view kFound = " is the first bad commit";
    if (line.size() == 40 + kFound.size() && IsCommitId(line.substr(0, 40)) && line.substr(40) == kFound) {
      end = {GitBisectEnd::Kind::kFound, line.substr(0, 40), {}};
    } else if (line == "The first bad commit could be any of:") {
      end = {GitBisectEnd::Kind::kOnlySkipped, "", {}};
      listing = true;
    } else if (listing && IsCommitId(line)) {
      end.candidates.push_back(line);
    } else {
      listing = false;
    }
  }
  return end;
}

ProcessResult Bisector::Git(const std::filesystem::path& dir, std::vector<std::string> args,
                            const std::filesystem::path& log) {
  ProcessSpec spec = GitCommand(dir, args);
  sink_.OnEvent({.kind = Event::Kind::kCommand, .cell = "bisect", .text = ShellJoin(spec.argv)});
  spec.log_path = log;
  return runner_.Run(spec);
}

std::string Bisector::GitOut(const std::filesystem::path& dir, std::vector<std::string> args, const std::string& what) {
  ProcessResult result = Git(dir, args);
  if (!result.ok()) {
    throw HarnessError(what + " (git " + result.Describe() + "): " + std::string(Trim(result.output)));
  }
  return std::string(Trim(result.output));
}

bool Bisector::SameRepository(const std::filesystem::path& worktree, const std::filesystem::path& repo) {
  const ProcessResult a = Git(worktree, {"rev-parse", "--path-format=absolute", "--git-common-dir"});
  const ProcessResult b = Git(repo, {"rev-parse", "--path-format=absolute", "--git-common-dir"});
  std::error_code ec;
  return a.ok() && b.ok() && std::filesystem::equivalent(std::string(Trim(a.output)), std::string(Trim(b.output)), ec);
}

void Bisector::Note(const std::string& text) {
  sink_.OnEvent({.kind = Event::Kind::kNote, .cell = "bisect", .text = text});
}

BisectState Bisector::Begin(const BisectOptions& options) {
  BisectState state;
  state.tree = std::filesystem::absolute(options.tree).lexically_normal();
  state.arch = options.arch;
  state.bad_if = ParseBadIf(options.bad_if).Name();
  state.matrix = std::filesystem::absolute(options.matrix).lexically_normal();
  state.stop_after = options.stop_after;
  if (!FindArch(options.arch)) throw HarnessError(UnknownArchMessage(options.arch));
  const BadRule rule = ParseBadIf(options.bad_if);
  if (!options.stop_after.empty() && (rule.boot || rule.verify)) {
    throw HarnessError("--bad-if " + rule.Name() + " needs a boot, but --stop-after " + options.stop_after +
                       " builds only");
  }
  if (!std::filesystem::exists(state.matrix)) throw HarnessError("matrix '" + options.matrix.string() + "' does not exist");
  if (!Git(state.tree, {"rev-parse", "--git-dir"}).ok()) {
    throw HarnessError("--tree '" + options.tree.string() + "' is not a git repository");
  }
  auto commit = [&](const std::string& rev, const std::string& flag) {
    return GitOut(state.tree, {"rev-parse", "--verify", "--quiet", rev + "^{commit}"},
                  flag + " '" + rev + "' is not a commit in '" + state.tree.string() + "'");
  };
  state.good = commit(options.good.empty() ? "HEAD" : options.good, "--good");
  if (!options.series.empty()) {
    if (!options.bad.empty()) throw HarnessError("--series bisects patches on top of --good: give no --bad");
    state.series = std::filesystem::absolute(options.series).lexically_normal();
    LoadSeries(state.series);  // a bad series is the user's error, before anything is built
  } else {
    if (options.bad.empty()) throw HarnessError("give --bad REV (the commit that fails), or --series PATH");
    state.bad = commit(options.bad, "--bad");
    if (state.bad == state.good) throw HarnessError("nothing to bisect: --good and --bad are the same commit");
    if (!Git(state.tree, {"merge-base", "--is-ancestor", state.good, state.bad}).ok()) {
      throw HarnessError("--good " + options.good + " is not an ancestor of --bad " + options.bad);
    }
  }
  RecordInputs(state);  // a --resume is refused when any of them changed
  if (const auto kept = CreateState(options.out_dir, state); !kept.empty()) {
    Note("the previous bisect in " + options.out_dir.string() + " had ended: its log is kept as " + kept.string() +
         ", its work tree and build directories are reused");
  }
  return state;
}

StepRecord Bisector::RunPoint(const std::filesystem::path& out_dir, PointTester& tester, const BisectPoint& request,
                              PointRole role, const std::string& at, const std::string& subject,
                              const BadRule& rule, const std::optional<FailureSignature>& bad) {
  Note(std::string(NameIn(kPointRoleNames, role)) + " " + Short(at) + " \"" + subject + "\": building and checking");
  const double start = NowSeconds();
  PointOutcome outcome = tester.Run(request);
  int attempts = 1;
  if (CanFlake(outcome.result)) {
    Note(Short(at) + ": " + std::string(VerdictName(outcome.result.verdict)) + " can be a flake: trying once more");
    outcome = tester.Run(request);
    attempts = 2;
  }
  const CellResult& result = outcome.result;
  Judgement judgement = role == PointRole::kStep ? Judge(result, rule, bad) : Judge(result, kAnyFailure, std::nullopt);
  if (role != PointRole::kStep && judgement.exit_code == kStepBad) judgement.reason = SignatureOf(result).Describe();
  StepRecord record{.role = role,
                    .at = at,
                    .exit_code = judgement.exit_code,
                    .signature = result.error.empty() ? SignatureOf(result).Token() : "error",
                    .seconds = NowSeconds() - start,
                    .build = outcome.build,
                    .attempts = attempts,
                    .subject = subject,
                    .detail = result.error.empty() ? result.detail : result.error};
  AppendStateLine(out_dir, FormatStep(record));
  Note(std::string(NameIn(kPointRoleNames, role)) + " " + Short(at) + ": " + judgement.reason + " -> " + OutcomeName(record.exit_code) + " (exit " +
       std::to_string(record.exit_code) + ") in " + Seconds(record.seconds) + ", build " + std::string(NameIn(kBuildKindNames, record.build)));
  return record;
}

StepRecord Bisector::Endpoint(const std::filesystem::path& out_dir, BisectState& state, PointTester& tester,
                              const BisectPoint& request, PointRole role, const std::string& at,
                              const std::string& rev, const std::string& subject) {
  const StepRecord* logged = state.Find(at);
  const StepRecord record = logged && logged->role == role && logged->exit_code != kStepAbort
                                ? *logged
                                : RunPoint(out_dir, tester, request, role, at, subject, kAnyFailure, std::nullopt);
  if (record.exit_code == kStepAbort) {
    throw HarnessError("the " + std::string(NameIn(kPointRoleNames, role)) + " endpoint " + rev + " could not be checked: " + record.detail + "; " +
                       ResumeHint(out_dir));
  }
  auto signature = ParseSignature(record.signature);
  if (!signature) throw HarnessError("bisect state: unreadable signature '" + record.signature + "' at " + at);
  const BadRule rule = RuleOf(state);
  const std::string problem = role == PointRole::kGood ? CheckGoodEndpoint(*signature, record.detail, rev)
                                             : CheckBadEndpoint(*signature, rev, state.arch, rule);
  if (!problem.empty()) {
    // Final: a resume would judge the same logged endpoint again. A new bisect may begin here.
    if (state.end.empty()) AppendStateLine(out_dir, "end " + Printable(problem));
    throw HarnessError(problem);
  }
  if (role == PointRole::kBad && state.signature.empty()) {
    state.signature = signature->Token();
    AppendStateLine(out_dir, "signature " + state.signature);
  }
  return record;
}

BisectReport Bisector::Run(const std::filesystem::path& out_dir, PointTester& tester,
                           const std::vector<std::string>& step_command) {
  return LoadState(out_dir).series_mode() ? RunSeries(out_dir, tester) : RunCommits(out_dir, tester, step_command);
}

BisectReport Bisector::RunCommits(const std::filesystem::path& out_dir, PointTester& tester,
                                  const std::vector<std::string>& step_command) {
  BisectState state = LoadState(out_dir);
  for (const auto& note : state.notes) Note(note);
  auto subject = [&](const std::string& commit) {
    return GitOut(state.tree, {"log", "-1", "--format=%s", commit}, "cannot read the subject of " + commit);
  };
  Endpoint(out_dir, state, tester, {state.good, {}}, PointRole::kGood, state.good, state.good, subject(state.good));
  Endpoint(out_dir, state, tester, {state.bad, {}}, PointRole::kBad, state.bad, state.bad, subject(state.bad));

  // git's own work tree for the bisect: no files (--no-checkout), only its bisect refs.
  const auto git_dir = out_dir / kGitDir;
  if (!std::filesystem::exists(git_dir / ".git") || !SameRepository(git_dir, state.tree)) {
    std::filesystem::remove_all(git_dir);
    Git(state.tree, {"worktree", "prune"});
    GitOut(state.tree, {"worktree", "add", "--no-checkout", "--detach", git_dir.string(), state.bad},
           "cannot create the bisect's work tree " + git_dir.string());
  }
  // Start afresh and replay what the log already knows, so nothing is built twice.
  GitOut(git_dir, {"bisect", "start", "--no-checkout", state.bad, state.good}, "git bisect start failed");
  GitBisectEnd end;
  for (const auto& step : state.steps) {
    if (step.role != PointRole::kStep || step.exit_code == kStepAbort || end.kind != GitBisectEnd::Kind::kNotYet) continue;
    // git exits 2 when the step leaves only skipped commits: that ends the bisect, it is no error.
    const ProcessResult replayed = Git(git_dir, {"bisect", OutcomeName(step.exit_code), step.at});
    end = ParseGitBisectOutput(replayed.output);
    if (!replayed.ok() && end.kind == GitBisectEnd::Kind::kNotYet) {
      throw HarnessError("cannot replay the step at " + step.at + " (git " + replayed.Describe() +
                         "): " + std::string(Trim(replayed.output)));
    }
  }
  if (end.kind == GitBisectEnd::Kind::kNotYet) {
    std::vector<std::string> args = {"bisect", "run"};
    args.insert(args.end(), step_command.begin(), step_command.end());
    // In English like every git the harness parses ("... is the first bad commit"). The step
    // command given by `harness bisect` puts the caller's LC_ALL back for the steps.
    ProcessSpec spec = GitCommand(git_dir, args);
    sink_.OnEvent({.kind = Event::Kind::kCommand, .cell = "bisect", .text = ShellJoin(spec.argv)});
    spec.log_path = out_dir / "bisect-run.log";
    spec.on_line = [&](std::string_view line) {
      sink_.OnEvent({.kind = Event::Kind::kOutput, .cell = "bisect", .text = std::string(line)});
      return true;
    };
    ProcessResult run = runner_.Run(spec);
    end = ParseGitBisectOutput(run.output);
    if (end.kind == GitBisectEnd::Kind::kNotYet) {
      state = LoadState(out_dir);
      const StepRecord* last = state.steps.empty() ? nullptr : &state.steps.back();
      if (last && last->exit_code == kStepAbort) {
        throw HarnessError("git bisect run stopped at " + Short(last->at) + ": " + last->detail + "; " +
                           ResumeHint(out_dir));
      }
      throw HarnessError("git bisect run stopped (" + run.Describe() + ") without naming a commit; see " +
                         (out_dir / "bisect-run.log").string() + "; " + ResumeHint(out_dir));
    }
  }

  BisectReport report;
  report.state = LoadState(out_dir);
  report.state_path = StatePath(out_dir);
  report.found = end.kind == GitBisectEnd::Kind::kFound;
  report.candidates = end.candidates;
  MarkEnded(out_dir, report.state, report.found ? "found " + end.first_bad : "inconclusive");
  if (!report.found) return report;
  report.first_bad = end.first_bad;
  report.label = "commit " + Short(end.first_bad);
  if (const StepRecord* there = report.state.Find(end.first_bad)) report.there = *there;
  report.subject = report.there ? report.there->subject : subject(end.first_bad);
  if (ProcessResult parent = Git(state.tree, {"rev-parse", "--verify", "--quiet", end.first_bad + "^"}); parent.ok()) {
    report.parent = std::string(Trim(parent.output));
    if (const StepRecord* at_parent = report.state.Find(report.parent)) report.at_parent = *at_parent;
  }
  report.reproduce = tester.ReproduceCommand({end.first_bad, {}});
  return report;
}

BisectReport Bisector::RunSeries(const std::filesystem::path& out_dir, PointTester& tester) {
  BisectState state = LoadState(out_dir);
  for (const auto& note : state.notes) Note(note);
  const Series series = LoadSeries(state.series);
  const std::size_t n = series.patches.size();
  auto request = [&](std::size_t k) {
    return BisectPoint{state.good, k ? PrefixSeries(out_dir, series, k) : std::filesystem::path()};
  };
  auto subject = [&](std::size_t k) { return k ? series.patches[k - 1].subject : std::string("(no patches)"); };
  Endpoint(out_dir, state, tester, request(0), PointRole::kGood, PatchesAt(0), "base " + Short(state.good), subject(0));
  Endpoint(out_dir, state, tester, request(n), PointRole::kBad, PatchesAt(n), "all " + std::to_string(n) + " patches",
           subject(n));
  const BadRule rule = RuleOf(state);
  const auto bad = BadSignature(state);

  // Binary search over K with git bisect's rules: good moves up, bad moves down, a skipped K is
  // left out and the nearest untested K to the middle is tried instead.
  std::size_t good = 0, first_bad = n;
  std::set<std::size_t> skipped;
  while (first_bad - good > 1) {
    const std::size_t middle = (good + first_bad) / 2;
    std::optional<std::size_t> k;
    for (std::size_t d = 0; !k && d < first_bad - good; ++d) {
      for (std::size_t candidate : {middle - std::min(d, middle), middle + d}) {
        if (!k && candidate > good && candidate < first_bad && !skipped.count(candidate)) k = candidate;
      }
    }
    if (!k) break;  // only skipped patches left
    const StepRecord* logged = Judged(state, PatchesAt(*k));
    const StepRecord record =
        logged ? *logged : RunPoint(out_dir, tester, request(*k), PointRole::kStep, PatchesAt(*k), subject(*k), rule, bad);
    if (record.exit_code == kStepGood) good = *k;
    else if (record.exit_code == kStepBad) first_bad = *k;
    else if (record.exit_code == kStepSkip) skipped.insert(*k);
    else throw HarnessError("step at " + PatchesAt(*k) + " stopped: " + record.detail + "; " + ResumeHint(out_dir));
  }

  BisectReport report;
  report.state = LoadState(out_dir);
  report.state_path = StatePath(out_dir);
  report.found = first_bad - good == 1;
  MarkEnded(out_dir, report.state, report.found ? "found " + PatchesAt(first_bad) : "inconclusive");
  if (!report.found) {
    for (std::size_t k = good + 1; k <= first_bad; ++k) report.candidates.push_back(PatchesAt(k));
    return report;
  }
  const Patch& patch = series.patches[first_bad - 1];
  report.first_bad = PatchesAt(first_bad);
  report.label = "patch " + std::to_string(first_bad) + " of " + std::to_string(n) + " (" + patch.origin + ")";
  report.subject = patch.subject;
  if (const StepRecord* there = report.state.Find(report.first_bad)) report.there = *there;
  report.parent = PatchesAt(first_bad - 1);
  if (const StepRecord* at_parent = report.state.Find(report.parent)) report.at_parent = *at_parent;
  report.reproduce = tester.ReproduceCommand(request(first_bad));
  return report;
}

int Bisector::Step(const std::filesystem::path& out_dir, PointTester& tester) {
  BisectState state = LoadState(out_dir);
  const std::string commit =
      GitOut(out_dir / kGitDir, {"rev-parse", "BISECT_HEAD"}, "no bisect in progress in " + (out_dir / kGitDir).string());
  if (const StepRecord* logged = Judged(state, commit)) {
    Note(Short(commit) + " was judged before in this bisect: " + OutcomeName(logged->exit_code));
    return logged->exit_code;
  }
  const std::string subject =
      GitOut(state.tree, {"log", "-1", "--format=%s", commit}, "cannot read the subject of " + commit);
  return RunPoint(out_dir, tester, {commit, {}}, PointRole::kStep, commit, subject, RuleOf(state), BadSignature(state)).exit_code;
}

std::string FormatBisectReport(const BisectReport& report) {
  std::string text;
  const bool series = report.state.series_mode();
  if (report.found) {
    text += "harness bisect: the first bad " + std::string(series ? "patch" : "commit") + " is " + report.label +
            " \"" + report.subject + "\"\n";
    if (IsCommitId(report.first_bad)) text += "  commit:  " + report.first_bad + "\n";
    if (report.there) {
      text += "  there:   " + ShowSignature(report.there->signature) +
              (report.there->detail.empty() ? "" : ": " + report.there->detail) + "\n";
    }
    text += "  parent:  " + Short(report.parent) + ": " +
            (report.at_parent ? ShowSignature(report.at_parent->signature)
                              : std::string("not built (an ancestor of good, so good)")) +
            "\n";
  } else {
    text += "harness bisect: inconclusive: only skipped " + std::string(series ? "patches" : "commits") +
            " are left; the first bad one is one of:\n";
    for (const auto& candidate : report.candidates) {
      const StepRecord* logged = report.state.Find(candidate);
      text += "  " + Short(candidate) +
              (logged ? " \"" + logged->subject + "\": " + ShowSignature(logged->signature, true) : "") +
              "\n";
    }
  }
  int builds = 0, clean = 0;
  double seconds = 0;
  text += "  steps (" + std::to_string(report.state.steps.size()) + ", endpoints included):\n";
  for (const auto& step : report.state.steps) {
    builds += step.build != BuildKind::kNone;
    clean += step.build == BuildKind::kClean;
    seconds += step.seconds;
    char line[160];
    std::snprintf(line, sizeof line, "    %-4s  %-12s  %-5s  %8s  %-11s  ", std::string(NameIn(kPointRoleNames, step.role)).c_str(), Short(step.at).c_str(),
                  OutcomeName(step.exit_code).c_str(), Seconds(step.seconds).c_str(),
                  std::string(NameIn(kBuildKindNames, step.build)).c_str());
    text += line + ShowSignature(step.signature, true) + (step.attempts > 1 ? " (retried)" : "") + "  \"" + step.subject +
            "\"\n";
  }
  text += "  builds:  " + std::to_string(builds) + " (" + std::to_string(clean) + " clean, " +
          std::to_string(builds - clean) + " incremental), " + Seconds(seconds) + " in all\n";
  if (!report.reproduce.empty()) text += "  reproduce: " + report.reproduce + "\n";
  text += "  step log: " + report.state_path.string() + "\n";
  return text;
}

}  // namespace harness
