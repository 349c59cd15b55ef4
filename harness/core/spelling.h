#pragma once
// "Did you mean": the known name nearest to a misspelt one, for messages about unknown matrix
// keys and unknown subcommands.
#include <cstddef>
#include <string_view>
#include <vector>

namespace harness {

// Edits (insert, delete, substitute one character) that turn `a` into `b`.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The first of `known` fewer than `max_distance` edits from `word`, the nearest when several
// are; empty when none is that close (a guess further off misleads more than it helps).
std::string_view NearestName(std::string_view word, const std::vector<std::string_view>& known,
                             std::size_t max_distance = 3);

}  // namespace harness
