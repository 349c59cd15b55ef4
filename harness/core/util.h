#pragma once
// Small file and string helpers shared by every module.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

class Host;

// This harness binary's path, for the commands it prints or runs again (a bisect's steps, its
// reproduce command, the tree import's filter). When the binary was rebuilt while it runs, the
// kernel's link names the old file "<path> (deleted)": the path is the rebuilt one's.
std::filesystem::path SelfPath();

// Whole-file I/O; all throw HarnessError naming the path and the OS error (a full disk says so).
// Both writers create the parent directories.
std::string ReadFile(const std::filesystem::path& path);
// A file mapped read-only: nothing is copied, pages are read as they are touched (the probe's
// record fills the first ~1-70 MiB of its disk; the rest is never read). Empty files give an
// empty span. The file must not shrink while mapped (the harness maps only its own files).
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);  // throws HarnessError naming it
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};
void WriteFile(const std::filesystem::path& path, std::string_view data);
// Throws HarnessError("cannot write 'PATH': ...") for errno `error`; a full disk says so and
// what to do. For writers outside this file (the process runner's logs).
[[noreturn]] void ThrowWriteError(const std::filesystem::path& path, int error);

// For results other tools read (results.json, junit.xml): readers see the old file or the whole
// new one, never a half-written one, even if the disk fills or the harness dies mid-write.
// Writes a temporary file in the same directory, fsyncs it and renames it over `path`.
void WriteFileAtomic(const std::filesystem::path& path, std::string_view data);

std::string_view Trim(std::string_view text);
std::vector<std::string> SplitLines(std::string_view text);
bool StartsWith(std::string_view text, std::string_view prefix);
// "a, b, c" from {"a", "b", "c"} and ", ".
std::string Join(const std::vector<std::string>& words, std::string_view separator);

// Quotes one argument for a POSIX shell only when it needs it.
std::string ShellQuote(std::string_view arg);
std::string ShellJoin(const std::vector<std::string>& argv);

// A value for a QEMU option list (`-drive file=VALUE,format=raw`): QEMU splits on ',' and reads
// ',,' as a literal comma, so an output path with a comma would otherwise break the option.
std::string QemuOptionValue(std::string_view value);

// Replaces non-printable and non-ASCII bytes with \xNN so untrusted output is safe to show.
std::string Printable(std::string_view bytes);

// `xxd`-style dump of bytes [begin, end) of data, offsets relative to the start of data.
std::string HexDump(std::span<const std::uint8_t> data, std::size_t begin, std::size_t end);

// "0x1f" for numbers (addresses, offsets, flags).
std::string HexNumber(std::uint64_t value);

// Lower-case hex of bytes.
std::string ToHex(std::span<const std::uint8_t> bytes);

// SHA-256 of data as lower-case hex (OpenSSL's libcrypto).
std::string Sha256Hex(std::string_view data);
// The file's SHA-256 in hex, read in 1 MiB pieces; nullopt when it cannot be read.
std::optional<std::string> Sha256OfFile(const std::filesystem::path& path);

// Finds an executable on PATH; empty when missing.
std::filesystem::path FindProgram(std::string_view name);

// $XDG_CACHE_HOME/harness or ~/.cache/harness, unless HARNESS_CACHE is set (empty values count
// as unset; without HOME, /tmp/.cache/harness).
std::filesystem::path DefaultCacheDir(const Host& host);
// The cache a command uses: --cache when given (`flag`), else DefaultCacheDir; made absolute, as
// the cells' children run in other directories.
std::filesystem::path ResolveCacheDir(const std::string& flag, const Host& host);

// Seconds since an arbitrary epoch, for stage timings.
double NowSeconds();

// The wall-clock time now, formatted by strftime: in UTC ("2026-12-02T00:45:10Z" with
// "%Y-%m-%dT%H:%M:%SZ") or in the local time zone (for people: a lock's holder).
enum class TimeZone { kUtc, kLocal };
std::string FormatNow(TimeZone zone, const char* strftime_format);

}  // namespace harness
