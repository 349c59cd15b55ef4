#pragma once
// Shared by the YAML readers of this module (never included outside config/): positioned
// errors and key checks with "did you mean".
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/error.h"
#include "harness/core/spelling.h"

namespace harness {
namespace {

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

  // A mapping's key as a string; a mapping, a list or null used as a key is the user's error
  // (yaml-cpp would throw a bare conversion error, reported as an internal error).
  std::string Key(const YAML::Node& key, std::string_view context) const {
    if (!key.IsScalar()) {
      Fail(key, "a key in " + std::string(context) + " must be a plain name, not " +
                    (key.IsMap() ? "a mapping" : key.IsSequence() ? "a list" : "empty"));
    }
    return key.Scalar();
  }

  // Keys of `map`, each checked by Key and for duplicates (yaml-cpp keeps both; the later one
  // would be silently ignored or win, depending on the reader).
  std::vector<std::string> Keys(const YAML::Node& map, std::string_view context) const {
    std::vector<std::string> keys;
    std::map<std::string, YAML::Mark> seen;
    for (const auto& item : map) {
      keys.push_back(Key(item.first, context));
      Unique(seen, item.first, "key '" + keys.back() + "' in " + std::string(context), "remove one");
    }
    return keys;
  }

  // Records `node`'s scalar in `seen`; fails, naming the first occurrence, when it is there already.
  void Unique(std::map<std::string, YAML::Mark>& seen, const YAML::Node& node, const std::string& what,
              std::string_view next_step) const {
    auto [it, inserted] = seen.emplace(node.Scalar(), node.Mark());
    if (inserted) return;
    std::string first = it->second.line >= 0 ? " (first at line " + std::to_string(it->second.line + 1) + ")" : "";
    Fail(node, "duplicate " + what + first + "; " + std::string(next_step));
  }

  // Rejects keys outside `known`, suggesting the nearest one.
  void CheckKeys(const YAML::Node& map, std::string_view context,
                 const std::vector<std::string_view>& known) const {
    if (!map.IsMap()) Fail(map, std::string(context) + " must be a mapping");
    Keys(map, context);
    for (const auto& item : map) {
      const std::string key = item.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown key '" + key + "' in " + std::string(context);
      const std::string_view best = NearestName(key, known);
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
}  // namespace harness
