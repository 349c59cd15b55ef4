#include "harness/core/util.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness/core/error.h"
#include "harness/core/host.h"

namespace harness {

std::filesystem::path SelfPath() {
  std::string path = std::filesystem::read_symlink("/proc/self/exe").string();
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  return path;
}

// One allocation of the file's size, then read() into it (a stream's doubling buffer copied a
// multi-megabyte build log several times).
std::string ReadFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw HarnessError("cannot read '" + path.string() + "': " + std::strerror(errno));
  std::string data;
  struct stat st {};
  // One byte more than the size, so the read that finds the end needs no reallocation.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) data.reserve(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    // Grows past the size fstat gave when the file is still being written (a live log).
    if (data.size() == used) data.resize(std::max<std::size_t>(used + (64 << 10), data.capacity()));
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw HarnessError("cannot read '" + path.string() + "': " + std::strerror(error));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(used);
  return data;
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw HarnessError("cannot read '" + path.string() + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw HarnessError("cannot map '" + path.string() + "': not a regular file");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw HarnessError("cannot map '" + path.string() + "': " + std::strerror(error));
    }
    data_ = static_cast<const std::uint8_t*>(map);
  }
  ::close(fd);  // the mapping keeps the file
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

void ThrowWriteError(const std::filesystem::path& path, int error) {
  if (error == ENOSPC || error == EDQUOT) {
    throw HarnessError("cannot write '" + path.string() + "': the disk is full (" + std::strerror(error) +
                       "); free some space on it and run again");
  }
  throw HarnessError("cannot write '" + path.string() + "': " + std::strerror(error));
}

namespace {

void CreateParent(const std::filesystem::path& path) {
  if (!path.has_parent_path()) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    throw HarnessError("cannot create directory '" + path.parent_path().string() + "': " + ec.message());
  }
}

// write(2) until done; returns 0 or the errno of the failure.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

}  // namespace

void WriteFile(const std::filesystem::path& path, std::string_view data) {
  CreateParent(path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ThrowWriteError(path, errno);
  int error = WriteAll(fd, data);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) ThrowWriteError(path, error);
}

void WriteFileAtomic(const std::filesystem::path& path, std::string_view data) {
  CreateParent(path);
  // In the same directory, so the rename cannot cross file systems; hidden, so a glob over the
  // output directory does not pick it up.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) ThrowWriteError(path, errno);
  int error = WriteAll(fd, data);
  // mkostemp creates 0600; results are for everyone to read, like WriteFile's.
  if (error == 0 && ::fchmod(fd, 0644) != 0) error = errno;
  // Delayed allocation can report a full disk only here.
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    ThrowWriteError(path, error);
  }
  // Makes the rename itself durable; the data is already safe, so a failure here is not fatal.
  if (int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::string_view Trim(std::string_view text) {
  const char* ws = " \t\r\n";
  auto begin = text.find_first_not_of(ws);
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(ws);
  return text.substr(begin, end - begin + 1);
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = nl + 1;
  }
  return lines;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string ShellQuote(std::string_view arg) {
  if (arg.empty()) return "''";
  bool plain = true;
  for (char c : arg) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%+=:,./_-", c))) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(arg);
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string Join(const std::vector<std::string>& words, std::string_view separator) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : std::string(separator)) + word;
  return out;
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    line += ShellQuote(arg);
  }
  return line;
}

std::string QemuOptionValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == ',') out += ',';
  }
  return out;
}

std::string Printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if ((c >= 0x20 && c < 0x7f) || c == '\t') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string HexDump(std::span<const std::uint8_t> data, std::size_t begin, std::size_t end) {
  std::string out;
  if (end > data.size()) end = data.size();
  begin -= begin % 16;
  for (std::size_t row = begin; row < end; row += 16) {
    char buf[24];  // room for all 16 hex digits a size_t may need, though rows stay below 2^32
    std::snprintf(buf, sizeof buf, "%08zx:", row);
    out += buf;
    std::string ascii;
    for (std::size_t i = row; i < row + 16; ++i) {
      if (i < data.size()) {
        std::snprintf(buf, sizeof buf, " %02x", data[i]);
        out += buf;
        ascii += (data[i] >= 0x20 && data[i] < 0x7f) ? static_cast<char>(data[i]) : '.';
      } else {
        out += "   ";
      }
    }
    out += "  " + ascii + "\n";
  }
  return out;
}

std::string HexNumber(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw HarnessError("SHA-256 failed in libcrypto");
  }
  return ToHex({digest, length});
}

std::optional<std::string> Sha256OfFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw HarnessError("SHA-256 failed in libcrypto");
  std::vector<char> buffer(1 << 20);  // streamed: a 64 MiB vmlinux never sits in memory whole
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount())) != 1) {
      throw HarnessError("SHA-256 failed in libcrypto");
    }
  }
  if (in.bad()) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) throw HarnessError("SHA-256 failed in libcrypto");
  return ToHex({digest, length});
}

std::filesystem::path FindProgram(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path p(name);
    return ::access(p.c_str(), X_OK) == 0 ? p : std::filesystem::path();
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string_view dir = dirs.substr(0, colon);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) {
      return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return {};
}

std::filesystem::path DefaultCacheDir(const Host& host) {
  auto non_empty = [&](std::string_view name) {
    auto value = host.Env(name);
    return value && !value->empty() ? value : std::nullopt;
  };
  if (auto cache = non_empty("HARNESS_CACHE")) return *cache;
  if (auto xdg = non_empty("XDG_CACHE_HOME")) return std::filesystem::path(*xdg) / "harness";
  return std::filesystem::path(non_empty("HOME").value_or("/tmp")) / ".cache" / "harness";
}

std::filesystem::path ResolveCacheDir(const std::string& flag, const Host& host) {
  return std::filesystem::absolute(flag.empty() ? DefaultCacheDir(host) : std::filesystem::path(flag));
}

double NowSeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string FormatNow(TimeZone zone, const char* strftime_format) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (zone == TimeZone::kUtc) gmtime_r(&now, &tm);
  else localtime_r(&now, &tm);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, strftime_format, &tm);
  return std::string(text, n);
}

}  // namespace harness
