#include "harness/core/util.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "harness/core/error.h"
#include "harness/results/results.h"
#include "tests/support/fake_host.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::string ErrorOf(void (*write)(const fs::path&, std::string_view), const fs::path& path, std::string_view data) {
  try {
    write(path, data);
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

class WriteFileTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (mounted_) ::umount2((dir_ / "small").c_str(), MNT_DETACH);
  }

  // A 64 KiB tmpfs under dir_, or skips (the mount needs CAP_SYS_ADMIN).
  fs::path SmallDisk() {
    fs::create_directories(dir_ / "small");
    if (::mount("tmpfs", (dir_ / "small").c_str(), "tmpfs", 0, "size=64k") != 0) return {};
    mounted_ = true;
    return dir_ / "small";
  }

  testing::TempDir dir_{"harness-util"};
  bool mounted_ = false;
};

// Given files of several sizes (empty, under and over the 64 KiB read step, binary), ReadFile and
// MappedFile should both give every byte, and ReadFile a /proc file whose size stat does not tell;
// a missing file is a HarnessError.
TEST_F(WriteFileTest, ReadersReturnEveryByte) {
  for (std::size_t size : {0u, 1u, 65535u, 65536u, 65537u, 3u << 20}) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i * 131 + 7);
    const fs::path path = dir_ / ("blob-" + std::to_string(size));
    WriteFile(path, data);
    EXPECT_EQ(ReadFile(path), data);
    const MappedFile mapped(path);
    EXPECT_EQ(std::string(mapped.bytes().begin(), mapped.bytes().end()), data) << size;
  }
  EXPECT_NE(ReadFile("/proc/self/status").find("Pid:"), std::string::npos);
  EXPECT_THROW(MappedFile(dir_ / "missing"), HarnessError);
}

TEST_F(WriteFileTest, BothWritersCreateParentsAndReplaceContent) {
  for (auto write : {&WriteFile, &WriteFileAtomic}) {
    const fs::path path = dir_ / "a" / "b" / "results.json";
    write(path, "old");
    write(path, "new");
    EXPECT_EQ(ReadFile(path), "new");
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::others_read);
    fs::remove_all(dir_ / "a");
  }
}

// A full disk is named as such (the harness's error, never a cell verdict, never "internal").
TEST_F(WriteFileTest, FullDiskIsNamed) {
  EXPECT_EQ(ErrorOf(&WriteFile, "/dev/full", "x"),
            "cannot write '/dev/full': the disk is full (No space left on device); free some space on it and run again");
}

// Given a parent that is a file, it should say so rather than throw filesystem_error.
TEST_F(WriteFileTest, UncreatableParentIsAHarnessError) {
  WriteFile(dir_ / "file", "x");
  for (auto write : {&WriteFile, &WriteFileAtomic}) {
    EXPECT_EQ(ErrorOf(write, dir_ / "file" / "results.json", "x").rfind("cannot create directory '" + (dir_ / "file").string() + "'", 0), 0u);
  }
}

// Given a disk that fills mid-write, the previous results.json should stay whole and no
// temporary file should be left behind.
TEST_F(WriteFileTest, AtomicWriteOnAFullDiskKeepsTheOldFile) {
  const fs::path disk = SmallDisk();
  if (disk.empty()) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  const fs::path path = disk / "results.json";
  WriteFileAtomic(path, "{\"old\": true}\n");
  const std::string big(256 << 10, 'x');
  EXPECT_EQ(ErrorOf(&WriteFileAtomic, path, big),
            "cannot write '" + path.string() + "': the disk is full (No space left on device); free some space on it "
            "and run again");
  EXPECT_EQ(ReadFile(path), "{\"old\": true}\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(disk), fs::directory_iterator()), 1);
}

TEST(QemuOptionValueTest, DoublesCommas) {
  EXPECT_EQ(QemuOptionValue("/o/disk.raw"), "/o/disk.raw");
  EXPECT_EQ(QemuOptionValue("/a,b/,,c"), "/a,,b/,,,,c");
}

TEST(ShellQuoteTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellQuote("make"), "make");
  EXPECT_EQ(ShellQuote("O=/tmp/a b"), "'O=/tmp/a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

TEST(PrintableTest, EscapesControlAndHighBytes) {
  EXPECT_EQ(Printable(std::string("a\x1b[0m\xff", 6)), "a\\x1b[0m\\xff");
}

TEST(HexDumpTest, AlignsToSixteenBytes) {
  std::vector<std::uint8_t> data(40);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  std::string dump = HexDump(data, 17, 20);
  EXPECT_EQ(dump.substr(0, 12), "00000010: 10");
  EXPECT_EQ(SplitLines(dump).size(), 1u);
}

// Given HARNESS_CACHE, XDG_CACHE_HOME and HOME in that order of precedence (an empty value as
// unset), it should pick the cache from the first that is set.
TEST(DefaultCacheDirTest, HonoursHarnessCacheThenXdgThenHome) {
  FakeHost host;
  EXPECT_EQ(DefaultCacheDir(host), "/tmp/.cache/harness") << "nothing set";
  host.env["HOME"] = "/home/k";
  EXPECT_EQ(DefaultCacheDir(host), "/home/k/.cache/harness");
  host.env["XDG_CACHE_HOME"] = "";
  EXPECT_EQ(DefaultCacheDir(host), "/home/k/.cache/harness");
  host.env["XDG_CACHE_HOME"] = "/xdg";
  EXPECT_EQ(DefaultCacheDir(host), "/xdg/harness");
  host.env["HARNESS_CACHE"] = "";
  EXPECT_EQ(DefaultCacheDir(host), "/xdg/harness");
  host.env["HARNESS_CACHE"] = "/c";
  EXPECT_EQ(DefaultCacheDir(host), "/c");
}

TEST(Sha256Test, KnownVector) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(VerdictTest, TokensAreDistinct) {
  std::set<std::string> tokens;
  for (int v = 0; v <= static_cast<int>(Verdict::kBadRecord); ++v) {
    EXPECT_TRUE(tokens.insert(VerdictToken(static_cast<Verdict>(v))).second);
  }
}

// Given a strftime format, it should give the time in that shape, in UTC or local time, and
// an empty string (never stale buffer bytes) when the result would not fit.
TEST(FormatNowTest, FormatsInEitherZoneAndNeverOverruns) {
  const std::string utc = FormatNow(TimeZone::kUtc, "%Y-%m-%dT%H:%M:%SZ");
  ASSERT_EQ(utc.size(), 20u) << utc;
  EXPECT_EQ(utc[4], '-');
  EXPECT_EQ(utc[10], 'T');
  EXPECT_EQ(utc.back(), 'Z');
  EXPECT_EQ(FormatNow(TimeZone::kLocal, "%Y").size(), 4u);
  EXPECT_EQ(FormatNow(TimeZone::kUtc, std::string(100, 'x').c_str()), "");
}

}  // namespace
}  // namespace harness
