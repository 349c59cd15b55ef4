#include "harness/report/report.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

#include "harness/arch/arch.h"
#include "harness/core/error.h"
#include "harness/verify/verify.h"
#include "harness/core/util.h"
#include "harness/results/json.h"

namespace harness {
namespace {

std::string VerdictText(const CellResult& r) {
  return r.error.empty() ? std::string(VerdictName(r.verdict)) : "HARNESS ERROR";
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : Printable(text)) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string DurationText(double s) {
  char buf[32];
  if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%d:%04.1f", static_cast<int>(s) / 60, s - 60 * (static_cast<int>(s) / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  }
  return buf;
}

std::string PlainEventLine(const Event& event, double elapsed) {
  const std::string clock = "[" + DurationText(elapsed) + "] ";
  const std::string where = event.cell.empty() ? "" : event.cell + " ";
  switch (event.kind) {
    case Event::Kind::kStageStart: return clock + where + std::string(StageName(event.stage)) + ": " + event.text;
    case Event::Kind::kStageEnd:
      return clock + where + std::string(StageName(event.stage)) + " done in " + DurationText(event.seconds) + ": " +
             event.text;
    case Event::Kind::kCommand: return clock + where + "$ " + event.text;
    case Event::Kind::kNote: return clock + where + "note: " + event.text;
    // Cells run side by side: each streamed line says whose it is.
    case Event::Kind::kOutput: return "  " + (event.cell.empty() ? "" : event.cell + " | ") + Printable(event.text);
    case Event::Kind::kEstimate: return clock + where + "expects " + std::to_string(event.count) + " steps";
    case Event::Kind::kCellEnd: return clock + where + Printable(event.text);  // details quote guest output
  }
  return clock + where + event.text;
}

void TerminalReporter::OnEvent(const Event& event) {
  if (!started_) {
    start_ = NowSeconds();
    started_ = true;
  }
  switch (event.kind) {
    case Event::Kind::kStageStart:
      last_beat_ = NowSeconds();
      out_ << PlainEventLine(event, NowSeconds() - start_) << "\n";
      break;
    case Event::Kind::kStageEnd:
    case Event::Kind::kCommand:
    case Event::Kind::kNote:
      out_ << PlainEventLine(event, NowSeconds() - start_) << "\n";
      break;
    case Event::Kind::kOutput:
      if (verbose_) {
        out_ << PlainEventLine(event, NowSeconds() - start_) << "\n";
      } else if (NowSeconds() - last_beat_ >= 20) {
        last_beat_ = NowSeconds();
        out_ << "[" << DurationText(NowSeconds() - start_) << "] " << (event.cell.empty() ? "" : event.cell + " ")
             << StageName(event.stage) << " ... " << Printable(Trim(event.text)).substr(0, 100) << "\n";
      }
      break;
    case Event::Kind::kEstimate:  // for live lines only: the plain output stays as it was
    case Event::Kind::kCellEnd:   // the closing table says it
      break;
  }
  out_.flush();
}

VerdictCounts CountVerdicts(const std::vector<CellResult>& results) {
  VerdictCounts n;
  for (const auto& r : results) {
    if (!r.error.empty()) ++n.errors;
    else if (r.verdict == Verdict::kPass) ++n.passed;
    else if (r.verdict == Verdict::kBuilt) ++n.built;
    else if (r.verdict == Verdict::kExcluded) ++n.excluded;
    else ++n.failed;
  }
  return n;
}

void PrintSummary(std::ostream& out, const std::vector<CellResult>& results) {
  std::size_t width = 4;
  bool history = false;
  for (const auto& r : results) {
    width = std::max(width, r.cell.size());
    history = history || r.history.cls != HistoryClass::kNone;
  }
  out << "\n" << std::left << std::setw(static_cast<int>(width)) << "cell" << "  " << std::setw(22) << "verdict"
      << "  " << (history ? "history        " : "") << "stages\n";
  for (const auto& r : results) {
    std::string stages;
    for (const auto& t : r.timings) {
      if (t.skipped) continue;
      stages += std::string(StageName(t.stage)) + " " + (t.shared && t.seconds == 0 ? "shared" : DurationText(t.seconds)) + "  ";
    }
    out << std::setw(static_cast<int>(width)) << r.cell << "  " << std::setw(22) << VerdictText(r) << "  ";
    if (history) out << std::setw(13) << (r.history.cls == HistoryClass::kNone ? "-" : std::string(HistoryClassName(r.history.cls))) << "  ";
    out << stages << "\n";
  }
  for (const auto& r : results) {
    if (r.error.empty() && !IsKernelFailure(r.verdict)) {
      out << "\n" << r.cell << ": " << VerdictName(r.verdict) << ": " << r.detail << "\n";
      continue;
    }
    out << "\n" << r.cell << ": ";
    if (!r.error.empty()) {
      out << "harness error: " << r.error << "\n";
    } else {
      out << VerdictName(r.verdict) << " at the " << StageName(r.stage) << " stage: " << r.detail << "\n";
    }
    if (r.history.cls != HistoryClass::kNone) out << "  history: " << HistoryClassName(r.history.cls) << " (" << r.history.detail << ")\n";
    if (r.baseline.cls != BaselineClass::kNone) {
      out << "  series: " << BaselineClassName(r.baseline.cls) << " (" << r.baseline.detail << ")\n";
      if (!r.baseline.artifacts_dir.empty()) out << "  without the series: " << r.baseline.artifacts_dir << "\n";
    }
    for (const auto& line : r.diagnosis) out << "  " << line << "\n";
    std::string skipped;
    for (const auto& t : r.timings) {
      if (t.skipped) skipped += std::string(skipped.empty() ? "" : ", ") + std::string(StageName(t.stage));
    }
    if (!skipped.empty()) {
      out << "  skipped: " << skipped << " (" << (r.error.empty() ? std::string(StageName(r.stage)) + " failed" : "harness error") << ")\n";
    }
    out << "  artifacts: " << r.artifacts_dir << "\n";
  }
  const auto [passed, built, excluded, failed, errors] = CountVerdicts(results);
  out << "\n" << passed << " passed, ";
  if (built) out << built << " built and inspected clean (no boot ran, nothing verified), ";
  out << failed << " failed, " << errors << " harness errors";
  if (excluded) out << ", " << excluded << " excluded (not run, each with its reason above)";
  out << "\n";
}

std::string ResultsJUnit(const std::vector<CellResult>& results) {
  std::size_t failures = 0, errors = 0;
  for (const auto& r : results) {
    if (!r.error.empty()) ++errors;
    else if (IsKernelFailure(r.verdict)) ++failures;
  }
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuite name=\"harness\" tests=\"" << results.size() << "\" failures=\"" << failures
      << "\" errors=\"" << errors << "\">\n";
  for (const auto& r : results) {
    double total = 0;
    for (const auto& t : r.timings) total += t.seconds;
    xml << "  <testcase classname=\"harness." << XmlEscape(r.arch) << "\" name=\"" << XmlEscape(r.cell)
        << "\" time=\"" << total << "\">\n";
    if (r.history.cls != HistoryClass::kNone) {
      xml << "    <properties><property name=\"history\" value=\"" << XmlEscape(std::string(HistoryClassName(r.history.cls)))
          << "\"/><property name=\"history_detail\" value=\"" << XmlEscape(r.history.detail) << "\"/></properties>\n";
    }
    if (r.baseline.cls != BaselineClass::kNone) {
      xml << "    <properties><property name=\"series\" value=\"" << XmlEscape(std::string(BaselineClassName(r.baseline.cls)))
          << "\"/><property name=\"series_detail\" value=\"" << XmlEscape(r.baseline.detail) << "\"/></properties>\n";
    }
    std::string body;
    for (const auto& d : r.diagnosis) body += d + "\n";
    if (!r.error.empty()) {
      xml << "    <error message=\"" << XmlEscape(r.error) << "\"/>\n";
    } else if (r.verdict == Verdict::kBuilt) {
      // Built and inspected, never booted: not verified, so not a pass either.
      xml << "    <skipped message=\"" << XmlEscape("built, no boot ran: " + r.detail) << "\"/>\n";
    } else if (r.verdict == Verdict::kExcluded) {
      xml << "    <skipped message=\"" << XmlEscape("excluded: " + r.detail) << "\"/>\n";
    } else if (r.verdict != Verdict::kPass) {
      xml << "    <failure type=\"" << VerdictToken(r.verdict) << "\" message=\""
          << XmlEscape((r.history.cls == HistoryClass::kNone ? "" : "[" + std::string(HistoryClassName(r.history.cls)) + "] ") +
                       (r.baseline.cls == BaselineClass::kNone ? "" : "[" + std::string(BaselineClassName(r.baseline.cls)) + "] ") + std::string(VerdictName(r.verdict)) +
                       " at " + std::string(StageName(r.stage)) + ": " + r.detail)
          << "\">" << XmlEscape(body) << "</failure>\n";
    }
    xml << "    <system-out>artifacts: " << XmlEscape(r.artifacts_dir) << "</system-out>\n";
    xml << "  </testcase>\n";
  }
  xml << "</testsuite>\n";
  return xml.str();
}

void PrintCellList(std::ostream& out, const std::string& matrix, const std::vector<ListedCell>& cells) {
  std::size_t width = 4, runs = 0;
  for (const auto& c : cells) {
    width = std::max(width, c.id.size());
    runs += c.excluded.empty();
  }
  out << matrix << ": " << cells.size() << (cells.size() == 1 ? " cell, " : " cells, ") << runs << " to run, "
      << cells.size() - runs << " excluded\n";
  for (const auto& c : cells) {
    if (c.excluded.empty()) out << "  run      " << c.id << "\n";
  }
  for (const auto& c : cells) {
    if (!c.excluded.empty()) {
      out << "  exclude  " << std::left << std::setw(static_cast<int>(width)) << c.id << "  " << c.excluded << "\n";
    }
  }
}

std::string CellListJson(const std::string& matrix, int shards, const std::vector<ListedCell>& cells) {
  JsonValue list = JsonValue::Array();
  for (const auto& c : cells) {
    JsonValue cell = {{"cell", c.id},
                      {"tree", c.tree},
                      {"series", c.series},
                      {"arch", c.arch},
                      {"toolchain", c.toolchain},
                      {"excluded", c.excluded},
                      {"estimated_seconds", c.estimated_seconds},
                      {"cold_build_seconds", c.cold_build_seconds}};
    if (shards > 0) cell["shard"] = c.shard;
    list.Push(std::move(cell));
  }
  return JsonValue{{"matrix", matrix}, {"shards", shards}, {"cells", std::move(list)}}.Dump();
}

void PrintInspection(std::ostream& out, const VmlinuxInfo& info) {
  out << info.path << ":\n";
  if (!info.is_elf) {
    for (const auto& p : info.problems) out << "  problem: " << p << "\n";
    out << "verdict: BAD\n";
    return;
  }
  out << "  ELF:        " << info.elf_class << "-bit " << EndianName(info.endian) << "-endian, machine "
      << info.machine_name << " (" << info.machine << ")\n";
  out << "  format:     " << VmlinuxFormat(info);
  if (const Arch* arch = ArchForElf(info.machine, info.elf_class, info.endian)) {
    out << " (arch " << arch->name << ", BFD architecture " << arch->bfd_arch << ")";
  }
  out << "\n";
  out << "  build ID:   " << (info.build_id.empty() ? "(none)" : info.build_id) << "\n";
  if (info.has_btf) {
    out << "  .BTF:       " << info.btf_size << " bytes at address " << HexNumber(info.btf_addr) << ", file offset "
        << HexNumber(info.btf_offset) << ", flags " << HexNumber(info.btf_flags) << (info.btf_alloc ? " (SHF_ALLOC)" : "")
        << "\n";
    out << "  in PT_LOAD: " << (info.btf_in_load ? "yes" : "no") << "\n";
    if (!info.start_symbol.empty()) {
      out << "  symbols:    " << info.start_symbol << " = " << (info.start_value ? HexNumber(*info.start_value) : "?")
          << ", " << info.stop_symbol << " = " << (info.stop_value ? HexNumber(*info.stop_value) : "?") << "\n";
    }
    if (info.header) {
      const auto& h = *info.header;
      out << "  header:     magic " << HexNumber(h.magic) << " version " << int(h.version) << " flags " << int(h.flags)
          << " hdr_len " << h.hdr_len << ", types [" << h.type_off << ", +" << h.type_len << "), strings ["
          << h.str_off << ", +" << h.str_len << ")\n";
    }
    if (info.btf.size() >= 4) {
      out << "  first bytes: " << ToHex(std::span(info.btf.data(), 4)) << "\n";
    }
    if (info.type_count) out << "  libbpf:     " << *info.type_count << " types\n";
    else if (!info.libbpf_error.empty()) out << "  libbpf:     " << info.libbpf_error << "\n";
  }
  for (const auto& p : info.problems) out << "  problem: " << p << "\n";
  out << "verdict: " << (info.problems.empty() ? "OK" : "BAD") << "\n";
}

void PrintModuleInspection(std::ostream& out, const ModuleBtfInfo& module) {
  out << module.path << " (module BTF, split on the vmlinux's):\n";
  if (module.has_btf && !module.btf.empty()) {
    out << "  .BTF:       " << module.btf.size() << " bytes";
    if (module.type_count == 0u) {
      out << ", no types of its own";
    } else if (module.type_count) {
      out << ", " << *module.type_count << " types of its own (ids " << module.first_id << " to "
          << module.first_id + *module.type_count - 1 << ")";
    }
    out << "\n";
  }
  for (const auto& p : module.problems) out << "  problem: " << p << "\n";
  out << "verdict: " << (module.problems.empty() ? "OK" : "BAD") << "\n";
}

std::string InspectionJson(const VmlinuxInfo& info, const std::vector<ModuleBtfInfo>& modules) {
  JsonValue j = {{"path", info.path}, {"is_elf", info.is_elf}, {"ok", info.problems.empty()},
                      {"problems", info.problems}};
  if (info.is_elf) {
    j["elf"] = {{"class", info.elf_class}, {"endian", EndianName(info.endian)}, {"machine", info.machine},
                {"machine_name", info.machine_name}};
    j["build_id"] = info.build_id;
    j["format"] = VmlinuxFormat(info);
    if (const Arch* arch = ArchForElf(info.machine, info.elf_class, info.endian)) j["arch"] = arch->name;
    j["btf"] = {{"present", info.has_btf}, {"size", info.btf_size}, {"address", info.btf_addr},
                {"offset", info.btf_offset}, {"flags", info.btf_flags}, {"alloc", info.btf_alloc},
                {"in_load_segment", info.btf_in_load}, {"start_symbol", info.start_symbol},
                {"stop_symbol", info.stop_symbol}, {"symbol_problem", info.symbol_problem}};
    if (info.start_value) j["btf"]["start_value"] = *info.start_value;
    if (info.stop_value) j["btf"]["stop_value"] = *info.stop_value;
    if (info.header) {
      const auto& h = *info.header;
      j["btf"]["header"] = {{"magic", h.magic}, {"version", h.version}, {"flags", h.flags},
                            {"hdr_len", h.hdr_len}, {"type_off", h.type_off}, {"type_len", h.type_len},
                            {"str_off", h.str_off}, {"str_len", h.str_len}};
    }
    if (info.type_count) j["btf"]["type_count"] = *info.type_count;
    if (!info.named_types_digest.empty()) {
      j["btf"]["named_types"] = info.named_types;
      j["btf"]["named_types_sha256_16"] = info.named_types_digest;
    }
    if (!info.libbpf_error.empty()) j["btf"]["libbpf_error"] = info.libbpf_error;
  }
  if (!modules.empty()) {
    JsonValue list = JsonValue::Array();
    for (const auto& m : modules) {
      JsonValue one = {{"path", m.path}, {"is_elf", m.is_elf}, {"ok", m.problems.empty()}, {"problems", m.problems}};
      one["btf"] = {{"present", m.has_btf}, {"size", m.btf.size()}};
      if (m.type_count) {
        one["btf"]["first_id"] = m.first_id;
        one["btf"]["type_count"] = *m.type_count;
      }
      if (!m.libbpf_error.empty()) one["btf"]["libbpf_error"] = m.libbpf_error;
      list.Push(std::move(one));
    }
    j["modules"] = std::move(list);
  }
  return j.Dump();
}

void PrintCorpus(std::ostream& out, const std::vector<CorpusRow>& rows) {
  std::size_t entry_w = 5, expected_w = 8;
  for (const auto& r : rows) {
    entry_w = std::max(entry_w, r.entry.size());
    expected_w = std::max(expected_w, r.expected.size());
  }
  out << "\n" << std::left << std::setw(static_cast<int>(entry_w)) << "entry" << "  " << std::setw(7) << "arch"
      << "  " << std::setw(static_cast<int>(expected_w)) << "expected" << "  " << std::setw(6) << "agree"
      << "  observed\n";
  std::size_t agree = 0;
  for (const auto& r : rows) {
    agree += r.agree;
    out << std::setw(static_cast<int>(entry_w)) << r.entry << "  " << std::setw(7) << r.arch << "  "
        << std::setw(static_cast<int>(expected_w)) << r.expected << "  " << std::setw(6) << (r.agree ? "yes" : "NO")
        << "  " << r.observed << "\n";
  }
  out << "\ncorpus: " << agree << " of " << rows.size() << " (entry, arch) pairs agree with expected.yaml\n";
}

std::string CorpusJson(const std::vector<CorpusRow>& rows) {
  JsonValue j = JsonValue::Array();
  for (const auto& r : rows) {
    j.Push({{"entry", r.entry}, {"arch", r.arch}, {"expected", r.expected}, {"observed", Printable(r.observed)},
            {"agree", r.agree}});
  }
  return j.Dump();
}

}  // namespace harness
