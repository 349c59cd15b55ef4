// Given the probe initramfs, the system's GNU cpio should read it back: a check against the real
// tool, so an integration test (initramfs_test.cpp checks the bytes without it).
#include "harness/image/initramfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

// Given the probe initramfs, GNU cpio should list every entry with the right type and mode.
TEST(ProbeInitramfs, ListsWithGnuCpio) {
  if (FindProgram("cpio").empty()) GTEST_SKIP() << "cpio is not on PATH";
  const testing::TempDir dir("harness-initramfs");
  const auto archive = dir / "init.cpio";
  WriteFile(archive, ProbeInitramfs(std::string(5000, 'p')));

  const std::string command =
      "cpio -itv --quiet < " + ShellQuote(archive.string()) + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string listing;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) listing.append(buf, n);
  const int status = pclose(pipe);
  ASSERT_EQ(status, 0) << listing;

  // e.g. "crw-------   1 root     root       5,   1 Jan  1  1970 dev/console"
  auto lines = SplitLines(listing);
  ASSERT_EQ(lines.size(), 5u) << listing;
  auto words = [](const std::string& line) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while ((pos = line.find_first_not_of(' ', pos)) != std::string::npos) {
      auto end = line.find(' ', pos);
      out.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    return out;
  };
  EXPECT_EQ(words(lines[0]).front(), "drwxr-xr-x");
  EXPECT_EQ(words(lines[0]).back(), "dev");
  auto console = words(lines[1]);
  EXPECT_EQ(console.front(), "crw-------");
  EXPECT_EQ(console.back(), "dev/console");
  EXPECT_THAT(lines[1], HasSubstr(" 5,   1 "));
  EXPECT_EQ(words(lines[2]).front(), "drwxr-xr-x");
  EXPECT_EQ(words(lines[2]).back(), "proc");
  EXPECT_EQ(words(lines[3]).front(), "drwxr-xr-x");
  EXPECT_EQ(words(lines[3]).back(), "sys");
  auto init = words(lines[4]);
  EXPECT_EQ(init.front(), "-rwxr-xr-x");
  EXPECT_EQ(init.back(), "init");
  EXPECT_THAT(lines[4], HasSubstr(" 5000 "));
}

}  // namespace
}  // namespace harness
