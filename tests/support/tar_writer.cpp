#include "tests/support/tar_writer.h"

#include <cstdio>
#include <cstring>

namespace harness {
namespace {

void Put(std::string& header, std::size_t at, std::size_t width, const std::string& text) {
  std::memcpy(header.data() + at, text.data(), std::min(width, text.size()));
}

std::string Octal(unsigned long long value, std::size_t width) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*llo", static_cast<int>(width - 1), value);
  return text;
}

}  // namespace

std::string TarEntry(const TarEntryDesc& entry) {
  std::string header(512, '\0');
  Put(header, 0, 100, entry.name);
  Put(header, 100, 8, Octal(entry.mode, 8));
  Put(header, 108, 8, Octal(0, 8));
  Put(header, 116, 8, Octal(0, 8));
  Put(header, 124, 12, Octal(entry.data.size(), 12));
  Put(header, 136, 12, Octal(1000684800, 12));
  header[156] = entry.type;
  Put(header, 157, 100, entry.link);
  std::memcpy(header.data() + 257, "ustar\0" "00", 8);
  Put(header, 345, 155, entry.prefix);
  std::memset(header.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  Put(header, 148, 8, Octal(sum, 7));
  std::string data = entry.data;
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return header + data;
}

std::string TarEnd() { return std::string(1024, '\0'); }

}  // namespace harness
