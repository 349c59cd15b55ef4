#pragma once
// How one bisect step's cell result becomes git bisect's answer: good (0), bad (1), skip (125)
// or abort (255). What counts as bad is explicit: by default the way the bad endpoint failed (its
// FailureSignature, results/signature.h: verdict, stage and normalised cause, so an unrelated break
// in between is skipped), else the stages `--bad-if` names. A harness or machine failure aborts
// and never blames a commit.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/error.h"
#include "harness/results/exit_code.h"
#include "harness/results/signature.h"
#include "harness/results/results.h"

namespace harness {

// Exit codes of `harness bisect-step`, as `git bisect run` reads them.
inline constexpr int kStepGood = 0;
inline constexpr int kStepBad = 1;
inline constexpr int kStepSkip = 125;                 // cannot be tested: fails some other way
inline constexpr int kStepAbort = kExitBisectAbort;   // >= 128: git bisect run stops

// What counts as bad: the bad endpoint's own failure (the default), or any failing verdict of
// the named stage groups: build (config, build, inspect), boot (image, boot), verify, any.
struct BadRule {
  bool same_as_bad = true;
  bool build = false, boot = false, verify = false, any = false;
  std::string Name() const;  // "same", "build", "build,boot", "any"
};
// From --bad-if words (each "build", "boot", "verify", "any" or "same"); throws HarnessError.
BadRule ParseBadIf(const std::vector<std::string>& words);

struct Judgement {
  int exit_code = kStepSkip;
  std::string reason;  // one line: why good, bad, skip or abort
};

// `bad` is the bad endpoint's signature (needed when rule.same_as_bad).
Judgement Judge(const CellResult& result, const BadRule& rule, const std::optional<FailureSignature>& bad);

// A verdict that can come and go without the kernel changing (a boot timeout on a loaded
// host): a step retries it once before it counts.
bool CanFlake(const CellResult& result);

// Endpoint checks, on what the state log keeps of an endpoint; each returns empty when the
// endpoint is as it must be, else the message. The good endpoint must pass.
std::string CheckGoodEndpoint(const FailureSignature& good, std::string_view detail, std::string_view rev);
// The bad endpoint must fail in a way the rule counts as bad (checked after the good one passed).
std::string CheckBadEndpoint(const FailureSignature& bad, std::string_view rev, std::string_view arch,
                             const BadRule& rule);

}  // namespace harness
