// `harness --version` and `harness version`: this harness's version and what it was built with,
// all known without running anything (the tools a run uses, pahole, QEMU and the compilers, are
// recorded per cell in results.json, where their versions matter).
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/version.h"
#include "harness/elf/libraries.h"

#ifndef HARNESS_DEFAULT_DATA_DIR
#define HARNESS_DEFAULT_DATA_DIR "."
#endif

namespace harness {

std::string VersionText() {
#if defined(__clang__)
  const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = "g++ " __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  return "harness " + std::string(HarnessVersion()) + "\n" +  //
         "built with: " + compiler + ", CLI11 " CLI11_VERSION "\n" +
         "reads vmlinux with: " + ElfLibraryVersions() + "\n" +
         "default data dir: " HARNESS_DEFAULT_DATA_DIR "\n";
}

CLI::App* AddVersion(CLI::App& app) {
  // The text ends without a newline: CLI11 adds one after the --version text.
  std::string text = VersionText();
  text.pop_back();
  app.set_version_flag("--version", text, "print the harness's version and what it was built with");
  return app.add_subcommand("version", "print the harness's version and what it was built with (as --version)");
}

int VersionCommand() {
  std::cout << VersionText();
  return kExitPass;
}

}  // namespace harness
