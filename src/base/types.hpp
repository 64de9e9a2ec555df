// Basic vocabulary shared by every part of vtdsim: addresses, cycles,
// requester IDs and source locations for diagnostics.
#pragma once

#include <cstdint>
#include <string>

namespace vtd {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

using Addr = std::uint64_t;
// All simulated time is counted in cycles of one clock.
using Cycle = std::uint64_t;

// PCI requester ID: bus[15:8] device[7:3] function[2:0].
struct Rid {
  u16 value = 0;
  constexpr u8 bus() const { return static_cast<u8>(value >> 8); }
  constexpr u8 devfn() const { return static_cast<u8>(value & 0xff); }
  constexpr bool operator==(const Rid&) const = default;
  constexpr auto operator<=>(const Rid&) const = default;
  static constexpr Rid from(u8 bus, u8 dev, u8 fn) {
    return Rid{static_cast<u16>((bus << 8) | ((dev & 0x1f) << 3) | (fn & 7))};
  }
};

// "00:02.0"
std::string to_string(Rid rid);
// Parses "BB:DD.F"; returns false on malformed text.
bool parse_rid(const std::string& text, Rid& out);

// Where a value came from in a scenario file, for error messages.
struct SourceLoc {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string str() const;
  bool operator==(const SourceLoc&) const = default;
};

std::string hex(u64 v);

}  // namespace vtd
