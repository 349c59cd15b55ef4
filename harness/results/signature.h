#pragma once
// A failed cell's signature: what "the same failure" means wherever two results are compared.
// Bisect marks a step bad only when it fails as the bad endpoint did; the pre-merge baseline
// calls a failure pre-existing only when the tree fails the same way without the series. Both
// ask SignatureOf, so the two can never disagree on what "the same" is.
//
// Verdict and stage say where the cell failed; the cause says why, normalised so that what moves
// between two commits of one break does not count (paths, line and column numbers, addresses,
// console time stamps, CPU and PID numbers) while what tells two breaks apart does (the file, the
// kbuild target, the message):
//   build failed at build    the kbuild step (build_step) and the first error line ("memory.c:
//                            error: expected ';' before '}' token"); the target only when the
//                            log has no error line (under -jN the step line before an error is
//                            often another object's)
//   kernel complained        the first complaint line ("WARNING: CPU: N PID: N at kernel/bpf/
//                            btf.c:N btf_parse+<hex>/<hex>")
//   content mismatch         the class of the first differing offset (header, type section,
//                            string section, outside the sections)
//   any other failure        its one-line detail, normalised the same way: the panic line, the
//                            evidence that was missing, which size check failed
// A success carries no cause.
#include <optional>
#include <string>
#include <string_view>

#include "harness/results/results.h"

namespace harness {

struct FailureSignature {
  Verdict verdict = Verdict::kUndecided;
  Stage stage = Stage::kTree;
  std::string build_step;  // build failures: "BTF" when traced to BTF generation, else "CC", "LD", ...
  std::string cause;       // normalised, one line, no tab; empty when the verdict has none

  bool operator==(const FailureSignature&) const = default;
  // "build-failed@build/CC memory.c: error: ...": one token (no tab, no newline), as
  // the bisect state file keeps it; everything after the first space is the cause.
  std::string Token() const;
  // "build failed at build (CC)": for people, without the cause.
  std::string Describe() const;
  // Describe() and the cause: "build failed at build (CC): memory.c: error: ...".
  std::string DescribeWithCause() const;
};

FailureSignature SignatureOf(const CellResult& result);
std::optional<FailureSignature> ParseSignature(std::string_view token);

// The normalisers SignatureOf applies, for tests and for whoever shows a cause.
// A console or free-text line: time stamps removed, hex numbers "<hex>", other numbers "N".
std::string NormaliseCauseLine(std::string_view line);
// A compiler or linker line: directories dropped from paths (the file name stays), ":LINE:COL"
// after a file dropped, then NormaliseCauseLine.
std::string NormaliseBuildError(std::string_view line);

}  // namespace harness
