#include "harness/config/expected.h"

#include <set>

#include "harness/arch/arch.h"
#include "harness/config/yaml_reader.h"
#include "harness/core/util.h"
#include "harness/results/results.h"

namespace harness {

CorpusEntry ParseCorpusEntry(const std::string& yaml_text, const std::filesystem::path& dir) {
  const std::filesystem::path source = dir / "expected.yaml";
  Reader reader(source);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw HarnessError(source.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) throw HarnessError(source.string() + ": expected a mapping with 'expect'");
  reader.CheckKeys(root, "expected.yaml", {"description", "expect"});
  CorpusEntry entry;
  entry.dir = dir;
  entry.name = dir.filename().string();
  if (root["description"]) entry.description = reader.String(root["description"], "description");
  if (!root["expect"] || !root["expect"].IsMap() || root["expect"].size() == 0) {
    reader.Fail(root, "'expect' must map each arch to its expected stage and verdict");
  }
  std::set<std::string> stages, verdicts;
  for (Stage s : {Stage::kTree, Stage::kApply, Stage::kConfig, Stage::kBuild, Stage::kInspect, Stage::kImage,
                  Stage::kBoot, Stage::kVerify}) {
    stages.insert(std::string(StageName(s)));
  }
  for (int v = static_cast<int>(Verdict::kPass); v <= static_cast<int>(kLastVerdict); ++v) verdicts.insert(VerdictToken(static_cast<Verdict>(v)));

  reader.Keys(root["expect"], "'expect'");
  for (const auto& item : root["expect"]) {
    const std::string arch = item.first.Scalar();
    if (!FindArch(arch)) reader.Fail(item.first, UnknownArchMessage(arch));
    const YAML::Node& node = item.second;
    reader.CheckKeys(node, "the expectation for " + arch, {"stage", "verdict", "step", "option", "offset", "offset_slack"});
    ExpectedCell cell;
    if (!node["stage"] || !node["verdict"]) reader.Fail(node, "the expectation for " + arch + " needs 'stage' and 'verdict'");
    cell.stage = reader.String(node["stage"], "stage");
    if (!stages.count(cell.stage)) reader.Fail(node["stage"], "unknown stage '" + cell.stage + "'");
    cell.verdict = reader.String(node["verdict"], "verdict");
    if (!verdicts.count(cell.verdict)) reader.Fail(node["verdict"], "unknown verdict '" + cell.verdict + "'");
    if (node["step"]) cell.step = reader.String(node["step"], "step");
    if (node["option"]) cell.option = reader.String(node["option"], "option");
    if (node["offset"]) cell.offset = static_cast<std::uint64_t>(reader.PositiveInt(node["offset"], "offset"));
    if (node["offset_slack"]) cell.offset_slack = static_cast<std::uint64_t>(reader.PositiveInt(node["offset_slack"], "offset_slack"));
    entry.expect[arch] = cell;
  }
  return entry;
}

CorpusEntry LoadCorpusEntry(const std::filesystem::path& dir) {
  const auto path = dir / "expected.yaml";
  if (!std::filesystem::exists(path)) throw HarnessError("corpus entry '" + dir.string() + "' has no expected.yaml");
  return ParseCorpusEntry(ReadFile(path), dir);
}

}  // namespace harness
