#include "harness/core/util.h"

#include <gtest/gtest.h>

#include <set>

#include "harness/core/verdict.h"

namespace harness {
namespace {

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

}  // namespace
}  // namespace harness
