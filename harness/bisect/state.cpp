#include "harness/bisect/state.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/core/version.h"

namespace harness {
namespace {

constexpr std::string_view kMagic = "harness-bisect";
// 2: a signature token carries the failure's cause after a space. A version 1 state's tokens
// have none, so its "same failure" would be misread: it is refused, never loaded.
constexpr int kVersion = 2;
constexpr std::size_t kStepFields = 10;  // "step" and the nine of StepRecord

// Free text goes on one line, in one field.
std::string OneField(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

template <typename Number>
bool ParseNumber(std::string_view text, Number& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string Check(std::string_view value, std::string_view what) {
  if (value.find_first_of("\n\t") != std::string_view::npos) {
    throw HarnessError(std::string(what) + " '" + std::string(value) + "' holds a tab or newline: not supported");
  }
  return std::string(value);
}

void ThrowErrno(const std::string& what, const std::filesystem::path& path) {
  throw HarnessError("cannot " + what + " '" + path.string() + "': " + std::strerror(errno));
}

}  // namespace

const StepRecord* BisectState::Find(std::string_view at) const {
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (it->at == at) return &*it;
  }
  return nullptr;
}

std::filesystem::path StatePath(const std::filesystem::path& dir) { return dir / "bisect-state.txt"; }

std::string FormatStateHeader(const BisectState& state) {
  std::string text = std::string(kMagic) + " " + std::to_string(kVersion) + "\n";
  auto line = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) text += std::string(key) + " " + Check(value, key) + "\n";
  };
  line("tree", state.tree.string());
  line("good", state.good);
  line("bad", state.bad);
  line("series", state.series.string());
  line("arch", state.arch);
  line("bad-if", state.bad_if);
  line("matrix", state.matrix.string());
  line("stop-after", state.stop_after);
  line("harness-version", state.harness_version);
  line("matrix-sha256", state.matrix_sha256);
  line("series-sha256", state.series_sha256);
  return text;
}

std::string FormatStep(const StepRecord& step) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f", step.seconds);
  return "step\t" + std::string(NameIn(kPointRoleNames, step.role)) + "\t" + OneField(step.at) + "\t" + std::to_string(step.exit_code) + "\t" +
         OneField(step.signature) + "\t" + seconds + "\t" + std::string(NameIn(kBuildKindNames, step.build)) + "\t" +
         std::to_string(step.attempts) + "\t" + OneField(step.subject) + "\t" + OneField(step.detail) + "\n";
}

BisectState ParseState(std::string_view text, const std::string& origin) {
  BisectState state;
  std::vector<std::string> lines = SplitLines(text);
  if (!text.empty() && text.back() != '\n' && !lines.empty()) {
    lines.pop_back();
    state.notes.push_back(origin + ": dropped a half-written last line (the harness stopped while writing it)");
  }
  std::map<std::string, std::size_t> seen;  // key -> line
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string where = origin + ":" + std::to_string(i + 1) + ": ";
    if (i == 0) {
      int version = 0;
      if (!StartsWith(line, std::string(kMagic) + " ") ||
          !ParseNumber(std::string_view(line).substr(kMagic.size() + 1), version)) {
        throw HarnessError(where + "not a harness bisect state (expected '" + std::string(kMagic) + " " +
                           std::to_string(kVersion) + "')");
      }
      if (version != kVersion) {
        throw HarnessError(where + "bisect state version " + std::to_string(version) + ", this harness reads " +
                           std::to_string(kVersion) +
                           (version < kVersion ? " (an older harness wrote it; it judged \"the same failure\" "
                                                 "without the cause)"
                                               : "") +
                           ": start the bisect again");
      }
      continue;
    }
    if (StartsWith(line, "step\t")) {
      const auto f = SplitTabs(line);
      StepRecord step;
      if (f.size() != kStepFields) {
        throw HarnessError(where + "a step needs " + std::to_string(kStepFields) + " tab-separated fields, found " +
                           std::to_string(f.size()));
      }
      const auto role = LookupName(kPointRoleNames, f[1]);
      if (!role) throw HarnessError(where + "unknown step role '" + std::string(f[1]) + "' (" + NamesOf(kPointRoleNames) + ")");
      step.role = *role;
      step.at = f[2];
      step.signature = f[4];
      const auto build = LookupName(kBuildKindNames, f[6]);
      if (!build) throw HarnessError(where + "unknown build kind '" + std::string(f[6]) + "' (" + NamesOf(kBuildKindNames) + ")");
      step.build = *build;
      step.subject = f[8];
      step.detail = f[9];
      if (step.at.empty()) throw HarnessError(where + "a step without a commit");
      if (!ParseNumber(f[3], step.exit_code) || !ParseNumber(f[5], step.seconds) || !ParseNumber(f[7], step.attempts)) {
        throw HarnessError(where + "a step's exit code, seconds and attempts must be numbers");
      }
      state.steps.push_back(std::move(step));
      continue;
    }
    const auto space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (key.empty() || value.empty()) throw HarnessError(where + "expected 'key value', found '" + Printable(line) + "'");
    if (auto [it, inserted] = seen.emplace(key, i + 1); !inserted) {
      throw HarnessError(where + "'" + key + "' again (first on line " + std::to_string(it->second) + ")");
    }
    if (key == "tree") state.tree = value;
    else if (key == "good") state.good = value;
    else if (key == "bad") state.bad = value;
    else if (key == "series") state.series = value;
    else if (key == "arch") state.arch = value;
    else if (key == "bad-if") state.bad_if = value;
    else if (key == "matrix") state.matrix = value;
    else if (key == "stop-after") state.stop_after = value;
    else if (key == "harness-version") state.harness_version = value;
    else if (key == "matrix-sha256") state.matrix_sha256 = value;
    else if (key == "series-sha256") state.series_sha256 = value;
    else if (key == "signature") state.signature = value;
    else if (key == "end") state.end = value;
    else throw HarnessError(where + "unknown key '" + key + "'");
  }
  if (lines.empty()) throw HarnessError(origin + ": empty bisect state");
  for (const char* key : {"tree", "good", "arch"}) {
    if (!seen.count(key)) throw HarnessError(origin + ": no '" + std::string(key) + "' line: the state is incomplete");
  }
  if (state.bad.empty() == state.series.empty()) {
    throw HarnessError(origin + ": expected either 'bad' (a commit bisect) or 'series' (a series bisect)");
  }
  return state;
}

BisectState LoadState(const std::filesystem::path& dir) {
  const auto path = StatePath(dir);
  if (!std::filesystem::exists(path)) {
    throw HarnessError("no bisect to resume in '" + dir.string() + "' (no " + path.filename().string() + ")");
  }
  return ParseState(ReadFile(path), path.string());
}

std::filesystem::path CreateState(const std::filesystem::path& dir, const BisectState& state) {
  const auto path = StatePath(dir);
  std::filesystem::path kept;
  if (std::filesystem::exists(path)) {
    if (LoadState(dir).end.empty()) {
      throw HarnessError("a bisect is already in '" + dir.string() + "': continue it with --resume, or remove " +
                         path.string());
    }
    for (int n = 1; kept.empty(); ++n) {
      const auto candidate = dir / ("bisect-state-" + std::to_string(n) + ".txt");
      if (!std::filesystem::exists(candidate)) kept = candidate;
    }
    std::filesystem::rename(path, kept);
  }
  std::filesystem::create_directories(dir);
  WriteFileAtomic(path, FormatStateHeader(state));
  return kept;
}

void AppendStateLine(const std::filesystem::path& dir, const std::string& line) {
  const auto path = StatePath(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0) ThrowErrno("open the bisect state", path);
  // Cut a half-written line (a crash mid-append) back to the last newline.
  const off_t size = ::lseek(fd, 0, SEEK_END);
  off_t keep = size;
  char c = '\n';
  while (keep > 0 && ::pread(fd, &c, 1, keep - 1) == 1 && c != '\n') --keep;
  if (keep != size && ::ftruncate(fd, keep) != 0) {
    ::close(fd);
    ThrowErrno("repair the bisect state", path);
  }
  const std::string text = line.empty() || line.back() != '\n' ? line + "\n" : line;
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool ok = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) ThrowErrno("append to the bisect state", path);
}

namespace {

// A series is a directory of patches (and its `series` file), an mbox or one .patch: every
// regular file under it, by relative name and content, so an edit, an addition, a removal or a
// rename all change the hash.
std::string SeriesSha256(const std::filesystem::path& series) {
  if (!std::filesystem::is_directory(series)) {
    return std::filesystem::exists(series) ? Sha256Hex(ReadFile(series)) : "missing";
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(series)) {
    if (entry.is_regular_file()) files.push_back(entry.path().lexically_relative(series));
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const auto& file : files) {
    all += file.string() + '\0' + Sha256Hex(ReadFile(series / file)) + '\n';
  }
  return Sha256Hex(all);
}

std::string MatrixSha256(const std::filesystem::path& matrix) {
  return std::filesystem::exists(matrix) ? Sha256Hex(ReadFile(matrix)) : "missing";
}

}  // namespace

void RecordInputs(BisectState& state) {
  state.harness_version = std::string(HarnessVersion());
  state.matrix_sha256 = MatrixSha256(state.matrix);
  state.series_sha256 = state.series_mode() ? SeriesSha256(state.series) : "";
}

BisectState LoadStateToResume(const std::filesystem::path& dir) {
  BisectState state = LoadState(dir);
  const std::string again = "; its logged steps judged other inputs: run harness bisect again without --resume "
                            "(with another --out, or after removing " + StatePath(dir).string() + ")";
  if (state.harness_version.empty() || state.matrix_sha256.empty() ||
      (state.series_mode() && state.series_sha256.empty())) {
    throw HarnessError("the bisect in '" + dir.string() + "' does not record what its series, matrix and harness were "
                       "(it was begun by an older harness), so a resume cannot tell whether they changed" + again);
  }
  BisectState now = state;
  RecordInputs(now);
  if (now.harness_version != state.harness_version) {
    throw HarnessError("the bisect in '" + dir.string() + "' was begun by harness " + state.harness_version +
                       ", this is " + now.harness_version + again);
  }
  if (now.matrix_sha256 != state.matrix_sha256) {
    throw HarnessError("the matrix '" + state.matrix.string() + "' changed since the bisect began (sha256 " +
                       state.matrix_sha256.substr(0, 12) + ", now " + now.matrix_sha256.substr(0, 12) + ")" + again);
  }
  if (now.series_sha256 != state.series_sha256) {
    throw HarnessError("the series '" + state.series.string() + "' changed since the bisect began (sha256 " +
                       state.series_sha256.substr(0, 12) + ", now " + now.series_sha256.substr(0, 12) +
                       "): a patch was edited, added, removed or renamed" + again);
  }
  return state;
}

}  // namespace harness
