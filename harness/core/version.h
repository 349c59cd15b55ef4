#pragma once
// The harness's version, as results.json records it: the project version plus the git commit the
// build was configured from ("0.1.0+g2ac25a3c1d2e").
#include <string_view>

namespace harness {

std::string_view HarnessVersion();

}  // namespace harness
