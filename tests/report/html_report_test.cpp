#include "harness/report/html_report.h"

#include <gtest/gtest.h>

#include <regex>

#include "harness/report/html.h"
#include "tests/report/sample_results.h"
#include "tests/support/elf_writer.h"
#include "tests/support/temp_dir.h"

namespace harness {
namespace {

using testing::Count;

class HtmlReportTest : public ::testing::Test {
 protected:
  testing::TempDir out_{"html-report-test"};
};

TEST(HtmlEscapeTest, HostileTextComesOutAsText) {
  EXPECT_EQ(HtmlEscape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("\" onmouseover='x' & y"), "&quot; onmouseover=&#39;x&#39; &amp; y");
  // Bytes that are not printable ASCII cannot smuggle an encoding trick in.
  EXPECT_EQ(HtmlEscape("a\x1b[31m\xff\xfe<"), "a\\x1b[31m\\xff\\xfe&lt;");
  EXPECT_EQ(HtmlEscape("line 1\nline 2\r"), "line 1\nline 2\\x0d");  // line breaks stay, for <pre>
}

TEST(HtmlEscapeTest, AttributesAndElementsEscapeEveryRuntimeString) {
  Html html;
  html.Element("a", {{"href", "\"><script>x</script>"}}, "</a><script>y</script>");
  EXPECT_EQ(html.str(), "<a href=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\">&lt;/a&gt;&lt;script&gt;y&lt;/script&gt;</a>");
}

TEST(HtmlEscapeTest, RelativeHrefNeverBecomesAScheme) {
  EXPECT_EQ(RelativeHref("javascript:alert(1)"), "./javascript%3Aalert%281%29");
  EXPECT_EQ(RelativeHref("debian-6.1/none/arm64-gcc/console.log"), "./debian-6.1/none/arm64-gcc/console.log");
  EXPECT_EQ(RelativeHref("a b\"<"), "./a%20b%22%3C");
}

// Given a cell of every verdict whose console, detail and diagnosis hold script, the page should
// show every cell and verdict and contain no markup from them.
TEST_F(HtmlReportTest, EveryCellAndVerdictAndNoHostileMarkup) {
  const auto results = testing::OneCellOfEveryVerdict(out_);
  const std::string page = ReportHtml(results, out_);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_EQ(page.find("<b>bold"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;document.title=&#39;pwned&#39;"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=&quot;"), std::string::npos);
  EXPECT_EQ(page.find("http:"), std::string::npos);  // self-contained: nothing fetched
  EXPECT_EQ(page.find("https:"), std::string::npos);
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_NE(page.find("id=\"cell-" + std::to_string(i) + "\""), std::string::npos) << i;
    EXPECT_NE(page.find("href=\"#cell-" + std::to_string(i) + "\""), std::string::npos) << i;
    EXPECT_NE(page.find(HtmlEscape(results[i].cell)), std::string::npos) << results[i].cell;
    if (results[i].error.empty()) {
      EXPECT_NE(page.find(HtmlEscape(VerdictName(results[i].verdict))), std::string::npos) << results[i].cell;
    }
  }
  EXPECT_NE(page.find("harness error"), std::string::npos);
  // Reproduce commands and stage times.
  EXPECT_NE(page.find("make O=build ARCH=arm64 -j2 vmlinux"), std::string::npos);
  EXPECT_NE(page.find("console=ttyS0 &lt;x&gt;"), std::string::npos);
  EXPECT_NE(page.find("build 72s"), std::string::npos);
  EXPECT_NE(page.find("boot 3.5s"), std::string::npos);
}

TEST_F(HtmlReportTest, ArtifactLinksAreRelativeToTheOutputDirectory) {
  const auto results = testing::OneCellOfEveryVerdict(out_);
  const std::string page = ReportHtml(results, out_);
  EXPECT_NE(page.find("href=\"./debian-6.1/s0/x86_64-gcc/console.log\""), std::string::npos);
  EXPECT_NE(page.find("href=\"./debian-6.1/s0/arm64-gcc/build.log\""), std::string::npos);
  EXPECT_EQ(page.find(out_.string()), std::string::npos) << "an absolute path would break a published copy";
}

TEST_F(HtmlReportTest, ContentMismatchShowsBothBlobsAroundTheFirstDifference) {
  const auto results = testing::OneCellOfEveryVerdict(out_);
  const std::string page = ReportHtml(results, out_);
  EXPECT_NE(page.find("class=\"btfdiff\""), std::string::npos);
  EXPECT_EQ(Count(page, "class=\"btfdiff\""), 1u) << "only the content mismatch cell has a hex view";
  EXPECT_EQ(Count(page, "<mark>"), 2u) << "the one flipped byte, once in each blob";
  // The flipped byte is type 5's bit count: the types say so before the hex does.
  EXPECT_EQ(Count(page, "class=\"btftypes\""), 1u);
  EXPECT_NE(page.find("type 5 INT int4: bits 32 vs 96\n1 of 20 types in both differ"), std::string::npos);
}

TEST(BtfDiffHtmlTest, HexWindowStartsAlignedBeforeTheDifferenceAndMarksOnlyDifferingBytes) {
  auto a = MakeBtfBlob(Endian::kLittle, 40);
  ASSERT_GT(a.size(), 400u);
  auto b = a;
  b[200] ^= 0xff;
  b[203] ^= 0x01;
  const std::string html = BtfDiffHtml(a, b, 200);
  // (200 - 48) rounded down to 16 is 0x90; the last row holds 200 + 64 (0x108).
  EXPECT_NE(html.find("00000090: "), std::string::npos);
  EXPECT_EQ(html.find("00000080: "), std::string::npos);
  EXPECT_NE(html.find("00000100: "), std::string::npos);
  EXPECT_EQ(html.find("00000110: "), std::string::npos);
  EXPECT_EQ(Count(html, "<mark>"), 4u);
  char marked[32];
  std::snprintf(marked, sizeof marked, "<mark>%02x</mark>", a[200]);
  EXPECT_NE(html.find(marked), std::string::npos);
  std::snprintf(marked, sizeof marked, "<mark>%02x</mark>", b[203]);
  EXPECT_NE(html.find(marked), std::string::npos);
  EXPECT_NE(html.find("first difference at offset 200 (0xc8)"), std::string::npos);
}

TEST(BtfDiffHtmlTest, ShorterGuestBlobMarksTheBytesItLacks) {
  auto a = MakeBtfBlob(Endian::kBig, 10);
  std::vector<std::uint8_t> b(a.begin(), a.end() - 2);
  const std::string html = BtfDiffHtml(a, b, b.size());
  EXPECT_EQ(Count(html, "<mark>"), 2u);
}

class BtfHeaderDecodeTest : public ::testing::TestWithParam<Endian> {};

TEST_P(BtfHeaderDecodeTest, DecodesEveryFieldInTheBlobsByteOrder) {
  const auto blob = MakeBtfBlob(GetParam(), 12);
  const auto h = DecodeBtfHeader(blob);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->magic_ok);
  EXPECT_EQ(h->endian, GetParam());
  EXPECT_EQ(h->header.magic, 0xeb9f);
  EXPECT_EQ(h->header.version, 1);
  EXPECT_EQ(h->header.hdr_len, 24u);
  EXPECT_EQ(h->header.type_off, 0u);
  EXPECT_GT(h->header.type_len, 0u);
  EXPECT_EQ(h->header.str_off, h->header.type_len);
  EXPECT_EQ(24u + h->header.str_off + h->header.str_len, blob.size());
}

TEST_P(BtfHeaderDecodeTest, SideBySideTableHighlightsTheFieldThatDiffers) {
  auto a = MakeBtfBlob(GetParam(), 12);
  auto b = a;
  b[GetParam() == Endian::kLittle ? 20 : 23] ^= 0x01;  // str_len's low byte
  const std::string html = BtfDiffHtml(a, b, GetParam() == Endian::kLittle ? 20 : 23);
  const auto ha = DecodeBtfHeader(a), hb = DecodeBtfHeader(b);
  ASSERT_TRUE(ha && hb);
  EXPECT_EQ(ha->header.str_len ^ hb->header.str_len, 1u);
  EXPECT_NE(html.find("<td class=\"differs\">" + std::to_string(ha->header.str_len) + "</td><td class=\"differs\">" +
                      std::to_string(hb->header.str_len) + "</td>"),
            std::string::npos);
  EXPECT_EQ(Count(html, "class=\"differs\""), 2u);  // only str_len
  EXPECT_NE(html.find(std::string("(") + EndianName(GetParam()) + "-endian)"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, BtfHeaderDecodeTest, ::testing::Values(Endian::kLittle, Endian::kBig),
                         [](const auto& info) { return std::string(EndianName(info.param)); });

TEST(BtfHeaderDecodeTest, ShortOrForeignBlobs) {
  std::vector<std::uint8_t> shorter(23, 0);
  EXPECT_FALSE(DecodeBtfHeader(shorter));
  std::vector<std::uint8_t> foreign(24, 0x41);
  const auto h = DecodeBtfHeader(foreign);
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->magic_ok);
}

}  // namespace
}  // namespace harness
