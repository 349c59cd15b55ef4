#pragma once
// Writes the guest's initramfs: a newc cpio holding /dev/console (c 5 1), /dev, /proc, /sys and
// the probe as /init. No root needed: device nodes are just headers in the archive.
#include <cstdint>
#include <string>
#include <vector>

namespace harness {

struct CpioEntry {
  std::string name;            // without leading '/', e.g. "init", "dev/console"
  std::uint32_t mode = 0;      // full st_mode, e.g. S_IFREG | 0755, S_IFCHR | 0600, S_IFDIR | 0755
  std::uint32_t rdev_major = 0, rdev_minor = 0;
  std::string data;            // file contents (regular files only)
};

// The newc archive for entries, with the TRAILER!!! record; deterministic (mtime 0, inode by order).
std::string WriteNewcCpio(const std::vector<CpioEntry>& entries);

// The standard probe initramfs around a static probe binary, with the test module as /btfmod.ko
// when `module_ko` is not empty (the probe loads it; see images/probe.c).
std::string ProbeInitramfs(const std::string& probe_binary, const std::string& module_ko = {});

}  // namespace harness
