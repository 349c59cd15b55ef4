#include "harness/results/codec.h"

#include <nlohmann/json.hpp>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/results/exit_code.h"

namespace harness {
namespace {

nlohmann::json ProvenanceJson(const RunProvenance& run) {
  nlohmann::json j = {{"run_id", run.run_id},
                      {"started", run.started},
                      {"harness_version", run.harness_version},
                      {"matrix", run.matrix},
                      {"matrix_sha256", run.matrix_sha256},
                      {"out_dir", run.out_dir}};
  if (run.shards > 0) {
    j["shard"] = {{"index", run.shard}, {"count", run.shards}};
    j["matrix_cells"] = run.matrix_cells;
  }
  if (run.merged_shards > 0) j["merged_shards"] = run.merged_shards;
  return j;
}

nlohmann::json CellJson(const CellResult& r) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& t : r.timings) {
    nlohmann::json stage = {
        {"stage", StageName(t.stage)}, {"seconds", t.seconds}, {"skipped", t.skipped}, {"shared", t.shared}};
    if (t.own_seconds >= 0) stage["harness_seconds"] = t.own_seconds;
    stages.push_back(std::move(stage));
  }
  nlohmann::json facts = nlohmann::json::object();
  for (const auto& [k, v] : r.other_facts) facts[k] = Printable(v);
  for (const auto& [k, v] : r.facts) facts[std::string(FactName(k))] = Printable(v);
  nlohmann::json diagnosis = nlohmann::json::array();
  for (const auto& d : r.diagnosis) diagnosis.push_back(Printable(d));
  nlohmann::json cell = {{"cell", r.cell},
                         {"arch", r.arch},
                         {"stage", StageName(r.stage)},
                         {"verdict", r.error.empty() ? VerdictToken(r.verdict) : "harness-error"},
                         {"detail", Printable(r.detail)},
                         {"error", Printable(r.error)},
                         {"diagnosis", diagnosis},
                         {"stages", stages},
                         {"facts", facts},
                         {"artifacts", r.artifacts_dir}};
  if (r.history.cls != HistoryClass::kNone) {
    cell["history"] = {{"class", HistoryClassName(r.history.cls)}, {"detail", Printable(r.history.detail)},
                       {"since", r.history.since}, {"since_revision", r.history.since_revision}};
  }
  if (r.baseline.cls != BaselineClass::kNone) {
    cell["baseline"] = {{"class", BaselineClassName(r.baseline.cls)}, {"detail", Printable(r.baseline.detail)},
                        {"cell", r.baseline.cell}, {"artifacts", r.baseline.artifacts_dir}};
  }
  return cell;
}

RunProvenance ReadProvenance(const nlohmann::json& r) {
  RunProvenance run;
  run.run_id = r.value("run_id", "");
  run.started = r.value("started", "");
  run.harness_version = r.value("harness_version", "");
  run.matrix = r.value("matrix", "");
  run.matrix_sha256 = r.value("matrix_sha256", "");
  run.out_dir = r.value("out_dir", "");
  if (r.contains("shard")) {
    run.shard = r["shard"].at("index").get<int>();
    run.shards = r["shard"].at("count").get<int>();
  }
  run.matrix_cells = r.value("matrix_cells", std::vector<std::string>{});
  run.merged_shards = r.value("merged_shards", 0);
  return run;
}

CellResult ReadCell(const nlohmann::json& c) {
  CellResult r;
  r.cell = c.at("cell").get<std::string>();
  r.arch = c.value("arch", "");
  r.stage = ParseStage(c.value("stage", "tree"));
  const std::string verdict = c.at("verdict").get<std::string>();
  r.detail = c.value("detail", "");
  r.error = c.value("error", "");
  if (verdict == "harness-error") {
    // The kernel's verdict is unknown: the cell keeps kUndecided, and the error says why.
    if (r.error.empty()) r.error = "harness error";
  } else {
    r.verdict = ParseVerdictToken(verdict);
  }
  for (const auto& d : c.value("diagnosis", nlohmann::json::array())) r.diagnosis.push_back(d.get<std::string>());
  for (const auto& t : c.value("stages", nlohmann::json::array())) {
    StageTiming timing{ParseStage(t.value("stage", "tree"))};
    timing.seconds = t.value("seconds", 0.0);
    timing.skipped = t.value("skipped", false);
    timing.shared = t.value("shared", false);
    timing.own_seconds = t.value("harness_seconds", -1.0);
    r.timings.push_back(timing);
  }
  const nlohmann::json facts = c.value("facts", nlohmann::json::object());  // items() needs it alive
  for (const auto& [k, v] : facts.items()) {
    if (const auto key = FactNamed(k)) r.facts[*key] = v.get<std::string>();
    else r.other_facts[k] = v.get<std::string>();
  }
  r.artifacts_dir = c.value("artifacts", "");
  if (c.contains("history")) {
    const auto& h = c["history"];
    r.history = {ParseName(kHistoryClassNames, h.at("class").get<std::string>(), "history class"),
                 h.value("detail", ""), h.value("since", ""), h.value("since_revision", "")};
  }
  if (c.contains("baseline")) {
    const auto& b = c["baseline"];
    r.baseline = {ParseName(kBaselineClassNames, b.at("class").get<std::string>(), "baseline class"),
                  b.value("detail", ""), b.value("cell", ""), b.value("artifacts", "")};
  }
  return r;
}

}  // namespace

std::string ResultsJson(const std::vector<CellResult>& results, const RunProvenance& run, const std::string& time) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& r : results) cells.push_back(CellJson(r));
  nlohmann::json j = {{"schema_version", kResultsSchemaVersion}, {"exit_code", ExitCodeFor(results)}, {"cells", cells}};
  if (!run.harness_version.empty()) j["run"] = ProvenanceJson(run);
  if (!time.empty()) {
    j["time"] = time;
    nlohmann::json revisions = nlohmann::json::object();
    for (const auto& r : results) {
      if (HasFact(r, FactKey::kRevision)) revisions[r.cell] = Fact(r, FactKey::kRevision);
    }
    j["revisions"] = revisions;
  }
  return j.dump(2) + "\n";
}

ResultsFile ReadResultsJson(std::string_view json, const std::string& where) {
  const std::string not_results = "'" + where + "' is not a harness results.json: ";
  ResultsFile file;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
    file.schema_version = j.value("schema_version", 1);
  } catch (const nlohmann::json::exception& e) {
    throw HarnessError(not_results + e.what());
  }
  if (file.schema_version > kResultsSchemaVersion) {
    throw HarnessError("'" + where + "' has results schema_version " + std::to_string(file.schema_version) +
                       ", newer than this harness reads (" + std::to_string(kResultsSchemaVersion) +
                       "): read it with the harness that wrote it");
  }
  if (file.schema_version < 1) {
    throw HarnessError(not_results + "schema_version " + std::to_string(file.schema_version) + " does not exist");
  }
  try {
    for (const auto& c : j.at("cells")) file.cells.push_back(ReadCell(c));
    if (j.contains("run")) file.run = ReadProvenance(j.at("run"));
    file.time = j.value("time", "");
  } catch (const nlohmann::json::exception& e) {
    throw HarnessError(not_results + e.what());
  } catch (const HarnessError& e) {  // a stage, verdict or class this harness does not know
    throw HarnessError(not_results + e.what());
  }
  return file;
}

std::vector<CellResult> ResultsFromJson(std::string_view json, const std::string& where) {
  return ReadResultsJson(json, where).cells;
}

RunProvenance ProvenanceFromJson(std::string_view json, const std::string& where) {
  return ReadResultsJson(json, where).run;
}

}  // namespace harness
