#include "harness/boot/record.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "harness/core/endian.h"

namespace harness {
namespace {

constexpr std::size_t kTlvHeader = 8;

constexpr std::array<std::uint32_t, 256> MakeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kCrcTable = MakeCrcTable();

std::string Format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

std::uint64_t LoadU64Le(std::span<const std::uint8_t> b) {
  return std::uint64_t(LoadU32(b.subspan(0, 4), Endian::kLittle)) |
         std::uint64_t(LoadU32(b.subspan(4, 4), Endian::kLittle)) << 32;
}

const char* TagName(std::uint32_t tag) {
  switch (tag) {
    case kTagFlags: return "flags";
    case kTagMode: return "mode";
    case kTagSize: return "size";
    case kTagBlob: return "blob";
    case kTagSmallReads: return "small-reads";
    case kTagEofRead: return "eof-read";
    case kTagVersion: return "version";
    case kTagNotes: return "notes";
    case kTagErrors: return "errors";
    case kTagRanges: return "ranges";
    case kTagReadCap: return "read-cap";
    case kTagPastCap: return "past-cap";
    case kTagProgLoad: return "prog-load";
    case kTagBtfLoad: return "btf-load";
    case kTagModuleLoad: return "module-load";
    case kTagModuleStat: return "module-stat";
    case kTagModuleBlob: return "module-blob";
    case kTagModuleBtfId: return "module-btf-id";
    case kTagEnd: return "end";
    default: return "unknown";
  }
}

}  // namespace

std::uint32_t Crc32(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < size; ++i) crc = kCrcTable[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

std::vector<std::pair<std::uint64_t, std::uint32_t>> ProbeRanges(std::uint64_t size) {
  constexpr std::uint32_t kHead = 64, kSpread = 32;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> ranges;
  if (size == 0) return ranges;
  ranges.push_back({0, static_cast<std::uint32_t>(std::min<std::uint64_t>(size, kHead))});
  if (size <= kHead + kSpread) return ranges;
  for (std::uint64_t k = 1; k <= 3; ++k) ranges.push_back({size / 4 * k, kSpread});
  ranges.push_back({size - kSpread, kSpread});
  return ranges;
}

namespace {

// Pass 1 of DecodeRecord: walks the TLVs to the end marker with every length bounds-checked, so
// that a corrupted byte is reported as corruption rather than as whatever it happens to look
// like. Sets `end_pos` to the end marker's offset; returns the error, empty when there is none.
std::string FindEndMarker(std::span<const std::uint8_t> bytes, std::size_t max_blob, std::size_t& end_pos) {
  std::size_t pos = kRecordMagic.size();
  for (;;) {
    const std::size_t remaining = bytes.size() - pos;
    if (remaining < kTlvHeader) {
      return Format(
          "record truncated: no end marker before byte %zu (the probe stopped writing, or the "
          "disk is too small)",
          bytes.size());
    }
    const std::uint32_t tag = LoadU32(bytes.subspan(pos, 4), Endian::kLittle);
    const std::uint32_t len = LoadU32(bytes.subspan(pos + 4, 4), Endian::kLittle);
    if (tag == kTagEnd) {
      if (len != 4) {
        return Format("record corrupt: end marker at byte %zu has length %u, expected 4", pos, len);
      }
      if (remaining - kTlvHeader < 4) {
        return Format("record truncated: end marker at byte %zu lacks its CRC", pos);
      }
      end_pos = pos;
      return "";
    }
    if (len > max_blob) {
      return Format(
          "record corrupt: %s field (tag %u) at byte %zu claims %u bytes, above the %zu-byte limit",
          TagName(tag), tag, pos, len, max_blob);
    }
    if (len > remaining - kTlvHeader) {
      return Format(
          "record truncated: %s field (tag %u) at byte %zu claims %u bytes but only %zu remain",
          TagName(tag), tag, pos, len, remaining - kTlvHeader);
    }
    pos += kTlvHeader + len;
  }
}

// The CRC after the end marker against the bytes before it; the error, empty when they agree.
std::string CheckCrc(std::span<const std::uint8_t> bytes, std::size_t end_pos) {
  const std::uint32_t stored = LoadU32(bytes.subspan(end_pos + kTlvHeader, 4), Endian::kLittle);
  const std::uint32_t computed = Crc32(bytes.data(), end_pos);
  if (stored != computed) {
    return Format("record corrupt: CRC 0x%08x stored, 0x%08x computed over %zu bytes", stored, computed, end_pos);
  }
  return "";
}

// The ranges field (at byte `at`): entries of offset (8 bytes), count (4) and the bytes read.
std::string ReadRanges(std::span<const std::uint8_t> value, std::size_t at, ProbeRecord& record) {
  for (std::size_t i = 0; i < value.size();) {
    if (value.size() - i < 12) {
      return Format("record malformed: ranges field at byte %zu has a partial entry at %zu", at, i);
    }
    const std::uint64_t offset = LoadU64Le(value.subspan(i, 8));
    const std::uint32_t count = LoadU32(value.subspan(i + 8, 4), Endian::kLittle);
    if (count > value.size() - i - 12) {
      return Format("record malformed: ranges field at byte %zu: entry at %zu claims %u bytes", at, i, count);
    }
    const auto data = value.subspan(i + 12, count);
    record.small_reads.push_back({offset, {data.begin(), data.end()}});
    i += 12 + count;
  }
  return "";
}

// Pass 2 of DecodeRecord: interprets the fields before `end_pos`. Lengths are known to be in
// bounds; fields must still be well-formed. Returns the error, empty when there is none.
std::string ReadFields(std::span<const std::uint8_t> bytes, std::size_t end_pos, ProbeRecord& record) {
  auto module = [](ProbeRecord& r) -> ModuleRecord& { return r.module ? *r.module : r.module.emplace(); };
  std::uint32_t seen = 0;  // bit per known tag
  std::size_t pos = kRecordMagic.size();
  while (pos < end_pos) {
    const std::uint32_t tag = LoadU32(bytes.subspan(pos, 4), Endian::kLittle);
    const std::uint32_t len = LoadU32(bytes.subspan(pos + 4, 4), Endian::kLittle);
    const auto value = bytes.subspan(pos + kTlvHeader, len);
    const std::size_t at = pos;
    pos += kTlvHeader + len;
    if (tag < kTagFlags || tag > kTagModuleBtfId || tag == kTagSmallReads) continue;  // unknown or retired: skip
    if (seen & (1u << tag)) {
      return Format("record malformed: %s field (tag %u) repeated at byte %zu", TagName(tag), tag, at);
    }
    seen |= 1u << tag;
    std::size_t want = 0;
    if (tag == kTagFlags || tag == kTagMode) want = 4;
    if (tag == kTagSize || tag == kTagEofRead || tag == kTagReadCap || tag == kTagPastCap ||
        tag == kTagModuleBtfId) {
      want = 8;
    }
    if (tag == kTagModuleLoad) want = 4;
    if (tag == kTagModuleStat) want = 12;
    if (want != 0 && len != want) {
      return Format("record malformed: %s field (tag %u) at byte %zu has %u bytes, expected %zu",
                    TagName(tag), tag, at, len, want);
    }
    if ((tag == kTagProgLoad || tag == kTagBtfLoad) && len < 8) {
      return Format("record malformed: %s field (tag %u) at byte %zu has %u bytes, expected at least 8",
                    TagName(tag), tag, at, len);
    }
    switch (tag) {
      case kTagFlags: record.flags = LoadU32(value, Endian::kLittle); break;
      case kTagMode: record.mode = LoadU32(value, Endian::kLittle); break;
      case kTagSize: record.size = LoadU64Le(value); break;
      case kTagBlob: record.blob.assign(value.begin(), value.end()); break;
      case kTagRanges:
        if (std::string error = ReadRanges(value, at, record); !error.empty()) return error;
        break;
      case kTagReadCap: record.read_cap = LoadU64Le(value); break;
      case kTagPastCap: record.past_cap = static_cast<std::int64_t>(LoadU64Le(value)); break;
      case kTagEofRead: record.eof_read = static_cast<std::int64_t>(LoadU64Le(value)); break;
      case kTagProgLoad:
      case kTagBtfLoad:
        (tag == kTagProgLoad ? record.prog_load : record.btf_load) =
            BpfCall{.kind = LoadU32(value, Endian::kLittle),
                    .result = static_cast<std::int32_t>(LoadU32(value.subspan(4), Endian::kLittle)),
                    .log = std::string(value.begin() + 8, value.end())};
        break;
      case kTagModuleLoad:
        module(record).load = static_cast<std::int32_t>(LoadU32(value, Endian::kLittle));
        break;
      case kTagModuleStat:
        module(record).mode = LoadU32(value, Endian::kLittle);
        module(record).size = LoadU64Le(value.subspan(4));
        break;
      case kTagModuleBlob: module(record).blob.emplace(value.begin(), value.end()); break;
      case kTagModuleBtfId:
        module(record).btf_id_result = static_cast<std::int32_t>(LoadU32(value, Endian::kLittle));
        module(record).btf_id = LoadU32(value.subspan(4), Endian::kLittle);
        break;
      case kTagVersion: record.version.assign(value.begin(), value.end()); break;
      case kTagNotes: record.notes.assign(value.begin(), value.end()); break;
      case kTagErrors: record.errors.assign(value.begin(), value.end()); break;
    }
  }
  if (record.module && !(seen & (1u << kTagModuleLoad))) {
    return "record malformed: module fields without the module-load field (tag 15)";
  }
  return "";
}

}  // namespace

DecodeResult DecodeRecord(std::span<const std::uint8_t> bytes, std::size_t max_blob) {
  DecodeResult result;
  if (bytes.size() < kRecordMagic.size() ||
      std::memcmp(bytes.data(), kRecordMagic.data(), kRecordMagic.size()) != 0) {
    result.error = "no probe record on the disk (the probe did not run or could not write /dev/vda)";
    return result;
  }
  // The whole record is checked (its framing, then its CRC) before any field is believed.
  std::size_t end_pos = 0;
  result.error = FindEndMarker(bytes, max_blob, end_pos);
  if (result.error.empty()) result.error = CheckCrc(bytes, end_pos);
  if (!result.error.empty()) return result;
  ProbeRecord record;
  result.error = ReadFields(bytes, end_pos, record);
  if (result.error.empty()) result.record = std::move(record);
  return result;
}

}  // namespace harness
