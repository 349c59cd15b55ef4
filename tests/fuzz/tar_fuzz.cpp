// libFuzzer target: the tree import's tar reader (harness/tree/tar_import.h) on arbitrary bytes.
// A broken archive must be a HarnessError and must not end the stream with a `done` command
// (fast-import would commit what it had); a good one must end with it. A crash or any other
// exception is a finding. "done" is a command only outside `data <n>` payloads: a file whose
// contents end in "\ndone\n" is not one (the first version of this oracle thought so).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "harness/core/error.h"
#include "harness/tree/tar_import.h"

namespace {

// Whether the fast-import stream's last command is `done`: reads it command line by command line,
// stepping over each `data <n>` payload (and the optional newline after it) unread.
bool EndsWithDoneCommand(const std::string& stream) {
  std::size_t at = 0;
  std::string last;
  while (at < stream.size()) {
    std::size_t end = stream.find('\n', at);
    if (end == std::string::npos) end = stream.size();
    last = stream.substr(at, end - at);
    at = end + 1;
    if (last.starts_with("data ")) {
      at += std::min<std::size_t>(std::strtoull(last.c_str() + 5, nullptr, 10), stream.size() - std::min(at, stream.size()));
      if (at < stream.size() && stream[at] == '\n') ++at;
      last = "data";
    }
  }
  return last == "done";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out;
  bool broken = false;
  try {
    harness::TarToFastImport(in, out, {.ref = "refs/tags/t", .message = "m", .ident = "h <h@l> 0 +0000",
                                       .strip_components = 1});
  } catch (const harness::HarnessError&) {
    broken = true;
  }
  if (EndsWithDoneCommand(out.str()) == broken) std::abort();
  return 0;
}
