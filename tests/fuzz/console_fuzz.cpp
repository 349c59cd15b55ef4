// libFuzzer target: the console parser fed arbitrary bytes line by line, as QEMU's serial
// output reaches it (garbage, NULs, megabyte lines, markers in the middle of lines).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "harness/boot/console.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  harness::ConsoleParser parser;
  bool running = true;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    const bool more = parser.Feed(text.substr(start, nl - start));
    // Once the boot is over the parser must say so for every later line too.
    if (!running && more) std::abort();
    running = running && more;
    start = nl + 1;
  }
  if (running != (parser.state() == harness::ConsoleParser::State::kRunning)) std::abort();
  (void)parser.Tail(5);
  return 0;
}
