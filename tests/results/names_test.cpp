// Every closed set of names results.json and the command line use: one table each, no name
// twice, every value named, every name parsing back to its value, any other text an error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "harness/results/exit_code.h"
#include "harness/results/results.h"

namespace harness {
namespace {

using ::testing::HasSubstr;

// Given the fact table, each key should have one name of its own that parses back to it: a
// duplicate would make two facts one in results.json.
TEST(ResultNamesTest, FactNamesAreUniqueAndParseBack) {
  std::set<std::string_view> names;
  for (int k = 0; k <= static_cast<int>(kLastFactKey); ++k) {
    const auto key = static_cast<FactKey>(k);
    const std::string_view name = FactName(key);
    ASSERT_FALSE(name.empty()) << "fact key " << k << " has no name";
    EXPECT_TRUE(names.insert(name).second) << "fact name '" << name << "' is given twice";
    EXPECT_EQ(FactNamed(name), key) << name;
  }
  EXPECT_EQ(std::size(kFactNames), names.size());  // no key listed twice either
  EXPECT_EQ(FactNamed("btf_size"), FactKey::kBtfSize);  // the on-disk names stay as they were
  EXPECT_EQ(FactNamed("build_step"), FactKey::kBuildStep);
  EXPECT_EQ(FactNamed("build-step"), std::nullopt);
}

// Given each other table, every value should have one name that parses back to it.
template <class E, std::size_t N>
void ExpectClosed(const Named<E> (&table)[N], std::size_t values) {
  std::set<std::string_view> names;
  std::set<E> seen;
  for (const auto& [value, name] : table) {
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_TRUE(seen.insert(value).second) << name;
    EXPECT_EQ(ParseName(table, name, "x"), value) << name;
  }
  EXPECT_EQ(seen.size(), values);
}

TEST(ResultNamesTest, EveryTableIsClosedAndParsesBack) {
  ExpectClosed(kStageNames, 8);
  ExpectClosed(kHistoryClassNames, 5);   // every class but kNone, which has no name
  ExpectClosed(kBaselineClassNames, 3);
  ExpectClosed(kFailOnNames, 3);
  EXPECT_EQ(HistoryClassName(HistoryClass::kNone), "");
  EXPECT_EQ(BaselineClassName(BaselineClass::kPreExisting), "pre-existing");
  EXPECT_EQ(ParseStage("inspect"), Stage::kInspect);
  EXPECT_EQ(ParseFailOn("introduced"), FailOn::kIntroduced);
}

TEST(ResultNamesTest, EveryVerdictTokenParsesBack) {
  std::set<std::string> tokens;
  for (int v = static_cast<int>(Verdict::kPass); v <= static_cast<int>(kLastVerdict); ++v) {
    const auto verdict = static_cast<Verdict>(v);
    EXPECT_TRUE(tokens.insert(VerdictToken(verdict)).second) << VerdictToken(verdict);
    EXPECT_EQ(ParseVerdictToken(VerdictToken(verdict)), verdict);
  }
}

// Given text that names nothing, parsing should be a harness error naming the choices, never a
// silent default.
TEST(ResultNamesTest, UnknownTextIsAHarnessError) {
  EXPECT_THROW(ParseStage("link"), HarnessError);
  EXPECT_THROW(ParseVerdictToken("undecided"), HarnessError);  // never written: no token
  EXPECT_THROW(ParseVerdictToken("PASS"), HarnessError);
  try {
    ParseFailOn("all");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--fail-on 'all': expected any, new or introduced"));
  }
}

}  // namespace
}  // namespace harness
