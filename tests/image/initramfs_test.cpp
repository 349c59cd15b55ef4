#include "harness/image/initramfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/core/error.h"
#include "harness/core/util.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

// One parsed newc header, as read back from the archive bytes.
struct Parsed {
  std::uint32_t fields[13];
  std::string name;
  std::string data;
  std::size_t header_offset;
};

std::uint32_t Hex8(const std::string& archive, std::size_t at) {
  return static_cast<std::uint32_t>(std::stoul(archive.substr(at, 8), nullptr, 16));
}

// A strict newc reader for the tests; fails the test on any layout error.
std::vector<Parsed> ParseNewc(const std::string& archive) {
  std::vector<Parsed> entries;
  std::size_t pos = 0;
  for (;;) {
    EXPECT_EQ(pos % 4, 0u) << "header not 4-aligned at " << pos;
    if (pos + 110 > archive.size()) {
      ADD_FAILURE() << "archive ends inside a header at " << pos;
      return entries;
    }
    Parsed p;
    p.header_offset = pos;
    EXPECT_EQ(archive.substr(pos, 6), "070701");
    for (int i = 0; i < 13; ++i) {
      for (char c : archive.substr(pos + 6 + 8 * i, 8)) {
        EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c))) << "field " << i << " at " << pos;
      }
      p.fields[i] = Hex8(archive, pos + 6 + 8 * i);
    }
    const std::uint32_t namesize = p.fields[11], filesize = p.fields[6];
    EXPECT_GE(namesize, 2u);
    EXPECT_EQ(archive[pos + 110 + namesize - 1], '\0') << "name lacks its NUL";
    p.name = archive.substr(pos + 110, namesize - 1);
    std::size_t data_at = pos + 110 + namesize;
    while (data_at % 4) {
      EXPECT_EQ(archive[data_at], '\0') << "name padding not zero";
      ++data_at;
    }
    p.data = archive.substr(data_at, filesize);
    pos = data_at + filesize;
    while (pos % 4) {
      EXPECT_EQ(archive[pos], '\0') << "data padding not zero";
      ++pos;
    }
    entries.push_back(p);
    if (p.name == "TRAILER!!!") break;
  }
  EXPECT_EQ(pos, archive.size()) << "bytes after the trailer";
  return entries;
}

CpioEntry Entry(std::string name, std::uint32_t mode, std::string data = "",
                std::uint32_t major = 0, std::uint32_t minor = 0) {
  CpioEntry e;
  e.name = std::move(name);
  e.mode = mode;
  e.data = std::move(data);
  e.rdev_major = major;
  e.rdev_minor = minor;
  return e;
}

enum Field { kIno, kMode, kUid, kGid, kNlink, kMtime, kFilesize, kDevMajor, kDevMinor,
             kRdevMajor, kRdevMinor, kNamesize, kCheck };

TEST(WriteNewcCpio, HeaderLayoutAndAlignment) {
  // Names and data of every length mod 4 exercise all padding cases.
  std::vector<CpioEntry> entries = {
      Entry("d", S_IFDIR | 0755),
      Entry("d/ab", S_IFREG | 0644, "x"),
      Entry("d/abc", S_IFREG | 0600, "xy"),
      Entry("d/abcd", S_IFREG | 0700, "xyz"),
      Entry("d/abcde", S_IFREG | 0755, "wxyz"),
      Entry("d/null", S_IFCHR | 0666, "", 1, 3),
  };
  const std::string archive = WriteNewcCpio(entries);
  EXPECT_EQ(archive.size() % 4, 0u);
  auto parsed = ParseNewc(archive);
  ASSERT_EQ(parsed.size(), entries.size() + 1);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(entries[i].name);
    EXPECT_EQ(parsed[i].name, entries[i].name);
    EXPECT_EQ(parsed[i].data, entries[i].data);
    EXPECT_EQ(parsed[i].fields[kIno], i + 1);
    EXPECT_EQ(parsed[i].fields[kMode], entries[i].mode);
    EXPECT_EQ(parsed[i].fields[kUid], 0u);
    EXPECT_EQ(parsed[i].fields[kGid], 0u);
    EXPECT_EQ(parsed[i].fields[kMtime], 0u);
    EXPECT_EQ(parsed[i].fields[kNlink], S_ISDIR(entries[i].mode) ? 2u : 1u);
    EXPECT_EQ(parsed[i].fields[kNamesize], entries[i].name.size() + 1);
    EXPECT_EQ(parsed[i].fields[kRdevMajor], entries[i].rdev_major);
    EXPECT_EQ(parsed[i].fields[kRdevMinor], entries[i].rdev_minor);
    EXPECT_EQ(parsed[i].fields[kCheck], 0u);
  }
  EXPECT_EQ(parsed.back().name, "TRAILER!!!");
  EXPECT_EQ(parsed.back().fields[kNamesize], 11u);
  // The first header, byte for byte.
  EXPECT_EQ(archive.substr(0, 110),
            "070701"
            "00000001000041ED000000000000000000000002000000000000000000000000"
            "0000000000000000000000000000000200000000");
}

TEST(WriteNewcCpio, IsDeterministic) {
  const std::string a = ProbeInitramfs("binary");
  EXPECT_EQ(a, ProbeInitramfs("binary"));
}

TEST(WriteNewcCpio, RejectsBadEntries) {
  EXPECT_THROW(WriteNewcCpio({Entry("", S_IFDIR | 0755)}), HarnessError);
  EXPECT_THROW(WriteNewcCpio({Entry("/abs", S_IFDIR | 0755)}), HarnessError);
  EXPECT_THROW(WriteNewcCpio({Entry("d", S_IFDIR | 0755, "x")}), HarnessError);
  EXPECT_THROW(ProbeInitramfs(""), HarnessError);
}

TEST(ProbeInitramfs, HoldsConsoleDirsAndInit) {
  const std::string probe = std::string("\x7f" "ELF", 4) + std::string(1001, '\x5a');
  auto parsed = ParseNewc(ProbeInitramfs(probe));
  ASSERT_EQ(parsed.size(), 6u);
  EXPECT_EQ(parsed[0].name, "dev");
  EXPECT_EQ(parsed[0].fields[kMode], static_cast<std::uint32_t>(S_IFDIR | 0755));
  EXPECT_EQ(parsed[1].name, "dev/console");
  EXPECT_EQ(parsed[1].fields[kMode], static_cast<std::uint32_t>(S_IFCHR | 0600));
  EXPECT_EQ(parsed[1].fields[kRdevMajor], 5u);
  EXPECT_EQ(parsed[1].fields[kRdevMinor], 1u);
  EXPECT_EQ(parsed[2].name, "proc");
  EXPECT_EQ(parsed[3].name, "sys");
  EXPECT_EQ(parsed[4].name, "init");
  EXPECT_EQ(parsed[4].fields[kMode], static_cast<std::uint32_t>(S_IFREG | 0755));
  EXPECT_EQ(parsed[4].data, probe);
}

// Given the test module, it should carry it as /btfmod.ko, where images/probe.c loads it from.
TEST(ProbeInitramfs, CarriesTheTestModuleWhenGiven) {
  const std::string module = std::string("\x7f" "ELF", 4) + std::string(333, '\x01');
  auto parsed = ParseNewc(ProbeInitramfs("probe", module));
  ASSERT_EQ(parsed.size(), 7u);
  EXPECT_EQ(parsed[5].name, "btfmod.ko");
  EXPECT_EQ(parsed[5].fields[kMode], static_cast<std::uint32_t>(S_IFREG | 0644));
  EXPECT_EQ(parsed[5].data, module);
  EXPECT_EQ(ParseNewc(ProbeInitramfs("probe")).size(), 6u);
}

}  // namespace
}  // namespace harness
