#include "formats/formats.hpp"

#include <cstdio>

namespace vtd {

std::string_view to_string(EntryKind k) {
  switch (k) {
    case EntryKind::Root: return "root";
    case EntryKind::Context: return "context";
    case EntryKind::SlPte: return "sl_pte";
    case EntryKind::SmRoot: return "sm_root";
    case EntryKind::SmContext: return "sm_context";
    case EntryKind::PasidDir: return "pasid_dir";
    case EntryKind::Pasid: return "pasid";
    case EntryKind::FlPte: return "fl_pte";
  }
  return "?";
}

namespace {
template <std::size_t N>
EntryBits mask_of(const std::array<Field, N>& fs) {
  EntryBits m;
  for (const Field& f : fs) f.add_to(m);
  return m;
}
// The common rule: a non-present entry is only its P bit to hardware; a
// present one is read whole, reserved bits included (set ones fault).
template <std::size_t N>
EntryBits p_only_unless_present(const Field& p, const std::array<Field, N>& fs, const EntryBits& e) {
  if (p.get(e) != 0) return mask_of(fs);
  EntryBits m;
  p.add_to(m);
  return m;
}
}  // namespace

EntryBits root_used_bits(const EntryBits& e) {
  return p_only_unless_present(root_fmt::P, root_fmt::fields, e);
}

EntryBits context_used_bits(const EntryBits& e) {
  using namespace ctx_fmt;
  EntryBits m;
  P.add_to(m);
  if (P.get(e) == 0) return m;
  // AVAIL is software's; everything else of a present entry is interpreted,
  // reserved bits included (set ones fault).
  for (const Field& f : {FPD, TT, RSVD_LO, AW, RSVD_HI7, DID, RSVD_HI}) f.add_to(m);
  // Pass-through ignores the address root.
  if (TT.get(e) != TT_PASS_THROUGH) SLPTPTR.add_to(m);
  return m;
}

EntryBits slpte_used_bits(const EntryBits& e) {
  using namespace slpte_fmt;
  EntryBits m;
  R.add_to(m);
  W.add_to(m);
  if (R.get(e) == 0 && W.get(e) == 0) return m;
  return mask_of(fields);
}

EntryBits smroot_used_bits(const EntryBits& e) {
  using namespace smroot_fmt;
  // Each half is its own present bit and pointer; reserved bits always checked.
  EntryBits m;
  for (const Field& f : {LP, RSVD_LO, UP, RSVD_HI}) f.add_to(m);
  if (LP.get(e)) LCTP.add_to(m);
  if (UP.get(e)) UCTP.add_to(m);
  return m;
}

EntryBits smcontext_used_bits(const EntryBits& e) {
  return p_only_unless_present(smctx_fmt::P, smctx_fmt::fields, e);
}

EntryBits pasid_dir_used_bits(const EntryBits& e) {
  return p_only_unless_present(pdir_fmt::P, pdir_fmt::fields, e);
}

EntryBits pasid_used_bits(const EntryBits& e) {
  using namespace pasid_fmt;
  EntryBits m;
  P.add_to(m);
  // FPD is honoured for a non-present entry too: that is how Linux silences
  // faults after an SVA process exits (seed 001, pasid_clear_entry_with_fpd).
  FPD.add_to(m);
  if (P.get(e) == 0) return m;
  for (const Field& f :
       {PGTT, DID, PWSNP, PGSNP, RSVD_0, RSVD_1, RSVD_2, RSVD_3, RSVD_4, RSVD_5, RSVD_6, RSVD_7})
    f.add_to(m);
  const u64 pgtt = PGTT.get(e);
  const bool first = pgtt == PGTT_FL || pgtt == PGTT_NESTED;
  const bool second = pgtt == PGTT_SL || pgtt == PGTT_NESTED;
  if (first)
    for (const Field& f : {FLPTPTR, FLPM, SRE, ERE, WPE, NXE, SMEP, EAFE, PWT, PCD, PAT}) f.add_to(m);
  if (second)
    for (const Field& f : {SLPTPTR, AW, SSEE, SSADE, CD, EMTE, EMT}) f.add_to(m);
  if (!first && !second && pgtt != PGTT_PT) {
    // An invalid PGTT faults whatever the rest holds: every field matters.
    return mask_of(fields);
  }
  return m;
}

EntryBits flpte_used_bits(const EntryBits& e) {
  return p_only_unless_present(flpte_fmt::P, flpte_fmt::fields, e);
}

const Format& format_of(EntryKind k) {
  static const Format root{EntryKind::Root,  "root",       root_fmt::bits,
                           root_fmt::fields, &root_fmt::P, &root_used_bits};
  static const Format ctx{EntryKind::Context, "context",   ctx_fmt::bits,
                          ctx_fmt::fields,    &ctx_fmt::P, &context_used_bits};
  static const Format pte{EntryKind::SlPte,  "sl_pte", slpte_fmt::bits,
                          slpte_fmt::fields, nullptr,  &slpte_used_bits};
  static const Format smroot{EntryKind::SmRoot,  "sm_root", smroot_fmt::bits,
                             smroot_fmt::fields, nullptr,   &smroot_used_bits};
  static const Format smctx{EntryKind::SmContext, "sm_context",  smctx_fmt::bits,
                            smctx_fmt::fields,    &smctx_fmt::P, &smcontext_used_bits};
  static const Format pdir{EntryKind::PasidDir, "pasid_dir",  pdir_fmt::bits,
                           pdir_fmt::fields,    &pdir_fmt::P, &pasid_dir_used_bits};
  static const Format pasid{EntryKind::Pasid,  "pasid",       pasid_fmt::bits,
                            pasid_fmt::fields, &pasid_fmt::P, &pasid_used_bits};
  static const Format flpte{EntryKind::FlPte,  "fl_pte",      flpte_fmt::bits,
                            flpte_fmt::fields, &flpte_fmt::P, &flpte_used_bits};
  switch (k) {
    case EntryKind::Root: return root;
    case EntryKind::Context: return ctx;
    case EntryKind::SlPte: return pte;
    case EntryKind::SmRoot: return smroot;
    case EntryKind::SmContext: return smctx;
    case EntryKind::PasidDir: return pdir;
    case EntryKind::Pasid: return pasid;
    case EntryKind::FlPte: return flpte;
  }
  return root;
}

std::vector<FieldDiff> diff_fields(const Format& f, const EntryBits& a, const EntryBits& b,
                                   const EntryBits& mask) {
  std::vector<FieldDiff> out;
  for (const Field& fd : f.fields) {
    EntryBits fm;
    fd.add_to(fm);
    if (!((a ^ b) & fm & mask).any()) continue;
    out.push_back({fd.name, fd.get(a), fd.get(b)});
  }
  return out;
}

std::string describe(const Format& f, const EntryBits& e) {
  std::string s;
  for (const Field& fd : f.fields) {
    u64 v = fd.get(e);
    bool reserved = fd.name.starts_with("RSVD");
    if (reserved && v == 0) continue;
    if (!s.empty()) s += ' ';
    s += fd.name;
    s += '=';
    s += fd.width > 4 ? hex(v) : std::to_string(v);
  }
  return s;
}

}  // namespace vtd
