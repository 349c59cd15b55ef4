#include "harness/build/diagnose.h"

#include <regex>
#include <vector>

#include "harness/core/util.h"

namespace harness {
namespace {

// kbuild's quiet command lines: two spaces, an upper-case tag, padding, the target.
const std::regex kStepLine(R"(^  ([A-Z][A-Z0-9_]{1,9}) +(\S.*)$)");
const std::regex kErrorLine(
    R"((\berror\b|undefined reference|not recognized|invalid bfd|no such file|cannot |failed|fatal|\bError \d))",
    std::regex::icase);

bool IsErrorLine(const std::string& line) {
  if (line.find("warning:") != std::string::npos) return false;
  if (StartsWith(line, "make")) return false;  // make's own "*** [...] Error 1" summaries
  return std::regex_search(line, kErrorLine);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

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
    std::smatch m;
    if (std::regex_match(line, m, kStepLine)) {
      step = m[1];
      target = m[2];
      if (step == "BTF") seen_btf_step = true;
      continue;
    }
    if (first_make_error.empty() && StartsWith(line, "make") && line.find("***") != std::string::npos) {
      first_make_error = line;
      first_make_error_line = static_cast<int>(i + 1);
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
