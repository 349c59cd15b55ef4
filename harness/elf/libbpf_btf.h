#pragma once
// Inside the elf module only (the owner of libbpf): a BTF blob parsed by libbpf, in either byte
// order, with libbpf's reasons captured instead of printed (stages never print).
#include <cstdint>
#include <memory>
#include <span>
#include <string>

struct btf;

namespace harness {

struct LibbpfBtfDeleter {
  void operator()(struct btf* btf) const;
};
using LibbpfBtf = std::unique_ptr<struct btf, LibbpfBtfDeleter>;

// The parsed blob, or null with `error` set: "Invalid argument (libbpf's messages; ...)".
LibbpfBtf ParseBtfWithLibbpf(std::span<const std::uint8_t> blob, std::string& error);

// A module's split BTF on top of `base` (the vmlinux's, which must outlive the result): its type
// ids follow the base's, and its names may be in the base's string table.
LibbpfBtf ParseSplitBtfWithLibbpf(std::span<const std::uint8_t> blob, struct btf* base, std::string& error);

}  // namespace harness
