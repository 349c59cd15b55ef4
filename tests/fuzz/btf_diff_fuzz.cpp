// libFuzzer target: the type-level BTF diff on two arbitrary blobs, as a build and a guest could
// hand them over. The input's first two bytes (little-endian) say where the first blob ends.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "harness/elf/btf_diff.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t split = std::min<std::size_t>(data[0] | data[1] << 8, size - 2);
  const std::span<const std::uint8_t> first(data + 2, split), second(data + 2 + split, size - 2 - split);
  // Whatever the bytes, there is something to say: a difference, or why there is none to show.
  if (harness::DiffBtfTypes(first, second).empty()) std::abort();
  return 0;
}
