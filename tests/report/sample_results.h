#pragma once
// A results set with one cell of every verdict (and a harness error), its artifacts written
// under a directory: what the report tests render. The arm64 content-mismatch cell gets real
// BTF blobs (generated here, one byte flipped) and every cell a console whose lines try to run
// script in a browser.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/results/results.h"
#include "tests/support/elf_writer.h"

namespace harness::testing {

// Would retitle the page and add an element if it ever ran.
inline constexpr const char* kHostileConsole =
    "Linux version 6.1.0 <b>bold</b>\n"
    "<script>document.title='pwned';document.body.appendChild(document.createElement('h6')).id='pwned'</script>\n"
    "<img src=x onerror=\"document.title='pwned-img'\">\n"
    "\" onmouseover=\"alert(1)\" ' & \x1b[31m raw bytes \xff\n";

inline constexpr std::size_t kFlippedOffset = 100;

// How often `what` occurs in `text`.
inline std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

inline void WriteBytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<CellResult> OneCellOfEveryVerdict(const std::filesystem::path& out_dir) {
  std::vector<CellResult> results;
  const char* arches[] = {"x86_64", "arm64", "s390x"};
  for (int v = static_cast<int>(Verdict::kPass); v <= static_cast<int>(kLastVerdict) + 1; ++v) {
    const bool harness_error = v > static_cast<int>(kLastVerdict);
    CellResult r;
    r.arch = arches[(v - 1) % 3];
    const std::string series = "s" + std::to_string((v - 1) / 3);
    r.cell = "debian-6.1/" + series + "/" + r.arch + "/gcc";
    r.verdict = harness_error ? Verdict::kBuildFailed : static_cast<Verdict>(v);
    r.stage = Stage::kVerify;
    if (harness_error) r.error = "qemu-system-x86_64 is not installed <script>x</script>";
    r.detail = "detail of " + r.cell + " <i>not italic</i>";
    r.diagnosis = {"guest: <script>document.title='pwned-diag'</script>"};
    r.timings = {{Stage::kTree, 0.5, false, true}, {Stage::kBuild, 72.25}, {Stage::kBoot, 3.5}, {Stage::kVerify, 0.1}};
    r.artifacts_dir = (out_dir / "debian-6.1" / series / (r.arch + "-gcc")).string();
    r.facts[FactKey::kMakeCommand] = "make O=build ARCH=" + r.arch + " -j2 vmlinux";
    r.facts[FactKey::kQemuCommand] = "qemu-system-" + r.arch + " -kernel Image -append 'console=ttyS0 <x>'";
    std::filesystem::create_directories(r.artifacts_dir);
    std::ofstream(std::filesystem::path(r.artifacts_dir) / "console.log") << kHostileConsole;
    std::ofstream(std::filesystem::path(r.artifacts_dir) / "build.log") << "  CC init/main.o\n";
    if (r.verdict == Verdict::kContentMismatch && !harness_error) {
      auto blob = MakeBtfBlob(Endian::kLittle, 20);
      WriteBytes(std::filesystem::path(r.artifacts_dir) / "vmlinux.btf", blob);
      blob.at(kFlippedOffset) ^= 0x40;
      WriteBytes(std::filesystem::path(r.artifacts_dir) / "guest.btf", blob);
      r.facts[FactKey::kOffset] = std::to_string(kFlippedOffset);
      r.detail = "first difference at offset 100 (0x64), 1 byte differs";
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace harness::testing
