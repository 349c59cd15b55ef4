#pragma once
// The one way the harness spells a git command: the tree's, the series applier's and the
// bisect's wrappers each add their own logging on top of it.
#include <filesystem>
#include <string>
#include <vector>

#include "harness/proc/runner.h"

namespace harness {

// `git -C dir args...` with git's messages in English (LC_ALL=C): the harness parses them.
ProcessSpec GitCommand(const std::filesystem::path& dir, const std::vector<std::string>& args);

}  // namespace harness
