#include "harness/elf/btf_diff.h"

#include <bpf/btf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "harness/core/util.h"
#include "harness/elf/libbpf_btf.h"

namespace harness {
namespace {

// Kind names as bpftool prints them; unknown numbers as such (libbpf rejects them anyway).
std::string KindName(unsigned kind) {
  static constexpr const char* kNames[] = {
      "UNKN",  "INT",      "PTR",      "ARRAY",   "STRUCT", "UNION",    "ENUM",  "FWD",      "TYPEDEF",  "VOLATILE",
      "CONST", "RESTRICT", "FUNC",     "FUNC_PROTO", "VAR", "DATASEC",  "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64"};
  return kind < std::size(kNames) ? kNames[kind] : "kind " + std::to_string(kind);
}

// A name from a blob's string table, quoted and printable; libbpf returns null for an offset
// outside the table, which untrusted BTF may well hold.
std::string Name(const struct btf* btf, std::uint32_t offset) {
  const char* name = btf__name_by_offset(btf, offset);
  if (name == nullptr) return "<bad name offset " + std::to_string(offset) + ">";
  return Printable(name);
}

std::string Quoted(const struct btf* btf, std::uint32_t offset) { return "'" + Name(btf, offset) + "'"; }

// "type 5 STRUCT task_struct" ("(anon)" for a type without a name).
std::string TypeTitle(const struct btf* btf, std::uint32_t id, const struct btf_type* t) {
  const std::string name = t->name_off == 0 ? "(anon)" : Name(btf, t->name_off);
  return "type " + std::to_string(id) + " " + KindName(btf_kind(t)) + " " + name;
}

std::string Versus(std::uint64_t a, std::uint64_t b) { return std::to_string(a) + " vs " + std::to_string(b); }

// What differs between two types of the same id, or nullopt. Only the types' own fields are
// read: referenced ids are compared as numbers, never followed, so a bad id cannot mislead.
class TypeComparer {
 public:
  TypeComparer(const struct btf* a, const struct btf* b) : a_(a), b_(b) {}

  std::optional<std::string> Compare(const struct btf_type* x, const struct btf_type* y) const {
    if (btf_kind(x) != btf_kind(y)) return "kind " + KindName(btf_kind(x)) + " vs " + KindName(btf_kind(y));
    if (Name(a_, x->name_off) != Name(b_, y->name_off)) {
      return "name " + Quoted(a_, x->name_off) + " vs " + Quoted(b_, y->name_off);
    }
    if (auto d = CompareBody(x, y)) return d;
    if (btf_kflag(x) != btf_kflag(y)) return "kind flag " + Versus(btf_kflag(x), btf_kflag(y));
    return std::nullopt;
  }

 private:
  std::optional<std::string> CompareBody(const struct btf_type* x, const struct btf_type* y) const {
    switch (btf_kind(x)) {
      case BTF_KIND_INT: return CompareInt(x, y);
      case BTF_KIND_ARRAY: return CompareArray(x, y);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: return CompareMembers(x, y);
      case BTF_KIND_ENUM: return CompareEnum(x, y);
      case BTF_KIND_ENUM64: return CompareEnum64(x, y);
      case BTF_KIND_FUNC_PROTO: return CompareParams(x, y);
      case BTF_KIND_VAR: return CompareVar(x, y);
      case BTF_KIND_DATASEC: return CompareDatasec(x, y);
      case BTF_KIND_FLOAT: return Field("size", x->size, y->size);
      case BTF_KIND_DECL_TAG:
        if (auto d = Field("refers to type", x->type, y->type)) return d;
        return Field("component index", btf_decl_tag(x)->component_idx, btf_decl_tag(y)->component_idx);
      case BTF_KIND_FUNC:
        if (auto d = Field("linkage", btf_vlen(x), btf_vlen(y))) return d;
        return Field("refers to type", x->type, y->type);
      default:  // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG: one referenced id
        return Field("refers to type", x->type, y->type);
    }
  }

  static std::optional<std::string> Field(const std::string& what, std::uint64_t a, std::uint64_t b) {
    if (a == b) return std::nullopt;
    return what + " " + Versus(a, b);
  }

  std::optional<std::string> CompareInt(const struct btf_type* x, const struct btf_type* y) const {
    if (auto d = Field("size", x->size, y->size)) return d;
    if (auto d = Field("encoding", btf_int_encoding(x), btf_int_encoding(y))) return d;
    if (auto d = Field("bit offset", btf_int_offset(x), btf_int_offset(y))) return d;
    return Field("bits", btf_int_bits(x), btf_int_bits(y));
  }

  std::optional<std::string> CompareArray(const struct btf_type* x, const struct btf_type* y) const {
    const struct btf_array *p = btf_array(x), *q = btf_array(y);
    if (auto d = Field("element type", p->type, q->type)) return d;
    if (auto d = Field("index type", p->index_type, q->index_type)) return d;
    return Field("elements", p->nelems, q->nelems);
  }

  // "member 1 name 'pid' vs 'tgid'" when the i-th entry's names differ.
  std::optional<std::string> EntryName(const char* what, std::size_t i, std::uint32_t a_off, std::uint32_t b_off) const {
    if (Name(a_, a_off) == Name(b_, b_off)) return std::nullopt;
    return std::string(what) + " " + std::to_string(i) + " name " + Quoted(a_, a_off) + " vs " + Quoted(b_, b_off);
  }

  // Named members are named ('pid'), anonymous ones numbered (member 3).
  std::string MemberName(const char* what, std::size_t index, std::uint32_t name_off) const {
    return name_off == 0 ? std::string(what) + " " + std::to_string(index) : std::string(what) + " " + Quoted(a_, name_off);
  }

  std::optional<std::string> CompareMembers(const struct btf_type* x, const struct btf_type* y) const {
    if (auto d = Field("size", x->size, y->size)) return d;
    if (auto d = Field("members", btf_vlen(x), btf_vlen(y))) return d;
    const struct btf_member *p = btf_members(x), *q = btf_members(y);
    for (std::uint32_t i = 0; i < btf_vlen(x); ++i) {
      if (auto d = EntryName("member", i, p[i].name_off, q[i].name_off)) return d;
      const std::string member = MemberName("member", i, p[i].name_off);
      if (auto d = Field(member + " type", p[i].type, q[i].type)) return d;
      if (auto d = Field(member + " offset", btf_member_bit_offset(x, i), btf_member_bit_offset(y, i))) return d;
      if (auto d = Field(member + " bitfield size", btf_member_bitfield_size(x, i), btf_member_bitfield_size(y, i))) {
        return d;
      }
    }
    return std::nullopt;
  }

  template <typename Value>
  std::optional<std::string> CompareEnumerator(std::size_t i, std::uint32_t a_name, std::uint32_t b_name, Value a_value,
                                               Value b_value) const {
    if (auto d = EntryName("enumerator", i, a_name, b_name)) return d;
    if (a_value == b_value) return std::nullopt;
    return MemberName("enumerator", i, a_name) + " value " + std::to_string(a_value) + " vs " + std::to_string(b_value);
  }

  // ENUM and ENUM64 alike: the size, the count, then each enumerator's name and value.
  template <typename Entry, typename ValueOf>
  std::optional<std::string> CompareEnumerators(const struct btf_type* x, const struct btf_type* y, const Entry* p,
                                                const Entry* q, ValueOf value_of) const {
    if (auto d = Field("size", x->size, y->size)) return d;
    if (auto d = Field("enumerators", btf_vlen(x), btf_vlen(y))) return d;
    for (std::uint32_t i = 0; i < btf_vlen(x); ++i) {
      if (auto d = CompareEnumerator(i, p[i].name_off, q[i].name_off, value_of(p[i]), value_of(q[i]))) return d;
    }
    return std::nullopt;
  }

  std::optional<std::string> CompareEnum(const struct btf_type* x, const struct btf_type* y) const {
    return CompareEnumerators(x, y, btf_enum(x), btf_enum(y), [](const struct btf_enum& e) { return e.val; });
  }

  std::optional<std::string> CompareEnum64(const struct btf_type* x, const struct btf_type* y) const {
    return CompareEnumerators(x, y, btf_enum64(x), btf_enum64(y),
                              [](const struct btf_enum64& e) { return btf_enum64_value(&e); });
  }

  std::optional<std::string> CompareParams(const struct btf_type* x, const struct btf_type* y) const {
    if (auto d = Field("return type", x->type, y->type)) return d;
    if (auto d = Field("params", btf_vlen(x), btf_vlen(y))) return d;
    const struct btf_param *p = btf_params(x), *q = btf_params(y);
    for (std::uint32_t i = 0; i < btf_vlen(x); ++i) {
      if (auto d = EntryName("param", i, p[i].name_off, q[i].name_off)) return d;
      if (auto d = Field(MemberName("param", i, p[i].name_off) + " type", p[i].type, q[i].type)) return d;
    }
    return std::nullopt;
  }

  std::optional<std::string> CompareVar(const struct btf_type* x, const struct btf_type* y) const {
    if (auto d = Field("type", x->type, y->type)) return d;
    return Field("linkage", btf_var(x)->linkage, btf_var(y)->linkage);
  }

  std::optional<std::string> CompareDatasec(const struct btf_type* x, const struct btf_type* y) const {
    if (auto d = Field("size", x->size, y->size)) return d;
    if (auto d = Field("variables", btf_vlen(x), btf_vlen(y))) return d;
    const struct btf_var_secinfo *p = btf_var_secinfos(x), *q = btf_var_secinfos(y);
    for (std::uint32_t i = 0; i < btf_vlen(x); ++i) {
      const std::string var = "variable " + std::to_string(i);
      if (auto d = Field(var + " type", p[i].type, q[i].type)) return d;
      if (auto d = Field(var + " offset", p[i].offset, q[i].offset)) return d;
      if (auto d = Field(var + " size", p[i].size, q[i].size)) return d;
    }
    return std::nullopt;
  }

  const struct btf* a_;
  const struct btf* b_;
};

// Where two string tables first differ, walked string by string with libbpf (which knows each
// table's bounds and byte order); empty when they are the same.
std::string StringTableDifference(const struct btf* a, const struct btf* b, const std::string& a_name,
                                  const std::string& b_name) {
  for (std::uint32_t offset = 0;;) {
    const char* x = btf__str_by_offset(a, offset);
    const char* y = btf__str_by_offset(b, offset);
    if (x == nullptr && y == nullptr) return "";
    if (x == nullptr || y == nullptr) {
      return "the string tables differ at offset " + std::to_string(offset) + ": '" + Printable(x ? x : y) +
             "' is only in " + (x ? a_name : b_name);
    }
    if (std::strcmp(x, y) != 0) {
      return "the string tables differ at offset " + std::to_string(offset) + ": '" + Printable(x) + "' vs '" +
             Printable(y) + "'";
    }
    offset += static_cast<std::uint32_t>(std::strlen(x)) + 1;
  }
}

std::string ByteOrderName(enum btf_endianness endian) { return endian == BTF_LITTLE_ENDIAN ? "little" : "big"; }

}  // namespace

std::vector<std::string> DiffBtfTypes(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                                      const std::string& first_name, const std::string& second_name) {
  std::string error;
  const LibbpfBtf a = ParseBtfWithLibbpf(first, error);
  if (!a) return {"types could not be parsed: " + first_name + ": " + error};
  const LibbpfBtf b = ParseBtfWithLibbpf(second, error);
  if (!b) return {"types could not be parsed: " + second_name + ": " + error};

  std::vector<std::string> lines;
  if (btf__endianness(a.get()) != btf__endianness(b.get())) {
    lines.push_back("byte order " + ByteOrderName(btf__endianness(a.get())) + " vs " +
                    ByteOrderName(btf__endianness(b.get())));
  }
  const std::uint32_t a_count = btf__type_cnt(a.get()) - 1, b_count = btf__type_cnt(b.get()) - 1;
  if (a_count != b_count) lines.push_back("type count " + Versus(a_count, b_count));

  const TypeComparer compare(a.get(), b.get());
  std::optional<std::string> first_difference;
  std::uint32_t differing = 0;
  for (std::uint32_t id = 1; id <= std::min(a_count, b_count); ++id) {
    const struct btf_type* x = btf__type_by_id(a.get(), id);
    const struct btf_type* y = btf__type_by_id(b.get(), id);
    if (x == nullptr || y == nullptr) break;
    if (auto what = compare.Compare(x, y)) {
      ++differing;
      if (!first_difference) first_difference = TypeTitle(a.get(), id, x) + ": " + *what;
    }
  }
  if (first_difference) {
    lines.push_back(*first_difference);
    lines.push_back(std::to_string(differing) + " of " + std::to_string(std::min(a_count, b_count)) +
                    " types in both differ");
    return lines;
  }
  if (a_count != b_count) {
    const bool first_longer = a_count > b_count;
    const struct btf* longer = first_longer ? a.get() : b.get();
    const std::uint32_t id = std::min(a_count, b_count) + 1;
    if (const struct btf_type* t = btf__type_by_id(longer, id)) {
      lines.push_back(TypeTitle(longer, id, t) + ": only in " + (first_longer ? first_name : second_name));
    }
    return lines;
  }
  if (const std::string strings = StringTableDifference(a.get(), b.get(), first_name, second_name); !strings.empty()) {
    lines.push_back("all " + std::to_string(a_count) + " types are identical; " + strings);
  } else {
    lines.push_back("all " + std::to_string(a_count) +
                    " types and the string tables are identical: the bytes differ elsewhere (header, layout)");
  }
  return lines;
}

}  // namespace harness
