#include "harness/report/summary.h"

#include <cstdio>

#include "harness/core/util.h"
#include "harness/report/report.h"

namespace harness {

std::string MarkdownCell(std::string_view untrusted) {
  std::string out;
  for (char c : untrusted) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\\': out += "\\\\"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += Printable(std::string_view(&c, 1));
    }
  }
  return out;
}

std::string SummaryMarkdown(const std::vector<CellResult>& results) {
  const auto [passed, built, excluded, failed, errors] = CountVerdicts(results);
  bool history = false;
  for (const auto& r : results) history = history || r.history.cls != HistoryClass::kNone;
  std::string md = "### harness: " + std::to_string(passed) + " passed, ";
  if (built) md += std::to_string(built) + " built (no boot), ";
  md += std::to_string(failed) + " failed, " + std::to_string(errors) + " harness errors";
  if (excluded) md += ", " + std::to_string(excluded) + " excluded";
  md += "\n\n";
  md += history ? "| cell | verdict | stage | time | history | detail |\n|---|---|---|---:|---|---|\n"
                : "| cell | verdict | stage | time | detail |\n|---|---|---|---:|---|\n";
  for (const auto& r : results) {
    double total = 0;
    for (const auto& t : r.timings) total += t.seconds;
    char time[32];
    std::snprintf(time, sizeof time, "%.1f s", total);
    const bool ok = r.error.empty() && !IsKernelFailure(r.verdict);
    std::string verdict = r.error.empty() ? std::string(VerdictName(r.verdict)) : "harness error";
    verdict = ok ? MarkdownCell(verdict) : "**" + MarkdownCell(verdict) + "**";
    std::string detail = r.error.empty() ? r.detail : r.error;
    md += "| " + MarkdownCell(r.cell) + " | " + verdict + " | " + std::string(StageName(r.stage)) + " | " + time + " | ";
    if (history) {
      md += MarkdownCell(std::string(HistoryClassName(r.history.cls)));
      if (!r.history.since.empty()) md += " since " + MarkdownCell(r.history.since);
      md += " | ";
    }
    if (r.baseline.cls != BaselineClass::kNone) detail = "[" + std::string(BaselineClassName(r.baseline.cls)) + ": " + r.baseline.detail + "] " + detail;
    if (detail.size() > 300) detail = detail.substr(0, 300) + "...";
    md += MarkdownCell(detail) + " |\n";
  }
  md += "\nDetails: report.html in the output directory (each cell's diagnosis, console, commands and artifacts).\n";
  return md;
}

}  // namespace harness
