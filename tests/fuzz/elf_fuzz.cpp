// libFuzzer target: the vmlinux/.BTF inspector on arbitrary file contents. The bytes go to a
// memfd, so the inspector reads them through its real path (open, libelf, libbpf) without
// touching the disk; BuildIdFromNotes gets them raw, in both byte orders.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/core/error.h"
#include "harness/elf/inspector.h"

namespace {

int MemFd() {
  static const int fd = memfd_create("harness-fuzz-vmlinux", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = MemFd();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    const harness::VmlinuxInfo info = harness::InspectVmlinux(path);
    // Whatever the bytes, the verdict must be usable: fatal means there is a problem to show.
    if (info.fatal && info.problems.empty()) std::abort();
  } catch (const harness::HarnessError&) {
    std::abort();  // the file is there and readable: bad content must not become an error
  }
  const std::vector<std::uint8_t> notes(data, data + size);
  (void)harness::BuildIdFromNotes(notes, harness::Endian::kLittle);
  (void)harness::BuildIdFromNotes(notes, harness::Endian::kBig);
  return 0;
}
