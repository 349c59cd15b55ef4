// libFuzzer target: the tree import's tar reader (harness/tree/tar_import.h) on arbitrary bytes.
// A broken archive must be a HarnessError and must not end the stream with `done` (fast-import
// would commit what it had); a good one must end with it. A crash or any other exception is a
// finding.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "harness/core/error.h"
#include "harness/tree/tar_import.h"

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
  if (out.str().ends_with("\ndone\n") == broken) std::abort();
  return 0;
}
