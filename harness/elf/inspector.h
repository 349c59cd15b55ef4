#pragma once
// Reads a vmlinux's .BTF section and everything that must hold for the kernel to expose it
// as /sys/kernel/btf/vmlinux. The only user of libelf and libbpf in the harness.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/endian.h"

namespace harness {

struct BtfHeader {
  std::uint16_t magic = 0;     // as decoded in the ELF's byte order; 0xEB9F when right
  std::uint8_t version = 0;
  std::uint8_t flags = 0;
  std::uint32_t hdr_len = 0;
  std::uint32_t type_off = 0, type_len = 0;
  std::uint32_t str_off = 0, str_len = 0;
};

struct VmlinuxInfo {
  std::string path;
  bool is_elf = false;
  unsigned machine = 0;            // e_machine
  int elf_class = 0;               // 32 or 64
  Endian endian = Endian::kLittle;
  std::string machine_name;        // "x86-64", "AArch64", "S/390"

  bool has_btf = false;
  std::uint64_t btf_size = 0, btf_addr = 0, btf_offset = 0, btf_flags = 0;
  bool btf_alloc = false;          // SHF_ALLOC
  bool btf_in_load = false;        // lies inside a PT_LOAD segment (by address and file offset)
  std::string start_symbol, stop_symbol;     // the delimiting pair that was found, if any
  std::optional<std::uint64_t> start_value, stop_value;
  // The delimiting symbols disagree with .BTF (start not its address, stop - start not its size,
  // or one of the pair missing): the kernel would export other bytes than the section's, so no
  // boot can say anything about it. The line, as in `problems`; empty when they agree.
  std::string symbol_problem;

  std::optional<BtfHeader> header;  // when the section holds at least the fixed header
  std::optional<std::uint32_t> type_count;  // from libbpf, when it parsed the blob
  // The distinct named types ("<kind> <name>") and the first 16 hex digits of the SHA-256 of
  // their sorted list: equal for two builds of the same inputs even where pahole -j makes the
  // bytes, the order and the type count differ. Set when libbpf parsed the blob.
  std::size_t named_types = 0;
  std::string named_types_digest;
  std::string libbpf_error;

  std::string build_id;            // lower-case hex from the GNU build-id note; empty if none

  std::vector<std::uint8_t> btf;   // the section's bytes

  // Every violation, each named in one line a person can act on. Empty when all is well.
  std::vector<std::string> problems;
  // True when the problems leave nothing to compare against (not ELF, no .BTF, no bytes).
  bool fatal = false;
};

// Never throws for bad content (those become `problems`); throws HarnessError only when the
// file cannot be opened or read.
VmlinuxInfo InspectVmlinux(const std::filesystem::path& path);

// A kernel module's BTF: with CONFIG_DEBUG_INFO_BTF_MODULES each .ko carries a .BTF that is split
// BTF on top of the vmlinux's (pahole --btf_base vmlinux): its type ids continue the vmlinux's
// and its names may be in the vmlinux's string table, so it parses only against that base.
struct ModuleBtfInfo {
  std::string path;
  bool is_elf = false;
  bool has_btf = false;
  std::vector<std::uint8_t> btf;             // the .ko's .BTF section
  std::optional<std::uint32_t> type_count;   // the module's own types, when libbpf parsed them
  std::uint32_t first_id = 0;                // the id of its first own type (the base's count + 1)
  // The module's own structs as they read on this base: a member's type may be the base's
  // (struct list_head), so a module built against another vmlinux names other types here.
  struct Struct {
    std::string name;
    std::vector<std::pair<std::string, std::string>> members;  // {member, its type's name or kind}
  };
  std::vector<Struct> own_structs;
  std::string libbpf_error;
  std::vector<std::string> problems;         // each a line a person can act on; empty when well
};

// Reads `ko`'s .BTF and parses it with libbpf on top of `vmlinux`'s BTF. Bad content becomes
// `problems`; throws HarnessError only when the file cannot be opened or read.
ModuleBtfInfo InspectModuleBtf(const std::filesystem::path& ko, const VmlinuxInfo& vmlinux);

// The GNU build ID (hex) from raw ELF note bytes such as /sys/kernel/notes, decoded in the
// given byte order. Empty when there is none; never reads out of bounds.
std::string BuildIdFromNotes(const std::vector<std::uint8_t>& notes, Endian endian);

}  // namespace harness
