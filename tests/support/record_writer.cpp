#include "tests/support/record_writer.h"

namespace harness {
namespace {

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void PutU64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void PutU32Tlv(std::vector<std::uint8_t>& out, std::uint32_t tag, std::uint32_t v) {
  PutU32(out, tag);
  PutU32(out, 4);
  PutU32(out, v);
}

void PutU64Tlv(std::vector<std::uint8_t>& out, std::uint32_t tag, std::uint64_t v) {
  PutU32(out, tag);
  PutU32(out, 8);
  PutU64(out, v);
}

void PutTlv(std::vector<std::uint8_t>& out, std::uint32_t tag, const void* data, std::size_t size) {
  PutU32(out, tag);
  PutU32(out, static_cast<std::uint32_t>(size));
  const auto* p = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), p, p + size);
}

}  // namespace

std::vector<std::uint8_t> EncodeRecord(const ProbeRecord& record) {
  std::vector<std::uint8_t> out(kRecordMagic.begin(), kRecordMagic.end());
  PutU32Tlv(out, kTagFlags, record.flags);
  if (record.mode) PutU32Tlv(out, kTagMode, *record.mode);
  if (record.size) PutU64Tlv(out, kTagSize, *record.size);
  PutTlv(out, kTagBlob, record.blob.data(), record.blob.size());
  std::vector<std::uint8_t> ranges;
  for (const auto& r : record.small_reads) {
    PutU64(ranges, r.offset);
    PutU32(ranges, static_cast<std::uint32_t>(r.bytes.size()));
    ranges.insert(ranges.end(), r.bytes.begin(), r.bytes.end());
  }
  PutTlv(out, kTagRanges, ranges.data(), ranges.size());
  if (record.read_cap) PutU64Tlv(out, kTagReadCap, *record.read_cap);
  if (record.past_cap) PutU64Tlv(out, kTagPastCap, static_cast<std::uint64_t>(*record.past_cap));
  if (record.eof_read) PutU64Tlv(out, kTagEofRead, static_cast<std::uint64_t>(*record.eof_read));
  for (const auto& [tag, call] : {std::pair{kTagProgLoad, &record.prog_load}, std::pair{kTagBtfLoad, &record.btf_load}}) {
    if (!*call) continue;
    std::vector<std::uint8_t> value;
    PutU32(value, (*call)->kind);
    PutU32(value, static_cast<std::uint32_t>((*call)->result));
    value.insert(value.end(), (*call)->log.begin(), (*call)->log.end());
    PutTlv(out, tag, value.data(), value.size());
  }
  if (const auto& m = record.module) {
    PutU32Tlv(out, kTagModuleLoad, static_cast<std::uint32_t>(m->load));
    if (m->mode && m->size) {
      std::vector<std::uint8_t> stat;
      PutU32(stat, *m->mode);
      PutU64(stat, *m->size);
      PutTlv(out, kTagModuleStat, stat.data(), stat.size());
    }
    if (m->blob) PutTlv(out, kTagModuleBlob, m->blob->data(), m->blob->size());
    if (m->btf_id_result) {
      std::vector<std::uint8_t> id;
      PutU32(id, static_cast<std::uint32_t>(*m->btf_id_result));
      PutU32(id, m->btf_id);
      PutTlv(out, kTagModuleBtfId, id.data(), id.size());
    }
  }
  PutTlv(out, kTagVersion, record.version.data(), record.version.size());
  PutTlv(out, kTagNotes, record.notes.data(), record.notes.size());
  PutTlv(out, kTagErrors, record.errors.data(), record.errors.size());
  const std::uint32_t crc = Crc32(out.data(), out.size());
  PutU32Tlv(out, kTagEnd, crc);
  return out;
}

}  // namespace harness
