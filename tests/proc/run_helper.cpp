// Runs its arguments through the real ProcessRunner, as the harness runs make or QEMU, so a test
// can SIGKILL this process mid-Run and then look for leftovers in the process table.
#include <cstdio>
#include <string>
#include <vector>

#include "harness/proc/runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  harness::ProcessResult result = harness::MakeRealRunner()->Run({.argv = args});
  std::printf("%s\n", result.Describe().c_str());
  return 0;
}
