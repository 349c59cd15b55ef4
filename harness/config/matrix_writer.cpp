// MatrixToYaml: a MatrixConfig as the YAML ParseMatrix reads, through yaml-cpp's emitter, so
// names, paths and reasons are quoted as YAML needs whatever characters they hold.
#include <yaml-cpp/yaml.h>

#include "harness/config/matrix.h"

namespace harness {
namespace {

void EmitList(YAML::Emitter& out, const std::vector<std::string>& items) {
  out << YAML::Flow << YAML::BeginSeq;
  for (const auto& item : items) out << item;
  out << YAML::EndSeq;
}

void EmitTree(YAML::Emitter& out, const TreeSpec& tree) {
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << tree.name;
  auto optional = [&](const char* key, const std::string& value) {
    if (!value.empty()) out << YAML::Key << key << YAML::Value << value;
  };
  optional("debian_package", tree.debian_package);
  optional("path", tree.path.string());
  optional("git", tree.git.string());
  optional("ref", tree.ref);
  optional("version", tree.version);
  optional("suite", tree.suite);
  if (!tree.kconfig_fragments.empty()) {
    out << YAML::Key << "kconfig_fragments" << YAML::Value;
    EmitList(out, tree.kconfig_fragments);
  }
  out << YAML::EndMap;
}

void EmitRules(YAML::Emitter& out, const char* key, const std::vector<CellRule>& rules) {
  if (rules.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& rule : rules) {
    out << YAML::BeginMap;
    for (const auto& [name, values] : {std::pair<const char*, const std::vector<std::string>&>{"tree", rule.trees},
                                       {"series", rule.series},
                                       {"arch", rule.arches},
                                       {"toolchain", rule.toolchains}}) {
      if (values.empty()) continue;
      out << YAML::Key << name << YAML::Value;
      EmitList(out, values);
    }
    if (!rule.reason.empty()) out << YAML::Key << "reason" << YAML::Value << rule.reason;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace

std::string MatrixToYaml(const MatrixConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "trees" << YAML::Value << YAML::BeginSeq;
  for (const auto& tree : config.trees) EmitTree(out, tree);
  out << YAML::EndSeq;
  out << YAML::Key << "series" << YAML::Value << YAML::BeginSeq;
  for (const auto& series : config.series) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << series.name;
    if (!series.path.empty()) out << YAML::Key << "path" << YAML::Value << series.path.string();
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "arches" << YAML::Value;
  EmitList(out, config.arches);
  out << YAML::Key << "toolchains" << YAML::Value;
  EmitList(out, config.toolchains);
  out << YAML::Key << "kconfig" << YAML::Value << YAML::BeginMap << YAML::Key << "base" << YAML::Value
      << config.kconfig_base;
  if (!config.fragments.empty()) {  // ParseMatrix takes no empty list
    out << YAML::Key << "fragments" << YAML::Value;
    EmitList(out, config.fragments);
  }
  out << YAML::EndMap;
  out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap << YAML::Key << "build" << YAML::Value
      << config.build_timeout << YAML::Key << "boot" << YAML::Value << config.boot_timeout << YAML::EndMap;
  out << YAML::Key << "define_output_format" << YAML::Value << config.define_output_format;
  out << YAML::Key << "accel" << YAML::Value << config.accel;
  EmitRules(out, "exclude", config.excludes);
  EmitRules(out, "include", config.includes);
  if (!config.history.empty()) out << YAML::Key << "history" << YAML::Value << config.history;
  if (!config.ccache_remote.empty()) out << YAML::Key << "ccache_remote" << YAML::Value << config.ccache_remote;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace harness
