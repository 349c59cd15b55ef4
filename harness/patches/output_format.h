#pragma once
// The 2019 "local fix" as a cell option: a generated Kconfig patch that defines
// CONFIG_OUTPUT_FORMAT (the arch's BFD output format) for each arch whose Kconfig lacks it, so a
// link-vmlinux.sh change that relies on it (as the sysfs BTF patch once did) can be tried.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/arch/arch.h"
#include "harness/patches/series.h"

namespace harness {

// `read_kconfig(path)` returns the tree's file (e.g. arch/arm64/Kconfig), or nullopt when the
// tree has none. Arches that already define `config OUTPUT_FORMAT` are left alone; returns
// nullopt when no arch needs it.
std::optional<Patch> OutputFormatPatch(const std::vector<const Arch*>& arches,
                                       const std::function<std::optional<std::string>(const std::string&)>& read_kconfig);

}  // namespace harness
