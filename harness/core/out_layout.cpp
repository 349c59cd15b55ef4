#include "harness/core/out_layout.h"

#include <cctype>

namespace harness {

std::string SafeName(std::string name) {
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  }
  return name;
}

std::filesystem::path OutLayout::TreeDir(std::string_view tree) const { return root_ / SafeName(std::string(tree)); }

std::filesystem::path OutLayout::BuildDir(std::string_view tree, std::string_view arch,
                                          std::string_view toolchain) const {
  return TreeDir(tree) / ("build-" + std::string(arch) + "-" + std::string(toolchain));
}

std::filesystem::path OutLayout::SeriesDir(std::string_view tree, std::string_view series) const {
  return TreeDir(tree) / SafeName(std::string(series));
}

std::filesystem::path OutLayout::ApplyLog(std::string_view tree, std::string_view series) const {
  return SeriesDir(tree, series) / "apply.log";
}

std::filesystem::path OutLayout::CellDir(std::string_view tree, std::string_view series, std::string_view arch,
                                         std::string_view toolchain) const {
  return SeriesDir(tree, series) / (std::string(arch) + "-" + std::string(toolchain));
}

std::filesystem::path OutLayout::BootDir(std::string_view arch) const { return root_ / ("boot-" + std::string(arch)); }

std::filesystem::path OutLayout::BuildLock(const std::filesystem::path& build_dir) {
  return build_dir.parent_path() / ("." + build_dir.filename().string() + ".lock");
}

}  // namespace harness
