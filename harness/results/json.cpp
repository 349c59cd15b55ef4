#include "harness/results/json.h"

#include <nlohmann/json.hpp>

namespace harness {
namespace {

nlohmann::json ToJson(const JsonValue& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, JsonValue::ArrayItems>) {
          nlohmann::json a = nlohmann::json::array();
          for (const auto& item : x.items) a.push_back(ToJson(item));
          return a;
        } else if constexpr (std::is_same_v<T, JsonValue::ObjectMembers>) {
          nlohmann::json o = nlohmann::json::object();
          for (std::size_t i = 0; i < x.keys.size(); ++i) o[x.keys[i]] = ToJson(x.values[i]);
          return o;
        } else {
          return x;
        }
      },
      v.value());
}

}  // namespace

JsonValue::JsonValue(const std::vector<std::string>& values) : value_(ArrayItems{}) {
  for (const auto& v : values) Push(v);
}

JsonValue::JsonValue(std::initializer_list<Member> members) : value_(ObjectMembers{}) {
  for (const auto& [key, value] : members) (*this)[key] = value;
}

JsonValue JsonValue::Array() {
  JsonValue a;
  a.value_ = ArrayItems{};
  return a;
}

JsonValue& JsonValue::operator[](const std::string& key) {
  if (std::holds_alternative<std::monostate>(value_)) value_ = ObjectMembers{};
  auto& object = std::get<ObjectMembers>(value_);
  for (std::size_t i = 0; i < object.keys.size(); ++i) {
    if (object.keys[i] == key) return object.values[i];
  }
  object.keys.push_back(key);
  object.values.emplace_back();
  return object.values.back();
}

void JsonValue::Push(JsonValue value) {
  if (std::holds_alternative<std::monostate>(value_)) value_ = ArrayItems{};
  std::get<ArrayItems>(value_).items.push_back(std::move(value));
}

std::string JsonValue::Dump() const { return ToJson(*this).dump(2) + "\n"; }

}  // namespace harness
