#include "harness/core/verdict.h"

namespace harness {

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kTree: return "tree";
    case Stage::kApply: return "apply";
    case Stage::kConfig: return "config";
    case Stage::kBuild: return "build";
    case Stage::kInspect: return "inspect";
    case Stage::kImage: return "image";
    case Stage::kBoot: return "boot";
    case Stage::kVerify: return "verify";
  }
  return "?";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kUndecided: return "undecided";
    case Verdict::kPass: return "PASS";
    case Verdict::kApplyFailed: return "series does not apply";
    case Verdict::kAlreadyApplied: return "already applied";
    case Verdict::kConfigDropped: return "config option dropped";
    case Verdict::kBuildFailed: return "build failed";
    case Verdict::kBadVmlinux: return "bad vmlinux .BTF";
    case Verdict::kBtfFileMissing: return "btf file missing";
    case Verdict::kSizeMismatch: return "size mismatch";
    case Verdict::kContentMismatch: return "content mismatch";
    case Verdict::kWrongByteOrder: return "wrong byte order for the target";
    case Verdict::kStaleImage: return "stale image";
    case Verdict::kTimedOut: return "timed out";
    case Verdict::kGuestPanicked: return "guest panicked";
    case Verdict::kBadRecord: return "bad probe record";
    case Verdict::kWrongPermissions: return "wrong permissions";
    case Verdict::kUnboundedExport: return "unbounded export";
    case Verdict::kKernelComplained: return "kernel complained";
    case Verdict::kIncompleteEvidence: return "incomplete evidence";
    case Verdict::kBuilt: return "built";
    case Verdict::kExcluded: return "excluded";
  }
  return "?";
}

std::string VerdictToken(Verdict verdict) {
  if (verdict == Verdict::kPass) return "pass";
  if (verdict == Verdict::kWrongByteOrder) return "wrong-byte-order";
  if (verdict == Verdict::kConfigDropped) return "config-dropped";
  if (verdict == Verdict::kBadVmlinux) return "bad-vmlinux";
  if (verdict == Verdict::kBadRecord) return "bad-record";
  std::string token(VerdictName(verdict));
  for (char& c : token) {
    if (c == ' ') c = '-';
  }
  return token;
}

std::string Fact(const CellResult& result, const std::string& key) {
  auto it = result.facts.find(key);
  return it == result.facts.end() ? "" : it->second;
}

}  // namespace harness
