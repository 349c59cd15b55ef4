#pragma once
// report.html: one self-contained page (inline CSS, no script, no network) for people: the
// matrix as a grid coloured by verdict, and per cell its verdict, diagnosis, console tail,
// commands to reproduce, links to its artifacts and, for a content mismatch, both blobs in hex
// around the first difference with their BTF headers decoded side by side.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/core/endian.h"
#include "harness/results/results.h"
#include "harness/elf/inspector.h"

namespace harness {

// The page for `results`, whose artifacts lie under `out_dir` (links are relative to it, so the
// directory can be published as it is). Reads each cell's console.log, build.log and blobs.
std::string ReportHtml(const std::vector<CellResult>& results, const std::filesystem::path& out_dir);

// Writes report.html (and summary.md) into out_dir, atomically.
void WriteReportPages(const std::vector<CellResult>& results, const std::filesystem::path& out_dir);

// A BTF header read in the byte order its magic says (9f eb: little, eb 9f: big; anything else
// is read as little-endian and marked not BTF). nullopt when the blob is shorter than the header.
struct DecodedBtfHeader {
  BtfHeader header;
  Endian endian = Endian::kLittle;
  bool magic_ok = false;
};
std::optional<DecodedBtfHeader> DecodeBtfHeader(std::span<const std::uint8_t> blob);

// The HTML fragment for a content mismatch: both headers decoded side by side, then both blobs
// in hex, 16 bytes a row, from a few rows before `offset` to a few after, every byte that differs
// from the other blob (or that the other lacks) in <mark>.
std::string BtfDiffHtml(std::span<const std::uint8_t> vmlinux_btf, std::span<const std::uint8_t> guest_btf,
                        std::size_t offset);

}  // namespace harness
