#include "harness/elf/libraries.h"

#include <bpf/libbpf.h>

#ifndef HARNESS_LIBELF_VERSION
#define HARNESS_LIBELF_VERSION "unknown"
#endif

namespace harness {

std::string ElfLibraryVersions() {
  return std::string("libbpf ") + libbpf_version_string() + ", libelf " + HARNESS_LIBELF_VERSION;
}

}  // namespace harness
