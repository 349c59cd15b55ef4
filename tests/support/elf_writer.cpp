#include "tests/support/elf_writer.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>

#include "harness/core/error.h"

namespace harness {
namespace {

constexpr std::uint64_t kTextOffset = 0x800;
constexpr std::uint64_t kTextSize = 0x10;

std::uint64_t AlignUp(std::uint64_t value, std::uint64_t align) {
  return (value + align - 1) & ~(align - 1);
}

void StoreU32(std::vector<std::uint8_t>& out, std::uint32_t value, Endian endian) {
  for (int i = 0; i < 4; ++i) {
    const int shift = endian == Endian::kLittle ? 8 * i : 8 * (3 - i);
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

void StoreU16(std::vector<std::uint8_t>& out, std::uint16_t value, Endian endian) {
  if (endian == Endian::kLittle) {
    out.push_back(static_cast<std::uint8_t>(value));
    out.push_back(static_cast<std::uint8_t>(value >> 8));
  } else {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
  }
}

// A string table under construction; offset 0 is the empty name.
class StringTable {
 public:
  StringTable() : bytes_(1, '\0') {}
  std::uint32_t Add(const std::string& s) {
    const auto offset = static_cast<std::uint32_t>(bytes_.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    bytes_.push_back('\0');
    return offset;
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
};

[[noreturn]] void Fail(const std::filesystem::path& path, const char* what) {
  throw HarnessError("cannot write fake vmlinux '" + path.string() + "': " + what + ": " +
                     elf_errmsg(-1));
}

class ElfWriter {
 public:
  ElfWriter(const std::filesystem::path& path, const FakeVmlinuxSpec& spec)
      : path_(path), spec_(spec) {}

  ~ElfWriter() {
    if (elf_ != nullptr) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }

  void Write();

 private:
  Elf_Scn* AddSection(const std::string& name, GElf_Word type, GElf_Xword flags,
                      std::uint64_t offset, std::uint64_t size, std::uint64_t align,
                      void* buf, Elf_Type data_type);
  void PatchBtfSize(std::uint64_t shoff, std::size_t btf_index);

  const std::filesystem::path& path_;
  const FakeVmlinuxSpec& spec_;
  int fd_ = -1;
  Elf* elf_ = nullptr;
  StringTable shstrtab_;
  std::uint64_t base_ = 0;
};

Elf_Scn* ElfWriter::AddSection(const std::string& name, GElf_Word type, GElf_Xword flags,
                               std::uint64_t offset, std::uint64_t size, std::uint64_t align,
                               void* buf, Elf_Type data_type) {
  Elf_Scn* scn = elf_newscn(elf_);
  if (scn == nullptr) Fail(path_, "elf_newscn");
  if (buf != nullptr) {
    Elf_Data* data = elf_newdata(scn);
    if (data == nullptr) Fail(path_, "elf_newdata");
    data->d_buf = buf;
    data->d_size = size;
    data->d_type = data_type;
    data->d_align = align;
    data->d_off = 0;
    data->d_version = EV_CURRENT;
  }
  GElf_Shdr shdr;
  if (gelf_getshdr(scn, &shdr) == nullptr) Fail(path_, "gelf_getshdr");
  shdr.sh_name = shstrtab_.Add(name);
  shdr.sh_type = type;
  shdr.sh_flags = flags;
  shdr.sh_offset = offset;
  shdr.sh_size = size;
  shdr.sh_addralign = align;
  shdr.sh_addr = (flags & SHF_ALLOC) ? base_ + offset : 0;
  if (!gelf_update_shdr(scn, &shdr)) Fail(path_, "gelf_update_shdr");
  return scn;
}

void ElfWriter::Write() {
  const bool is64 = spec_.elf_class != 32;
  base_ = is64 ? 0xffffffff80000000ull : 0xc0000000ull;

  elf_version(EV_CURRENT);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw HarnessError("cannot write '" + path_.string() + "': " + std::strerror(errno));
  }
  elf_ = elf_begin(fd_, ELF_C_WRITE, nullptr);
  if (elf_ == nullptr) Fail(path_, "elf_begin");
  // We place every section ourselves so tests know where .BTF lands in the file.
  elf_flagelf(elf_, ELF_C_SET, ELF_F_LAYOUT);

  if (gelf_newehdr(elf_, is64 ? ELFCLASS64 : ELFCLASS32) == nullptr) Fail(path_, "gelf_newehdr");
  const bool with_notes = !spec_.build_id.empty();
  const std::size_t phnum = with_notes ? 2 : 1;
  if (gelf_newphdr(elf_, phnum) == nullptr) Fail(path_, "gelf_newphdr");

  // Layout: headers, .text at 0x800, .BTF at kFakeBtfOffset, .notes, .symtab, .strtab,
  // .shstrtab, then the section header table.
  std::vector<std::uint8_t> text(kTextSize, 0);
  std::vector<std::uint8_t> btf = spec_.btf;
  const std::uint64_t btf_size = btf.size();
  const std::uint64_t btf_end = spec_.with_btf ? kFakeBtfOffset + btf_size : kFakeBtfOffset;
  const std::uint64_t notes_offset = AlignUp(btf_end, 4);

  std::vector<std::uint8_t> notes;
  if (with_notes) {
    StoreU32(notes, 4, spec_.endian);
    StoreU32(notes, static_cast<std::uint32_t>(spec_.build_id.size()), spec_.endian);
    StoreU32(notes, NT_GNU_BUILD_ID, spec_.endian);
    notes.insert(notes.end(), {'G', 'N', 'U', '\0'});
    notes.insert(notes.end(), spec_.build_id.begin(), spec_.build_id.end());
    notes.resize(AlignUp(notes.size(), 4), 0);
  }
  const std::uint64_t notes_end = notes_offset + notes.size();

  const std::size_t text_index = 1;
  const std::size_t btf_index = spec_.with_btf ? 2 : 0;
  const std::size_t notes_index = (spec_.with_btf ? 3 : 2) - (with_notes ? 0 : 1);
  const std::size_t symtab_index = notes_index + 1;
  const std::size_t strtab_index = symtab_index + 1;

  // Symbols: null, _stext, then the delimiting pair.
  StringTable strtab;
  std::vector<GElf_Sym> syms(1);
  GElf_Sym stext{};
  stext.st_name = strtab.Add("_stext");
  stext.st_info = GELF_ST_INFO(STB_GLOBAL, STT_FUNC);
  stext.st_shndx = text_index;
  stext.st_value = base_ + kTextOffset;
  syms.push_back(stext);
  const std::uint64_t btf_addr = base_ + kFakeBtfOffset;
  auto add_delimiter = [&](const std::string& name, std::uint64_t value) {
    if (name.empty()) return;
    GElf_Sym sym{};
    sym.st_name = strtab.Add(name);
    sym.st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE);
    sym.st_shndx = spec_.with_btf ? btf_index : SHN_ABS;
    sym.st_value = value;
    syms.push_back(sym);
  };
  add_delimiter(spec_.start_symbol, btf_addr + spec_.start_delta);
  add_delimiter(spec_.stop_symbol, btf_addr + btf_size + spec_.stop_delta);

  const std::size_t sym_size = gelf_fsize(elf_, ELF_T_SYM, 1, EV_CURRENT);
  std::vector<std::uint8_t> symbuf(sym_size * syms.size());
  const std::uint64_t symtab_offset = AlignUp(notes_end, 8);
  const std::uint64_t strtab_offset = symtab_offset + symbuf.size();
  const std::uint64_t shstrtab_offset = strtab_offset + strtab.bytes().size();

  AddSection(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, kTextOffset, kTextSize, 16,
             text.data(), ELF_T_BYTE);
  if (spec_.with_btf) {
    Elf_Scn* scn = AddSection(".BTF", spec_.btf_nobits ? SHT_NOBITS : SHT_PROGBITS,
                              spec_.btf_alloc ? SHF_ALLOC : 0, kFakeBtfOffset, btf_size, 4,
                              spec_.btf_nobits ? nullptr : btf.data(), ELF_T_BYTE);
    if (!spec_.btf_alloc) {
      // Keep the address so only the flag differs from a good vmlinux.
      GElf_Shdr shdr;
      gelf_getshdr(scn, &shdr);
      shdr.sh_addr = btf_addr;
      gelf_update_shdr(scn, &shdr);
    }
  }
  if (with_notes) {
    // Raw bytes already in the target's byte order, so libelf must not convert them.
    AddSection(".notes", SHT_NOTE, SHF_ALLOC, notes_offset, notes.size(), 4, notes.data(),
               ELF_T_BYTE);
  }
  Elf_Scn* symtab = AddSection(".symtab", SHT_SYMTAB, 0, symtab_offset, symbuf.size(), 8,
                               symbuf.data(), ELF_T_SYM);
  {
    Elf_Data* data = elf_getdata(symtab, nullptr);
    for (std::size_t i = 0; i < syms.size(); ++i) {
      if (!gelf_update_sym(data, static_cast<int>(i), &syms[i])) Fail(path_, "gelf_update_sym");
    }
    GElf_Shdr shdr;
    gelf_getshdr(symtab, &shdr);
    shdr.sh_link = strtab_index;
    shdr.sh_info = 1;  // index of the first global: the null symbol is the only local
    shdr.sh_entsize = sym_size;
    gelf_update_shdr(symtab, &shdr);
  }
  AddSection(".strtab", SHT_STRTAB, 0, strtab_offset, strtab.bytes().size(), 1,
             strtab.bytes().data(), ELF_T_BYTE);
  // The name must be in the table before the table's size is fixed.
  const std::uint32_t shstrtab_name = shstrtab_.Add(".shstrtab");
  Elf_Scn* shstr = elf_newscn(elf_);
  if (shstr == nullptr) Fail(path_, "elf_newscn");
  Elf_Data* shstr_data = elf_newdata(shstr);
  shstr_data->d_buf = shstrtab_.bytes().data();
  shstr_data->d_size = shstrtab_.bytes().size();
  shstr_data->d_type = ELF_T_BYTE;
  shstr_data->d_align = 1;
  GElf_Shdr shdr;
  gelf_getshdr(shstr, &shdr);
  shdr.sh_name = shstrtab_name;
  shdr.sh_type = SHT_STRTAB;
  shdr.sh_offset = shstrtab_offset;
  shdr.sh_size = shstrtab_.bytes().size();
  shdr.sh_addralign = 1;
  gelf_update_shdr(shstr, &shdr);
  const std::uint64_t shoff = AlignUp(shstrtab_offset + shdr.sh_size, 8);

  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf_, &ehdr) == nullptr) Fail(path_, "gelf_getehdr");
  ehdr.e_ident[EI_DATA] = spec_.endian == Endian::kLittle ? ELFDATA2LSB : ELFDATA2MSB;
  ehdr.e_ident[EI_VERSION] = EV_CURRENT;
  ehdr.e_type = ET_EXEC;
  ehdr.e_machine = static_cast<GElf_Half>(spec_.machine);
  ehdr.e_version = EV_CURRENT;
  ehdr.e_entry = base_ + kTextOffset;
  ehdr.e_phoff = gelf_fsize(elf_, ELF_T_EHDR, 1, EV_CURRENT);
  ehdr.e_shoff = shoff;
  ehdr.e_shstrndx = static_cast<GElf_Half>(elf_ndxscn(shstr));
  if (!gelf_update_ehdr(elf_, &ehdr)) Fail(path_, "gelf_update_ehdr");

  GElf_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_flags = PF_R | PF_X;
  load.p_offset = kTextOffset;
  load.p_vaddr = load.p_paddr = base_ + kTextOffset;
  load.p_filesz = load.p_memsz =
      spec_.btf_in_load ? notes_end - kTextOffset : kTextSize;
  load.p_align = 0x800;
  if (!gelf_update_phdr(elf_, 0, &load)) Fail(path_, "gelf_update_phdr");
  if (with_notes) {
    GElf_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_flags = PF_R;
    note.p_offset = notes_offset;
    note.p_vaddr = note.p_paddr = base_ + notes_offset;
    note.p_filesz = note.p_memsz = notes.size();
    note.p_align = 4;
    if (!gelf_update_phdr(elf_, 1, &note)) Fail(path_, "gelf_update_phdr");
  }

  if (elf_update(elf_, ELF_C_WRITE) < 0) Fail(path_, "elf_update");
  elf_end(elf_);
  elf_ = nullptr;
  if (spec_.with_btf && spec_.btf_sh_size) PatchBtfSize(shoff, btf_index);
  ::close(fd_);
  fd_ = -1;
}

// libelf sizes the file to fit every section, so a header that lies about .BTF's size is
// patched in afterwards.
void ElfWriter::PatchBtfSize(std::uint64_t shoff, std::size_t btf_index) {
  const bool is64 = spec_.elf_class != 32;
  const std::uint64_t at = shoff + btf_index * (is64 ? 64 : 40) + (is64 ? 32 : 20);
  std::vector<std::uint8_t> bytes;
  const std::uint64_t size = *spec_.btf_sh_size;
  if (is64) {
    const auto hi = static_cast<std::uint32_t>(size >> 32);
    const auto lo = static_cast<std::uint32_t>(size);
    StoreU32(bytes, spec_.endian == Endian::kLittle ? lo : hi, spec_.endian);
    StoreU32(bytes, spec_.endian == Endian::kLittle ? hi : lo, spec_.endian);
  } else {
    StoreU32(bytes, static_cast<std::uint32_t>(size), spec_.endian);
  }
  if (::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(at)) !=
      static_cast<ssize_t>(bytes.size())) {
    throw HarnessError("cannot patch '" + path_.string() + "': " + std::strerror(errno));
  }
}

}  // namespace

void WriteFakeVmlinux(const std::filesystem::path& path, const FakeVmlinuxSpec& spec) {
  ElfWriter(path, spec).Write();
}

std::vector<std::uint8_t> MakeBtfBlob(Endian endian, int ntypes) {
  BtfBuilder btf(endian);
  for (int i = 0; i < ntypes; ++i) btf.Int("int" + std::to_string(i), 4);
  return btf.Blob();
}

std::vector<std::uint8_t> MakeModuleBtfBlob(Endian endian, int base_types) {
  BtfBuilder base(endian);
  for (int i = 0; i < base_types; ++i) base.Int("int" + std::to_string(i), 4);
  BtfBuilder module(endian, base);
  // As images/btfmod/btfmod.c declares it: a list_head member, then counter and hits. A real
  // module's list_head is the vmlinux's; this base has none, so the module brings its own.
  const std::uint32_t list_head = module.Struct("list_head", 16, {});
  module.Struct("btfmod_state", 32, {{"node", list_head, 0}, {"counter", 1, 128}, {"hits", 1, 192}});
  return module.Blob();
}

std::uint32_t BtfBuilder::Name(const std::string& text) {
  if (text.empty()) return 0;
  const std::size_t at = strings_.find(text + '\0');
  if (at != std::string::npos && (at == 0 || strings_[at - 1] == '\0')) return str_base_ + static_cast<std::uint32_t>(at);
  const auto offset = static_cast<std::uint32_t>(strings_.size());
  strings_ += text + '\0';
  return str_base_ + offset;
}

void BtfBuilder::U32(std::uint32_t value) { StoreU32(types_, value, endian_); }

std::uint32_t BtfBuilder::Type(std::uint32_t name_off, std::uint32_t kind, std::uint32_t vlen,
                               std::uint32_t size_or_type) {
  U32(name_off);
  U32(kind << 24 | vlen);  // info: kind, no kind flag, vlen
  U32(size_or_type);
  return ++count_;
}

std::uint32_t BtfBuilder::Int(const std::string& name, std::uint32_t bytes) {
  const std::uint32_t id = Type(Name(name), 1, 0, bytes);
  U32(bytes * 8);  // encoding 0, offset 0, all bits
  return id;
}

std::uint32_t BtfBuilder::Ptr(std::uint32_t type) { return Type(0, 2, 0, type); }

std::uint32_t BtfBuilder::Struct(const std::string& name, std::uint32_t bytes, const std::vector<Member>& members) {
  const std::uint32_t id = Type(Name(name), 4, static_cast<std::uint32_t>(members.size()), bytes);
  for (const auto& m : members) {
    U32(Name(m.name));
    U32(m.type);
    U32(m.bit_offset);
  }
  return id;
}

std::uint32_t BtfBuilder::Enum(const std::string& name, const std::vector<Enumerator>& values) {
  const std::uint32_t id = Type(Name(name), 6, static_cast<std::uint32_t>(values.size()), 4);
  for (const auto& v : values) {
    U32(Name(v.name));
    U32(static_cast<std::uint32_t>(v.value));
  }
  return id;
}

std::uint32_t BtfBuilder::Func(const std::string& name, std::uint32_t ret, const std::vector<Member>& params) {
  const std::uint32_t proto = Type(0, 13, static_cast<std::uint32_t>(params.size()), ret);
  for (const auto& p : params) {
    U32(Name(p.name));
    U32(p.type);
  }
  return Type(Name(name), 12, 1, proto);  // linkage 1: global
}

std::vector<std::uint8_t> BtfBuilder::Blob() const {
  std::vector<std::uint8_t> blob;
  StoreU16(blob, 0xEB9F, endian_);
  blob.push_back(1);  // version
  blob.push_back(0);  // flags
  StoreU32(blob, 24, endian_);                                          // hdr_len
  StoreU32(blob, 0, endian_);                                           // type_off
  StoreU32(blob, static_cast<std::uint32_t>(types_.size()), endian_);   // type_len
  StoreU32(blob, static_cast<std::uint32_t>(types_.size()), endian_);   // str_off
  StoreU32(blob, static_cast<std::uint32_t>(strings_.size()), endian_); // str_len
  blob.insert(blob.end(), types_.begin(), types_.end());
  blob.insert(blob.end(), strings_.begin(), strings_.end());
  return blob;
}

}  // namespace harness
