#include "harness/config/matrix.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "harness/arch/arch.h"
#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

class Reader {
 public:
  explicit Reader(std::filesystem::path source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& message) const {
    const YAML::Mark mark = node.Mark();
    std::string where = source_.string();
    if (mark.line >= 0) {
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    throw HarnessError(where + ": " + message);
  }

  // Rejects keys outside `known`, suggesting the nearest one.
  void CheckKeys(const YAML::Node& map, std::string_view context,
                 const std::vector<std::string_view>& known) const {
    if (!map.IsMap()) Fail(map, std::string(context) + " must be a mapping");
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown key '" + key + "' in " + std::string(context);
      std::string_view best;
      std::size_t best_distance = 3;
      for (auto candidate : known) {
        std::size_t d = EditDistance(key, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
      if (!best.empty()) message += ", did you mean '" + std::string(best) + "'?";
      else message += " (known: " + Join(known) + ")";
      Fail(item.first, message);
    }
  }

  std::string String(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar()) Fail(node, "'" + std::string(key) + "' must be a string");
    return node.as<std::string>();
  }

  int PositiveInt(const YAML::Node& node, std::string_view key) const {
    int value = 0;
    if (!node.IsScalar() || !YAML::convert<int>::decode(node, value) || value <= 0) {
      Fail(node, "'" + std::string(key) + "' must be a positive integer, got '" +
                     (node.IsScalar() ? node.Scalar() : std::string("a non-scalar")) + "'");
    }
    return value;
  }

  std::vector<std::string> StringList(const YAML::Node& node, std::string_view key) const {
    if (!node.IsSequence()) Fail(node, "'" + std::string(key) + "' must be a list");
    std::vector<std::string> out;
    for (const auto& item : node) out.push_back(String(item, key));
    if (out.empty()) Fail(node, "'" + std::string(key) + "' must not be empty");
    return out;
  }

  static std::string Join(const std::vector<std::string_view>& words) {
    std::string out;
    for (auto w : words) out += (out.empty() ? "" : ", ") + std::string(w);
    return out;
  }

 private:
  std::filesystem::path source_;
};

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
  reader.CheckKeys(root, "the matrix",
                   {"trees", "series", "arches", "toolchains", "kconfig", "timeouts"});

  MatrixConfig config;
  config.source = source;

  if (!root["trees"]) reader.Fail(root, "missing key 'trees'");
  if (!root["trees"].IsSequence() || root["trees"].size() == 0) {
    reader.Fail(root["trees"], "'trees' must be a non-empty list");
  }
  for (const auto& node : root["trees"]) {
    reader.CheckKeys(node, "a tree", {"name", "debian_package", "path"});
    TreeSpec tree;
    if (!node["name"]) reader.Fail(node, "a tree needs a 'name'");
    tree.name = reader.String(node["name"], "name");
    if (node["debian_package"]) tree.debian_package = reader.String(node["debian_package"], "debian_package");
    if (node["path"]) tree.path = reader.String(node["path"], "path");
    if (tree.debian_package.empty() == tree.path.empty()) {
      reader.Fail(node, "tree '" + tree.name + "' needs exactly one of 'debian_package' or 'path'");
    }
    config.trees.push_back(std::move(tree));
  }

  if (root["series"]) {
    if (!root["series"].IsSequence()) reader.Fail(root["series"], "'series' must be a list");
    for (const auto& node : root["series"]) {
      reader.CheckKeys(node, "a series", {"name", "path"});
      SeriesSpec series;
      if (!node["name"]) reader.Fail(node, "a series needs a 'name'");
      series.name = reader.String(node["name"], "name");
      if (node["path"]) series.path = reader.String(node["path"], "path");
      if (series.name != "none" && series.path.empty()) {
        reader.Fail(node, "series '" + series.name + "' needs a 'path' (only 'none' has none)");
      }
      config.series.push_back(std::move(series));
    }
  }
  if (config.series.empty()) config.series.push_back({"none", {}});

  if (!root["arches"]) reader.Fail(root, "missing key 'arches'");
  config.arches = reader.StringList(root["arches"], "arches");
  for (std::size_t i = 0; i < config.arches.size(); ++i) {
    if (!FindArch(config.arches[i])) {
      reader.Fail(root["arches"][i], "unknown arch '" + config.arches[i] + "' (known: " +
                                         KnownArchNames() + ")");
    }
  }

  config.toolchains = {"gcc"};
  if (root["toolchains"]) {
    config.toolchains = reader.StringList(root["toolchains"], "toolchains");
    for (std::size_t i = 0; i < config.toolchains.size(); ++i) {
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
