#include "harness/results/signature.h"

namespace harness {
namespace {

// A cause is one line of a token; a console line can be 4 KiB, and two causes that agree this
// far are one cause.
constexpr std::size_t kMaxCause = 240;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsWordChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::optional<Verdict> VerdictFromToken(std::string_view token) {
  for (int v = 0; v <= static_cast<int>(kLastVerdict); ++v) {
    if (VerdictToken(static_cast<Verdict>(v)) == token) return static_cast<Verdict>(v);
  }
  return std::nullopt;
}

std::optional<Stage> StageFromName(std::string_view name) {
  for (int s = 0; s <= static_cast<int>(Stage::kVerify); ++s) {
    if (StageName(static_cast<Stage>(s)) == name) return static_cast<Stage>(s);
  }
  return std::nullopt;
}

// The length of a kernel time stamp ("[    1.234567]" and the space after it) at `at`, or 0.
std::size_t TimeStampAt(std::string_view text, std::size_t at) {
  if (text[at] != '[') return 0;
  std::size_t i = at + 1;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::size_t whole = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == whole || i >= text.size() || text[i] != '.') return 0;
  const std::size_t fraction = ++i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == fraction || i >= text.size() || text[i] != ']') return 0;
  ++i;
  if (i < text.size() && text[i] == ' ') ++i;
  return i - at;
}

// One word of [A-Za-z0-9_], normalised: "0x1a" and 8 or more hex digits are "<hex>" (addresses),
// a decimal number is "N" (CPU, PID, line, size); anything else (an identifier, "ext4") stays.
std::string NormaliseWord(std::string_view word) {
  auto all = [&](std::string_view w, bool (*is)(char)) {
    for (char c : w) {
      if (!is(c)) return false;
    }
    return !w.empty();
  };
  if (word.size() > 2 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X') && all(word.substr(2), IsHexDigit)) {
    return "<hex>";
  }
  if (all(word, IsDigit)) return word.size() >= 8 ? "<hex>" : "N";
  if (word.size() >= 8 && all(word, IsHexDigit)) return "<hex>";
  return std::string(word);
}

// Directories dropped from a path inside a whitespace-free token: "'/src/mm/memory.c:20:5:'"
// becomes "'memory.c:20:5:'". What precedes the path (quotes, brackets) is kept.
std::string DropDirectories(std::string_view token) {
  const auto slash = token.rfind('/');
  if (slash == std::string_view::npos) return std::string(token);
  std::size_t start = 0;
  while (start < slash && std::string_view("'\"`([<{").find(token[start]) != std::string_view::npos) ++start;
  return std::string(token.substr(0, start)) + std::string(token.substr(slash + 1));
}

// ":LINE" and ":LINE:COL" after a file name dropped: "memory.c:20:5: error" -> "memory.c: error".
std::string DropLineNumbers(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ':' && i > 0 && !IsDigit(text[i - 1])) {
      std::size_t j = i;
      // One or more ":digits" groups, ending where a file position ends.
      while (j < text.size() && text[j] == ':' && j + 1 < text.size() && IsDigit(text[j + 1])) {
        std::size_t k = j + 1;
        while (k < text.size() && IsDigit(text[k])) ++k;
        if (k < text.size() && std::string_view(": ),]").find(text[k]) == std::string_view::npos) break;
        j = k;
      }
      if (j > i) {
        i = j;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// The first error line names the file that broke (its directories dropped, its name kept). The
// kbuild target beside it is not part of the cause: under make -jN the last step line before
// the error is often another object's ("CC kernel/bpf/btf.o" before kernel/fork.c's error), so
// it would tell one break from itself. It stands in only when no error line was found.
std::string BuildCause(const CellResult& result) {
  if (!HasFact(result, FactKey::kBuildError)) return NormaliseBuildError(result.detail);  // an older result
  const std::string error = Fact(result, FactKey::kBuildError);
  if (!error.empty()) return NormaliseBuildError(error);
  const std::string target = Fact(result, FactKey::kBuildTarget);
  return "no error line in the log" + (target.empty() ? "" : ", at " + NormaliseBuildError(target));
}

std::string CauseOf(const CellResult& result) {
  if (!IsKernelFailure(result.verdict)) return "";
  switch (result.verdict) {
    case Verdict::kBuildFailed:
      return result.stage == Stage::kBuild ? BuildCause(result) : NormaliseBuildError(result.detail);
    case Verdict::kKernelComplained:
      return NormaliseCauseLine(HasFact(result, FactKey::kComplaint) ? Fact(result, FactKey::kComplaint) : result.detail);
    case Verdict::kContentMismatch: {
      const std::string offset_class = Fact(result, FactKey::kOffsetClass);
      return offset_class.empty() ? "offset class not recorded" : offset_class;
    }
    default:
      // The one-line detail says which check failed and how ("a read at st_size (N) returned N
      // instead of end of file", the panic line, the missing evidence); its numbers, which move
      // with every commit, are normalised away.
      return NormaliseCauseLine(result.detail);
  }
}

}  // namespace

std::string NormaliseCauseLine(std::string_view line) {
  std::string out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (const std::size_t stamp = TimeStampAt(line, i)) {
      i += stamp;
      continue;
    }
    if (IsWordChar(line[i])) {
      std::size_t end = i;
      while (end < line.size() && IsWordChar(line[end])) ++end;
      out += NormaliseWord(line.substr(i, end - i));
      i = end;
      continue;
    }
    const char c = line[i++];
    const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (out.size() > kMaxCause) out.resize(kMaxCause);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string NormaliseBuildError(std::string_view line) {
  std::string text;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) text += DropDirectories(line.substr(start, i - start));
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) text += line[i++];
  }
  return NormaliseCauseLine(DropLineNumbers(text));
}

std::string FailureSignature::Token() const {
  std::string token = VerdictToken(verdict) + "@" + std::string(StageName(stage));
  if (!build_step.empty()) token += "/" + build_step;
  return cause.empty() ? token : token + " " + cause;
}

std::string FailureSignature::Describe() const {
  std::string text = std::string(VerdictName(verdict)) + " at " + std::string(StageName(stage));
  if (build_step == "BTF") return text + " (BTF generation)";
  return build_step.empty() ? text : text + " (" + build_step + ")";
}

std::string FailureSignature::DescribeWithCause() const { return cause.empty() ? Describe() : Describe() + ": " + cause; }

FailureSignature SignatureOf(const CellResult& result) {
  FailureSignature signature{result.verdict, result.stage, "", CauseOf(result)};
  if (result.verdict == Verdict::kBuildFailed && result.stage == Stage::kBuild) signature.build_step = Fact(result, FactKey::kBuildStep);
  return signature;
}

std::optional<FailureSignature> ParseSignature(std::string_view token) {
  std::string_view cause;
  if (const auto space = token.find(' '); space != std::string_view::npos) {
    cause = token.substr(space + 1);
    token = token.substr(0, space);
    if (cause.empty() || cause.find_first_of("\t\n") != std::string_view::npos) return std::nullopt;
  }
  const auto at = token.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto verdict = VerdictFromToken(token.substr(0, at));
  std::string_view rest = token.substr(at + 1);
  std::string_view step;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    step = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (step.empty()) return std::nullopt;
  }
  auto stage = StageFromName(rest);
  if (!verdict || !stage) return std::nullopt;
  return FailureSignature{*verdict, *stage, std::string(step), std::string(cause)};
}

}  // namespace harness
