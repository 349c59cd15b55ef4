#pragma once
// Reads a failed kernel build's log and says where it broke: the first error line and the
// kbuild step (CC, LD, BTF, BTFIDS, KSYMS ...) that was running.
#include <cstddef>
#include <string>
#include <string_view>

namespace harness {

struct BuildDiagnosis {
  std::string step;         // "LD", "BTF", "CC" ...; empty if no kbuild step line came first
  std::string step_target;  // what that step was making, e.g. ".tmp_vmlinux.kallsyms1"
  std::string first_error;  // the first error line, printable
  int error_line = 0;       // 1-based line number in the log, 0 if none found
  // link-vmlinux.sh in 6.1 runs gen_btf inside `if !`, so pahole/objcopy failures surface at a
  // later LD/BTFIDS step; this is set when the evidence points back at BTF generation.
  bool btf_generation = false;
  // Set when the log says the machine, not the kernel, failed the build: the disk filled up, a
  // build tool (cc1, pahole, ld, objcopy, resolve_btfids ...) was killed by SIGKILL (the OOM
  // killer) or memory ran out. The line, printable, and its number.
  std::string machine_failure;
  int machine_failure_line = 0;

  std::string Summary() const;  // "BTF generation (at LD .tmp_vmlinux.kallsyms1): ld: ..."
};

BuildDiagnosis DiagnoseBuildLog(std::string_view log);

// kbuild's quiet command lines: two spaces, an upper-case tag of 2..10 characters, padding, the
// target ("  LD      .tmp_vmlinux.kallsyms1"). The target holds no CR or LF. True, with the tag
// and the target, for such a line.
bool ParseStepLine(std::string_view line, std::string* step, std::string* target);

// How many such step lines a log holds: a build's size, for the next build's share done.
std::size_t CountStepLines(std::string_view log);

}  // namespace harness
