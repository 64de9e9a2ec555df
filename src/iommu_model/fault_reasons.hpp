// VT-d fault reason codes (vtd-facts.md §10) that the model records.
#pragma once

#include <string_view>

#include "base/types.hpp"

namespace vtd::fault {

inline constexpr u8 kRootNotPresent = 0x1;
inline constexpr u8 kContextNotPresent = 0x2;
inline constexpr u8 kContextInvalid = 0x3;
inline constexpr u8 kBeyondMgaw = 0x4;
inline constexpr u8 kNoWrite = 0x5;
inline constexpr u8 kNoRead = 0x6;
inline constexpr u8 kNextPtrInvalid = 0x7;
inline constexpr u8 kRootReserved = 0xA;
inline constexpr u8 kContextReserved = 0xB;
inline constexpr u8 kPteReserved = 0xC;

std::string_view name(u8 reason);

}  // namespace vtd::fault
