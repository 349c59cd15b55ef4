#include "harness/core/version.h"

#ifndef HARNESS_VERSION
#define HARNESS_VERSION "unknown"
#endif

namespace harness {

std::string_view HarnessVersion() { return HARNESS_VERSION; }

}  // namespace harness
