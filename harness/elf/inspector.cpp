#include "harness/elf/inspector.h"

#include <bpf/btf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <set>
#include <span>
#include <string_view>

#include "harness/core/error.h"
#include "harness/core/fd.h"
#include "harness/core/util.h"
#include "harness/elf/libbpf_btf.h"

namespace harness {
namespace {

constexpr std::size_t kBtfHeaderSize = 24;
constexpr std::uint16_t kBtfMagic = 0xEB9F;
constexpr std::uint32_t kNtGnuBuildId = 3;

// Pairs of delimiting symbols, newest first: `__start_BTF`/`__stop_BTF` since Linux 5.3's
// linker-script placement; the `_binary_*` names come from the 2019 objcopy-generated object.
constexpr std::pair<std::string_view, std::string_view> kBtfSymbolPairs[] = {
    {"__start_BTF", "__stop_BTF"},
    {"_binary__btf_vmlinux_bin_start", "_binary__btf_vmlinux_bin_end"},
    {"_binary__btf_kernel_bin_start", "_binary__btf_kernel_bin_end"},
};

// Whether [begin, begin+size) lies within [outer_begin, outer_begin+outer_size), without
// overflowing on hostile values.
bool RangeInside(std::uint64_t begin, std::uint64_t size, std::uint64_t outer_begin,
                 std::uint64_t outer_size) {
  return begin >= outer_begin && size <= outer_size && begin - outer_begin <= outer_size - size;
}

// The e_machine of every architecture Linux builds for, so a new arch in harness/arch/ never
// needs a line here, and a vmlinux of the wrong arch is named, not numbered.
std::string MachineName(unsigned machine) {
  switch (machine) {
    case EM_386: return "Intel 80386";
    case EM_68K: return "Motorola 68000";
    case EM_MIPS: return "MIPS";
    case EM_PARISC: return "PA-RISC";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "S/390";
    case EM_ARM: return "ARM";
    case EM_SH: return "SuperH";
    case EM_SPARCV9: return "SPARC v9";
    case EM_IA_64: return "IA-64";
    case EM_X86_64: return "x86-64";
    case EM_XTENSA: return "Xtensa";
    case EM_ALPHA: return "Alpha";
    case EM_AARCH64: return "AArch64";
    case EM_RISCV: return "RISC-V";
    case 258: return "LoongArch";  // EM_LOONGARCH, newer than this libelf's elf.h
    default: return "e_machine " + std::to_string(machine);
  }
}

class ElfHandle {
 public:
  explicit ElfHandle(Elf* elf) : elf_(elf) {}
  ~ElfHandle() {
    if (elf_) elf_end(elf_);
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  Elf* get() const { return elf_; }

 private:
  Elf* elf_;
};

// Reads the ELF header: class, byte order, machine. False when there is no usable header.
bool ReadElfHeader(Elf* elf, VmlinuxInfo& info) {
  if (elf_kind(elf) != ELF_K_ELF) {
    info.problems.push_back("'" + info.path + "' is not an ELF file");
    return false;
  }
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr) {
    info.problems.push_back("'" + info.path + "' has an unreadable ELF header: " +
                            elf_errmsg(-1));
    return false;
  }
  switch (ehdr.e_ident[EI_DATA]) {
    case ELFDATA2LSB: info.endian = Endian::kLittle; break;
    case ELFDATA2MSB: info.endian = Endian::kBig; break;
    default:
      info.problems.push_back("'" + info.path + "' has an invalid ELF byte order (EI_DATA " +
                              std::to_string(ehdr.e_ident[EI_DATA]) + ")");
      return false;
  }
  info.is_elf = true;
  info.elf_class = ehdr.e_ident[EI_CLASS] == ELFCLASS32 ? 32 : 64;
  info.machine = ehdr.e_machine;
  info.machine_name = MachineName(ehdr.e_machine);
  return true;
}

// The section index of `name`, or nullptr. Section names come from libelf, which bounds-checks
// them against .shstrtab.
Elf_Scn* FindSection(Elf* elf, std::string_view name, GElf_Shdr& shdr) {
  std::size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    if (gelf_getshdr(scn, &shdr) == nullptr) continue;
    const char* scn_name = elf_strptr(elf, shstrndx, shdr.sh_name);
    if (scn_name != nullptr && name == scn_name) return scn;
  }
  return nullptr;
}

// Copies a section's bytes into `out`; the problem when there are none to read, else empty.
std::string SectionBytes(Elf_Scn* scn, const GElf_Shdr& shdr, std::uint64_t file_size, const std::string& name,
                         std::vector<std::uint8_t>& out) {
  if (shdr.sh_type == SHT_NOBITS) return name + " is SHT_NOBITS: the section has no bytes in the file";
  if (shdr.sh_size == 0) return name + " section is empty";
  if (!RangeInside(shdr.sh_offset, shdr.sh_size, 0, file_size)) {
    return name + " file range [" + HexNumber(shdr.sh_offset) + ",+" + std::to_string(shdr.sh_size) +
           ") extends past the end of the " + std::to_string(file_size) + "-byte file";
  }
  // Raw data: .BTF is SHT_PROGBITS, so there is nothing for libelf to convert anyway.
  Elf_Data* data = elf_rawdata(scn, nullptr);
  if (data == nullptr || data->d_buf == nullptr || data->d_size != shdr.sh_size) {
    return "cannot read the " + name + " section: " + elf_errmsg(-1);
  }
  const auto* bytes = static_cast<const std::uint8_t*>(data->d_buf);
  out.assign(bytes, bytes + data->d_size);
  return "";
}

// Finds .BTF and copies its bytes. False when there are no bytes to look at.
bool ReadBtfSection(Elf* elf, std::uint64_t file_size, VmlinuxInfo& info) {
  GElf_Shdr shdr;
  Elf_Scn* scn = FindSection(elf, ".BTF", shdr);
  if (scn == nullptr) {
    info.problems.push_back(
        "no .BTF section: was the kernel built with CONFIG_DEBUG_INFO_BTF=y and pahole "
        "installed?");
    return false;
  }
  info.has_btf = true;
  info.btf_size = shdr.sh_size;
  info.btf_addr = shdr.sh_addr;
  info.btf_offset = shdr.sh_offset;
  info.btf_flags = shdr.sh_flags;
  info.btf_alloc = (shdr.sh_flags & SHF_ALLOC) != 0;

  if (std::string problem = SectionBytes(scn, shdr, file_size, ".BTF", info.btf); !problem.empty()) {
    info.problems.push_back(problem);
    return false;
  }
  return true;
}

void CheckSectionFlags(VmlinuxInfo& info) {
  if (!info.btf_alloc) {
    info.problems.push_back(".BTF is not SHF_ALLOC (flags " + HexNumber(info.btf_flags) +
                            "): the kernel would not load it into memory");
  }
}

void CheckLoadSegment(Elf* elf, VmlinuxInfo& info) {
  std::size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) phnum = 0;
  bool by_address = false;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_LOAD) {
      continue;
    }
    if (!RangeInside(info.btf_addr, info.btf_size, phdr.p_vaddr, phdr.p_memsz)) continue;
    by_address = true;
    if (RangeInside(info.btf_offset, info.btf_size, phdr.p_offset, phdr.p_filesz)) {
      info.btf_in_load = true;
      return;
    }
  }
  const std::string range =
      "[" + HexNumber(info.btf_addr) + "," + HexNumber(info.btf_addr + info.btf_size) + ")";
  if (by_address) {
    info.problems.push_back(".BTF " + range +
                            " lies inside a PT_LOAD segment by address, but its file bytes [" +
                            HexNumber(info.btf_offset) + "," + HexNumber(info.btf_offset + info.btf_size) +
                            ") are not in that segment's file range");
  } else {
    info.problems.push_back(".BTF " + range + " lies outside every PT_LOAD segment");
  }
}

void CheckSymbols(Elf* elf, std::uint64_t file_size, VmlinuxInfo& info) {
  Elf_Scn* symtab = nullptr;
  GElf_Shdr shdr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    if (gelf_getshdr(scn, &shdr) != nullptr && shdr.sh_type == SHT_SYMTAB) {
      symtab = scn;
      break;
    }
  }
  if (symtab == nullptr) {
    info.problems.push_back("no .symtab, so __start_BTF/__stop_BTF cannot be checked");
    return;
  }
  Elf_Data* data = RangeInside(shdr.sh_offset, shdr.sh_size, 0, file_size)
                       ? elf_getdata(symtab, nullptr)
                       : nullptr;
  const std::size_t sym_size = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
  if (data == nullptr || sym_size == 0) {
    info.problems.push_back("cannot read .symtab, so __start_BTF/__stop_BTF cannot be checked");
    return;
  }

  constexpr std::size_t kPairs = std::size(kBtfSymbolPairs);
  std::optional<std::uint64_t> starts[kPairs], stops[kPairs];
  const std::size_t count = data->d_size / sym_size;
  for (std::size_t i = 0; i < count; ++i) {
    GElf_Sym sym;
    if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr) break;
    const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
    if (name == nullptr || name[0] == '\0') continue;
    for (std::size_t p = 0; p < kPairs; ++p) {
      if (kBtfSymbolPairs[p].first == name) starts[p] = sym.st_value;
      if (kBtfSymbolPairs[p].second == name) stops[p] = sym.st_value;
    }
  }

  std::size_t pair = kPairs;
  for (std::size_t p = 0; p < kPairs && pair == kPairs; ++p) {
    if (starts[p] || stops[p]) pair = p;
  }
  if (pair == kPairs) {
    info.problems.push_back(
        "no __start_BTF/__stop_BTF symbols (nor the 2019 _binary__btf_vmlinux_bin_start/_end)");
    return;
  }
  const std::string start_name(kBtfSymbolPairs[pair].first);
  const std::string stop_name(kBtfSymbolPairs[pair].second);
  info.start_symbol = start_name;
  info.stop_symbol = stop_name;
  info.start_value = starts[pair];
  info.stop_value = stops[pair];
  auto disagree = [&](std::string line) {
    if (info.symbol_problem.empty()) info.symbol_problem = line;
    info.problems.push_back(std::move(line));
  };
  if (!starts[pair] || !stops[pair]) {
    disagree((starts[pair] ? start_name : stop_name) + " is present but " +
             (starts[pair] ? stop_name : start_name) + " is missing");
    return;
  }
  const std::uint64_t start = *starts[pair];
  const std::uint64_t stop = *stops[pair];
  if (start != info.btf_addr) {
    disagree(start_name + " = " + HexNumber(start) + ", .BTF starts at " + HexNumber(info.btf_addr));
  }
  if (stop - start != info.btf_size) {
    const std::string length = stop >= start ? std::to_string(stop - start)
                                             : "-" + std::to_string(start - stop);
    disagree(stop_name + " - " + start_name + " = " + length + ", section size " +
             std::to_string(info.btf_size));
  }
}

void DecodeBtfHeader(VmlinuxInfo& info) {
  const std::span<const std::uint8_t> b(info.btf);
  if (b.size() < kBtfHeaderSize) {
    info.problems.push_back("BTF header truncated: section is " + std::to_string(b.size()) +
                            " bytes, header needs " + std::to_string(kBtfHeaderSize));
    return;
  }
  BtfHeader h;
  h.magic = LoadU16(b.subspan(0, 2), info.endian);
  h.version = b[2];
  h.flags = b[3];
  h.hdr_len = LoadU32(b.subspan(4, 4), info.endian);
  h.type_off = LoadU32(b.subspan(8, 4), info.endian);
  h.type_len = LoadU32(b.subspan(12, 4), info.endian);
  h.str_off = LoadU32(b.subspan(16, 4), info.endian);
  h.str_len = LoadU32(b.subspan(20, 4), info.endian);
  info.header = h;

  if (h.magic == 0x9FEB) {
    // The other fields are in the wrong byte order too, so checking them would only add noise.
    info.problems.push_back(std::string("BTF magic is byte-swapped for a ") +
                            EndianName(info.endian) +
                            "-endian target: the blob was generated in the host's byte order");
    return;
  }
  if (h.magic != kBtfMagic) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "BTF magic 0x%04x, expected 0xeb9f", h.magic);
    info.problems.push_back(buf);
    return;
  }
  if (h.version != 1) {
    info.problems.push_back("BTF version " + std::to_string(h.version) + ", expected 1");
  }
  if (h.hdr_len < kBtfHeaderSize || h.hdr_len > b.size()) {
    info.problems.push_back("BTF hdr_len " + std::to_string(h.hdr_len) + " is outside [" +
                            std::to_string(kBtfHeaderSize) + ", " + std::to_string(b.size()) +
                            "], the section size");
    return;
  }
  const std::uint64_t body = b.size() - h.hdr_len;
  auto check_range = [&](const char* what, std::uint32_t off, std::uint32_t len) {
    if (!RangeInside(off, len, 0, body)) {
      info.problems.push_back(std::string("BTF ") + what + " section [" + std::to_string(off) +
                              "," + std::to_string(std::uint64_t(off) + len) +
                              ") exceeds the section (" + std::to_string(body) +
                              " bytes after the " + std::to_string(h.hdr_len) +
                              "-byte header)");
    }
  };
  check_range("type", h.type_off, h.type_len);
  check_range("string", h.str_off, h.str_len);
}

void ParseWithLibbpf(VmlinuxInfo& info) {
  const LibbpfBtf btf = ParseBtfWithLibbpf(info.btf, info.libbpf_error);
  if (!btf) {
    info.problems.push_back("libbpf cannot parse .BTF: " + info.libbpf_error);
    return;
  }
  info.type_count = btf__type_cnt(btf.get()) - 1;
  // The named types as a set ("<kind> <name>", each once): what two builds of the same inputs
  // share whatever order pahole -j wrote the types in and however many duplicates its parallel
  // dedup left. Measured on one 6.1 arm64 vmlinux: three pahole -j runs gave 30120, 30111 and
  // 30117 types (30095 without -j), and the same 15929 named types each time.
  std::set<std::string> named;
  for (std::uint32_t id = 1; id <= *info.type_count; ++id) {
    const struct btf_type* type = btf__type_by_id(btf.get(), id);
    const char* name = type ? btf__name_by_offset(btf.get(), type->name_off) : nullptr;
    if (name && *name) named.insert(std::to_string(btf_kind(type)) + " " + name);
  }
  std::string lines;
  for (const auto& entry : named) lines += entry + "\n";
  info.named_types = named.size();
  info.named_types_digest = Sha256Hex(lines).substr(0, 16);
}

std::string BuildIdFromNoteData(Elf_Data* data) {
  GElf_Nhdr nhdr;
  std::size_t name_offset = 0, desc_offset = 0;
  for (std::size_t offset = 0;
       (offset = gelf_getnote(data, offset, &nhdr, &name_offset, &desc_offset)) > 0;) {
    const auto* bytes = static_cast<const std::uint8_t*>(data->d_buf);
    if (nhdr.n_type == kNtGnuBuildId && nhdr.n_namesz == 4 &&
        std::memcmp(bytes + name_offset, "GNU", 4) == 0 && nhdr.n_descsz > 0) {
      return ToHex({bytes + desc_offset, nhdr.n_descsz});
    }
  }
  return {};
}

// The build ID from any SHT_NOTE section (vmlinux keeps it in .notes), else from PT_NOTE.
void ReadBuildId(Elf* elf, std::uint64_t file_size, VmlinuxInfo& info) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_NOTE ||
        !RangeInside(shdr.sh_offset, shdr.sh_size, 0, file_size)) {
      continue;
    }
    for (Elf_Data* data = elf_getdata(scn, nullptr); data != nullptr;
         data = elf_getdata(scn, data)) {
      info.build_id = BuildIdFromNoteData(data);
      if (!info.build_id.empty()) return;
    }
  }
  std::size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr || phdr.p_type != PT_NOTE ||
        !RangeInside(phdr.p_offset, phdr.p_filesz, 0, file_size)) {
      continue;
    }
    Elf_Data* data = elf_getdata_rawchunk(elf, static_cast<int64_t>(phdr.p_offset),
                                          phdr.p_filesz, ELF_T_NHDR);
    if (data == nullptr) continue;
    info.build_id = BuildIdFromNoteData(data);
    if (!info.build_id.empty()) return;
  }
}

// Opens a regular file for reading and gives its size; HarnessError when that fails.
Fd OpenRegularFile(const std::filesystem::path& path, std::uint64_t& file_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw HarnessError("cannot open '" + path.string() + "': " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    throw HarnessError("cannot stat '" + path.string() + "': " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw HarnessError("cannot read '" + path.string() + "': not a regular file");
  }
  file_size = static_cast<std::uint64_t>(st.st_size);
  return fd;
}

}  // namespace

VmlinuxInfo InspectVmlinux(const std::filesystem::path& path) {
  VmlinuxInfo info;
  info.path = path.string();

  std::uint64_t file_size = 0;
  Fd fd = OpenRegularFile(path, file_size);

  elf_version(EV_CURRENT);
  ElfHandle elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (elf.get() == nullptr) {
    if (file_size == 0) {
      info.problems.push_back("'" + info.path + "' is not an ELF file (it is empty)");
    } else {
      info.problems.push_back("'" + info.path + "' is not an ELF file: " + elf_errmsg(-1));
    }
    info.fatal = true;
    return info;
  }

  if (!ReadElfHeader(elf.get(), info) || !ReadBtfSection(elf.get(), file_size, info)) {
    // Without the bytes there is nothing to compare; still report the build ID if readable.
    if (info.is_elf) ReadBuildId(elf.get(), file_size, info);
    info.fatal = true;
    return info;
  }
  CheckSectionFlags(info);
  CheckLoadSegment(elf.get(), info);
  CheckSymbols(elf.get(), file_size, info);
  DecodeBtfHeader(info);
  ParseWithLibbpf(info);
  ReadBuildId(elf.get(), file_size, info);
  return info;
}

ModuleBtfInfo InspectModuleBtf(const std::filesystem::path& ko, const VmlinuxInfo& vmlinux) {
  ModuleBtfInfo info;
  info.path = ko.string();
  std::uint64_t file_size = 0;
  Fd fd = OpenRegularFile(ko, file_size);
  elf_version(EV_CURRENT);
  ElfHandle elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (elf.get() == nullptr || elf_kind(elf.get()) != ELF_K_ELF) {
    info.problems.push_back("'" + info.path + "' is not an ELF file");
    return info;
  }
  info.is_elf = true;
  GElf_Shdr shdr;
  Elf_Scn* scn = FindSection(elf.get(), ".BTF", shdr);
  if (scn == nullptr) {
    info.problems.push_back("the module has no .BTF section: was it built with CONFIG_DEBUG_INFO_BTF_MODULES=y "
                            "against a vmlinux with BTF?");
    return info;
  }
  info.has_btf = true;
  if (std::string problem = SectionBytes(scn, shdr, file_size, ".BTF", info.btf); !problem.empty()) {
    info.problems.push_back(problem);
    return info;
  }
  std::string base_error;
  const LibbpfBtf base = ParseBtfWithLibbpf(vmlinux.btf, base_error);
  if (!base) {
    info.problems.push_back("the vmlinux's BTF, the module's base, could not be parsed: " + base_error);
    return info;
  }
  const LibbpfBtf split = ParseSplitBtfWithLibbpf(info.btf, base.get(), info.libbpf_error);
  if (!split) {
    info.problems.push_back("libbpf could not parse the module's BTF on top of the vmlinux's: " + info.libbpf_error);
    return info;
  }
  info.first_id = btf__type_cnt(base.get());
  info.type_count = btf__type_cnt(split.get()) - info.first_id;
  auto name_of = [&](std::uint32_t name_off) {
    const char* name = btf__name_by_offset(split.get(), name_off);
    return name ? std::string(name) : std::string("<name offset ") + std::to_string(name_off) + " out of range>";
  };
  for (std::uint32_t id = info.first_id; id < btf__type_cnt(split.get()); ++id) {
    const struct btf_type* type = btf__type_by_id(split.get(), id);
    if (type == nullptr || !btf_is_struct(type)) continue;
    ModuleBtfInfo::Struct own{.name = name_of(type->name_off), .members = {}};
    const struct btf_member* member = btf_members(type);
    for (std::uint16_t i = 0; i < btf_vlen(type); ++i, ++member) {
      const struct btf_type* member_type = btf__type_by_id(split.get(), member->type);
      std::string type_name = member_type == nullptr ? "<type id " + std::to_string(member->type) + " out of range>"
                              : member_type->name_off != 0 ? name_of(member_type->name_off)
                                                           : "<anonymous kind " + std::to_string(btf_kind(member_type)) + ">";
      own.members.emplace_back(name_of(member->name_off), std::move(type_name));
    }
    info.own_structs.push_back(std::move(own));
  }
  return info;
}

std::string BuildIdFromNotes(const std::vector<std::uint8_t>& notes, Endian endian) {
  const std::span<const std::uint8_t> b(notes);
  auto align4 = [](std::uint64_t n) { return (n + 3) & ~std::uint64_t(3); };
  std::uint64_t pos = 0;
  while (pos + 12 <= b.size()) {
    const std::uint32_t namesz = LoadU32(b.subspan(pos, 4), endian);
    const std::uint32_t descsz = LoadU32(b.subspan(pos + 4, 4), endian);
    const std::uint32_t type = LoadU32(b.subspan(pos + 8, 4), endian);
    const std::uint64_t name_at = pos + 12;
    const std::uint64_t desc_at = name_at + align4(namesz);
    const std::uint64_t next = desc_at + align4(descsz);
    // All three are at most size + 2^33, so none of the sums above can overflow.
    if (desc_at > b.size() || desc_at + descsz > b.size()) break;
    if (type == kNtGnuBuildId && namesz == 4 && std::memcmp(&b[name_at], "GNU", 4) == 0 &&
        descsz > 0) {
      return ToHex(b.subspan(desc_at, descsz));
    }
    pos = next;
  }
  return {};
}

}  // namespace harness
