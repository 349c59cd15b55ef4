#include "harness/tree/tar_import.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "harness/core/error.h"

namespace harness {
namespace {

constexpr std::size_t kBlock = 512;

// Reads the archive block by block, counting bytes so errors can say where.
class TarReader {
 public:
  explicit TarReader(std::istream& in) : in_(in) {}

  // False at a clean end of input (nothing read); throws when it ends inside the block.
  bool Block(std::array<char, kBlock>& block) {
    in_.read(block.data(), kBlock);
    const auto got = static_cast<std::size_t>(in_.gcount());
    offset_ += got;
    if (got == 0) return false;
    if (got != kBlock) Fail("the archive ends inside a header");
    return true;
  }

  // Hands `size` bytes of an entry's data to `sink` in pieces, then skips its padding.
  template <typename Sink>
  void Data(std::uint64_t size, Sink&& sink) {
    std::uint64_t left = size;
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
      in_.read(buffer_.data(), static_cast<std::streamsize>(want));
      const auto got = static_cast<std::size_t>(in_.gcount());
      offset_ += got;
      if (got == 0) Fail("the archive ends inside an entry's data (" + std::to_string(left) + " bytes missing)");
      sink(std::string_view(buffer_.data(), got));
      left -= got;
    }
    Skip((kBlock - size % kBlock) % kBlock);
  }

  std::string DataString(std::uint64_t size) {
    if (size > (64u << 20)) Fail("an extended header of " + std::to_string(size) + " bytes");
    std::string text;
    Data(size, [&](std::string_view piece) { text.append(piece); });
    return text;
  }

  // Reads to the end, so the decompressor writing the archive's zero padding never sees a
  // closed pipe (with pipefail, its SIGPIPE would fail a good import).
  void Drain() {
    while (in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size())) || in_.gcount() > 0) {
    }
  }

  [[noreturn]] void Fail(const std::string& why) const {
    throw HarnessError("tar archive, byte " + std::to_string(offset_) + ": " + why);
  }

 private:
  void Skip(std::uint64_t n) {
    while (n > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, buffer_.size()));
      in_.read(buffer_.data(), static_cast<std::streamsize>(want));
      const auto got = static_cast<std::size_t>(in_.gcount());
      offset_ += got;
      if (got == 0) Fail("the archive ends inside an entry's padding");
      n -= got;
    }
  }

  std::istream& in_;
  std::uint64_t offset_ = 0;
  std::vector<char> buffer_ = std::vector<char>(64 << 10);
};

// A NUL-terminated (or full-width) field.
std::string Field(const std::array<char, kBlock>& block, std::size_t at, std::size_t width) {
  const char* start = block.data() + at;
  return std::string(start, strnlen(start, width));
}

// Octal with optional leading spaces, ended by a space or NUL; or GNU's base-256 (high bit set).
std::optional<std::uint64_t> Number(const std::array<char, kBlock>& block, std::size_t at, std::size_t width) {
  const auto* field = reinterpret_cast<const unsigned char*>(block.data() + at);
  std::uint64_t value = 0;
  if (field[0] & 0x80) {
    if (field[0] != 0x80 || (width > 9 && std::any_of(field + 1, field + width - 8, [](unsigned char c) { return c; }))) {
      return std::nullopt;  // negative or wider than 64 bits
    }
    for (std::size_t i = width - 8; i < width; ++i) value = value << 8 | field[i];
    return value;
  }
  std::size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  bool digits = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 61) return std::nullopt;
    value = value << 3 | (field[i] - '0');
    digits = true;
  }
  if (i < width && field[i] != ' ' && field[i] != '\0') return std::nullopt;
  return digits ? std::optional(value) : std::nullopt;
}

bool HeaderChecksumMatches(const std::array<char, kBlock>& block) {
  const auto recorded = Number(block, 148, 8);
  if (!recorded) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;  // some old tars summed signed chars
  for (std::size_t i = 0; i < kBlock; ++i) {
    const char c = i >= 148 && i < 156 ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *recorded == unsigned_sum || static_cast<std::int64_t>(*recorded) == signed_sum;
}

// The path git records: components after the first `strip`, "." and empty ones dropped.
// nullopt: nothing left (the top directory itself) or inside a .git directory.
std::optional<std::string> Stripped(const std::string& name, int strip, const TarReader& reader) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    if (slash == std::string::npos) slash = name.size();
    const std::string part = name.substr(start, slash - start);
    if (part == "..") reader.Fail("'" + name + "' leaves the archive's directory ('..')");
    if (!part.empty() && part != ".") parts.push_back(part);
    start = slash + 1;
  }
  if (parts.size() <= static_cast<std::size_t>(strip)) return std::nullopt;
  std::string path;
  for (std::size_t i = static_cast<std::size_t>(strip); i < parts.size(); ++i) {
    if (parts[i] == ".git") return std::nullopt;  // `git add` never records a .git directory's files
    path += (path.empty() ? "" : "/") + parts[i];
  }
  return path;
}

// Pax records "<length> <key>=<value>\n": the keys that change what is recorded.
struct PaxOverrides {
  std::optional<std::string> path, linkpath;
  std::optional<std::uint64_t> size;
};

PaxOverrides ParsePax(const std::string& text, const TarReader& reader) {
  PaxOverrides pax;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t space = text.find(' ', at);
    std::uint64_t length = 0;
    bool ok = space != std::string::npos && space > at && space - at < 19;
    for (std::size_t i = at; ok && i < space; ++i) {
      ok = text[i] >= '0' && text[i] <= '9';
      length = length * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    ok = ok && length > space - at + 1 && length <= text.size() - at && text[at + length - 1] == '\n';
    if (!ok) reader.Fail("a malformed pax extended header record");
    const std::string record = text.substr(space + 1, at + length - 1 - (space + 1));
    const std::size_t eq = record.find('=');
    if (eq == std::string::npos) reader.Fail("a pax extended header record without '='");
    const std::string key = record.substr(0, eq), value = record.substr(eq + 1);
    if (key == "path") pax.path = value;
    if (key == "linkpath") pax.linkpath = value;
    if (key == "size") {
      std::uint64_t size = 0;
      const bool digits = std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (value.empty() || value.size() > 19 || !digits) {
        reader.Fail("a pax size '" + value + "'");
      }
      for (char c : value) size = size * 10 + static_cast<std::uint64_t>(c - '0');
      pax.size = size;
    }
    if (key.rfind("GNU.sparse.", 0) == 0) reader.Fail("a sparse file, which git cannot record as such");
    at += length;
  }
  return pax;
}

}  // namespace

std::string FastImportPath(const std::string& path, bool always) {
  const bool quote = always || (!path.empty() && path[0] == '"') || path.find('\n') != std::string::npos;
  if (!quote) return path;
  std::string quoted = "\"";
  for (unsigned char c : path) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char octal[5];
      std::snprintf(octal, sizeof octal, "\\%03o", c);
      quoted += octal;
    } else {
      quoted += static_cast<char>(c);
    }
  }
  return quoted + "\"";
}

TarImportCounts TarToFastImport(std::istream& tar, std::ostream& out, const ImportCommit& commit) {
  TarReader reader(tar);
  TarImportCounts counts;
  out << "commit " << commit.ref << "\nmark :1\nauthor " << commit.ident << "\ncommitter " << commit.ident
      << "\ndata " << commit.message.size() + 1 << "\n" << commit.message << "\n\n";

  std::array<char, kBlock> block{};
  PaxOverrides pending;                      // from an 'x' header, for the next entry
  std::optional<std::string> long_name, long_link;  // from GNU 'L' and 'K' entries
  bool ended = false;
  while (reader.Block(block)) {
    if (std::all_of(block.begin(), block.end(), [](char c) { return c == 0; })) {
      ended = true;
      break;
    }
    if (!HeaderChecksumMatches(block)) reader.Fail("a header with a bad checksum (not a tar archive, or corrupt)");
    const char type = block[156];
    const auto header_size = Number(block, 124, 12);
    if (!header_size) reader.Fail("a header with an unreadable size");
    const std::uint64_t size = pending.size.value_or(*header_size);

    if (type == 'x' || type == 'g') {  // pax: per-entry overrides, or global ones (none matter)
      const std::string text = reader.DataString(size);
      if (type == 'x') pending = ParsePax(text, reader);
      continue;
    }
    if (type == 'L' || type == 'K') {  // GNU: the next entry's name or link target
      std::string text = reader.DataString(size);
      text.resize(strnlen(text.c_str(), text.size()));
      (type == 'L' ? long_name : long_link) = std::move(text);
      continue;
    }

    std::string name = Field(block, 0, 100);
    if (std::memcmp(block.data() + 257, "ustar\0", 6) == 0) {  // POSIX ustar: a prefix field
      const std::string prefix = Field(block, 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (long_name) name = *long_name;
    if (pending.path) name = *pending.path;
    std::string link = long_link ? *long_link : Field(block, 157, 100);
    if (pending.linkpath) link = *pending.linkpath;
    pending = {};
    long_name.reset();
    long_link.reset();

    if (type == 'S') reader.Fail("'" + name + "' is a sparse file, which git cannot record as such");
    const std::optional<std::string> path = Stripped(name, commit.strip_components, reader);
    const bool directory = type == '5' || ((type == '0' || type == '\0') && !name.empty() && name.back() == '/');
    const bool regular = !directory && type != '1' && type != '2' && type != '3' && type != '4' && type != '6' &&
                         type != 'D' && type != 'V';  // unknown types are files, as tar extracts them
    if (path && type == '2') {
      out << "M 120000 inline " << FastImportPath(*path) << "\ndata " << link.size() << "\n" << link << "\n";
      ++counts.symlinks;
    } else if (path && type == '1') {
      const std::optional<std::string> target = Stripped(link, commit.strip_components, reader);
      if (!target) reader.Fail("hard link '" + name + "' to '" + link + "', which is not recorded");
      out << "C " << FastImportPath(*target, true) << " " << FastImportPath(*path) << "\n";
      ++counts.files;
    } else if (path && regular) {
      const auto mode = Number(block, 100, 8);
      if (!mode) reader.Fail("'" + name + "' has an unreadable mode");
      out << "M " << ((*mode & 0100) ? "100755" : "100644") << " inline " << FastImportPath(*path) << "\ndata "
          << size << "\n";
      reader.Data(size, [&](std::string_view piece) {
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      });
      out << "\n";
      ++counts.files;
      counts.bytes += size;
      continue;
    }
    reader.Data(size, [](std::string_view) {});  // data of what is not recorded (a dumpdir's list)
  }
  // A tar cut at an entry's end reads like a shorter archive but for this marker.
  if (!ended) reader.Fail("the archive ends without its end-of-archive block (truncated?)");
  reader.Drain();
  out << "\nreset refs/heads/master\nfrom :1\n\ndone\n";
  out.flush();
  if (!out) throw HarnessError("writing the fast-import stream failed (git fast-import exited early?)");
  return counts;
}

}  // namespace harness
