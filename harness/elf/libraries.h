#pragma once
// The versions of the ELF and BTF libraries this module reads vmlinux files with, for
// `harness --version` (the module links them privately, so only it can ask).
#include <string>

namespace harness {

// e.g. "libbpf v1.1, libelf 0.188": libbpf's as loaded at run time, libelf's as built against
// (libelf has no call that names its version).
std::string ElfLibraryVersions();

}  // namespace harness
