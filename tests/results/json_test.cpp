// The JSON document report/ writes `inspect --json` and corpus.json through.
#include <gtest/gtest.h>

#include <cstdint>

#include "harness/results/json.h"

namespace harness {
namespace {

// Given nested objects, arrays and numbers of each width, Dump should write them indented, keys
// sorted, unsigned numbers whole, as inspect --json always did.
TEST(JsonValueTest, DumpsNestedValues) {
  JsonValue j = {{"path", "vmlinux"}, {"ok", true}, {"problems", std::vector<std::string>{"a\"b"}}};
  j["btf"]["size"] = std::uint64_t{18446744073709551615u};
  j["btf"]["version"] = std::uint8_t{1};
  j["btf"]["delta"] = -3;
  JsonValue rows = JsonValue::Array();
  rows.Push({{"agree", false}});
  j["rows"] = rows;
  EXPECT_EQ(j.Dump(), R"({
  "btf": {
    "delta": -3,
    "size": 18446744073709551615,
    "version": 1
  },
  "ok": true,
  "path": "vmlinux",
  "problems": [
    "a\"b"
  ],
  "rows": [
    {
      "agree": false
    }
  ]
}
)");
  EXPECT_EQ(JsonValue::Array().Dump(), "[]\n");
}

}  // namespace
}  // namespace harness
