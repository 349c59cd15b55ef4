#pragma once
// summary.md: the run as one Markdown table, for a CI run page (GitHub's $GITHUB_STEP_SUMMARY,
// a GitLab job note). Text from the guest or a build log is escaped for a table cell.
#include <string>
#include <string_view>
#include <vector>

#include "harness/results/results.h"

namespace harness {

// One table cell's text: '|' and '\' escaped, line breaks as spaces, '<', '>' and '&' as entities
// (renderers take inline HTML), other bytes that are not printable ASCII as \xNN.
std::string MarkdownCell(std::string_view untrusted);

std::string SummaryMarkdown(const std::vector<CellResult>& results);

}  // namespace harness
