#include "harness/proc/git.h"

namespace harness {

ProcessSpec GitCommand(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  ProcessSpec spec{.argv = {"git", "-C", dir.string()}, .env = {{"LC_ALL", "C"}}};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  return spec;
}

}  // namespace harness
