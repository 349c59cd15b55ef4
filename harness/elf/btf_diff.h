#pragma once
// Two BTF blobs compared as types, not bytes, so a kernel developer reads
// "type 1234 STRUCT task_struct: member 'pid' offset 2240 vs 2248" instead of a hex dump.
// Both blobs are untrusted (one from a build, one from a guest): garbage gives a line saying
// why the types could not be compared, never a crash.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace harness {

// The first type (by id) that differs, what in it differs, and how many differ, in lines;
// each "A vs B" gives the first blob's value, then the second's. Offsets are in bits, as BTF
// stores them. When every type agrees: where the string tables differ, or that they do not.
// `first_name` and `second_name` name the blobs in the lines ("the vmlinux's .BTF").
std::vector<std::string> DiffBtfTypes(std::span<const std::uint8_t> first, std::span<const std::uint8_t> second,
                                      const std::string& first_name = "the first blob",
                                      const std::string& second_name = "the second blob");

}  // namespace harness
