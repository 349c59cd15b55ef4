#pragma once
// Kconfig fragments (what we ask for) and .config files (what olddefconfig kept), and the check
// that every requested option survived, with the likely reason when one did not.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct KconfigOption {
  std::string name;    // CONFIG_FOO
  std::string value;   // y, m, n ("# CONFIG_FOO is not set"), a number or a "string"
  std::string origin;  // file:line it came from
};

// Throws HarnessError("FILE:LINE: ...") on a line that is neither an option, a comment nor blank.
std::vector<KconfigOption> ParseFragment(std::string_view text, std::string_view origin);

// Later fragments override earlier ones, as merge_config.sh does.
std::vector<KconfigOption> MergeFragments(const std::vector<std::vector<KconfigOption>>& fragments);

// The fragment text to append to a .config.
std::string RenderFragment(const std::vector<KconfigOption>& options);

// name -> value; "n" for "# CONFIG_FOO is not set".
using DotConfig = std::map<std::string, std::string>;
DotConfig ParseDotConfig(std::string_view text);

struct DroppedOption {
  KconfigOption requested;
  std::string actual;   // "" when the option is absent from .config
  std::string reason;   // the likely cause, may be empty
};

// Options whose value in `actual` differs from the request. An "n" request is met by absence.
// `pahole_version` is the installed pahole's version as kconfig encodes it (124 for v1.24),
// 0 when pahole is missing; it feeds the reason for CONFIG_DEBUG_INFO_BTF.
std::vector<DroppedOption> CheckConfig(const std::vector<KconfigOption>& requested,
                                       const DotConfig& actual, int pahole_version);

}  // namespace harness
