// libFuzzer target: a corpus entry's expected.yaml loader on arbitrary text. Bad input may only
// end as a HarnessError; anything else is a crash.
#include <cstdint>
#include <string>

#include "harness/config/expected.h"
#include "harness/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)harness::ParseCorpusEntry(std::string(reinterpret_cast<const char*>(data), size), "/fuzz/entry");
  } catch (const harness::HarnessError&) {
  }
  return 0;
}
