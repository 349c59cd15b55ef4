#pragma once
// A JSON document for the harness's other outputs (`harness inspect --json`, corpus.json),
// written by the JSON library results.json is written with: results/ owns that library (one
// module per third-party library), and report/ builds these documents through this type.
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace harness {

class JsonValue {
 public:
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;  // null
  JsonValue(bool value) : value_(value) {}
  JsonValue(const char* value) : value_(std::string(value)) {}
  JsonValue(std::string value) : value_(std::move(value)) {}
  JsonValue(std::string_view value) : value_(std::string(value)) {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  JsonValue(T value) {
    if constexpr (std::is_signed_v<T>) value_ = static_cast<std::int64_t>(value);
    else value_ = static_cast<std::uint64_t>(value);
  }
  JsonValue(double value) : value_(value) {}
  JsonValue(const std::vector<std::string>& values);  // an array of strings
  JsonValue(std::initializer_list<Member> members);    // an object

  static JsonValue Array();
  // The object member `key`, made (null) when missing; a null value becomes an object first.
  JsonValue& operator[](const std::string& key);
  // Appends to an array (a null value becomes one first).
  void Push(JsonValue value);
  // Indented by two spaces, keys sorted, a newline at the end.
  std::string Dump() const;

  struct ArrayItems {
    std::vector<JsonValue> items;
  };
  struct ObjectMembers {
    std::vector<std::string> keys;
    std::vector<JsonValue> values;
  };
  using Value = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, ArrayItems,
                             ObjectMembers>;
  const Value& value() const { return value_; }

 private:
  Value value_;
};

}  // namespace harness
