#pragma once
// A regression corpus entry's expected.yaml: per arch, the stage and verdict the harness must
// report, and the detail where one exists.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace harness {

struct ExpectedCell {
  std::string stage;                   // config, build, verify ...
  std::string verdict;                 // a verdict token: pass, build-failed, content-mismatch ...
  std::string step;                    // build-failed: the kbuild step (BTF: BTF generation)
  std::string option;                  // config-dropped: an option that must be among the dropped
  std::optional<std::uint64_t> offset; // content-mismatch: the first differing offset
  std::uint64_t offset_slack = 0;      // accept offset .. offset+slack (bytes that happen to agree)
};

struct CorpusEntry {
  std::string name;                    // the directory name
  std::filesystem::path dir;
  std::string description;
  std::map<std::string, ExpectedCell> expect;  // arch -> expectation
};

// Reads DIR/expected.yaml; throws HarnessError("DIR/expected.yaml:L:C: ...") on unknown keys,
// arches, stages or verdicts.
CorpusEntry LoadCorpusEntry(const std::filesystem::path& dir);
CorpusEntry ParseCorpusEntry(const std::string& yaml_text, const std::filesystem::path& dir);

}  // namespace harness
