#include "harness/image/initramfs.h"

#include <sys/stat.h>

#include <cstdio>
#include <utility>

#include "harness/core/error.h"

namespace harness {
namespace {

// One newc header: magic, then 13 fields of 8 upper-case hex digits (as gen_init_cpio writes).
struct NewcHeader {
  std::uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0, mtime = 0, filesize = 0;
  std::uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0, namesize = 0, check = 0;
};

void Pad4(std::string& out) {
  while (out.size() % 4 != 0) out += '\0';
}

void Append(std::string& out, const NewcHeader& h, const std::string& name,
            const std::string& data) {
  char buf[111];
  std::snprintf(buf, sizeof buf,
                "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", h.ino, h.mode,
                h.uid, h.gid, h.nlink, h.mtime, h.filesize, h.devmajor, h.devminor, h.rdevmajor,
                h.rdevminor, h.namesize, h.check);
  out.append(buf, 110);
  out += name;
  out += '\0';
  Pad4(out);  // the archive so far is 4-aligned, so this pads header + name
  out += data;
  Pad4(out);
}

}  // namespace

std::string WriteNewcCpio(const std::vector<CpioEntry>& entries) {
  std::string out;
  std::uint32_t ino = 0;
  for (const auto& entry : entries) {
    ++ino;
    if (entry.name.empty() || entry.name.front() == '/') {
      throw HarnessError("initramfs entry name '" + entry.name +
                         "' must be non-empty and relative");
    }
    if (!S_ISREG(entry.mode) && !entry.data.empty()) {
      throw HarnessError("initramfs entry '" + entry.name + "' has data but is not a regular file");
    }
    if (entry.data.size() > 0xffffffffu) {
      throw HarnessError("initramfs entry '" + entry.name + "' is too large for newc (4 GiB)");
    }
    NewcHeader h;
    h.ino = ino;
    h.mode = entry.mode;
    h.nlink = S_ISDIR(entry.mode) ? 2 : 1;
    h.filesize = static_cast<std::uint32_t>(entry.data.size());
    if (S_ISCHR(entry.mode) || S_ISBLK(entry.mode)) {
      h.rdevmajor = entry.rdev_major;
      h.rdevminor = entry.rdev_minor;
    }
    h.namesize = static_cast<std::uint32_t>(entry.name.size() + 1);
    Append(out, h, entry.name, entry.data);
  }
  NewcHeader trailer;
  trailer.nlink = 1;
  trailer.namesize = sizeof "TRAILER!!!";
  Append(out, trailer, "TRAILER!!!", "");
  return out;
}

std::string ProbeInitramfs(const std::string& probe_binary, const std::string& module_ko) {
  if (probe_binary.empty()) throw HarnessError("the probe binary for the initramfs is empty");
  auto entry = [](std::string name, std::uint32_t mode) {
    CpioEntry e;
    e.name = std::move(name);
    e.mode = mode;
    return e;
  };
  // The kernel opens /dev/console for init's stdio before anything can mount devtmpfs.
  CpioEntry console = entry("dev/console", S_IFCHR | 0600);
  console.rdev_major = 5;
  console.rdev_minor = 1;
  CpioEntry init = entry("init", S_IFREG | 0755);
  init.data = probe_binary;
  std::vector<CpioEntry> entries = {entry("dev", S_IFDIR | 0755), console, entry("proc", S_IFDIR | 0755),
                                    entry("sys", S_IFDIR | 0755), init};
  if (!module_ko.empty()) {
    CpioEntry module = entry("btfmod.ko", S_IFREG | 0644);
    module.data = module_ko;
    entries.push_back(std::move(module));
  }
  return WriteNewcCpio(entries);
}

}  // namespace harness
