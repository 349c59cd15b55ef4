#pragma once
// Writes small vmlinux-like ELF files at test time, so tests never check in binaries. Each
// field of the spec turns one property the inspector checks right or wrong.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/endian.h"

namespace harness {

struct FakeVmlinuxSpec {
  Endian endian = Endian::kLittle;
  unsigned machine = 62;              // e_machine; EM_X86_64 = 62, EM_AARCH64 = 183, EM_S390 = 22
  int elf_class = 64;                 // 32 or 64
  bool with_btf = true;
  bool btf_alloc = true;              // SHF_ALLOC on .BTF
  bool btf_in_load = true;            // a PT_LOAD covers .BTF
  bool btf_nobits = false;            // .BTF is SHT_NOBITS (no bytes in the file)
  std::optional<std::uint64_t> btf_sh_size;  // lie about .BTF's sh_size in the section header
  std::vector<std::uint8_t> btf;      // the .BTF section's bytes
  std::string start_symbol = "__start_BTF";  // empty: no such symbol
  std::string stop_symbol = "__stop_BTF";    // empty: no such symbol
  std::int64_t start_delta = 0;       // added to the start symbol's value
  std::int64_t stop_delta = 0;        // added to the stop symbol's value
  std::vector<std::uint8_t> build_id; // empty: no .notes section
};

// Throws HarnessError when the file cannot be written or libelf fails.
void WriteFakeVmlinux(const std::filesystem::path& path, const FakeVmlinuxSpec& spec);

// A minimal valid BTF blob in the given byte order: the header, `ntypes` INT types named
// "int0", "int1", ... and their string section. libbpf accepts it.
std::vector<std::uint8_t> MakeBtfBlob(Endian endian, int ntypes);

// The section's file offset WriteFakeVmlinux uses for .BTF, so tests can find its bytes.
inline constexpr std::uint64_t kFakeBtfOffset = 0x1000;

}  // namespace harness
