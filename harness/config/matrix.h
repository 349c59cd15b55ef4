#pragma once
// The YAML matrix (configs/*.yaml): which trees, series, arches and toolchains make the cells.
// The only user of yaml-cpp. Every error names file:line:column and the offending key.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct TreeSpec {
  std::string name;
  std::string debian_package;     // e.g. linux-source-6.1: obtained with apt-get, unpacked once
  std::filesystem::path path;     // or a local kernel tree, built in place (series: none only)
  std::filesystem::path git;      // or a local git repository, used at `ref`
  std::string ref;                // with `git`: a commit, tag or branch (default HEAD)
  // With `debian_package`: the version the tree must be (empty: whatever apt has), and the
  // Debian suite to take it from (empty: the package's known suite, else the host's apt).
  std::string version;
  std::string suite;
  // Fragments under configs/kconfig/ added after the matrix's for this tree only (e.g. 5.10's
  // DWARF lines, which its Kconfig spells differently).
  std::vector<std::string> kconfig_fragments;
  bool operator==(const TreeSpec&) const = default;
};

struct SeriesSpec {
  std::string name;               // "none": the tree as it is
  std::filesystem::path path;     // kernel-patches/<name>, an mbox or a .patch
  bool operator==(const SeriesSpec&) const = default;
};

// One entry of `exclude:` or `include:`. Each list holds the names the rule matches; an empty
// list matches any (exclude) or every value of the matrix (include's series).
struct CellRule {
  std::vector<std::string> trees;
  std::vector<std::string> series;
  std::vector<std::string> arches;
  std::vector<std::string> toolchains;
  std::string reason;             // exclude: why (required); include: optional
  std::string where;              // FILE:LINE:COL of the entry
  bool operator==(const CellRule&) const = default;
};

struct MatrixConfig {
  std::filesystem::path source;   // the YAML file
  std::vector<TreeSpec> trees;
  std::vector<SeriesSpec> series;
  std::vector<std::string> arches;
  std::vector<std::string> toolchains;
  std::string kconfig_base = "tinyconfig";
  std::vector<std::string> fragments;  // file names under configs/kconfig/
  int build_timeout = 3600;       // seconds
  int boot_timeout = 60;          // seconds, times the arch's factor
  // Append a generated patch defining CONFIG_OUTPUT_FORMAT for arches whose Kconfig lacks it.
  bool define_output_format = false;
  // QEMU accelerator: auto (KVM on trial, TCG when it fails), kvm, or tcg. --accel overrides.
  std::string accel = "auto";
  // Cells of the cross product taken out (each with its reason), and cells added outside it.
  std::vector<CellRule> excludes;
  std::vector<CellRule> includes;
  // history: a directory keeping each run's results (as --history, which overrides it).
  std::string history;
  // ccache_remote: a Redis server shared as ccache's remote storage (redis://HOST[:PORT]);
  // --ccache-remote and HARNESS_CCACHE_REMOTE override it. Empty: the local cache only.
  std::string ccache_remote;
  bool operator==(const MatrixConfig&) const = default;
};

// Whether `rule` matches the cell; an empty list in the rule matches any value.
bool RuleMatches(const CellRule& rule, std::string_view tree, std::string_view series, std::string_view arch,
                 std::string_view toolchain);

// Throws HarnessError("FILE:LINE:COL: ...") on any problem.
MatrixConfig ParseMatrix(std::string_view yaml_text, const std::filesystem::path& source);
MatrixConfig LoadMatrix(const std::filesystem::path& path);
// The matrix as YAML that ParseMatrix reads back to it (ParseMatrix(MatrixToYaml(m)) == m, but for
// `source` and the rules' `where`), e.g. for a bisect's reproduce file.
std::string MatrixToYaml(const MatrixConfig& config);

}  // namespace harness
