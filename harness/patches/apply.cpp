#include "harness/patches/apply.h"

#include <stdlib.h>

#include <array>
#include <charconv>
#include <fstream>
#include <optional>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/proc/git.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A private directory for the patch files git apply reads; removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "harness-apply-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw HarnessError("cannot create a temporary directory in " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void AppendLog(const fs::path& log, std::string_view text) {
  if (log.empty()) return;
  if (log.has_parent_path()) fs::create_directories(log.parent_path());
  std::ofstream out(log, std::ios::binary | std::ios::app);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw HarnessError("cannot write log '" + log.string() + "'");
}

// git's "error:"/"fatal:" lines, or all of its output when it printed none.
std::string ErrorLines(const std::string& output) {
  std::string lines;
  for (const auto& line : SplitLines(output)) {
    if (StartsWith(line, "error: ") || StartsWith(line, "fatal: ")) lines += Printable(line) + "\n";
  }
  if (lines.empty()) {
    for (const auto& line : SplitLines(output)) {
      if (!Trim(line).empty()) lines += Printable(line) + "\n";
    }
  }
  if (!lines.empty()) lines.pop_back();
  return lines;
}

const DiffFile* FindFile(const std::vector<DiffFile>& diff, const std::string& name) {
  for (const auto& file : diff) {
    if (file.old_path == name || file.new_path == name) return &file;
  }
  return nullptr;
}

// git's complaints that name a file, parsed by hand rather than with std::regex (whose
// libstdc++ matcher recurses once per character of a long line).
struct GitComplaint {
  std::string file;
  std::optional<std::size_t> line;  // "patch failed: FILE:LINE"; unset when it does not fit
};

// Whether `text` holds no CR or LF (what a regex '.' would match).
bool OneLine(std::string_view text) { return text.find_first_of("\r\n") == std::string_view::npos; }

// "error: patch failed: FILE:LINE"
std::optional<GitComplaint> PatchFailed(std::string_view line) {
  static constexpr std::string_view kPrefix = "error: patch failed: ";
  if (!StartsWith(line, kPrefix)) return std::nullopt;
  const std::string_view rest = line.substr(kPrefix.size());
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) return std::nullopt;
  const std::string_view number = rest.substr(colon + 1);
  if (number.find_first_not_of("0123456789") != std::string_view::npos || !OneLine(rest.substr(0, colon))) {
    return std::nullopt;
  }
  GitComplaint complaint{std::string(rest.substr(0, colon)), std::nullopt};
  std::size_t at = 0;
  // A number too large to be a line leaves the hunk to the fallback below, not an exception.
  if (std::from_chars(number.data(), number.data() + number.size(), at).ec == std::errc()) complaint.line = at;
  return complaint;
}

// "error: FILE: <one of git's reasons>"
std::optional<GitComplaint> FileError(std::string_view line) {
  static constexpr std::array<std::string_view, 7> kReasons = {
      "No such file or directory",      "does not exist in index", "already exists in working directory",
      "already exists in index",        "does not match index",    "patch does not apply",
      "wrong type"};
  static constexpr std::string_view kPrefix = "error: ";
  if (!StartsWith(line, kPrefix)) return std::nullopt;
  const std::string_view rest = line.substr(kPrefix.size());
  for (std::string_view reason : kReasons) {
    if (rest.size() < reason.size() + 3 || !rest.ends_with(reason)) continue;
    const std::string_view file = rest.substr(0, rest.size() - reason.size() - 2);
    if (rest.substr(file.size(), 2) != ": " || !OneLine(file)) continue;
    return GitComplaint{std::string(file), std::nullopt};
  }
  return std::nullopt;
}

// Names the file and hunk git's --check output complains about.
void Locate(const Patch& patch, const std::string& output, ApplyOutcome* outcome) {
  std::vector<DiffFile> diff;
  try {
    diff = ParseDiff(patch.text, patch.origin);
  } catch (const HarnessError&) {
    // LoadSeries already checked the paths; a hand-built Patch just gets no hunk.
  }
  // The first complaint in git's order names the file that fails first.
  for (const auto& line : SplitLines(output)) {
    if (const std::optional<GitComplaint> failed = PatchFailed(line)) {
      outcome->file = failed->file;
      if (const DiffFile* file = FindFile(diff, outcome->file)) {
        for (const auto& hunk : file->hunks) {
          if (failed->line && hunk.old_start == *failed->line) {
            outcome->hunk = hunk.header;
            return;
          }
        }
        if (!file->hunks.empty()) outcome->hunk = file->hunks.front().header;
      }
      return;
    }
    if (const std::optional<GitComplaint> failed = FileError(line)) {
      outcome->file = failed->file;
      if (const DiffFile* file = FindFile(diff, outcome->file); file && !file->hunks.empty()) {
        outcome->hunk = file->hunks.front().header;
      }
      return;
    }
  }
}

std::string CommandLine(const std::map<std::string, std::string>& env, const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& [key, value] : env) line += key + "=" + ShellQuote(value) + " ";
  return line + ShellJoin(argv);
}

}  // namespace

std::map<std::string, std::string> SeriesApplier::CommitEnv() {
  // format-patch's own placeholder date; any fixed value makes commit ids reproducible.
  const std::string date = "2001-09-17T00:00:00+0000";
  return {{"GIT_AUTHOR_NAME", "harness"},       {"GIT_AUTHOR_EMAIL", "harness@localhost"},
          {"GIT_AUTHOR_DATE", date},            {"GIT_COMMITTER_NAME", "harness"},
          {"GIT_COMMITTER_EMAIL", "harness@localhost"}, {"GIT_COMMITTER_DATE", date}};
}

ProcessResult SeriesApplier::Git(const fs::path& worktree, const std::vector<std::string>& args,
                                 const fs::path& log, const std::map<std::string, std::string>& env) {
  ProcessSpec spec = GitCommand(worktree, args);
  const std::string command = CommandLine(env, spec.argv);
  sink_.OnEvent({.kind = Event::Kind::kCommand, .cell = cell_, .stage = Stage::kApply, .text = command});
  // git's messages are parsed: its LC_ALL=C stays whatever the caller's env says.
  spec.env.insert(env.begin(), env.end());
  spec.timeout = std::chrono::minutes(10);
  ProcessResult result = runner_.Run(spec);
  std::string entry = "$ " + command + "\n" + result.output;
  if (!result.output.empty() && result.output.back() != '\n') entry += '\n';
  if (!result.ok()) entry += "# " + result.Describe() + "\n";
  AppendLog(log, entry);
  return result;
}

ApplyOutcome SeriesApplier::Apply(const fs::path& worktree, const std::string& base, const Series& series,
                                  bool skip_already_applied, const fs::path& log) {
  ApplyOutcome outcome;
  if (!fs::is_directory(worktree)) {
    throw HarnessError("work tree '" + worktree.string() + "' does not exist");
  }
  const std::string see_log = log.empty() ? "" : "; see " + log.string();
  // checkout rewrites only the files that differ from base, so kbuild sees unchanged mtimes.
  ProcessResult checkout = Git(worktree, {"checkout", "-q", "-f", "--detach", base}, log);
  if (!checkout.ok()) {
    throw HarnessError("cannot check out '" + base + "' in '" + worktree.string() + "': " +
                       ErrorLines(checkout.output) + see_log);
  }

  TempDir temp;
  for (std::size_t i = 0; i < series.patches.size(); ++i) {
    const Patch& patch = series.patches[i];
    char name[32];
    std::snprintf(name, sizeof name, "%04zu.patch", i + 1);
    const fs::path file = temp.path() / name;
    WriteFile(file, patch.text);

    ProcessResult check = Git(worktree, {"apply", "--check", file.string()}, log);
    if (!check.ok()) {
      ProcessResult reverse = Git(worktree, {"apply", "--check", "--reverse", file.string()}, log);
      if (reverse.ok() && skip_already_applied) {
        sink_.OnEvent({.kind = Event::Kind::kNote, .cell = cell_, .stage = Stage::kApply,
                       .text = "already applied, skipped: " + patch.subject + " (" + patch.origin + ")"});
        outcome.skipped.push_back(patch.subject);
        continue;
      }
      outcome.status = reverse.ok() ? ApplyOutcome::Status::kAlreadyApplied : ApplyOutcome::Status::kDoesNotApply;
      outcome.patch_index = i;
      outcome.subject = patch.subject;
      outcome.origin = patch.origin;
      if (!reverse.ok()) Locate(patch, check.output, &outcome);
      outcome.detail = ErrorLines(check.output);
      return outcome;
    }
    ProcessResult apply = Git(worktree, {"apply", "--index", file.string()}, log);
    if (!apply.ok()) {
      // --check passed against the work tree but the index disagrees: report it as git does.
      outcome.status = ApplyOutcome::Status::kDoesNotApply;
      outcome.patch_index = i;
      outcome.subject = patch.subject;
      outcome.origin = patch.origin;
      Locate(patch, apply.output, &outcome);
      outcome.detail = ErrorLines(apply.output);
      return outcome;
    }
    ProcessResult commit = Git(worktree,
                               {"-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "--allow-empty",
                                "-m", patch.subject.empty() ? patch.origin : patch.subject},
                               log, CommitEnv());
    if (!commit.ok()) {
      throw HarnessError("cannot commit '" + patch.subject + "' (" + patch.origin + ") in '" +
                         worktree.string() + "': " + ErrorLines(commit.output) + see_log);
    }
  }

  ProcessResult head = Git(worktree, {"rev-parse", "HEAD"}, log);
  if (!head.ok()) {
    throw HarnessError("cannot read HEAD of '" + worktree.string() + "': " + ErrorLines(head.output) + see_log);
  }
  outcome.head = std::string(Trim(head.output));
  return outcome;
}

}  // namespace harness
