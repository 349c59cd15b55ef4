#pragma once
// Every closed set of names in results.json and on the command line (verdicts, stages, fact
// keys, history and baseline classes, --fail-on) is an enum with one table of (value, name).
// These look a name up in either direction; text that names nothing is a HarnessError (exit 2),
// never a silent default.
#include <optional>
#include <cstddef>
#include <string>
#include <string_view>

#include "harness/core/error.h"

namespace harness {

template <class E>
struct Named {
  E value;
  std::string_view name;
};

// The name of `value` in `table` ("" when the table lacks it, which a test rules out).
template <class E, std::size_t N>
std::string_view NameIn(const Named<E> (&table)[N], E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "";
}

template <class E, std::size_t N>
std::optional<E> LookupName(const Named<E> (&table)[N], std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

// "a, b or c": the names of `table`, for a message.
template <class E, std::size_t N>
std::string NamesOf(const Named<E> (&table)[N]) {
  std::string names;
  for (std::size_t i = 0; i < N; ++i) {
    names += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(table[i].name);
  }
  return names;
}

// `name` as a value of `table`; HarnessError "<what> 'x': expected a, b or c" otherwise.
template <class E, std::size_t N>
E ParseName(const Named<E> (&table)[N], std::string_view name, std::string_view what) {
  if (auto value = LookupName(table, name)) return *value;
  throw HarnessError(std::string(what) + " '" + std::string(name) + "': expected " + NamesOf(table));
}

}  // namespace harness
