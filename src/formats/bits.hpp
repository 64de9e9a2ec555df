// Entry values of up to 512 bits and named bit fields over them.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "base/types.hpp"

namespace vtd {

// Up to 512 bits (a scalable-mode PASID entry); word i holds bits 64i+63..64i.
struct EntryBits {
  std::array<u64, 8> w{};
  constexpr bool operator==(const EntryBits&) const = default;
  constexpr EntryBits operator&(const EntryBits& o) const {
    EntryBits r;
    for (std::size_t i = 0; i < w.size(); ++i) r.w[i] = w[i] & o.w[i];
    return r;
  }
  constexpr EntryBits operator^(const EntryBits& o) const {
    EntryBits r;
    for (std::size_t i = 0; i < w.size(); ++i) r.w[i] = w[i] ^ o.w[i];
    return r;
  }
  constexpr EntryBits operator|(const EntryBits& o) const {
    EntryBits r;
    for (std::size_t i = 0; i < w.size(); ++i) r.w[i] = w[i] | o.w[i];
    return r;
  }
  constexpr EntryBits operator~() const {
    EntryBits r;
    for (std::size_t i = 0; i < w.size(); ++i) r.w[i] = ~w[i];
    return r;
  }
  constexpr bool any() const {
    for (u64 x : w)
      if (x) return true;
    return false;
  }
};

// A named field: bits [lsb, lsb+width) of the entry. Fields never cross a
// 64-bit word boundary in any VT-d format, which the constructor relies on.
struct Field {
  std::string_view name;
  u16 lsb;
  u16 width;

  constexpr u64 mask_in_word() const { return (width == 64 ? ~0ull : ((1ull << width) - 1)) << (lsb % 64); }
  constexpr std::size_t word() const { return lsb / 64; }
  constexpr u64 get(const EntryBits& e) const { return (e.w[word()] & mask_in_word()) >> (lsb % 64); }
  constexpr void set(EntryBits& e, u64 v) const {
    e.w[word()] = (e.w[word()] & ~mask_in_word()) | ((v << (lsb % 64)) & mask_in_word());
  }
  constexpr void add_to(EntryBits& mask) const { mask.w[word()] |= mask_in_word(); }
};

// Whether a field table is well formed: fields inside the entry, within one
// word, and not overlapping. Checked by static_assert for every format.
template <std::size_t N>
constexpr bool fields_well_formed(const std::array<Field, N>& fields, unsigned entry_bits) {
  for (std::size_t i = 0; i < N; ++i) {
    const Field& f = fields[i];
    if (f.width == 0 || f.width > 64) return false;
    if (f.lsb + f.width > entry_bits) return false;
    if (f.lsb / 64 != (f.lsb + f.width - 1) / 64) return false;
    for (std::size_t j = i + 1; j < N; ++j) {
      const Field& g = fields[j];
      if (f.lsb < g.lsb + g.width && g.lsb < f.lsb + f.width) return false;
    }
  }
  return true;
}

}  // namespace vtd
