#pragma once
// Writes probe records as images/probe.c does, for tests and the fuzz seeds; the harness itself
// only reads them (harness/boot/record.h).
#include <cstdint>
#include <vector>

#include "harness/boot/record.h"

namespace harness {

std::vector<std::uint8_t> EncodeRecord(const ProbeRecord& record);

}  // namespace harness
