#include "harness/config/kconfig.h"

#include <charconv>
#include <map>

#include "harness/core/error.h"
#include "harness/core/util.h"

namespace harness {
namespace {

bool ValidName(std::string_view name) {
  if (!StartsWith(name, "CONFIG_") || name.size() == 7) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string Get(const DotConfig& config, const std::string& name) {
  auto it = config.find(name);
  return it == config.end() ? "" : it->second;
}

bool IsSet(const DotConfig& config, const std::string& name) {
  auto v = Get(config, name);
  return v == "y" || v == "m";
}

// Why CONFIG_DEBUG_INFO_BTF (and friends) fall out of olddefconfig, most specific first.
std::string BtfReason(const DotConfig& config, int pahole_version) {
  std::vector<std::string> reasons;
  if (pahole_version == 0) {
    reasons.push_back("pahole was not found on PATH at configure time (install Debian package 'dwarves')");
  }
  std::string frozen = Get(config, "CONFIG_PAHOLE_VERSION");
  int frozen_version = 0;
  if (!frozen.empty()) {
    // olddefconfig writes a plain number; anything else is a harness error naming the value.
    const auto [end, ec] = std::from_chars(frozen.data(), frozen.data() + frozen.size(), frozen_version);
    if (ec != std::errc()) {
      throw HarnessError("CONFIG_PAHOLE_VERSION='" + Printable(frozen) + "' in the .config is " +
                         (ec == std::errc::result_out_of_range ? "out of range" : "not a number"));
    }
  }
  if (!frozen.empty() && frozen != "0" && frozen_version < 116) {
    reasons.push_back("pahole " + frozen + " is older than 1.16");
  }
  if (IsSet(config, "CONFIG_DEBUG_INFO_DWARF5") && pahole_version < 121) {
    reasons.push_back("DWARF5 is selected but pahole < 1.21 cannot read it");
  }
  if (IsSet(config, "CONFIG_DEBUG_INFO_REDUCED")) reasons.push_back("CONFIG_DEBUG_INFO_REDUCED=y hides types from pahole");
  if (IsSet(config, "CONFIG_DEBUG_INFO_SPLIT")) reasons.push_back("CONFIG_DEBUG_INFO_SPLIT=y moves DWARF out of vmlinux");
  if (!IsSet(config, "CONFIG_DEBUG_INFO")) reasons.push_back("no DWARF debug info (CONFIG_DEBUG_INFO is off: pick a CONFIG_DEBUG_INFO_DWARF* choice)");
  if (!IsSet(config, "CONFIG_BPF_SYSCALL")) reasons.push_back("CONFIG_BPF_SYSCALL is off");
  if (reasons.empty()) return "a dependency in lib/Kconfig.debug is not met (see 'make menuconfig', search DEBUG_INFO_BTF)";
  std::string out;
  for (const auto& r : reasons) out += (out.empty() ? "" : "; ") + r;
  return out;
}

}  // namespace

std::vector<KconfigOption> ParseFragment(std::string_view text, std::string_view origin) {
  std::vector<KconfigOption> options;
  int line_no = 0;
  for (const auto& raw : SplitLines(text)) {
    ++line_no;
    std::string_view line = Trim(raw);
    std::string where = std::string(origin) + ":" + std::to_string(line_no);
    if (line.empty()) continue;
    if (StartsWith(line, "# CONFIG_")) {
      const std::string_view suffix = " is not set";
      if (line.size() > suffix.size() && line.substr(line.size() - suffix.size()) == suffix) {
        std::string name(line.substr(2, line.size() - 2 - suffix.size()));
        if (!ValidName(name)) throw HarnessError(where + ": bad option name '" + name + "'");
        options.push_back({name, "n", where});
        continue;
      }
    }
    if (line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      throw HarnessError(where + ": expected CONFIG_NAME=value or '# CONFIG_NAME is not set', got '" +
                         std::string(line) + "'");
    }
    std::string name(Trim(line.substr(0, eq)));
    std::string value(Trim(line.substr(eq + 1)));
    if (!ValidName(name)) throw HarnessError(where + ": bad option name '" + name + "'");
    if (value.empty()) throw HarnessError(where + ": empty value for " + name);
    options.push_back({name, value, where});
  }
  return options;
}

std::vector<KconfigOption> MergeFragments(const std::vector<std::vector<KconfigOption>>& fragments) {
  std::vector<KconfigOption> merged;
  std::map<std::string, std::size_t> index;
  for (const auto& fragment : fragments) {
    for (const auto& option : fragment) {
      auto it = index.find(option.name);
      if (it == index.end()) {
        index[option.name] = merged.size();
        merged.push_back(option);
      } else {
        merged[it->second] = option;
      }
    }
  }
  return merged;
}

std::string RenderFragment(const std::vector<KconfigOption>& options) {
  std::string out;
  for (const auto& o : options) {
    out += o.value == "n" ? "# " + o.name + " is not set\n" : o.name + "=" + o.value + "\n";
  }
  return out;
}

DotConfig ParseDotConfig(std::string_view text) {
  DotConfig config;
  for (const auto& raw : SplitLines(text)) {
    std::string_view line = Trim(raw);
    if (StartsWith(line, "# CONFIG_") && line.size() > 11 &&
        line.substr(line.size() - 11) == " is not set") {
      config[std::string(line.substr(2, line.size() - 13))] = "n";
      continue;
    }
    if (!StartsWith(line, "CONFIG_")) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    config[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return config;
}

std::vector<DroppedOption> CheckConfig(const std::vector<KconfigOption>& requested,
                                       const DotConfig& actual, int pahole_version) {
  std::vector<DroppedOption> dropped;
  for (const auto& option : requested) {
    std::string got = Get(actual, option.name);
    if (got == option.value) continue;
    if (option.value == "n" && got.empty()) continue;
    DroppedOption d{option, got, ""};
    if (option.name == "CONFIG_DEBUG_INFO_BTF" || option.name == "CONFIG_DEBUG_INFO") {
      d.reason = BtfReason(actual, pahole_version);
    } else if (got.empty()) {
      d.reason = "not visible: a dependency is off for this arch/config (check its 'depends on')";
    }
    dropped.push_back(std::move(d));
  }
  return dropped;
}

}  // namespace harness
