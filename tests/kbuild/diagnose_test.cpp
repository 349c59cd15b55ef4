#include "harness/kbuild/diagnose.h"

#include <gtest/gtest.h>

#include "harness/core/util.h"

namespace harness {
namespace {

BuildDiagnosis Diagnose(const std::string& name) {
  return DiagnoseBuildLog(ReadFile(std::string(HARNESS_TEST_DATA) + "/kbuild-logs/" + name));
}

TEST(DiagnoseBuildLogTest, CompilerErrorNamesStepAndLine) {
  BuildDiagnosis d = Diagnose("cc-error.log");
  EXPECT_EQ(d.step, "CC");
  EXPECT_EQ(d.step_target, "kernel/fork.o");
  EXPECT_EQ(d.first_error, "kernel/fork.c:2102:17: error: 'struct task_struct' has no member named 'bogus'");
  EXPECT_EQ(d.error_line, 7);
  EXPECT_FALSE(d.btf_generation);
}

// Given objcopy failing inside gen_btf, it should point at BTF generation, not at the later LD.
TEST(DiagnoseBuildLogTest, ObjcopyFailureInsideGenBtf) {
  BuildDiagnosis d = Diagnose("btf-objcopy-surfaces-at-ld.log");
  EXPECT_EQ(d.step, "BTF");
  EXPECT_TRUE(d.btf_generation);
  EXPECT_EQ(d.first_error, "aarch64-linux-gnu-objcopy: .btf.vmlinux.bin.o: invalid bfd target");
  EXPECT_EQ(d.Summary().rfind("BTF generation: ", 0), 0u) << d.Summary();
}

// Given a silent gen_btf failure that only shows when LD reads its output, it should still
// blame BTF generation and say where it surfaced.
TEST(DiagnoseBuildLogTest, SilentGenBtfSurfacesAtLink) {
  BuildDiagnosis d = Diagnose("btf-silent-then-ld.log");
  EXPECT_EQ(d.step, "LD");
  EXPECT_EQ(d.step_target, ".tmp_vmlinux.kallsyms1");
  EXPECT_TRUE(d.btf_generation);
  EXPECT_NE(d.Summary().find("surfaced at LD .tmp_vmlinux.kallsyms1"), std::string::npos) << d.Summary();
}

TEST(DiagnoseBuildLogTest, BtfidsFailure) {
  BuildDiagnosis d = Diagnose("btfids-error.log");
  EXPECT_EQ(d.step, "BTFIDS");
  EXPECT_EQ(d.first_error, "FAILED: load BTF from vmlinux: No data available");
}

TEST(DiagnoseBuildLogTest, FallsBackToMakesOwnError) {
  BuildDiagnosis d = Diagnose("only-make-error.log");
  EXPECT_EQ(d.first_error, "make[1]: *** No rule to make target 'arch/x86/boot/bzImagex'.  Stop.");
  EXPECT_EQ(d.error_line, 2);
}

// Given a full disk or a compiler killed by the OOM killer, it should name the machine's failure
// (the pipeline makes that a harness error, never a verdict on the kernel).
TEST(DiagnoseBuildLogTest, MachineFailuresAreNamed) {
  BuildDiagnosis d = DiagnoseBuildLog(
      "  CC      kernel/fork.o\n"
      "kernel/fork.c:1: fatal error: error writing to /tmp/ccX.s: No space left on device\n"
      "make: *** [Makefile:1] Error 1\n");
  EXPECT_EQ(d.machine_failure, "kernel/fork.c:1: fatal error: error writing to /tmp/ccX.s: No space left on device");
  EXPECT_EQ(d.machine_failure_line, 2);
  d = DiagnoseBuildLog("  CC      mm/slub.o\ns390x-linux-gnu-gcc: fatal error: Killed signal terminated program cc1\n");
  EXPECT_EQ(d.machine_failure_line, 2);
  d = DiagnoseBuildLog("  CC      kernel/fork.o\nkernel/fork.c:1:1: error: expected ';'\n");
  EXPECT_TRUE(d.machine_failure.empty()) << "a compiler error is the kernel's";
  EXPECT_EQ(d.machine_failure_line, 0);
}

// Given pahole killed by SIGKILL (the OOM killer) inside gen_btf, where dash says only "Killed"
// and the build fails later at BTFIDS, it should name the kill as the machine's failure.
TEST(DiagnoseBuildLogTest, PaholeKilledInsideGenBtfIsAMachineFailure) {
  BuildDiagnosis d = Diagnose("pahole-oom-killed.log");
  EXPECT_EQ(d.machine_failure, "Killed");
  EXPECT_EQ(d.machine_failure_line, 7);
}

// Given ld killed under bash (which names the pid and command) and make's "Error 137" (128 +
// SIGKILL), it should name the kill.
TEST(DiagnoseBuildLogTest, LdKilledInLinkVmlinuxIsAMachineFailure) {
  BuildDiagnosis d = Diagnose("ld-oom-killed.log");
  EXPECT_EQ(d.machine_failure_line, 7);
  EXPECT_EQ(d.machine_failure.rfind("scripts/link-vmlinux.sh: line 95: 48213 Killed", 0), 0u) << d.machine_failure;
}

// Given objcopy run straight from a recipe and killed, make itself says "Killed".
TEST(DiagnoseBuildLogTest, ToolKilledUnderMakeIsAMachineFailure) {
  BuildDiagnosis d = Diagnose("objcopy-oom-killed-by-make.log");
  EXPECT_EQ(d.machine_failure_line, 6);
  d = DiagnoseBuildLog("  BTFIDS  vmlinux\nmake[2]: *** [scripts/Makefile.vmlinux:34: vmlinux] Error 137\n");
  EXPECT_EQ(d.machine_failure_line, 2) << "exit status 137 is a shell's report of a child killed by SIGKILL";
}

// Given pahole that exits 1 on its own (no signal), it should stay the kernel's build failure.
TEST(DiagnoseBuildLogTest, PaholeExitingOneIsNotAMachineFailure) {
  BuildDiagnosis d = Diagnose("pahole-exit-1.log");
  EXPECT_TRUE(d.machine_failure.empty()) << d.machine_failure;
  EXPECT_TRUE(d.btf_generation);
  // Words that merely contain "Killed" or "137" are not a kill.
  d = DiagnoseBuildLog("  CC      kernel/exit.o\nkernel/exit.c:9:5: error: 'Killed' undeclared\n"
                       "  CC      kernel/x.o\nkernel/x.c:137: error: Error 1370\n"
                       "make[2]: *** [scripts/Makefile.build:250: kernel/exit.o] Error 1\n");
  EXPECT_TRUE(d.machine_failure.empty()) << d.machine_failure;
}

TEST(DiagnoseBuildLogTest, EmptyAndBinaryLogsDoNotCrash) {
  EXPECT_EQ(DiagnoseBuildLog("").error_line, 0);
  std::string garbage(4096, '\xff');
  garbage[100] = '\n';
  garbage[200] = '\0';
  EXPECT_EQ(DiagnoseBuildLog(garbage).error_line, 0);
}

// Given a 1 MB line (once a stack overflow in std::regex), it should scan it like any other.
TEST(DiagnoseBuildLogTest, MegabyteLinesAreScannedWithoutRecursion) {
  const std::string long_target(1 << 20, 'x');
  BuildDiagnosis d = DiagnoseBuildLog("  LD      " + long_target + "\n" + std::string(1 << 20, 'y') +
                                      " error: too long\n");
  EXPECT_EQ(d.step, "LD");
  EXPECT_EQ(d.step_target, long_target);
  EXPECT_EQ(d.error_line, 2);
  EXPECT_EQ(DiagnoseBuildLog(std::string(1 << 20, ' ')).error_line, 0);
}

// Given lines that only look like kbuild steps or errors, it should not take them for ones.
TEST(DiagnoseBuildLogTest, StepAndErrorLinesNeedTheirExactShape) {
  EXPECT_EQ(DiagnoseBuildLog("  CC      a.o\nterror x\n").error_line, 0) << "'error' is a whole word";
  EXPECT_EQ(DiagnoseBuildLog("  CC      a.o\nld: Error_x\n").error_line, 0);
  EXPECT_EQ(DiagnoseBuildLog("ld: ERROR: x\n").error_line, 1) << "any case";
  EXPECT_EQ(DiagnoseBuildLog("gen: Cannot open\n").error_line, 1);
  BuildDiagnosis d = DiagnoseBuildLog("  C       one-letter-tag\n  ABCDEFGHIJK eleven\n  cc lower\n"
                                      "  LD\ttab\n  LD      a\rb\nerror\n");
  EXPECT_EQ(d.step, "");
  d = DiagnoseBuildLog("  BTFIDS_9  vmlinux\nerror\n");
  EXPECT_EQ(d.step, "BTFIDS_9");
  EXPECT_EQ(d.step_target, "vmlinux");
}
}  // namespace
}  // namespace harness
