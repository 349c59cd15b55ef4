#include "harness/elf/libbpf_btf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string_view>

#include "harness/core/endian.h"
#include "harness/core/fd.h"
#include "harness/core/util.h"

namespace harness {
namespace {

// libbpf reports why it rejects a blob through its print callback, which by default writes to
// stderr. Stages never print, so the messages are captured per thread into the caller's buffer.
thread_local std::string* libbpf_log = nullptr;

int CaptureLibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  // btf__new() explains rejections only at LIBBPF_DEBUG, so every level is kept.
  if (libbpf_log == nullptr) return 0;
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, args);
  std::string_view line = Trim(buf);
  if (!line.empty()) {
    if (!libbpf_log->empty()) libbpf_log->append("; ");
    libbpf_log->append(line);
  }
  return 0;
}

void InstallLibbpfCapture() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(CaptureLibbpfPrint); });
}

}  // namespace

void LibbpfBtfDeleter::operator()(struct btf* btf) const { btf__free(btf); }

namespace {

// The checks before libbpf, then `parse` with libbpf's messages captured into `error`.
template <typename Parse>
LibbpfBtf ParseCapturing(std::span<const std::uint8_t> blob, std::string& error, Parse parse) {
  if (blob.size() > UINT32_MAX) {
    error = "section too large for libbpf";
    return nullptr;
  }
  // libbpf 1.1 checks that type_off is 4-aligned but not hdr_len, and its types start at
  // hdr_len + type_off in its own (aligned) copy: an odd header length would have every type read
  // unaligned. The magic (0xeB9F in either byte order) says how to read the length.
  if (blob.size() >= 8) {
    const bool big = blob[0] == 0xeb && blob[1] == 0x9f;
    const std::uint32_t hdr_len = LoadU32(blob.subspan(4, 4), big ? Endian::kBig : Endian::kLittle);
    if (hdr_len % 4 != 0) {
      error = "BTF header length " + std::to_string(hdr_len) + " is not a multiple of 4";
      return nullptr;
    }
  }
  InstallLibbpfCapture();
  std::string log;
  libbpf_log = &log;
  struct btf* btf = parse(blob.data(), static_cast<std::uint32_t>(blob.size()));
  const long err = libbpf_get_error(btf);
  libbpf_log = nullptr;
  if (btf == nullptr || err != 0) {
    error = std::strerror(err != 0 ? static_cast<int>(-err) : EINVAL);
    if (!log.empty()) error += " (" + log + ")";
    return nullptr;
  }
  return LibbpfBtf(btf);
}

}  // namespace

LibbpfBtf ParseBtfWithLibbpf(std::span<const std::uint8_t> blob, std::string& error) {
  return ParseCapturing(blob, error, [](const void* data, std::uint32_t size) { return btf__new(data, size); });
}

// libbpf 1.1 (Debian 12's) exports no btf__new_split for bytes in memory, only parsers of files:
// the bytes go to an anonymous memory file, read back through /proc/self/fd.
LibbpfBtf ParseSplitBtfWithLibbpf(std::span<const std::uint8_t> blob, struct btf* base, std::string& error) {
  return ParseCapturing(blob, error, [base](const void* data, std::uint32_t size) -> struct btf* {
    Fd fd(::memfd_create("harness-split-btf", MFD_CLOEXEC));
    if (fd.get() < 0) return nullptr;  // errno says why, as libbpf's own NULL returns do
    for (const auto* p = static_cast<const char*>(data); size > 0;) {
      const ssize_t n = ::write(fd.get(), p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) errno = EIO;
        return nullptr;
      }
      p += n;
      size -= static_cast<std::uint32_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd.get());
    return btf__parse_raw_split(path.c_str(), base);
  });
}

}  // namespace harness
