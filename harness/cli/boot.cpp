// `harness boot`: image -> boot -> verify for a kernel someone else built.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/report/report.h"

namespace harness {

CLI::App* AddBoot(CLI::App& app, BootArgs& args) {
  CLI::App* boot = app.add_subcommand("boot", "boot an existing build and verify /sys/kernel/btf/vmlinux");
  boot->add_option("--arch", args.arch, "target arch")->required();
  boot->add_option("--kernel", args.kernel, "boot image (bzImage, Image)")->required();
  boot->add_option("--vmlinux", args.vmlinux, "the vmlinux of the same build")->required();
  AddCommonFlags(boot, args.common);
  return boot;
}

int BootCommand(const BootArgs& args, ProcessRunner& runner) {
  const Arch& arch = ArchNamed(args.arch);
  if (std::filesystem::exists(args.vmlinux) && !ClaimsToBeElf(args.vmlinux)) {
    throw HarnessError("--vmlinux '" + args.vmlinux + "' is not an ELF file; give the vmlinux of the build whose "
                       "--kernel is booted");
  }
  RunOptions options = MakeRunOptions(args.common);
  ProgressReporter reporter = MakeReporter(args.common);
  Pipeline pipeline(runner, reporter, options, RealHost());
  auto result = pipeline.BootExisting(arch, std::filesystem::absolute(args.kernel), std::filesystem::absolute(args.vmlinux));
  reporter.Stop();
  return Finish({result}, args.common, options);
}

}  // namespace harness
