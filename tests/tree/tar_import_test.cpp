// TarToFastImport on archives written by the test (tests/support/tar_writer.h): the stream it
// writes, and a clear error for each way an archive can be broken. That the stream gives the
// same tree as unpacking and `git add` is tree_test.cpp's (real tar and git).
#include "harness/tree/tar_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "harness/core/error.h"
#include "tests/support/tar_writer.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

const ImportCommit kCommit{.ref = "refs/tags/t", .message = "m", .ident = "h <h@l> 0 +0000", .strip_components = 1};

std::string Convert(const std::string& tar, TarImportCounts* counts = nullptr) {
  std::istringstream in(tar);
  std::ostringstream out;
  const TarImportCounts got = TarToFastImport(in, out, kCommit);
  if (counts) *counts = got;
  return out.str();
}

std::string ErrorOf(const std::string& tar) {
  try {
    Convert(tar);
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "no error";
}

// Given files, a symlink, a hard link and directories, the stream should hold one commit with
// each recorded as git would (the top directory stripped, modes by the owner's x bit), point
// master at it and end with `done`.
TEST(TarImportTest, WritesOneCommitOfWhatGitRecords) {
  TarImportCounts counts;
  const std::string stream =
      Convert(TarEntry({.name = "linux/", .type = '5', .mode = 0755}) +
                  TarEntry({.name = "linux/Makefile", .data = "VERSION = 6\n"}) +
                  TarEntry({.name = "linux/scripts/link-vmlinux.sh", .data = "#!/bin/sh\n", .mode = 0755}) +
                  TarEntry({.name = "linux/group-x", .data = "", .mode = 0654}) +
                  TarEntry({.name = "linux/arch/x86/boot/dts", .type = '2', .link = "../../arm/boot/dts"}) +
                  TarEntry({.name = "linux/copy", .type = '1', .link = "linux/Makefile"}) +
                  TarEntry({.name = "linux/.git/config", .data = "not a file of the tree\n"}) + TarEnd(),
              &counts);
  EXPECT_EQ(stream,
            "commit refs/tags/t\nmark :1\nauthor h <h@l> 0 +0000\ncommitter h <h@l> 0 +0000\ndata 2\nm\n\n"
            "M 100644 inline Makefile\ndata 12\nVERSION = 6\n\n"
            "M 100755 inline scripts/link-vmlinux.sh\ndata 10\n#!/bin/sh\n\n"
            "M 100644 inline group-x\ndata 0\n\n"
            "M 120000 inline arch/x86/boot/dts\ndata 18\n../../arm/boot/dts\n"
            "C \"Makefile\" copy\n"
            "\nreset refs/heads/master\nfrom :1\n\ndone\n");
  EXPECT_EQ(counts.files, 4u);
  EXPECT_EQ(counts.symlinks, 1u);
  EXPECT_EQ(counts.bytes, 22u);
}

// Given names longer than a header holds, it should take them from the ustar prefix, a GNU
// long-name entry or a pax record, whichever the archive used.
TEST(TarImportTest, ReadsLongNamesInEachFormat) {
  const std::string deep(120, 'd');
  const std::string pax_record = "path=linux/" + deep + "/pax\n";
  const std::string pax = std::to_string(pax_record.size() + 4) + " " + pax_record;
  ASSERT_EQ(pax.size(), pax_record.size() + 4) << "the record's length counts its own digits";
  const std::string stream =
      Convert(TarEntry({.name = "ustar", .data = "u", .prefix = "linux/" + deep}) +
              TarEntry({.name = "././@LongLink", .type = 'L', .data = "linux/" + deep + "/gnu"}) +
              TarEntry({.name = "truncated-name", .data = "g"}) +
              TarEntry({.name = "PaxHeaders/x", .type = 'x', .data = pax}) + TarEntry({.name = "short", .data = "p"}) +
              TarEntry({.name = "linux/after", .data = "a"}) + TarEnd());
  EXPECT_THAT(stream, HasSubstr("M 100644 inline " + deep + "/ustar\ndata 1\nu\n"));
  EXPECT_THAT(stream, HasSubstr("M 100644 inline " + deep + "/gnu\ndata 1\ng\n"));
  EXPECT_THAT(stream, HasSubstr("M 100644 inline " + deep + "/pax\ndata 1\np\n"));
  EXPECT_THAT(stream, HasSubstr("M 100644 inline after\ndata 1\na\n")) << "overrides apply to one entry only";
}

// Given a path fast-import would misread, it should be C-quoted.
TEST(TarImportTest, QuotesPathsFastImportWouldMisread) {
  EXPECT_EQ(FastImportPath("a b"), "a b");
  EXPECT_EQ(FastImportPath("a b", true), "\"a b\"");
  EXPECT_EQ(FastImportPath("\"q"), "\"\\\"q\"");
  EXPECT_EQ(FastImportPath("new\nline\\"), "\"new\\nline\\\\\"");
  EXPECT_EQ(FastImportPath("tab\t", true), "\"tab\\011\"");
}

// Given a broken archive, it should say what is wrong and where, never write `done` (so
// fast-import commits nothing) and never crash.
TEST(TarImportTest, BrokenArchivesAreErrorsNamingTheOffset) {
  const std::string file = TarEntry({.name = "linux/Makefile", .data = std::string(600, 'x')});
  std::string bad_sum = file;
  bad_sum[0] = 'L';
  EXPECT_EQ(ErrorOf(bad_sum + TarEnd()),
            "tar archive, byte 512: a header with a bad checksum (not a tar archive, or corrupt)");
  EXPECT_EQ(ErrorOf(file.substr(0, 700)), "tar archive, byte 700: the archive ends inside an entry's data (412 bytes missing)");
  EXPECT_EQ(ErrorOf(file.substr(0, 1200)), "tar archive, byte 1200: the archive ends inside an entry's padding");
  EXPECT_EQ(ErrorOf(file.substr(0, 100)), "tar archive, byte 100: the archive ends inside a header");
  EXPECT_EQ(ErrorOf(file), "tar archive, byte 1536: the archive ends without its end-of-archive block (truncated?)");
  EXPECT_THAT(ErrorOf(TarEntry({.name = "linux/../../etc/passwd", .data = "x"}) + TarEnd()),
              HasSubstr("'linux/../../etc/passwd' leaves the archive's directory ('..')"));
  EXPECT_THAT(ErrorOf(TarEntry({.name = "linux/s", .type = 'S'}) + TarEnd()), HasSubstr("sparse file"));
  EXPECT_THAT(ErrorOf(TarEntry({.name = "x", .type = 'x', .data = "99 path=a\n"}) + TarEnd()),
              HasSubstr("a malformed pax extended header record"));
  EXPECT_THAT(ErrorOf(TarEntry({.name = "linux/h", .type = '1', .link = "linux"}) + TarEnd()),
              HasSubstr("hard link 'linux/h' to 'linux', which is not recorded"));
  EXPECT_EQ(ErrorOf("this is not a tar archive\n" + std::string(600, '\0')),
            "tar archive, byte 512: a header with a bad checksum (not a tar archive, or corrupt)");
}

// Given an archive followed by padding (tar pads to 10240 bytes), it should read to the end, so
// the decompressor upstream is never cut off.
TEST(TarImportTest, ReadsThePaddingAfterTheEnd) {
  std::istringstream in(TarEntry({.name = "linux/a", .data = "a"}) + TarEnd() + std::string(8192, '\0'));
  std::ostringstream out;
  TarToFastImport(in, out, kCommit);
  EXPECT_TRUE(in.eof());
  EXPECT_THAT(out.str(), ::testing::EndsWith("done\n"));
}

}  // namespace
}  // namespace harness
