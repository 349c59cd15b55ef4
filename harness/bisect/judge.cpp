#include "harness/bisect/judge.h"

#include <initializer_list>

namespace harness {
namespace {

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
    if (signature == *bad) return {kStepBad, "fails as the bad endpoint does: " + signature.DescribeWithCause()};
    return {kStepSkip, "fails differently: " + signature.DescribeWithCause() + " (the bad endpoint: " +
                           bad->DescribeWithCause() + ")"};
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
