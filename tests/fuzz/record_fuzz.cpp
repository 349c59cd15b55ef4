// libFuzzer target: the probe record decoder on arbitrary disk bytes. Random bytes almost never
// carry a valid CRC, so each input is also decoded with its CRC repaired, which lets the fuzzer
// reach the field checks behind it.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "harness/boot/record.h"
#include "tests/support/record_writer.h"

namespace {

constexpr std::size_t kMaxBlob = 1 << 16;

// Walks the TLVs as DecodeRecord does; returns the end marker's offset, or 0 when there is none.
std::size_t FindEndMarker(const std::vector<std::uint8_t>& disk) {
  auto u32 = [&disk](std::size_t at) {
    return std::uint32_t(disk[at]) | std::uint32_t(disk[at + 1]) << 8 | std::uint32_t(disk[at + 2]) << 16 |
           std::uint32_t(disk[at + 3]) << 24;
  };
  std::size_t pos = 8;
  while (pos + 8 <= disk.size()) {
    const std::uint32_t tag = u32(pos), len = u32(pos + 4);
    if (tag == harness::kTagEnd) return len == 4 && pos + 12 <= disk.size() ? pos : 0;
    if (len > kMaxBlob || len > disk.size() - pos - 8) return 0;
    pos += 8 + len;
  }
  return 0;
}

void CheckDecoded(const harness::DecodeResult& result) {
  // Exactly one of record and error, always.
  if (result.record.has_value() == !result.error.empty()) std::abort();
  if (!result.record) return;
  // What the encoder writes back must decode to the same record.
  const harness::ProbeRecord& r = *result.record;
  const harness::DecodeResult again = harness::DecodeRecord(harness::EncodeRecord(r), kMaxBlob * 16);
  if (!again.record) std::abort();
  const harness::ProbeRecord& a = *again.record;
  if (a.flags != r.flags || a.mode != r.mode || a.size != r.size || a.blob != r.blob ||
      a.small_reads != r.small_reads || a.read_cap != r.read_cap || a.past_cap != r.past_cap ||
      a.eof_read != r.eof_read ||
      a.version != r.version ||
      a.notes != r.notes || a.errors != r.errors) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> disk(data, data + size);
  CheckDecoded(harness::DecodeRecord(disk, kMaxBlob));
  if (const std::size_t end = FindEndMarker(disk); end != 0 && disk.size() >= 8) {
    const std::uint32_t crc = harness::Crc32(disk.data(), end);
    for (int i = 0; i < 4; ++i) disk[end + 8 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    CheckDecoded(harness::DecodeRecord(disk, kMaxBlob));
  }
  return 0;
}
