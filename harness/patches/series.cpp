#include "harness/patches/series.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::string NormaliseNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

// Lines without their '\n' (the text is already LF-only).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The scanners below stand in for std::regex, whose libstdc++ matcher recurses once per
// character: one very long line in a patch could overflow the stack. Each is linear.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// A regex '.' matches anything but CR and LF.
bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

// The run of decimal digits at the start of `text`.
std::string_view Digits(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && IsDigit(text[n])) ++n;
  return text.substr(0, n);
}

// ---------------------------------------------------------------------------------------------
// Diff paths

// Undoes git's C-style quoting of names with unusual bytes ("a/foo\tbar").
std::string Unquote(std::string_view quoted, std::size_t* consumed) {
  std::string out;
  std::size_t i = 1;
  for (; i < quoted.size() && quoted[i] != '"'; ++i) {
    char c = quoted[i];
    if (c != '\\' || i + 1 >= quoted.size()) {
      out += c;
      continue;
    }
    char e = quoted[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'r': out += '\r'; break;
      case 'v': out += '\v'; break;
      default:
        if (e >= '0' && e <= '7') {
          int value = 0;
          for (int k = 0; k < 3 && i < quoted.size() && quoted[i] >= '0' && quoted[i] <= '7'; ++k, ++i) {
            value = value * 8 + (quoted[i] - '0');
          }
          --i;
          out += static_cast<char>(value);
        } else {
          out += e;
        }
    }
  }
  if (consumed) *consumed = std::min(i + 1, quoted.size());
  return out;
}

// The name on a "--- NAME" / "+++ NAME" line: quoted or up to a tab (timestamps follow it).
std::string HeaderName(std::string_view rest) {
  if (!rest.empty() && rest[0] == '"') return Unquote(rest, nullptr);
  auto tab = rest.find('\t');
  if (tab != std::string_view::npos) rest = rest.substr(0, tab);
  return std::string(Trim(rest));
}

// Drops the first path component, as `git apply -p1` does.
std::string_view StripPrefixView(std::string_view name) {
  if (name == "/dev/null") return name;
  auto slash = name.find('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

std::string StripPrefix(const std::string& name) { return std::string(StripPrefixView(name)); }

// "a/X b/Y" of a diff --git line. Unquoted names may hold spaces, so prefer the split where
// both sides name the same file (what git itself does for non-renames).
std::pair<std::string, std::string> GitDiffNames(std::string_view rest) {
  if (!rest.empty() && rest[0] == '"') {
    std::size_t used = 0;
    std::string first = Unquote(rest, &used);
    std::string_view second = Trim(rest.substr(used));
    return {first, !second.empty() && second[0] == '"' ? Unquote(second, nullptr) : std::string(second)};
  }
  std::vector<std::size_t> spaces;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == ' ') spaces.push_back(i);
  }
  // Linear in the line even with many spaces: no copies per split, and each side's first slash
  // (where its prefix ends) is found by one forward scan over all splits, not one per split.
  const std::size_t first_slash = rest.find('/');
  std::size_t right_slash = 0;  // the first '/' at or after at + 1
  for (std::size_t at : spaces) {
    const std::string_view left = rest.substr(0, at), right = rest.substr(at + 1);
    if (right_slash != std::string_view::npos && right_slash < at + 1) right_slash = rest.find('/', at + 1);
    const std::string_view left_name =
        left == "/dev/null" || first_slash >= at ? left : left.substr(first_slash + 1);
    const std::string_view right_name =
        right == "/dev/null" || right_slash == std::string_view::npos ? right : rest.substr(right_slash + 1);
    if (left_name == right_name) return {std::string(left), std::string(right)};
  }
  for (std::size_t at : spaces) {
    if (rest.substr(at + 1, 2) == "b/") return {std::string(rest.substr(0, at)), std::string(rest.substr(at + 1))};
  }
  if (!spaces.empty()) return {std::string(rest.substr(0, spaces[0])), std::string(rest.substr(spaces[0] + 1))};
  return {std::string(rest), std::string(rest)};
}

bool Escapes(std::string_view path) {
  if (path.empty()) return false;
  if (path[0] == '/') return true;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (path.substr(start, slash - start) == "..") return true;
    start = slash + 1;
  }
  return false;
}

// `raw` as written in the diff; `stripped` without its a/ b/ prefix (when it has one).
void CheckPath(const std::string& raw, const std::string& stripped, std::string_view origin,
               std::size_t line) {
  if (raw == "/dev/null") return;
  if (Escapes(raw) || Escapes(stripped)) {
    const std::string& shown = raw[0] == '/' ? raw : stripped;
    throw HarnessError("'" + std::string(origin) + "': path '" + Printable(shown) +
                       "' escapes the kernel tree (line " + std::to_string(line) + ")");
  }
}

// ---------------------------------------------------------------------------------------------
// Mail

struct Message {
  std::size_t first_line = 1;           // of the whole text
  std::vector<std::string_view> lines;
};

// An mbox separator, "From <sender> <asctime date>", told apart from a body line starting with
// "From " by its time and year (git mailsplit uses the same test).
bool IsFromLine(std::string_view line) {
  if (!StartsWith(line, "From ")) return false;
  // "From " SENDER " " ... TIME ... " " YEAR, then only white space.
  std::size_t at = 5;
  while (at < line.size() && !IsSpace(line[at])) ++at;
  if (at == 5 || at == line.size() || line[at] != ' ') return false;
  std::size_t end = line.size();
  while (end > at && IsSpace(line[end - 1])) --end;
  // The year: four digits after a space; everything between sender and year is one line.
  if (end < at + 1 + 5 || !IsDigit(line[end - 1]) || !IsDigit(line[end - 2]) || !IsDigit(line[end - 3]) ||
      !IsDigit(line[end - 4]) || line[end - 5] != ' ') {
    return false;
  }
  const std::string_view between = line.substr(at + 1, end - 5 - (at + 1));
  if (HasLineBreak(between)) return false;
  // A time "H:MM" or "HH:MM[:SS]" somewhere in between; "H:MM" is contained in every form.
  for (std::size_t i = 0; i + 4 <= between.size(); ++i) {
    if (IsDigit(between[i]) && between[i + 1] == ':' && IsDigit(between[i + 2]) && IsDigit(between[i + 3])) {
      return true;
    }
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeQuotedPrintable(std::string_view text, bool header) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (header && c == '_') {
      out += ' ';
    } else if (c == '=' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;  // soft line break
    } else if (c == '=' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string DecodeBase64(std::string_view text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : text) {
    auto pos = alphabet.find(c);
    if (pos == std::string::npos) continue;  // newlines, padding
    value = (value << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

// One RFC 2047 encoded word, "=?charset?q?payload?=" (or ?b?), found at `at`.
struct EncodedWord {
  std::size_t end = 0;       // one past its "?="
  char encoding = 0;         // q, Q, b or B
  std::string_view payload;
};

std::optional<EncodedWord> EncodedWordAt(std::string_view text, std::size_t at) {
  if (text.substr(at, 2) != "=?") return std::nullopt;
  const std::size_t charset_end = text.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end == at + 2 || charset_end + 2 >= text.size()) {
    return std::nullopt;
  }
  const char encoding = text[charset_end + 1];
  if (std::string_view("qQbB").find(encoding) == std::string_view::npos || text[charset_end + 2] != '?') {
    return std::nullopt;
  }
  const std::size_t payload_at = charset_end + 3;
  const std::size_t payload_end = text.find('?', payload_at);
  if (payload_end == std::string_view::npos || payload_end + 1 >= text.size() || text[payload_end + 1] != '=') {
    return std::nullopt;
  }
  return EncodedWord{payload_end + 2, encoding, text.substr(payload_at, payload_end - payload_at)};
}

// RFC 2047 encoded words (=?UTF-8?q?...?=), which format-patch uses for non-ASCII subjects.
std::string DecodeHeader(std::string_view text) {
  std::string out;
  std::size_t last = 0;
  bool previous_word = false;
  for (std::size_t at = text.find("=?"); at != std::string_view::npos; at = text.find("=?", at + 1)) {
    const std::optional<EncodedWord> word = EncodedWordAt(text, at);
    if (!word) continue;
    const std::string_view between = text.substr(last, at - last);
    // Whitespace between two adjacent encoded words is not part of the text.
    if (!(previous_word && Trim(between).empty())) out += between;
    out += std::tolower(word->encoding) == 'q' ? DecodeQuotedPrintable(word->payload, true)
                                               : DecodeBase64(word->payload);
    last = word->end;
    at = word->end - 1;  // the next word starts after this one
    previous_word = true;
  }
  out += text.substr(last);
  return out;
}

// "[PATCH v2 3/7] bpf: fix x" -> "bpf: fix x"; any leading bracket group naming PATCH or RFC.
// The number is the first "N/M" in a group; `origin` names the patch in errors.
std::string StripSubjectPrefix(std::string_view subject, std::string_view origin, int* number) {
  *number = -1;
  std::string_view rest = Trim(subject);
  while (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) break;
    const std::string_view group = rest.substr(1, close - 1);
    std::string lower = Lower(group);
    if (lower.find("patch") == std::string::npos && lower.find("rfc") == std::string::npos) break;
    for (std::size_t at = 0; at < group.size();) {
      const std::string_view digits = Digits(group.substr(at));
      at += std::max<std::size_t>(digits.size(), 1);
      if (digits.empty() || at + 1 >= group.size() || group[at] != '/' || !IsDigit(group[at + 1])) continue;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *number);
      if (ec == std::errc::result_out_of_range) {
        throw HarnessError("patch number '" + std::string(digits) + "' in '" + std::string(origin) +
                           "' is out of range");
      }
      break;
    }
    rest = Trim(rest.substr(close + 1));
  }
  return std::string(rest);
}

std::string FallbackSubject(std::string_view origin) {
  std::string name(origin.substr(0, origin.rfind('#') == std::string_view::npos ? origin.size() : origin.rfind('#')));
  return fs::path(name).stem().string();
}

std::string Join(const std::vector<std::string_view>& lines, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

// "Name: value" or "Name:", the form of a mail header line.
bool IsHeaderLine(std::string_view line) {
  std::size_t at = 0;
  auto name_char = [](char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'; };
  while (at < line.size() && name_char(line[at])) ++at;
  if (at == 0 || at == line.size() || line[at] != ':') return false;
  const std::string_view value = line.substr(at + 1);
  return value.empty() || (value[0] == ' ' && !HasLineBreak(value));
}

// The body is stored decoded, so the header must stop announcing an encoding.
std::string MarkEightBit(std::string_view head) {
  static constexpr std::string_view kName = "content-transfer-encoding:";
  std::string out;
  for (std::size_t start = 0; start < head.size();) {
    std::size_t nl = head.find('\n', start);
    if (nl == std::string_view::npos) nl = head.size();
    const std::string_view line = head.substr(start, nl - start);
    if (Lower(line.substr(0, kName.size())) == kName) {
      out += "Content-Transfer-Encoding: 8bit";
    } else {
      out += line;
    }
    if (nl < head.size()) out += '\n';
    start = nl + 1;
  }
  return out;
}

// Parses one message; returns false when it is a cover letter or a reply (skipped).
bool ParseMessage(const Message& message, const std::string& origin, bool several, Patch* patch) {
  const auto& lines = message.lines;
  // Headers: from the separator (or a "Name: value" first line) to the first blank line.
  std::size_t body = 0;
  std::string subject, encoding;
  bool has_headers = !lines.empty() && (IsFromLine(lines[0]) || IsHeaderLine(lines[0]));
  std::vector<std::string> header_lines;
  if (has_headers) {
    std::size_t i = IsFromLine(lines[0]) ? 1 : 0;
    std::string current;
    auto finish = [&] {
      if (current.empty()) return;
      std::string lower = Lower(current.substr(0, current.find(':') + 1));
      std::string value(Trim(current.substr(current.find(':') + 1)));
      if (lower == "subject:") subject = DecodeHeader(value);
      if (lower == "content-transfer-encoding:") encoding = Lower(value);
      current.clear();
    };
    for (; i < lines.size() && !lines[i].empty(); ++i) {
      if ((lines[i][0] == ' ' || lines[i][0] == '\t') && !current.empty()) {
        current += " " + std::string(Trim(lines[i]));  // folded header
      } else {
        finish();
        current = std::string(lines[i]);
      }
    }
    finish();
    body = i < lines.size() ? i + 1 : i;
  }

  int number = -1;
  patch->subject = subject.empty() ? FallbackSubject(origin) : StripSubjectPrefix(subject, origin, &number);
  patch->origin = origin;
  if (several && StartsWith(Lower(Trim(subject)), "re:")) return false;
  if (number == 0) return false;

  std::string body_text = Join(lines, body, lines.size());
  std::string head_text = Join(lines, 0, body);
  if (encoding == "quoted-printable" || encoding == "base64") {
    body_text = NormaliseNewlines(encoding == "base64" ? DecodeBase64(body_text)
                                                       : DecodeQuotedPrintable(body_text, false));
    head_text = MarkEightBit(head_text);
  }
  std::vector<DiffFile> diff = ParseDiff(body_text, origin, message.first_line + body);
  if (diff.empty()) {
    if (several && number < 0) return false;  // an unnumbered message without a diff: a cover letter
    throw HarnessError("'" + origin + "': no diff in this patch");
  }
  patch->text = head_text + body_text;
  for (const auto& file : diff) {
    for (const auto* name : {&file.old_path, &file.new_path}) {
      if (*name == "/dev/null" || name->empty()) continue;
      if (std::find(patch->files.begin(), patch->files.end(), *name) == patch->files.end()) {
        patch->files.push_back(*name);
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Series sources

std::vector<Patch> LoadPatchFile(const fs::path& file, const std::string& origin) {
  if (!fs::is_regular_file(file)) throw HarnessError("patch '" + file.string() + "' is not a file");
  return SplitMbox(ReadFile(file), origin);
}

// A quilt `series` file: one patch per line, options after the name, '#' comments.
std::vector<Patch> LoadQuiltSeries(const fs::path& dir, const fs::path& series_file) {
  std::vector<Patch> patches;
  const auto lines = SplitLines(NormaliseNewlines(ReadFile(series_file)));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    std::string name(line.substr(0, line.find_first_of(" \t")));
    const std::string where = series_file.string() + ":" + std::to_string(i + 1);
    if (Escapes(name)) {
      throw HarnessError(where + ": '" + Printable(name) + "' is outside the series directory '" +
                         dir.string() + "'");
    }
    const fs::path file = dir / name;
    if (!fs::exists(file)) throw HarnessError(where + ": patch '" + file.string() + "' does not exist");
    for (auto& patch : LoadPatchFile(file, file.string())) patches.push_back(std::move(patch));
  }
  return patches;
}

std::vector<Patch> LoadPatchDirectory(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".patch" && entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  std::vector<Patch> patches;
  for (const auto& file : files) {
    for (auto& patch : LoadPatchFile(file, file.string())) patches.push_back(std::move(patch));
  }
  return patches;
}

// "@@ -A[,B] +C[,D] @@ context": the digits of A, B and D (B, D empty when left out).
struct HunkHeader {
  std::string_view old_start, old_count, new_count;
};

std::optional<HunkHeader> ParseHunkHeader(std::string_view line) {
  if (!StartsWith(line, "@@ -")) return std::nullopt;
  HunkHeader h;
  std::string_view rest = line.substr(4);
  // One "N[,M]" range; false unless N has digits and a comma is followed by digits.
  auto range = [&rest](std::string_view* start, std::string_view* count) {
    *start = Digits(rest);
    if (start->empty()) return false;
    rest.remove_prefix(start->size());
    if (StartsWith(rest, ",")) {
      *count = Digits(rest.substr(1));
      if (count->empty()) return false;
      rest.remove_prefix(1 + count->size());
    }
    return true;
  };
  std::string_view new_start;
  if (!range(&h.old_start, &h.old_count) || !StartsWith(rest, " +")) return std::nullopt;
  rest.remove_prefix(2);
  if (!range(&new_start, &h.new_count) || !StartsWith(rest, " @@") || HasLineBreak(rest)) return std::nullopt;
  return h;
}

// Digits that fit (callers keep them under 10).
long ToLong(std::string_view digits) {
  long value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

}  // namespace

std::vector<DiffFile> ParseDiff(std::string_view text, std::string_view origin, std::size_t first_line) {
  const auto lines = Lines(text);
  std::vector<DiffFile> files;
  bool in_file = false;   // after a file header, where "--- "/"+++ "/"@@" belong to this file
  bool has_names = false; // this file's ---/+++ lines were seen (the next ones start a new file)
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::size_t number = first_line + i;
    if (StartsWith(line, "diff --git ")) {
      auto [a, b] = GitDiffNames(line.substr(11));
      CheckPath(a, StripPrefix(a), origin, number);
      CheckPath(b, StripPrefix(b), origin, number);
      files.push_back({StripPrefix(a), StripPrefix(b), {}});
      in_file = true;
      has_names = false;
      continue;
    }
    const bool next_is_plus = i + 1 < lines.size() && StartsWith(lines[i + 1], "+++ ");
    if (StartsWith(line, "--- ") && next_is_plus) {
      const std::string old_raw = HeaderName(line.substr(4));
      const std::string new_raw = HeaderName(lines[i + 1].substr(4));
      CheckPath(old_raw, StripPrefix(old_raw), origin, number);
      CheckPath(new_raw, StripPrefix(new_raw), origin, number + 1);
      const bool plain = !in_file || has_names;  // a diff without "diff --git" lines
      if (plain) files.push_back({});
      DiffFile& file = files.back();
      // diff --git names stay authoritative; ---/+++ fill in plain diffs and /dev/null.
      if (plain || old_raw == "/dev/null") file.old_path = StripPrefix(old_raw);
      if (plain || new_raw == "/dev/null") file.new_path = StripPrefix(new_raw);
      in_file = true;
      has_names = true;
      ++i;
      continue;
    }
    if (in_file && (StartsWith(line, "rename from ") || StartsWith(line, "rename to ") ||
                    StartsWith(line, "copy from ") || StartsWith(line, "copy to "))) {
      std::string name = HeaderName(line.substr(line.find(' ', line.find(' ') + 1) + 1));
      CheckPath(name, name, origin, number);
      continue;
    }
    std::optional<HunkHeader> hunk;
    // Absurdly long numbers (no real hunk has them) are left for git apply to reject.
    if (in_file && (hunk = ParseHunkHeader(line)) && hunk->old_start.size() < 10 &&
        hunk->old_count.size() < 10 && hunk->new_count.size() < 10) {
      long old_left = hunk->old_count.empty() ? 1 : ToLong(hunk->old_count);
      long new_left = hunk->new_count.empty() ? 1 : ToLong(hunk->new_count);
      files.back().hunks.push_back({static_cast<std::size_t>(ToLong(hunk->old_start)), std::string(line)});
      // Consume the hunk body by its counts, so a removed line "-- x" is not taken for "--- ".
      while ((old_left > 0 || new_left > 0) && i + 1 < lines.size()) {
        std::string_view body = lines[i + 1];
        char c = body.empty() ? ' ' : body[0];
        if (c == ' ') {
          --old_left;
          --new_left;
        } else if (c == '-') {
          --old_left;
        } else if (c == '+') {
          --new_left;
        } else if (c != '\\') {
          break;  // a truncated hunk; git apply will say so
        }
        ++i;
      }
      continue;
    }
  }
  return files;
}

std::vector<Patch> SplitMbox(std::string_view raw, std::string_view origin) {
  const std::string text = NormaliseNewlines(raw);
  const auto lines = Lines(text);
  std::vector<Message> messages;
  std::size_t first = 0;
  while (first < lines.size() && Trim(lines[first]).empty()) ++first;
  if (first < lines.size() && IsFromLine(lines[first])) {
    for (std::size_t i = first; i < lines.size(); ++i) {
      if (IsFromLine(lines[i])) messages.push_back({i + 1, {}});
      messages.back().lines.push_back(lines[i]);
    }
  } else if (first < lines.size()) {
    messages.push_back({first + 1, {lines.begin() + static_cast<long>(first), lines.end()}});
  }
  const bool several = messages.size() > 1;
  std::vector<Patch> patches;
  for (std::size_t n = 0; n < messages.size(); ++n) {
    const std::string name = several ? std::string(origin) + "#" + std::to_string(n + 1) : std::string(origin);
    Patch patch;
    if (ParseMessage(messages[n], name, several, &patch)) patches.push_back(std::move(patch));
  }
  return patches;
}

Series LoadSeries(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw HarnessError("patch series '" + path.string() + "' does not exist");
  Series series;
  series.source = path;
  if (fs::is_directory(path)) {
    fs::path dir = path;
    if (!dir.has_filename()) dir = dir.parent_path();  // "x/" names "x"
    series.name = fs::weakly_canonical(dir).filename().string();
    series.patches = fs::exists(path / "series") ? LoadQuiltSeries(path, path / "series") : LoadPatchDirectory(path);
  } else {
    series.name = path.stem().string();
    series.patches = LoadPatchFile(path, path.string());
  }
  if (series.patches.empty()) throw HarnessError("patch series '" + path.string() + "' holds no patches");
  return series;
}

}  // namespace harness
