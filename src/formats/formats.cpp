#include "formats/formats.hpp"

#include <cstdio>

namespace vtd {

std::string_view to_string(EntryKind k) {
  switch (k) {
    case EntryKind::Root: return "root";
    case EntryKind::Context: return "context";
    case EntryKind::SlPte: return "sl_pte";
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
}  // namespace

EntryBits root_used_bits(const EntryBits& e) {
  using namespace root_fmt;
  EntryBits m;
  P.add_to(m);
  if (P.get(e) == 0) return m;
  // Hardware follows CTP and checks the reserved bits of a present entry.
  return mask_of(fields);
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

const Format& format_of(EntryKind k) {
  static const Format root{EntryKind::Root,  "root",       root_fmt::bits,
                           root_fmt::fields, &root_fmt::P, &root_used_bits};
  static const Format ctx{EntryKind::Context, "context",   ctx_fmt::bits,
                          ctx_fmt::fields,    &ctx_fmt::P, &context_used_bits};
  static const Format pte{EntryKind::SlPte,  "sl_pte", slpte_fmt::bits,
                          slpte_fmt::fields, nullptr,  &slpte_used_bits};
  switch (k) {
    case EntryKind::Root: return root;
    case EntryKind::Context: return ctx;
    case EntryKind::SlPte: return pte;
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
