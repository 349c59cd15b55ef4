#include "harness/report/history.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/results/codec.h"

namespace harness {
namespace {

std::string Short(const std::string& revision) { return revision.substr(0, 12); }

// The kept runs in `dir`, newest first (names are UTC times); HarnessError when it cannot be listed.
std::vector<std::filesystem::path> HistoryFiles(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) throw HarnessError("cannot list --history '" + dir.string() + "': " + ec.message());
  std::sort(files.rbegin(), files.rend());
  return files;
}

PastRun ReadPastRun(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw HarnessError("history file '" + file.string() + "' cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParsePastRun(text, file);
}

// A cell's newest record and the time of the run that kept it; or, when a run newer than that
// record cannot be read (it may have held a newer record of the cell), why it is not known.
struct PastRecord {
  PastCell cell;
  std::string time;
  std::string hidden_by;  // "history file '...' is not a harness run record: ..."; empty when known
};

// The newest record of each cell in `dir`. A sharded run keeps only its shard's cells (and a
// filtered run only its own), so the runs before it fill in the others. A file that cannot be
// read is reported in `warnings`, and every cell whose record comes from a run older than it is
// marked hidden: the damaged run may have held its newest record (a PASS between two FAILs).
std::map<std::string, PastRecord> NewestRecords(const std::filesystem::path& dir, std::vector<std::string>& warnings) {
  std::map<std::string, PastRecord> records;
  std::string hidden_by;
  for (const auto& f : HistoryFiles(dir)) {
    try {
      PastRun run = ReadPastRun(f);
      for (auto& [id, cell] : run.cells) records.emplace(id, PastRecord{std::move(cell), run.time, hidden_by});
    } catch (const HarnessError& e) {
      warnings.push_back(std::string(e.what()) +
                         "; skipped, and cells whose last record is older are compared with no earlier run");
      if (hidden_by.empty()) hidden_by = e.what();
    }
  }
  return records;
}

}  // namespace

CellInputs InputsOf(const Facts& facts) {
  CellInputs inputs;
  for (const CellInput& input : kCellInputs) {
    // As results.json keeps it (Printable), so a kept value and a live one compare alike.
    if (auto it = facts.find(input.fact); it != facts.end() && !it->second.empty()) {
      inputs.emplace(input.fact, Printable(it->second));
    }
  }
  return inputs;
}

namespace {

// How the inputs of two runs of a cell compare, input by input.
struct InputComparison {
  std::vector<std::string> changed;  // "pahole v1.24 -> v1.25"
  std::vector<std::string> unknown;  // "qemu (not in the earlier run)"
  std::vector<std::string> same;     // "revision 0123456789ab"
  bool Identical() const { return changed.empty() && unknown.empty(); }
  // One line: what changed, then what is not known.
  std::string Describe() const {
    std::string text;
    if (!changed.empty()) text = "inputs changed: " + Join(changed, "; ");
    if (!unknown.empty()) {
      text += (text.empty() ? "" : "; ") + std::string("inputs not recorded on both sides, so not known to be the same: ") +
              Join(unknown, ", ");
    }
    return text;
  }
};

InputComparison CompareInputs(const CellInputs& was, const CellInputs& now) {
  InputComparison c;
  for (const CellInput& input : kCellInputs) {
    const auto before = was.find(input.fact);
    const auto after = now.find(input.fact);
    const std::string name(input.name);
    // A revision is a full commit id: the short form reads better and is as unique here.
    auto show = [&](const std::string& value) { return input.fact == FactKey::kRevision ? Short(value) : value; };
    if (before == was.end() || after == now.end()) {
      const char* where = before == was.end() && after == now.end() ? "either run"
                          : before == was.end()                     ? "the earlier run"
                                                                    : "this run";
      c.unknown.push_back(name + " (not in " + where + ")");
    } else if (before->second != after->second) {
      c.changed.push_back(name + " " + show(before->second) + " -> " + show(after->second));
    } else if (input.fact == FactKey::kRevision || input.fact == FactKey::kKconfig) {
      c.same.push_back(name + " " + show(after->second));
    } else {
      c.same.push_back(name);
    }
  }
  return c;
}

}  // namespace

CellHistory Classify(const CellResult& current, const PastCell* previous, const std::string& previous_time) {
  // ApplyHistory classes only cells with a verdict (no harness error, not excluded).
  const bool failed = !IsSuccess(current.verdict);
  CellHistory h;
  if (!previous) {
    h.cls = failed ? HistoryClass::kNewFailure : HistoryClass::kPassing;
    h.detail = "no earlier run of this cell";
    return h;
  }
  const std::string was = "was " + VerdictToken(previous->verdict) + " at " + previous_time;
  const InputComparison inputs = CompareInputs(previous->inputs, InputsOf(current.facts));
  if (previous->verdict == current.verdict) {
    if (!failed) {
      h.cls = HistoryClass::kPassing;
      h.detail = was;
      return h;
    }
    h.cls = HistoryClass::kStillFailing;
    h.since = previous->since.empty() ? previous_time : previous->since;
    h.since_revision = previous->since.empty() ? previous->revision : previous->since_revision;
    h.detail = "since " + h.since + (h.since_revision.empty() ? "" : ", first at revision " + Short(h.since_revision));
    return h;
  }
  if (inputs.Identical()) {
    h.cls = HistoryClass::kFlaky;
    h.detail = was + " with the same inputs (" + Join(inputs.same, ", ") + ")";
    return h;
  }
  const std::string changed = inputs.Describe();
  if (failed && previous->failed) {
    h.cls = HistoryClass::kStillFailing;
    h.since = previous->since.empty() ? previous_time : previous->since;
    h.since_revision = previous->since.empty() ? previous->revision : previous->since_revision;
    h.detail = "since " + h.since + (h.since_revision.empty() ? "" : ", first at revision " + Short(h.since_revision)) +
               "; " + was + ", " + changed;
  } else if (failed) {
    h.cls = HistoryClass::kNewFailure;
    h.detail = was + "; " + changed;
  } else {
    h.cls = HistoryClass::kFixed;
    h.detail = was + (previous->since.empty() ? "" : " (failing since " + previous->since + ")") + "; " + changed;
  }
  return h;
}

PastRun ParsePastRun(std::string_view text, const std::filesystem::path& where) {
  ResultsFile file;
  try {
    file = ReadResultsJson(text, where.string());
  } catch (const HarnessError& e) {
    throw HarnessError("history file '" + where.string() + "' is not a harness run record: " + e.what());
  }
  if (file.time.empty()) {
    throw HarnessError("history file '" + where.string() + "' is not a harness run record: it has no time");
  }
  PastRun run{.time = file.time, .file = where};
  for (const CellResult& c : file.cells) {
    if (!c.error.empty() || c.verdict == Verdict::kExcluded) continue;
    PastCell cell{.verdict = c.verdict, .failed = !IsSuccess(c.verdict), .inputs = InputsOf(c.facts),
                  .revision = Fact(c, FactKey::kRevision), .since = c.history.since,
                  .since_revision = c.history.since_revision};
    for (const auto& t : c.timings) {
      if (!t.skipped) cell.seconds += t.seconds;
    }
    run.cells[c.cell] = cell;
  }
  return run;
}

std::vector<std::string> ApplyHistory(std::vector<CellResult>& results, const std::filesystem::path& dir,
                                      const std::string& now) {
  std::vector<std::string> warnings;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw HarnessError("--history '" + dir.string() + "' is not a directory that can be made" +
                       (ec ? ": " + ec.message() : std::string()));
  }
  const std::map<std::string, PastRecord> previous = NewestRecords(dir, warnings);
  for (auto& r : results) {
    // A harness error says nothing about the kernel; an excluded cell never ran.
    if (!r.error.empty() || r.verdict == Verdict::kExcluded) continue;
    const auto it = previous.find(r.cell);
    if (it != previous.end() && !it->second.hidden_by.empty()) {
      r.history = Classify(r, nullptr, "");
      r.history.detail = "no earlier run known: " + it->second.hidden_by;
    } else {
      r.history = it == previous.end() ? Classify(r, nullptr, "") : Classify(r, &it->second.cell, it->second.time);
    }
  }
  std::string stem;
  for (char c : now) {
    if (c != '-' && c != ':') stem += c;
  }
  // Runs within one second get a sequence number, so names still sort in run order.
  std::filesystem::path file;
  for (int i = 0; file.empty() || std::filesystem::exists(file); ++i) {
    char seq[16];
    std::snprintf(seq, sizeof seq, "-%03d", i);
    file = dir / (stem + seq + ".json");
  }
  try {
    WriteFileAtomic(file, ResultsJson(results, {}, now));  // results.json plus the time and revisions
  } catch (const std::exception& e) {
    throw HarnessError("cannot keep this run in --history '" + dir.string() + "': " + e.what());
  }
  return warnings;
}

CellCosts CostsFromHistory(const std::filesystem::path& dir) {
  CellCosts costs;
  if (dir.empty() || !std::filesystem::is_directory(dir)) return costs;
  std::vector<std::string> warnings;  // ApplyHistory says them; an estimate can do without those runs
  for (const auto& [id, record] : NewestRecords(dir, warnings)) costs[id] = record.cell.seconds;
  return costs;
}

std::string UtcNow() { return FormatNow(TimeZone::kUtc, "%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace harness
