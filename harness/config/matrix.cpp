#include "harness/config/matrix.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "harness/arch/arch.h"
#include "harness/core/error.h"
#include "harness/core/util.h"
#include "harness/config/yaml_reader.h"

namespace harness {

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
  reader.CheckKeys(root, "the matrix",
                   {"trees", "series", "arches", "toolchains", "kconfig", "timeouts", "define_output_format", "accel", "history"});

  MatrixConfig config;
  config.source = source;

  if (!root["trees"]) reader.Fail(root, "missing key 'trees'");
  if (!root["trees"].IsSequence() || root["trees"].size() == 0) {
    reader.Fail(root["trees"], "'trees' must be a non-empty list");
  }
  // Names key the output directories and the cell ids: two trees or series with one name would
  // silently share (and overwrite) each other's builds and results.
  std::map<std::string, YAML::Mark> tree_names, series_names;
  for (const auto& node : root["trees"]) {
    reader.CheckKeys(node, "a tree", {"name", "debian_package", "path", "git", "ref"});
    TreeSpec tree;
    if (!node["name"]) reader.Fail(node, "a tree needs a 'name'");
    tree.name = reader.String(node["name"], "name");
    reader.Unique(tree_names, node["name"], "tree name '" + tree.name + "'", "each tree needs its own name");
    if (node["debian_package"]) tree.debian_package = reader.String(node["debian_package"], "debian_package");
    if (node["path"]) tree.path = reader.String(node["path"], "path");
    if (node["git"]) tree.git = reader.String(node["git"], "git");
    if (node["ref"]) tree.ref = reader.String(node["ref"], "ref");
    const int sources = !tree.debian_package.empty() + !tree.path.empty() + !tree.git.empty();
    if (sources != 1) {
      reader.Fail(node, "tree '" + tree.name + "' needs exactly one of 'debian_package', 'path' or 'git'");
    }
    if (!tree.ref.empty() && tree.git.empty()) reader.Fail(node["ref"], "'ref' needs 'git'");
    if (tree.git.empty()) tree.ref.clear();
    else if (tree.ref.empty()) tree.ref = "HEAD";
    config.trees.push_back(std::move(tree));
  }

  if (root["series"]) {
    if (!root["series"].IsSequence()) reader.Fail(root["series"], "'series' must be a list");
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

  if (!root["arches"]) reader.Fail(root, "missing key 'arches'");
  config.arches = reader.StringList(root["arches"], "arches");
  std::map<std::string, YAML::Mark> arch_names;
  for (std::size_t i = 0; i < config.arches.size(); ++i) {
    reader.Unique(arch_names, root["arches"][i], "arch '" + config.arches[i] + "'", "list each arch once");
    if (!FindArch(config.arches[i])) {
      reader.Fail(root["arches"][i], "unknown arch '" + config.arches[i] + "' (known: " +
                                         KnownArchNames() + ")");
    }
  }

  config.toolchains = {"gcc"};
  if (root["toolchains"]) {
    config.toolchains = reader.StringList(root["toolchains"], "toolchains");
    // A toolchain listed twice would make two cells with one id, one build directory and one
    // artifacts directory, whose boots run side by side on the same disk image.
    std::map<std::string, YAML::Mark> toolchain_names;
    for (std::size_t i = 0; i < config.toolchains.size(); ++i) {
      reader.Unique(toolchain_names, root["toolchains"][i], "toolchain '" + config.toolchains[i] + "'",
                    "list each toolchain once");
      if (config.toolchains[i] != "gcc") {
        reader.Fail(root["toolchains"][i],
                    "unsupported toolchain '" + config.toolchains[i] + "' (supported: gcc)");
      }
    }
  }

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

  if (const auto define = root["define_output_format"]) {
    if (!define.IsScalar() || !YAML::convert<bool>::decode(define, config.define_output_format)) {
      reader.Fail(define, "'define_output_format' must be true or false");
    }
  }
  if (const auto history = root["history"]) config.history = reader.String(history, "history");
  if (const auto accel = root["accel"]) {
    config.accel = reader.String(accel, "accel");
    if (config.accel != "auto" && config.accel != "kvm" && config.accel != "tcg") {
      reader.Fail(accel, "unknown accel '" + config.accel + "' (known: auto, kvm, tcg)");
    }
  }
  if (const auto timeouts = root["timeouts"]) {
    reader.CheckKeys(timeouts, "timeouts", {"build", "boot"});
    if (timeouts["build"]) config.build_timeout = reader.PositiveInt(timeouts["build"], "build");
    if (timeouts["boot"]) config.boot_timeout = reader.PositiveInt(timeouts["boot"], "boot");
  }
  return config;
}

MatrixConfig LoadMatrix(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw HarnessError("matrix file '" + path.string() + "' does not exist");
  }
  return ParseMatrix(ReadFile(path), path);
}

}  // namespace harness
