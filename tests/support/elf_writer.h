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

// A module's split BTF on top of MakeBtfBlob(endian, base_types): one struct btfmod_state of two
// members of the base's first int (its id: base_types + 1).
std::vector<std::uint8_t> MakeModuleBtfBlob(Endian endian, int base_types);

// Builds BTF blobs at test time, in either byte order: each call adds one type (ids from 1, in
// call order) and returns its id; names go into the string table, each once.
class BtfBuilder {
 public:
  struct Member {
    std::string name;
    std::uint32_t type = 0;
    std::uint32_t bit_offset = 0;
  };
  struct Enumerator {
    std::string name;
    std::int32_t value = 0;
  };
  explicit BtfBuilder(Endian endian) : endian_(endian) {}
  // Split BTF on top of `base` (a module's, as pahole --btf_base writes it): ids continue the
  // base's, and its own names start at the base's string table size.
  BtfBuilder(Endian endian, const BtfBuilder& base)
      : endian_(endian), strings_(), count_(base.count_), str_base_(static_cast<std::uint32_t>(base.strings_.size())) {}
  std::uint32_t Int(const std::string& name, std::uint32_t bytes);
  std::uint32_t Ptr(std::uint32_t type);
  std::uint32_t Struct(const std::string& name, std::uint32_t bytes, const std::vector<Member>& members);
  std::uint32_t Enum(const std::string& name, const std::vector<Enumerator>& values);
  // FUNC_PROTO returning `ret` with the given (name, type) params, and a FUNC `name` of it.
  std::uint32_t Func(const std::string& name, std::uint32_t ret, const std::vector<Member>& params);
  // A string no type names: the string tables differ while the types agree.
  void String(const std::string& text) { Name(text); }
  std::vector<std::uint8_t> Blob() const;

 private:
  std::uint32_t Name(const std::string& text);
  std::uint32_t Type(std::uint32_t name_off, std::uint32_t kind, std::uint32_t vlen, std::uint32_t size_or_type);
  void U32(std::uint32_t value);

  Endian endian_;
  std::vector<std::uint8_t> types_;
  std::string strings_ = std::string(1, '\0');
  std::uint32_t count_ = 0;
  std::uint32_t str_base_ = 0;  // split BTF: where its own string offsets start
};

// The section's file offset WriteFakeVmlinux uses for .BTF, so tests can find its bytes.
inline constexpr std::uint64_t kFakeBtfOffset = 0x1000;

}  // namespace harness
