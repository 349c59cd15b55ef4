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
  boot->add_option("--module", args.module,
                   "a module (.ko) built against that vmlinux with CONFIG_DEBUG_INFO_BTF_MODULES: the guest loads it "
                   "and its BTF is checked too (e.g. <build>/harness-btfmod/btfmod.ko)");
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
  if (!args.module.empty() && std::filesystem::path(args.module).filename() != "btfmod.ko") {
    // The probe loads /btfmod.ko and reads /sys/kernel/btf/btfmod (images/probe.c).
    throw HarnessError("--module '" + args.module + "': the probe loads the harness's test module, btfmod.ko " +
                       "(images/btfmod); build that one against the kernel");
  }
  auto result = pipeline.BootExisting(arch, std::filesystem::absolute(args.kernel), std::filesystem::absolute(args.vmlinux),
                                      args.module.empty() ? std::filesystem::path() : std::filesystem::absolute(args.module));
  reporter.Stop();
  return Finish({result}, args.common, options);
}

}  // namespace harness
