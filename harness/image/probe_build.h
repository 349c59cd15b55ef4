#pragma once
// Cross-compiles images/probe.c into a static /init for one arch, once per probe source and
// compiler (cached), and assembles the guest's initramfs around it.
#include <filesystem>

#include "harness/arch/arch.h"
#include "harness/results/events.h"
#include "harness/proc/runner.h"

#include "harness/core/host.h"

namespace harness {

// Throws HarnessError when the cross compiler or its static libc is missing (naming the package).
std::filesystem::path BuildProbe(ProcessRunner& runner, EventSink& sink, const Arch& arch,
                                 const std::filesystem::path& data_dir,
                                 const std::filesystem::path& cache_dir, const Host& host);

}  // namespace harness
