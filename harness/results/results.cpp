#include "harness/results/results.h"

namespace harness {

std::string_view StageName(Stage stage) {
  const std::string_view name = NameIn(kStageNames, stage);
  return name.empty() ? "?" : name;
}

Stage ParseStage(std::string_view name) { return ParseName(kStageNames, name, "stage"); }

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
    case Verdict::kKernelRejectsBtf: return "kernel rejects its BTF";
    case Verdict::kBadModuleBtf: return "bad module .BTF";
    case Verdict::kModuleBtfRejected: return "module BTF rejected";
    case Verdict::kModuleBtfMissing: return "module BTF missing";
    case Verdict::kModuleBtfMismatch: return "module BTF mismatch";
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
  if (verdict == Verdict::kKernelRejectsBtf) return "kernel-rejects-btf";
  if (verdict == Verdict::kBadModuleBtf) return "bad-module-btf";
  if (verdict == Verdict::kModuleBtfRejected) return "module-btf-rejected";
  if (verdict == Verdict::kModuleBtfMissing) return "module-btf-missing";
  if (verdict == Verdict::kModuleBtfMismatch) return "module-btf-mismatch";
  std::string token(VerdictName(verdict));
  for (char& c : token) {
    if (c == ' ') c = '-';
  }
  return token;
}

Verdict ParseVerdictToken(std::string_view token) {
  for (int v = static_cast<int>(Verdict::kPass); v <= static_cast<int>(kLastVerdict); ++v) {
    if (VerdictToken(static_cast<Verdict>(v)) == token) return static_cast<Verdict>(v);
  }
  throw HarnessError("verdict '" + std::string(token) + "' is none this harness knows");
}

std::string_view FactName(FactKey key) { return NameIn(kFactNames, key); }

std::optional<FactKey> FactNamed(std::string_view name) { return LookupName(kFactNames, name); }

std::string_view HistoryClassName(HistoryClass cls) { return NameIn(kHistoryClassNames, cls); }

std::string_view BaselineClassName(BaselineClass cls) { return NameIn(kBaselineClassNames, cls); }

std::string Fact(const CellResult& result, FactKey key) {
  auto it = result.facts.find(key);
  return it == result.facts.end() ? "" : it->second;
}

bool HasFact(const CellResult& result, FactKey key) { return result.facts.count(key) != 0; }

void SetFact(CellResult& result, FactKey key, std::string value) { result.facts[key] = std::move(value); }

}  // namespace harness
