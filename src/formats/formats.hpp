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

enum class EntryKind : u8 { Root, Context, SlPte, SmRoot, SmContext, PasidDir, Pasid, FlPte };
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

// ---- scalable-mode root entry (128 bits), §1.2 ----
namespace smroot_fmt {
inline constexpr Field LP{"LP", 0, 1};
inline constexpr Field RSVD_LO{"RSVD_LO", 1, 11};
inline constexpr Field LCTP{"LCTP", 12, 52};
inline constexpr Field UP{"UP", 64, 1};
inline constexpr Field RSVD_HI{"RSVD_HI", 65, 11};
inline constexpr Field UCTP{"UCTP", 76, 52};
inline constexpr std::array fields{LP, RSVD_LO, LCTP, UP, RSVD_HI, UCTP};
inline constexpr unsigned bits = 128;
static_assert(fields_well_formed(fields, bits));
}  // namespace smroot_fmt

// ---- scalable-mode context entry (256 bits; the upper 128 reserved), §2.2 ----
namespace smctx_fmt {
inline constexpr Field P{"P", 0, 1};
inline constexpr Field FPD{"FPD", 1, 1};
inline constexpr Field DTE{"DTE", 2, 1};
inline constexpr Field PASIDE{"PASIDE", 3, 1};
inline constexpr Field PRE{"PRE", 4, 1};
inline constexpr Field RSVD_LO{"RSVD_LO", 5, 4};
inline constexpr Field PDTS{"PDTS", 9, 3};
inline constexpr Field PASIDDIRPTR{"PASIDDIRPTR", 12, 52};
inline constexpr Field RID_PASID{"RID_PASID", 64, 20};
inline constexpr Field RID_PRIV{"RID_PRIV", 84, 1};
inline constexpr Field RSVD_HI{"RSVD_HI", 85, 43};
inline constexpr Field RSVD_W2{"RSVD_W2", 128, 64};
inline constexpr Field RSVD_W3{"RSVD_W3", 192, 64};
inline constexpr std::array fields{P, FPD, DTE, PASIDE, PRE, RSVD_LO, PDTS, PASIDDIRPTR, RID_PASID, RID_PRIV, RSVD_HI, RSVD_W2, RSVD_W3};
inline constexpr unsigned bits = 256;
static_assert(fields_well_formed(fields, bits));
}  // namespace smctx_fmt

// ---- PASID directory entry (64 bits), §3 ----
namespace pdir_fmt {
inline constexpr Field P{"P", 0, 1};
inline constexpr Field FPD{"FPD", 1, 1};
inline constexpr Field RSVD{"RSVD", 2, 10};
inline constexpr Field SMPTBLPTR{"SMPTBLPTR", 12, 52};
inline constexpr std::array fields{P, FPD, RSVD, SMPTBLPTR};
inline constexpr unsigned bits = 64;
static_assert(fields_well_formed(fields, bits));
}  // namespace pdir_fmt

// ---- scalable-mode PASID table entry (512 bits), §4.1 ----
namespace pasid_fmt {
// chunk 0 (val[0], val[1])
inline constexpr Field P{"P", 0, 1};
inline constexpr Field FPD{"FPD", 1, 1};
inline constexpr Field AW{"AW", 2, 3};
inline constexpr Field SSEE{"SSEE", 5, 1};
inline constexpr Field PGTT{"PGTT", 6, 3};
inline constexpr Field SSADE{"SSADE", 9, 1};
inline constexpr Field RSVD_0{"RSVD_0", 10, 2};
inline constexpr Field SLPTPTR{"SLPTPTR", 12, 52};
inline constexpr Field DID{"DID", 64, 16};
inline constexpr Field RSVD_1{"RSVD_1", 80, 7};
inline constexpr Field PWSNP{"PWSNP", 87, 1};
inline constexpr Field PGSNP{"PGSNP", 88, 1};
inline constexpr Field CD{"CD", 89, 1};
inline constexpr Field EMTE{"EMTE", 90, 1};
inline constexpr Field EMT{"EMT", 91, 3};
inline constexpr Field PWT{"PWT", 94, 1};
inline constexpr Field PCD{"PCD", 95, 1};
inline constexpr Field PAT{"PAT", 96, 32};
// chunk 1 (val[2], val[3])
inline constexpr Field SRE{"SRE", 128, 1};
inline constexpr Field ERE{"ERE", 129, 1};
inline constexpr Field FLPM{"FLPM", 130, 2};
inline constexpr Field WPE{"WPE", 132, 1};
inline constexpr Field NXE{"NXE", 133, 1};
inline constexpr Field SMEP{"SMEP", 134, 1};
inline constexpr Field EAFE{"EAFE", 135, 1};
inline constexpr Field RSVD_2{"RSVD_2", 136, 4};
inline constexpr Field FLPTPTR{"FLPTPTR", 140, 52};
inline constexpr Field RSVD_3{"RSVD_3", 192, 64};
// chunks 2 and 3 (val[4..7]) are reserved
inline constexpr Field RSVD_4{"RSVD_4", 256, 64};
inline constexpr Field RSVD_5{"RSVD_5", 320, 64};
inline constexpr Field RSVD_6{"RSVD_6", 384, 64};
inline constexpr Field RSVD_7{"RSVD_7", 448, 64};
inline constexpr std::array fields{P,     FPD,   AW,     SSEE,   PGTT,   SSADE,   RSVD_0, SLPTPTR, DID,
                                   RSVD_1, PWSNP, PGSNP, CD,     EMTE,   EMT,     PWT,    PCD,     PAT,
                                   SRE,    ERE,   FLPM,  WPE,    NXE,    SMEP,    EAFE,   RSVD_2,  FLPTPTR,
                                   RSVD_3, RSVD_4, RSVD_5, RSVD_6, RSVD_7};
inline constexpr unsigned bits = 512;
static_assert(fields_well_formed(fields, bits));

// PASID-granular translation types (PGTT).
inline constexpr u64 PGTT_FL = 1;
inline constexpr u64 PGTT_SL = 2;
inline constexpr u64 PGTT_NESTED = 3;
inline constexpr u64 PGTT_PT = 4;
// Linux's reserved DIDs (vtd-facts §4.2).
inline constexpr u16 FLPT_DEFAULT_DID = 1;
}  // namespace pasid_fmt

// ---- first-level paging entry (64 bits, x86 page-table format) ----
namespace flpte_fmt {
inline constexpr Field P{"P", 0, 1};
inline constexpr Field RW{"R/W", 1, 1};
inline constexpr Field US{"U/S", 2, 1};
inline constexpr Field PWT{"PWT", 3, 1};
inline constexpr Field PCD{"PCD", 4, 1};
inline constexpr Field A{"A", 5, 1};
inline constexpr Field D{"D", 6, 1};
inline constexpr Field PS{"PS", 7, 1};
inline constexpr Field ADDR{"ADDR", 12, 40};
inline constexpr Field XD{"XD", 63, 1};
inline constexpr std::array fields{P, RW, US, PWT, PCD, A, D, PS, ADDR, XD};
inline constexpr unsigned bits = 64;
static_assert(fields_well_formed(fields, bits));
}  // namespace flpte_fmt

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
EntryBits smroot_used_bits(const EntryBits& e);
EntryBits smcontext_used_bits(const EntryBits& e);
EntryBits pasid_dir_used_bits(const EntryBits& e);
EntryBits pasid_used_bits(const EntryBits& e);
EntryBits flpte_used_bits(const EntryBits& e);

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
