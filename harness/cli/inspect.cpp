// `harness inspect`: reads one vmlinux's .BTF section and reports what is wrong with it.
#include <iostream>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/elf/inspector.h"
#include "harness/report/report.h"
#include "harness/verify/verify.h"

namespace harness {

CLI::App* AddInspect(CLI::App& app, InspectArgs& args) {
  CLI::App* inspect = app.add_subcommand("inspect", "read a vmlinux's .BTF section and check it");
  inspect->add_option("vmlinux", args.vmlinux, "the vmlinux ELF")->required();
  inspect->add_flag("--json", args.json, "print JSON");
  inspect->add_option("--arch", args.arch, "flag a vmlinux that is not of this arch");
  inspect->add_option("--module", args.modules,
                      "also read this kernel module's .BTF (split BTF) on top of the vmlinux's; repeatable");
  return inspect;
}

int InspectCommand(const InspectArgs& args) {
  VmlinuxInfo info = InspectVmlinux(args.vmlinux);  // throws for a file that cannot be read
  if (!info.is_elf && !ClaimsToBeElf(args.vmlinux)) {
    throw HarnessError((info.problems.empty() ? "'" + args.vmlinux + "' is not an ELF file" : info.problems.front()) +
                       "; inspect reads the vmlinux (an ELF file) a kernel build leaves in its build directory");
  }
  if (!args.arch.empty()) {
    if (auto wrong = CheckVmlinuxArch(ArchNamed(args.arch), info); !wrong.empty()) {
      info.problems.insert(info.problems.begin(), wrong);
    }
  }
  std::vector<ModuleBtfInfo> modules;
  bool modules_ok = true;
  for (const auto& ko : args.modules) {
    modules.push_back(InspectModuleBtf(ko, info));  // throws for a file that cannot be read
    if (!modules.back().is_elf) {
      throw HarnessError("'" + ko + "' is not an ELF file; --module reads a kernel module (.ko)");
    }
    modules_ok = modules_ok && modules.back().problems.empty();
  }
  if (args.json) {
    std::cout << InspectionJson(info, modules);
  } else {
    PrintInspection(std::cout, info);
    for (const auto& m : modules) PrintModuleInspection(std::cout, m);
  }
  return info.problems.empty() && modules_ok ? kExitPass : kExitCellFailed;
}

}  // namespace harness
