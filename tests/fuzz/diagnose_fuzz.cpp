// libFuzzer target: the build-log diagnosis on arbitrary log bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "harness/kbuild/diagnose.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view log(reinterpret_cast<const char*>(data), size);
  const harness::BuildDiagnosis d = harness::DiagnoseBuildLog(log);
  // An error line number points into the log.
  if (d.error_line < 0 || static_cast<std::size_t>(d.error_line) > size + 1) std::abort();
  (void)d.Summary();
  return 0;
}
