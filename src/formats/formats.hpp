// VT-d in-memory formats as field tables (vtd-facts.md §1, §2, second-level
// PTEs), with the "used bits" of each: the bits hardware interprets in a given
// state of the entry. One table per format; nothing else names bit positions.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/bits.hpp"

namespace vtd {

enum class EntryKind : u8 { Root, Context, SlPte };
std::string_view to_string(EntryKind k);

// ---- legacy root entry (128 bits), §1.1 ----
namespace root_fmt {
inline constexpr Field P{"P", 0, 1};
inline constexpr Field RSVD_LO{"RSVD_LO", 1, 11};
inline constexpr Field CTP{"CTP", 12, 52};
inline constexpr Field RSVD_HI{"RSVD_HI", 64, 64};
inline constexpr std::array fields{P, RSVD_LO, CTP, RSVD_HI};
inline constexpr unsigned bits = 128;
static_assert(fields_well_formed(fields, bits));
}  // namespace root_fmt

// ---- legacy context entry (128 bits), §2.1 ----
namespace ctx_fmt {
inline constexpr Field P{"P", 0, 1};
inline constexpr Field FPD{"FPD", 1, 1};
inline constexpr Field TT{"TT", 2, 2};
inline constexpr Field RSVD_LO{"RSVD_LO", 4, 8};
inline constexpr Field SLPTPTR{"SLPTPTR", 12, 52};
inline constexpr Field AW{"AW", 64, 3};
inline constexpr Field AVAIL{"AVAIL", 67, 4};
inline constexpr Field RSVD_HI7{"RSVD_71", 71, 1};
inline constexpr Field DID{"DID", 72, 16};
inline constexpr Field RSVD_HI{"RSVD_HI", 88, 40};
inline constexpr std::array fields{P, FPD, TT, RSVD_LO, SLPTPTR, AW, AVAIL, RSVD_HI7, DID, RSVD_HI};
inline constexpr unsigned bits = 128;
static_assert(fields_well_formed(fields, bits));

// Translation types (TT).
inline constexpr u64 TT_MULTI_LEVEL = 0;
inline constexpr u64 TT_DEV_IOTLB = 1;
inline constexpr u64 TT_PASS_THROUGH = 2;
}  // namespace ctx_fmt

// ---- second-level paging entry (64 bits) ----
namespace slpte_fmt {
inline constexpr Field R{"R", 0, 1};
inline constexpr Field W{"W", 1, 1};
inline constexpr Field X{"X", 2, 1};
inline constexpr Field EMT{"EMT", 3, 3};
inline constexpr Field IPAT{"IPAT", 6, 1};
inline constexpr Field PS{"PS", 7, 1};
inline constexpr Field ADDR{"ADDR", 12, 40};
inline constexpr std::array fields{R, W, X, EMT, IPAT, PS, ADDR};
inline constexpr unsigned bits = 64;
static_assert(fields_well_formed(fields, bits));
}  // namespace slpte_fmt

// Description of a format for generic code (checkers, reports, traces).
struct Format {
  EntryKind kind;
  std::string_view name;
  unsigned bits;
  std::span<const Field> fields;
  const Field* present;  // nullptr when the format has no P bit
  EntryBits (*used_bits)(const EntryBits&);
  bool is_present(const EntryBits& e) const { return present == nullptr || present->get(e) != 0; }
  unsigned bursts() const { return (bits + 127) / 128; }
};

const Format& format_of(EntryKind k);

// Used bits of each format (exposed for tests).
EntryBits root_used_bits(const EntryBits& e);
EntryBits context_used_bits(const EntryBits& e);
EntryBits slpte_used_bits(const EntryBits& e);

// Whether a and b agree on every bit of mask.
inline bool equal_on(const EntryBits& a, const EntryBits& b, const EntryBits& mask) {
  return !((a ^ b) & mask).any();
}

// Field-level difference of `a` against `b` restricted to `mask`: one item per
// field whose masked bits differ.
struct FieldDiff {
  std::string_view field;
  u64 a;
  u64 b;
};
std::vector<FieldDiff> diff_fields(const Format& f, const EntryBits& a, const EntryBits& b,
                                   const EntryBits& mask);

// "P=1 FPD=0 TT=0 SLPTPTR=0x200 AW=2 DID=1" (non-zero reserved fields too).
std::string describe(const Format& f, const EntryBits& e);

// AGAW code -> number of second-level paging levels (AW + 2), and the
// input-address width it covers (30 + 9 * AW).
inline constexpr unsigned agaw_levels(u64 aw) { return static_cast<unsigned>(aw) + 2; }
inline constexpr unsigned agaw_width(u64 aw) { return 30 + 9 * static_cast<unsigned>(aw); }

}  // namespace vtd
