#pragma once
// The message of the HarnessError a call throws, for tests that compare whole messages.
#include <string>

#include "harness/core/error.h"

namespace harness::testing {

template <class Call>
std::string HarnessErrorOf(Call&& call) {
  try {
    call();
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace harness::testing
