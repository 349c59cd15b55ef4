#pragma once
// Writes tar archives in memory (ustar headers, GNU long names), for the import's tests and the
// fuzz seeds: entries exactly as a test wants them, corrupt ones included; real archives in
// every format come from tar itself in the integration tests.
#include <string>

namespace harness {

struct TarEntryDesc {
  std::string name;
  char type = '0';             // '0' file, '1' hard link, '2' symlink, '5' directory, 'L', 'x', ...
  std::string data;
  unsigned mode = 0644;
  std::string link;            // linkname field
  std::string prefix;          // ustar prefix field
};

// One header (checksum filled in) and its data padded to 512 bytes.
std::string TarEntry(const TarEntryDesc& entry);
// The two zero blocks that end an archive.
std::string TarEnd();

}  // namespace harness
