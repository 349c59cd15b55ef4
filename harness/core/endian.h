#pragma once
#include <cstdint>
#include <span>

namespace harness {

enum class Endian { kLittle, kBig };

inline const char* EndianName(Endian e) { return e == Endian::kLittle ? "little" : "big"; }

inline std::uint32_t LoadU32(std::span<const std::uint8_t> b, Endian e) {
  return e == Endian::kLittle
             ? std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8 | std::uint32_t(b[2]) << 16 |
                   std::uint32_t(b[3]) << 24
             : std::uint32_t(b[3]) | std::uint32_t(b[2]) << 8 | std::uint32_t(b[1]) << 16 |
                   std::uint32_t(b[0]) << 24;
}

inline std::uint16_t LoadU16(std::span<const std::uint8_t> b, Endian e) {
  return e == Endian::kLittle ? std::uint16_t(b[0] | b[1] << 8) : std::uint16_t(b[1] | b[0] << 8);
}

}  // namespace harness
