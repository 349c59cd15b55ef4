#pragma once
// PATH for running the harness on the fake kernel tree (tests/data/fakelinux): preflight wants
// each arch's cross gcc and ld, which the fake tree never runs, so shims that fail if called
// come first; host tools preflight wants are shimmed only when missing.
#include <filesystem>
#include <string>

namespace harness {

// Writes the shims into `bin` and returns "bin:$PATH".
std::string FakeTreePath(const std::filesystem::path& bin);

}  // namespace harness
