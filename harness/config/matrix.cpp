#include "harness/config/matrix.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness/arch/arch.h"
#include "harness/toolchain/toolchain.h"
#include "harness/config/ccache_remote.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/config/yaml_reader.h"

namespace harness {

namespace {

// One function per top-level key of the matrix, each reading its key of `root` into `config`.
// They run in the order ParseMatrix lists them: exclude: and include: check their names against
// the trees and series read before them.

void ReadTrees(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (!root["trees"]) reader.Fail(root, "missing key 'trees'");
  if (!root["trees"].IsSequence() || root["trees"].size() == 0) {
    reader.Fail(root["trees"], "'trees' must be a non-empty list");
  }
  // Names key the output directories and the cell ids: two trees or series with one name would
  // silently share (and overwrite) each other's builds and results.
  std::map<std::string, YAML::Mark> tree_names;
  for (const auto& node : root["trees"]) {
    reader.CheckKeys(node, "a tree",
                     {"name", "debian_package", "path", "git", "ref", "version", "suite", "kconfig_fragments"});
    TreeSpec tree;
    if (!node["name"]) reader.Fail(node, "a tree needs a 'name'");
    tree.name = reader.String(node["name"], "name");
    reader.Unique(tree_names, node["name"], "tree name '" + tree.name + "'", "each tree needs its own name");
    if (node["debian_package"]) tree.debian_package = reader.String(node["debian_package"], "debian_package");
    if (node["path"]) tree.path = reader.String(node["path"], "path");
    if (node["git"]) tree.git = reader.String(node["git"], "git");
    if (node["ref"]) tree.ref = reader.String(node["ref"], "ref");
    for (const char* key : {"version", "suite"}) {
      if (node[key] && !node["debian_package"]) reader.Fail(node[key], "'" + std::string(key) + "' needs 'debian_package'");
    }
    if (node["version"]) tree.version = reader.String(node["version"], "version");
    if (node["suite"]) {
      tree.suite = reader.String(node["suite"], "suite");
      if (tree.suite.empty() || tree.suite.find_first_of(" /\t") != std::string::npos) {
        reader.Fail(node["suite"], "'suite' must be a Debian suite name such as bullseye or trixie");
      }
    }
    if (node["kconfig_fragments"]) {
      tree.kconfig_fragments = reader.StringList(node["kconfig_fragments"], "kconfig_fragments");
    }
    const int sources = !tree.debian_package.empty() + !tree.path.empty() + !tree.git.empty();
    if (sources != 1) {
      reader.Fail(node, "tree '" + tree.name + "' needs exactly one of 'debian_package', 'path' or 'git'");
    }
    if (!tree.ref.empty() && tree.git.empty()) reader.Fail(node["ref"], "'ref' needs 'git'");
    if (tree.git.empty()) tree.ref.clear();
    else if (tree.ref.empty()) tree.ref = "HEAD";
    config.trees.push_back(std::move(tree));
  }
}

void ReadSeries(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (root["series"]) {
    if (!root["series"].IsSequence()) reader.Fail(root["series"], "'series' must be a list");
    // As tree names: one name, one output directory.
    std::map<std::string, YAML::Mark> series_names;
    for (const auto& node : root["series"]) {
      reader.CheckKeys(node, "a series", {"name", "path"});
      SeriesSpec series;
      if (!node["name"]) reader.Fail(node, "a series needs a 'name'");
      series.name = reader.String(node["name"], "name");
      reader.Unique(series_names, node["name"], "series name '" + series.name + "'", "each series needs its own name");
      if (node["path"]) series.path = reader.String(node["path"], "path");
      if (series.name == "none" && !series.path.empty()) {
        reader.Fail(node["name"], "series 'none' is the tree without patches and takes no 'path'; give the series "
                                  "at '" + series.path.string() + "' another name");
      }
      if (series.name != "none" && series.path.empty()) {
        reader.Fail(node, "series '" + series.name + "' needs a 'path' (only 'none' has none)");
      }
      config.series.push_back(std::move(series));
    }
  }
  if (config.series.empty()) config.series.push_back({"none", {}});
}

void ReadArches(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (!root["arches"]) reader.Fail(root, "missing key 'arches'");
  config.arches = reader.StringList(root["arches"], "arches");
  std::map<std::string, YAML::Mark> arch_names;
  for (std::size_t i = 0; i < config.arches.size(); ++i) {
    reader.Unique(arch_names, root["arches"][i], "arch '" + config.arches[i] + "'", "list each arch once");
    if (!FindArch(config.arches[i])) {
      reader.Fail(root["arches"][i], UnknownArchMessage(config.arches[i]));
    }
  }
}

void ReadToolchains(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  config.toolchains = {"gcc"};
  if (root["toolchains"]) {
    config.toolchains = reader.StringList(root["toolchains"], "toolchains");
    // A toolchain listed twice would make two cells with one id, one build directory and one
    // artifacts directory, whose boots run side by side on the same disk image.
    std::map<std::string, YAML::Mark> toolchain_names;
    for (std::size_t i = 0; i < config.toolchains.size(); ++i) {
      reader.Unique(toolchain_names, root["toolchains"][i], "toolchain '" + config.toolchains[i] + "'",
                    "list each toolchain once");
      if (!FindToolchain(config.toolchains[i])) {
        reader.Fail(root["toolchains"][i],
                    "unknown toolchain '" + config.toolchains[i] + "' (known: " + KnownToolchainNames() + ")");
      }
    }
  }
}

// exclude: (exclude true) or include: (false). They name trees and series of this matrix, and
// known arches and toolchains.
std::vector<CellRule> ReadRules(const Reader& reader, const YAML::Node& root, const MatrixConfig& config,
                                const char* key, bool exclude) {
  auto rule_values = [&](const YAML::Node& entry, const char* field, auto known, const std::string& what,
                         std::vector<std::string>& out) {
    const YAML::Node node = entry[field];
    if (!node) return;
    if (node.IsSequence()) {
      out = reader.StringList(node, field);
    } else {
      out = {reader.String(node, field)};
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (auto message = known(out[i]); !message.empty()) {
        reader.Fail(node.IsSequence() ? node[i] : node, "unknown " + what + " '" + out[i] + "' " + message);
      }
    }
  };
  auto in_list = [](const auto& items, auto name_of, const std::string& what) {
    return [&items, name_of, what](const std::string& value) -> std::string {
      std::string names;
      for (const auto& item : items) {
        if (name_of(item) == value) return "";
        names += (names.empty() ? "" : ", ") + name_of(item);
      }
      return "(the matrix's " + what + ": " + names + ")";
    };
  };
  auto tree_known = in_list(config.trees, [](const TreeSpec& t) { return t.name; }, "trees");
  auto series_known = in_list(config.series, [](const SeriesSpec& s) { return s.name; }, "series");
  auto arch_known = [](const std::string& v) -> std::string {
    return FindArch(v) ? "" : "(known arches: " + KnownArchNames() + ")";
  };
  auto toolchain_known = [](const std::string& v) -> std::string {
    return FindToolchain(v) ? "" : "(known toolchains: " + KnownToolchainNames() + ")";
  };
  const YAML::Node list = root[key];
  if (!list) return std::vector<CellRule>{};
  if (!list.IsSequence()) reader.Fail(list, "'" + std::string(key) + "' must be a list");
  std::vector<CellRule> rules;
  for (const auto& entry : list) {
    const std::string context = exclude ? "an exclude entry" : "an include entry";
    reader.CheckKeys(entry, context, {"tree", "series", "arch", "toolchain", "reason"});
    CellRule rule;
    const YAML::Mark mark = entry.Mark();
    rule.where = config.source.string() + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    rule_values(entry, "tree", tree_known, "tree", rule.trees);
    rule_values(entry, "series", series_known, "series", rule.series);
    rule_values(entry, "arch", arch_known, "arch", rule.arches);
    rule_values(entry, "toolchain", toolchain_known, "toolchain", rule.toolchains);
    if (entry["reason"]) rule.reason = std::string(Trim(reader.String(entry["reason"], "reason")));
    if (exclude) {
      if (rule.trees.empty() && rule.series.empty() && rule.arches.empty() && rule.toolchains.empty()) {
        reader.Fail(entry, "an exclude entry needs at least one of 'tree', 'series', 'arch' or 'toolchain'");
      }
      if (rule.reason.empty()) {
        reader.Fail(entry, "an exclude entry needs a 'reason': say why these cells cannot work (it is printed "
                           "with every cell it excludes)");
      }
    } else {
      for (const char* needed : {"tree", "arch", "toolchain"}) {
        if (!entry[needed]) {
          reader.Fail(entry, "an include entry needs 'tree', 'arch' and 'toolchain' (missing '" +
                                 std::string(needed) + "'; 'series' defaults to every series)");
        }
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

void ReadKconfig(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto kconfig = root["kconfig"]) {
    reader.CheckKeys(kconfig, "kconfig", {"base", "fragments"});
    if (kconfig["base"]) {
      config.kconfig_base = reader.String(kconfig["base"], "base");
      static const std::set<std::string> kBases = {"tinyconfig", "allnoconfig", "defconfig"};
      if (!kBases.count(config.kconfig_base)) {
        reader.Fail(kconfig["base"], "unknown kconfig base '" + config.kconfig_base +
                                         "' (known: tinyconfig, allnoconfig, defconfig)");
      }
    }
    if (kconfig["fragments"]) config.fragments = reader.StringList(kconfig["fragments"], "fragments");
  }
}

void ReadDefineOutputFormat(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto define = root["define_output_format"]) {
    if (!define.IsScalar() || !YAML::convert<bool>::decode(define, config.define_output_format)) {
      reader.Fail(define, "'define_output_format' must be true or false");
    }
  }
}

void ReadHistory(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto history = root["history"]) config.history = reader.String(history, "history");
}

void ReadCcacheRemote(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto remote = root["ccache_remote"]) {
    config.ccache_remote = reader.String(remote, "ccache_remote");
    try {
      ParseRedisUrl(config.ccache_remote, "ccache_remote");
    } catch (const HarnessError& e) {
      reader.Fail(remote, e.what());
    }
  }
}

void ReadAccel(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto accel = root["accel"]) {
    config.accel = reader.String(accel, "accel");
    if (config.accel != "auto" && config.accel != "kvm" && config.accel != "tcg") {
      reader.Fail(accel, "unknown accel '" + config.accel + "' (known: auto, kvm, tcg)");
    }
  }
}

void ReadTimeouts(const Reader& reader, const YAML::Node& root, MatrixConfig& config) {
  if (const auto timeouts = root["timeouts"]) {
    reader.CheckKeys(timeouts, "timeouts", {"build", "boot"});
    if (timeouts["build"]) config.build_timeout = reader.PositiveInt(timeouts["build"], "build");
    if (timeouts["boot"]) config.boot_timeout = reader.PositiveInt(timeouts["boot"], "boot");
  }
}

}  // namespace

MatrixConfig ParseMatrix(std::string_view yaml_text, const std::filesystem::path& source) {
  Reader reader(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw HarnessError(source.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) {
    throw HarnessError(source.string() + ": empty matrix file");
  }
  reader.CheckKeys(root, "the matrix", {"trees", "series", "arches", "toolchains", "kconfig", "timeouts",
                                        "define_output_format", "accel", "exclude", "include", "history",
                                        "ccache_remote"});

  MatrixConfig config;
  config.source = source;
  ReadTrees(reader, root, config);
  ReadSeries(reader, root, config);
  ReadArches(reader, root, config);
  ReadToolchains(reader, root, config);
  config.excludes = ReadRules(reader, root, config, "exclude", true);
  config.includes = ReadRules(reader, root, config, "include", false);
  ReadKconfig(reader, root, config);
  ReadDefineOutputFormat(reader, root, config);
  ReadHistory(reader, root, config);
  ReadCcacheRemote(reader, root, config);
  ReadAccel(reader, root, config);
  ReadTimeouts(reader, root, config);
  return config;
}

bool RuleMatches(const CellRule& rule, std::string_view tree, std::string_view series, std::string_view arch,
                 std::string_view toolchain) {
  auto match = [](const std::vector<std::string>& values, std::string_view value) {
    return values.empty() || std::find(values.begin(), values.end(), value) != values.end();
  };
  return match(rule.trees, tree) && match(rule.series, series) && match(rule.arches, arch) &&
         match(rule.toolchains, toolchain);
}

MatrixConfig LoadMatrix(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw HarnessError("matrix file '" + path.string() + "' does not exist");
  }
  return ParseMatrix(ReadFile(path), path);
}

}  // namespace harness
