// report.html in a real browser: Debian's headless chromium loads the page made for a cell of
// every verdict (consoles full of script), its DOM must hold every cell and verdict and show no
// trace of the hostile script running; a screenshot of the content-mismatch cell's detail is
// kept under the build directory (report-test/report.png). SKIPPED where chromium is missing.
#include <gtest/gtest.h>

#include "harness/core/host.h"
#include "harness/core/util.h"
#include "harness/proc/runner.h"
#include "harness/report/html.h"
#include "harness/report/html_report.h"
#include "tests/report/sample_results.h"

namespace harness {
namespace {

using testing::Count;

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = RealHost().FindProgram("chromium");
    if (chromium_.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium)";
    // One directory per test (ctest runs them side by side); the screenshot is kept above them.
    dir_ = std::filesystem::path(HARNESS_BINARY_DIR) / "report-test" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    results_ = testing::OneCellOfEveryVerdict(dir_);
    WriteReportPages(results_, dir_);
    page_ = dir_ / "report.html";
    ASSERT_TRUE(std::filesystem::exists(page_));
  }

  ProcessResult Chromium(std::vector<std::string> args) {
    std::vector<std::string> argv = {chromium_.string(), "--headless", "--no-sandbox", "--disable-gpu",
                                     "--disable-dev-shm-usage", "--no-first-run",
                                     "--user-data-dir=" + (dir_ / "profile").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return MakeRealRunner()->Run({.argv = argv, .timeout = std::chrono::seconds(120), .capture_limit = 64 << 20});
  }

  std::filesystem::path chromium_, dir_, page_;
  std::vector<CellResult> results_;
};

TEST_F(ReportBrowserTest, DomHoldsEveryCellAndVerdictAndNoScriptRan) {
  ProcessResult dom = Chromium({"--virtual-time-budget=2000", "--dump-dom", "file://" + page_.string()});
  ASSERT_TRUE(dom.ok()) << dom.Describe() << "\n" << dom.output.substr(0, 4000);
  const std::string& d = dom.output;
  EXPECT_EQ(Count(d, "class=\"cell "), results_.size());
  for (std::size_t i = 0; i < results_.size(); ++i) {
    EXPECT_NE(d.find("id=\"cell-" + std::to_string(i) + "\""), std::string::npos) << i;
    EXPECT_NE(d.find(HtmlEscape(results_[i].cell)), std::string::npos) << results_[i].cell;
    const std::string verdict = results_[i].error.empty() ? std::string(VerdictName(results_[i].verdict)) : "harness error";
    EXPECT_NE(d.find(HtmlEscape(verdict)), std::string::npos) << verdict;
  }
  // Had any of it run: the title would read "pwned...", an <h6 id="pwned"> would exist.
  EXPECT_NE(d.find("<title>harness report</title>"), std::string::npos);
  EXPECT_EQ(d.find("pwned\">"), std::string::npos);
  EXPECT_EQ(d.find("<h6"), std::string::npos);
  EXPECT_EQ(d.find("<script"), std::string::npos);
  EXPECT_EQ(d.find("<img"), std::string::npos);
  // The console lines are on the page as text.
  EXPECT_NE(d.find("&lt;script&gt;document.title="), std::string::npos);
}

TEST_F(ReportBrowserTest, ScreenshotOfTheContentMismatchDetail) {
  std::size_t mismatch = 0;
  for (std::size_t i = 0; i < results_.size(); ++i) {
    if (results_[i].verdict == Verdict::kContentMismatch && results_[i].error.empty()) mismatch = i;
  }
  const auto png = dir_.parent_path() / "report.png";
  ProcessResult shot = Chromium({"--hide-scrollbars", "--window-size=1400,2600", "--screenshot=" + png.string(),
                                 "file://" + page_.string() + "#cell-" + std::to_string(mismatch)});
  ASSERT_TRUE(shot.ok()) << shot.Describe() << "\n" << shot.output.substr(0, 4000);
  ASSERT_TRUE(std::filesystem::exists(png));
  const std::string bytes = ReadFile(png);
  ASSERT_GT(bytes.size(), 10000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace harness
