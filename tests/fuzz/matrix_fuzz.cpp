// libFuzzer target: the YAML matrix loader on arbitrary text. Bad input may only end as a
// HarnessError (which the CLI prints with file:line:col); anything else is a crash.
#include <cstdint>
#include <string_view>

#include "harness/config/matrix.h"
#include "harness/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)harness::ParseMatrix(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const harness::HarnessError&) {
  }
  return 0;
}
