#include "harness/kbuild/diagnose.h"

#include <array>
#include <vector>

#include "harness/core/util.h"

namespace harness {
namespace {

// Hand-written scanners, not std::regex: libstdc++'s regex recurses once per character, so
// one very long log line could overflow the stack. Each scanner is linear in the line.

bool IsUpperOrDigit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive: does `lower_needle` occur in `text` (where a word boundary is required on
// both sides when `whole_word`)?
bool ContainsIgnoringCase(std::string_view text, std::string_view lower_needle, bool whole_word) {
  if (lower_needle.size() > text.size()) return false;
  for (std::size_t at = 0; at + lower_needle.size() <= text.size(); ++at) {
    std::size_t k = 0;
    while (k < lower_needle.size() && AsciiLower(text[at + k]) == lower_needle[k]) ++k;
    if (k != lower_needle.size()) continue;
    if (!whole_word) return true;
    const std::size_t after = at + lower_needle.size();
    if ((at == 0 || !IsWordChar(text[at - 1])) && (after == text.size() || !IsWordChar(text[after]))) {
      return true;
    }
  }
  return false;
}

bool IsErrorLine(const std::string& line) {
  if (line.find("warning:") != std::string::npos) return false;
  if (StartsWith(line, "make")) return false;  // make's own "*** [...] Error 1" summaries
  // "error" as a word also covers make's "Error 1" in lines from other tools.
  static constexpr std::array<std::string_view, 7> kPhrases = {
      "undefined reference", "not recognized", "invalid bfd", "no such file", "cannot ", "failed", "fatal"};
  if (ContainsIgnoringCase(line, "error", true)) return true;
  for (std::string_view phrase : kPhrases) {
    if (ContainsIgnoringCase(line, phrase, false)) return true;
  }
  return false;
}

bool IsDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A build tool killed by SIGKILL, which during a build is the OOM killer's signal, as whoever
// waited for it reports it. Any tool, not only cc1: pahole, ld, objcopy and resolve_btfids run
// from link-vmlinux.sh or a make recipe, and one killed there fails the build later (6.1's
// gen_btf runs inside `if !`, so a killed pahole surfaces at BTFIDS). Only these shapes count,
// so a source line that merely says "Killed" stays the kernel's:
//   dash (Debian's /bin/sh):  "Killed"
//   bash:                     "scripts/link-vmlinux.sh: line 95: 48213 Killed    ld ..."
//   make, a recipe's process: "make[3]: *** [Makefile:107: vmlinux.bin] Killed"
//   make, a shell's status:   "make[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 137" (128 + 9)
bool IsKilledToolLine(std::string_view line) {
  line = Trim(line);
  if (line == "Killed") return true;
  if (StartsWith(line, "make") && line.find("*** [") != std::string_view::npos) {
    return line.ends_with("] Killed") || line.ends_with("] Error 137");
  }
  const auto at = line.find(": line ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = line.substr(at + 7);  // "95: 48213 Killed  ..."
  const auto colon = rest.find(": ");
  if (colon == std::string_view::npos || !IsDigits(rest.substr(0, colon))) return false;
  rest = rest.substr(colon + 2);
  const auto space = rest.find(' ');
  if (space == std::string_view::npos || !IsDigits(rest.substr(0, space))) return false;
  return StartsWith(Trim(rest.substr(space)), "Killed");
}

// What only the machine says: any of these in a build log means the build proves nothing about
// the kernel. gcc reports a cc1 killed by the OOM killer as "Killed signal terminated program".
bool IsMachineFailureLine(std::string_view line) {
  static constexpr std::array<std::string_view, 5> kPhrases = {
      "no space left on device", "disk quota exceeded", "killed signal terminated program",
      "virtual memory exhausted", "cannot allocate memory"};
  for (std::string_view phrase : kPhrases) {
    if (ContainsIgnoringCase(line, phrase, false)) return true;
  }
  return IsKilledToolLine(line);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool ParseStepLine(std::string_view line, std::string* step, std::string* target) {
  if (!StartsWith(line, "  ") || line.size() < 3 || line[2] < 'A' || line[2] > 'Z') return false;
  std::size_t end = 3;
  while (end < line.size() && IsUpperOrDigit(line[end])) ++end;
  const std::size_t tag_length = end - 2;
  if (tag_length < 2 || tag_length > 10 || end >= line.size() || line[end] != ' ') return false;
  std::size_t at = end;
  while (at < line.size() && line[at] == ' ') ++at;
  if (at == line.size() || IsSpace(line[at])) return false;
  const std::string_view rest = line.substr(at);
  if (rest.find_first_of("\r\n") != std::string_view::npos) return false;
  *step = std::string(line.substr(2, tag_length));
  *target = std::string(rest);
  return true;
}

std::size_t CountStepLines(std::string_view log) {
  std::size_t count = 0;
  std::string step, target;
  for (std::size_t begin = 0; begin < log.size();) {
    std::size_t end = log.find('\n', begin);
    if (end == std::string_view::npos) end = log.size();
    count += ParseStepLine(log.substr(begin, end - begin), &step, &target);
    begin = end + 1;
  }
  return count;
}

std::string BuildDiagnosis::Summary() const {
  std::string where;
  if (btf_generation) {
    where = "BTF generation";
    if (!step.empty() && step != "BTF") where += " (surfaced at " + step + " " + step_target + ")";
  } else if (!step.empty()) {
    where = step + " " + step_target;
  } else {
    where = "build";
  }
  return where + ": " + (first_error.empty() ? "no error line found in the log" : first_error);
}

BuildDiagnosis DiagnoseBuildLog(std::string_view log) {
  BuildDiagnosis d;
  const std::vector<std::string> lines = SplitLines(log);
  std::string step, target;
  bool seen_btf_step = false;
  bool btf_step_errors = false;  // error-ish lines printed while BTF was the current step
  std::string first_make_error;
  int first_make_error_line = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (ParseStepLine(line, &step, &target)) {
      if (step == "BTF") seen_btf_step = true;
      continue;
    }
    if (first_make_error.empty() && StartsWith(line, "make") && line.find("***") != std::string::npos) {
      first_make_error = line;
      first_make_error_line = static_cast<int>(i + 1);
    }
    if (d.machine_failure_line == 0 && IsMachineFailureLine(line)) {
      d.machine_failure = Printable(Trim(line));
      d.machine_failure_line = static_cast<int>(i + 1);
    }
    if (!IsErrorLine(line)) continue;
    if (step == "BTF") btf_step_errors = true;
    if (d.error_line == 0) {
      d.first_error = Printable(Trim(line));
      d.error_line = static_cast<int>(i + 1);
      d.step = step;
      d.step_target = target;
    }
  }
  if (d.error_line == 0 && !first_make_error.empty()) {
    d.first_error = Printable(Trim(first_make_error));
    d.error_line = first_make_error_line;
    d.step = step;
    d.step_target = target;
  }
  const std::string lower = Lower(d.first_error);
  d.btf_generation = btf_step_errors || d.step == "BTF" ||
                     (seen_btf_step && (lower.find("btf") != std::string::npos ||
                                        log.find("Failed to generate BTF") != std::string_view::npos));
  return d;
}

}  // namespace harness
