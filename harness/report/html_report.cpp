#include "harness/report/html_report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "harness/core/util.h"
#include "harness/elf/btf_diff.h"
#include "harness/report/html.h"
#include "harness/core/out_layout.h"
#include "harness/report/summary.h"

namespace harness {
namespace {

constexpr Markup kStyle = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;margin:0 0 .5em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
table.grid td{padding:2px}
a.cell{display:block;padding:6px 8px;text-decoration:none;color:#000;border-radius:4px;min-width:10em}
a.cell small{display:block;color:#333}
.ok{background:#a8dca0}.built{background:#b9d7f0}.fail{background:#f29b9b}.boot{background:#f7c98b}
.error{background:#cfb0e6}.none{background:#eee}
.hist{font-style:italic}
.legend span{display:inline-block;padding:2px 8px;margin:2px;border-radius:4px}
.detail{display:none;border:2px solid #888;border-radius:6px;padding:1em;margin-top:1em}
.detail:target{display:block}
pre{background:#f6f6f6;padding:6px;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
pre.hex{white-space:pre;margin:.2em 0;font-size:12px}
.side{display:inline-block;vertical-align:top;margin-right:1.5em}
mark{background:#ffe14d;font-weight:bold}
td.differs{background:#ffe14d}
.note{color:#555}
</style>)";

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s >= 60 ? "%.0fs" : "%.1fs", s);
  return buf;
}

std::string VerdictLabel(const CellResult& r) {
  return r.error.empty() ? std::string(VerdictName(r.verdict)) : "harness error";
}

std::string VerdictClass(const CellResult& r) {
  if (!r.error.empty()) return "error";
  switch (r.verdict) {
    case Verdict::kPass: return "ok";
    case Verdict::kBuilt: return "built";
    case Verdict::kTimedOut:
    case Verdict::kGuestPanicked: return "boot";
    case Verdict::kUndecided:
    case Verdict::kExcluded: return "none";
    default: return "fail";
  }
}

// A cell id is tree/series/arch/toolchain; a tree name may itself hold '/', so it is split
// from the right. Anything else ("boot/arm64") is a row of its own with the arch as column.
struct GridKey {
  std::string row_tree, row_series, column;
};
GridKey KeyOf(const CellResult& r) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= r.cell.size(); ++i) {
    if (i == r.cell.size() || r.cell[i] == '/') {
      parts.push_back(r.cell.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() >= 4 && parts[parts.size() - 2] == r.arch) {
    std::string tree;
    for (std::size_t i = 0; i + 3 < parts.size(); ++i) tree += (i ? "/" : "") + parts[i];
    return {tree, parts[parts.size() - 3], r.arch + " / " + parts.back()};
  }
  std::string rest = r.cell;
  if (rest.ends_with("/" + r.arch)) rest.resize(rest.size() - r.arch.size() - 1);
  return {rest, "", r.arch};
}

std::string ReadTail(const std::filesystem::path& path, std::size_t max_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  constexpr std::streamoff kMax = 64 * 1024;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kMax));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines = SplitLines(text);
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max_lines));
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::uint8_t> ReadBlob(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string StageTimes(const CellResult& r) {
  std::string out;
  for (const auto& t : r.timings) {
    if (t.skipped || t.seconds < 0.05) continue;
    out += (out.empty() ? "" : ", ") + std::string(StageName(t.stage)) + " " + Seconds(t.seconds);
  }
  return out;
}

void HexRows(Html& html, std::span<const std::uint8_t> mine, std::span<const std::uint8_t> other, std::size_t begin,
             std::size_t end) {
  html.Open("pre", {{"class", "hex"}});
  for (std::size_t row = begin; row < end; row += 16) {
    char off[24];
    std::snprintf(off, sizeof off, "%08zx: ", row);
    html.Text(off);
    std::string ascii;
    for (std::size_t i = row; i < row + 16; ++i) {
      if (i >= mine.size()) {
        html.Text("   ");
        continue;
      }
      char b[4];
      std::snprintf(b, sizeof b, "%02x", mine[i]);
      const bool differs = i >= other.size() || other[i] != mine[i];
      if (differs) html.Open("mark").Text(b).Close("mark");
      else html.Text(b);
      html.Text(" ");
      ascii += (mine[i] >= 0x20 && mine[i] < 0x7f) ? static_cast<char>(mine[i]) : '.';
    }
    html.Text(" ").Text(ascii).Text("\n");
  }
  html.Close("pre");
}

void HeaderRow(Html& html, std::string_view name, const std::string& a, const std::string& b) {
  html.Open("tr").Element("th", {}, name);
  const bool differs = a != b;
  for (const auto* v : {&a, &b}) {
    if (differs) html.Open("td", {{"class", "differs"}});
    else html.Open("td");
    html.Text(*v).Close("td");
  }
  html.Close("tr");
}

Html BtfDiffFragment(std::span<const std::uint8_t> vmlinux_btf, std::span<const std::uint8_t> guest_btf,
                     std::size_t offset);

void DetailSection(Html& html, const CellResult& r, std::size_t index, const std::filesystem::path& out_dir) {
  const std::string id = "cell-" + std::to_string(index);
  html.Open("section", {{"class", "detail"}, {"id", id}});
  html.Element("h2", {}, r.cell);
  html.Open("p").Open("span", {{"class", "legend"}}).Element("span", {{"class", VerdictClass(r)}}, VerdictLabel(r))
      .Close("span");
  if (r.error.empty()) html.Text(" at the ").Text(StageName(r.stage)).Text(" stage");
  html.Close("p");
  if (r.history.cls != HistoryClass::kNone) {
    html.Open("p", {{"class", "hist"}}).Text("history: ").Text(std::string(HistoryClassName(r.history.cls)));
    if (!r.history.detail.empty()) html.Text(" (").Text(r.history.detail).Text(")");
    html.Close("p");
  }
  if (r.baseline.cls != BaselineClass::kNone) {
    html.Open("p", {{"class", "hist"}}).Text("series: ").Text(std::string(BaselineClassName(r.baseline.cls)));
    if (!r.baseline.detail.empty()) html.Text(" (").Text(r.baseline.detail).Text(")");
    if (!r.baseline.artifacts_dir.empty()) {
      const std::string rel =
          std::filesystem::path(r.baseline.artifacts_dir).lexically_relative(out_dir).generic_string();
      html.Text("; its logs: ").Element("a", {{"href", RelativeHref(rel.empty() ? r.baseline.artifacts_dir : rel)}},
                                         rel.empty() ? r.baseline.artifacts_dir : rel);
    }
    html.Close("p");
  }
  if (!r.error.empty()) html.Open("p").Element("b", {}, "harness error: ").Text(r.error).Close("p");
  if (!r.detail.empty()) html.Element("p", {}, r.detail);

  if (!r.diagnosis.empty()) {
    std::string text;
    for (const auto& d : r.diagnosis) text += d + "\n";
    html.Element("h3", {}, "Diagnosis").Element("pre", {{"class", "diagnosis"}}, text);
  }

  html.Element("h3", {}, "Stages");
  html.Open("table").Open("tr").Element("th", {}, "stage").Element("th", {}, "time").Close("tr");
  for (const auto& t : r.timings) {
    html.Open("tr").Element("td", {}, StageName(t.stage));
    html.Element("td", {}, t.skipped ? "skipped" : (t.shared && t.seconds == 0 ? "shared" : Seconds(t.seconds)));
    html.Close("tr");
  }
  html.Close("table");

  const std::filesystem::path dir = r.artifacts_dir;
  if (r.verdict == Verdict::kContentMismatch && r.error.empty()) {
    const auto vmlinux = ReadBlob(dir / "vmlinux.btf");
    const auto guest = ReadBlob(dir / "guest.btf");
    std::size_t offset = 0;
    try {
      offset = std::stoull(Fact(r, FactKey::kOffset));
    } catch (...) {
      offset = 0;
    }
    html.Element("h3", {}, "vmlinux .BTF against the guest's /sys/kernel/btf/vmlinux");
    if (vmlinux.empty() || guest.empty()) {
      html.Element("p", {{"class", "note"}}, "vmlinux.btf or guest.btf is missing from the cell's directory");
    } else {
      std::string types;
      for (const auto& line : DiffBtfTypes(vmlinux, guest, "the vmlinux's .BTF", "the guest's BTF")) types += line + "\n";
      html.Element("p", {}, "Types (vmlinux vs guest, as libbpf reads them; offsets in bits):")
          .Element("pre", {{"class", "btftypes"}}, types);
      html.Open("div", {{"class", "btfdiff"}}).Append(BtfDiffFragment(vmlinux, guest, offset)).Close("div");
    }
  }

  // A cell of a missing shard (merge --allow-missing) has no directory: nothing to read from "".
  const std::string console = dir.empty() ? "" : ReadTail(dir / "console.log", 40);
  if (!console.empty()) {
    html.Element("h3", {}, "Console (last lines)").Element("pre", {{"class", "console"}}, console);
  }
  if (r.verdict == Verdict::kBuildFailed) {
    const std::string build = ReadTail(dir / "build.log", 30);
    if (!build.empty()) html.Element("h3", {}, "Build log (last lines)").Element("pre", {{"class", "buildlog"}}, build);
  }

  const std::string make = Fact(r, FactKey::kMakeCommand), qemu = Fact(r, FactKey::kQemuCommand);
  if (!make.empty() || !qemu.empty()) {
    html.Element("h3", {}, "Reproduce");
    if (!make.empty()) html.Element("p", {}, "make:").Element("pre", {{"class", "cmd"}}, make);
    if (!qemu.empty()) html.Element("p", {}, "QEMU:").Element("pre", {{"class", "cmd"}}, qemu);
  }

  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (!files.empty()) {
    html.Element("h3", {}, "Artifacts").Open("ul", {{"class", "artifacts"}});
    for (const auto& f : files) {
      const std::string rel = f.lexically_relative(out_dir).generic_string();
      html.Open("li").Element("a", {{"href", RelativeHref(rel.empty() ? f.string() : rel)}}, rel)
          .Text(" (" + std::to_string(std::filesystem::file_size(f, ec)) + " bytes)").Close("li");
    }
    html.Close("ul");
  }
  html.Open("p").Element("a", {{"href", "#"}}, "back to the grid").Close("p");
  html.Close("section");
}

std::string HexNumber32(std::uint64_t v) { return HexNumber(v); }

}  // namespace

std::optional<DecodedBtfHeader> DecodeBtfHeader(std::span<const std::uint8_t> blob) {
  if (blob.size() < 24) return std::nullopt;
  DecodedBtfHeader d;
  if (blob[0] == 0x9f && blob[1] == 0xeb) {
    d.endian = Endian::kLittle;
    d.magic_ok = true;
  } else if (blob[0] == 0xeb && blob[1] == 0x9f) {
    d.endian = Endian::kBig;
    d.magic_ok = true;
  }
  const Endian e = d.endian;
  d.header.magic = LoadU16(blob.subspan(0, 2), e);
  d.header.version = blob[2];
  d.header.flags = blob[3];
  d.header.hdr_len = LoadU32(blob.subspan(4, 4), e);
  d.header.type_off = LoadU32(blob.subspan(8, 4), e);
  d.header.type_len = LoadU32(blob.subspan(12, 4), e);
  d.header.str_off = LoadU32(blob.subspan(16, 4), e);
  d.header.str_len = LoadU32(blob.subspan(20, 4), e);
  return d;
}

namespace {
Html BtfDiffFragment(std::span<const std::uint8_t> vmlinux_btf, std::span<const std::uint8_t> guest_btf,
                     std::size_t offset) {
  Html html;
  const auto a = DecodeBtfHeader(vmlinux_btf), b = DecodeBtfHeader(guest_btf);
  auto field = [](const std::optional<DecodedBtfHeader>& h, auto get) -> std::string {
    return h ? get(*h) : std::string("(too short)");
  };
  html.Open("table", {{"class", "btfheader"}});
  html.Open("tr").Element("th", {}, "BTF header").Element("th", {}, "vmlinux .BTF").Element("th", {}, "guest")
      .Close("tr");
  HeaderRow(html, "magic", field(a, [](auto& h) {
              return HexNumber32(h.header.magic) + (h.magic_ok ? std::string(" (") + EndianName(h.endian) + "-endian)"
                                                               : std::string(" (not BTF)"));
            }),
            field(b, [](auto& h) {
              return HexNumber32(h.header.magic) + (h.magic_ok ? std::string(" (") + EndianName(h.endian) + "-endian)"
                                                               : std::string(" (not BTF)"));
            }));
  auto num = [&](std::string_view name, auto get) {
    HeaderRow(html, name, field(a, [&](auto& h) { return std::to_string(get(h.header)); }),
              field(b, [&](auto& h) { return std::to_string(get(h.header)); }));
  };
  num("version", [](const BtfHeader& h) { return unsigned(h.version); });
  num("flags", [](const BtfHeader& h) { return unsigned(h.flags); });
  num("hdr_len", [](const BtfHeader& h) { return h.hdr_len; });
  num("type_off", [](const BtfHeader& h) { return h.type_off; });
  num("type_len", [](const BtfHeader& h) { return h.type_len; });
  num("str_off", [](const BtfHeader& h) { return h.str_off; });
  num("str_len", [](const BtfHeader& h) { return h.str_len; });
  HeaderRow(html, "size", std::to_string(vmlinux_btf.size()), std::to_string(guest_btf.size()));
  html.Close("table");

  const std::size_t size = std::max(vmlinux_btf.size(), guest_btf.size());
  const std::size_t begin = (offset >= 48 ? offset - 48 : 0) / 16 * 16;
  const std::size_t end = std::min(size, (offset + 64) / 16 * 16 + 16);
  char where[96];
  std::snprintf(where, sizeof where, "first difference at offset %zu (0x%zx); bytes %#zx-%#zx:", offset, offset, begin,
                end);
  html.Element("p", {}, where);
  html.Open("div").Open("div", {{"class", "side"}}).Element("b", {}, "vmlinux .BTF").Raw("<br>");
  HexRows(html, vmlinux_btf, guest_btf, begin, end);
  html.Close("div").Open("div", {{"class", "side"}}).Element("b", {}, "guest /sys/kernel/btf/vmlinux").Raw("<br>");
  HexRows(html, guest_btf, vmlinux_btf, begin, end);
  html.Close("div").Close("div");
  return html;
}
}  // namespace

std::string BtfDiffHtml(std::span<const std::uint8_t> vmlinux_btf, std::span<const std::uint8_t> guest_btf,
                        std::size_t offset) {
  return BtfDiffFragment(vmlinux_btf, guest_btf, offset).str();
}

std::string ReportHtml(const std::vector<CellResult>& results, const std::filesystem::path& out_dir) {
  Html html;
  html.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
  html.Element("title", {}, "harness report");
  html.Raw(kStyle).Raw("</head><body>");
  html.Element("h1", {}, "harness: " + std::to_string(results.size()) + " cells");

  // Counts by verdict: the legend.
  std::map<std::string, std::pair<std::string, std::size_t>> counts;
  for (const auto& r : results) {
    auto& c = counts[VerdictLabel(r)];
    c.first = VerdictClass(r);
    ++c.second;
  }
  html.Open("p", {{"class", "legend"}});
  for (const auto& [label, c] : counts) {
    html.Element("span", {{"class", c.first}}, label + ": " + std::to_string(c.second));
  }
  html.Close("p");

  // The grid: rows are (tree, series), columns (arch, toolchain), both in matrix order.
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::string> columns;
  std::map<std::pair<std::pair<std::string, std::string>, std::string>, std::size_t> at;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const GridKey k = KeyOf(results[i]);
    const auto row = std::make_pair(k.row_tree, k.row_series);
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    if (std::find(columns.begin(), columns.end(), k.column) == columns.end()) columns.push_back(k.column);
    at.emplace(std::make_pair(row, k.column), i);
  }
  html.Open("table", {{"class", "grid"}}).Open("tr").Element("th", {}, "tree").Element("th", {}, "series");
  for (const auto& c : columns) html.Element("th", {}, c);
  html.Close("tr");
  for (const auto& row : rows) {
    html.Open("tr").Element("th", {}, row.first).Element("th", {}, row.second);
    for (const auto& c : columns) {
      auto it = at.find({row, c});
      if (it == at.end()) {
        html.Element("td", {}, "");
        continue;
      }
      const CellResult& r = results[it->second];
      html.Open("td").Open("a", {{"class", "cell " + VerdictClass(r)}, {"href", "#cell-" + std::to_string(it->second)},
                                 {"title", r.cell}});
      html.Element("b", {}, VerdictLabel(r));
      if (r.history.cls != HistoryClass::kNone) html.Element("small", {{"class", "hist"}}, std::string(HistoryClassName(r.history.cls)));
      if (r.baseline.cls != BaselineClass::kNone) html.Element("small", {{"class", "hist"}}, std::string(BaselineClassName(r.baseline.cls)));
      html.Element("small", {}, StageTimes(r));
      html.Close("a").Close("td");
    }
    html.Close("tr");
  }
  html.Close("table");
  html.Element("p", {{"class", "note"}}, "Click a cell for its verdict, diagnosis, console, commands and artifacts.");

  for (std::size_t i = 0; i < results.size(); ++i) DetailSection(html, results[i], i, out_dir);
  html.Raw("</body></html>\n");
  return html.str();
}

void WriteReportPages(const std::vector<CellResult>& results, const std::filesystem::path& out_dir) {
  WriteFileAtomic(OutLayout(out_dir).ReportPage(), ReportHtml(results, out_dir));
  WriteFileAtomic(OutLayout(out_dir).SummaryPage(), SummaryMarkdown(results));
}

}  // namespace harness
