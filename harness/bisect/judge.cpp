#include "harness/bisect/judge.h"

#include <initializer_list>

namespace harness {
namespace {

std::optional<Verdict> VerdictFromToken(std::string_view token) {
  for (int v = 0; v <= static_cast<int>(kLastVerdict); ++v) {
    if (VerdictToken(static_cast<Verdict>(v)) == token) return static_cast<Verdict>(v);
  }
  return std::nullopt;
}

std::optional<Stage> StageFromName(std::string_view name) {
  for (int s = 0; s <= static_cast<int>(Stage::kVerify); ++s) {
    if (StageName(static_cast<Stage>(s)) == name) return static_cast<Stage>(s);
  }
  return std::nullopt;
}

bool StageIn(Stage stage, std::initializer_list<Stage> group) {
  for (Stage s : group) {
    if (s == stage) return true;
  }
  return false;
}

// Whether the rule's stage groups count a failure that ended the cell at `stage`.
bool RuleCounts(const BadRule& rule, Stage stage) {
  return rule.any || (rule.build && StageIn(stage, {Stage::kConfig, Stage::kBuild, Stage::kInspect})) ||
         (rule.boot && StageIn(stage, {Stage::kImage, Stage::kBoot})) || (rule.verify && stage == Stage::kVerify);
}

}  // namespace

std::string FailureSignature::Token() const {
  return VerdictToken(verdict) + "@" + std::string(StageName(stage)) + (build_step.empty() ? "" : "/" + build_step);
}

std::string FailureSignature::Describe() const {
  std::string text = std::string(VerdictName(verdict)) + " at " + std::string(StageName(stage));
  if (build_step == "BTF") return text + " (BTF generation)";
  return build_step.empty() ? text : text + " (" + build_step + ")";
}

FailureSignature SignatureOf(const CellResult& result) {
  FailureSignature signature{result.verdict, result.stage, ""};
  if (result.verdict == Verdict::kBuildFailed && result.stage == Stage::kBuild) {
    if (auto it = result.facts.find("build_step"); it != result.facts.end()) signature.build_step = it->second;
  }
  return signature;
}

std::optional<FailureSignature> ParseSignature(std::string_view token) {
  const auto at = token.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto verdict = VerdictFromToken(token.substr(0, at));
  std::string_view rest = token.substr(at + 1);
  std::string_view step;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    step = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (step.empty()) return std::nullopt;
  }
  auto stage = StageFromName(rest);
  if (!verdict || !stage) return std::nullopt;
  return FailureSignature{*verdict, *stage, std::string(step)};
}

std::string BadRule::Name() const {
  if (any) return "any";
  std::string name;
  for (auto [on, word] : {std::pair{build, "build"}, {boot, "boot"}, {verify, "verify"}}) {
    if (on) name += (name.empty() ? "" : ",") + std::string(word);
  }
  return name.empty() ? "same" : name;
}

BadRule ParseBadIf(const std::vector<std::string>& words) {
  BadRule rule;
  for (const auto& word : words) {
    if (word == "same") continue;
    rule.same_as_bad = false;
    if (word == "build") rule.build = true;
    else if (word == "boot") rule.boot = true;
    else if (word == "verify") rule.verify = true;
    else if (word == "any") rule.any = true;
    else throw HarnessError("--bad-if '" + word + "': expected build, boot, verify, any or same");
  }
  return rule;
}

Judgement Judge(const CellResult& result, const BadRule& rule, const std::optional<FailureSignature>& bad) {
  if (!result.error.empty()) return {kStepAbort, "harness error, not the kernel's: " + result.error};
  if (result.verdict == Verdict::kUndecided) return {kStepAbort, "internal error: the cell has no verdict"};
  if (IsSuccess(result.verdict)) return {kStepGood, std::string(VerdictName(result.verdict))};
  const FailureSignature signature = SignatureOf(result);
  if (rule.same_as_bad) {
    if (!bad) return {kStepAbort, "internal error: no bad endpoint signature to compare with"};
    if (signature == *bad) return {kStepBad, "fails as the bad endpoint does: " + signature.Describe()};
    return {kStepSkip, "fails differently: " + signature.Describe() + " (the bad endpoint: " + bad->Describe() + ")"};
  }
  if (RuleCounts(rule, result.stage)) return {kStepBad, signature.Describe() + " (--bad-if " + rule.Name() + ")"};
  return {kStepSkip, signature.Describe() + ", which --bad-if " + rule.Name() + " does not count"};
}

bool CanFlake(const CellResult& result) { return result.error.empty() && result.verdict == Verdict::kTimedOut; }

std::string CheckGoodEndpoint(const FailureSignature& good, std::string_view detail, std::string_view rev) {
  if (IsSuccess(good.verdict)) return "";
  return "good " + std::string(rev) + " already fails: " + good.Describe() +
         (detail.empty() ? "" : ": " + std::string(detail));
}

std::string CheckBadEndpoint(const FailureSignature& bad, std::string_view rev, std::string_view arch,
                             const BadRule& rule) {
  if (IsSuccess(bad.verdict)) return "nothing to bisect: both pass on " + std::string(arch);
  if (rule.same_as_bad || RuleCounts(rule, bad.stage)) return "";
  return "bad " + std::string(rev) + " fails, but not in a way --bad-if " + rule.Name() + " counts: " + bad.Describe();
}

}  // namespace harness
