// libFuzzer target: the mbox/patch splitter and the diff parser on arbitrary mail text. Bad
// input may only end as a HarnessError; any other exception is a crash.
#include <cstdint>
#include <string_view>

#include "harness/core/error.h"
#include "harness/patches/series.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (const harness::Patch& patch : harness::SplitMbox(text, "fuzz.mbox")) {
      (void)harness::ParseDiff(patch.text, patch.origin);
    }
  } catch (const harness::HarnessError&) {
  }
  try {
    (void)harness::ParseDiff(text, "fuzz.patch");
  } catch (const harness::HarnessError&) {
  }
  return 0;
}
