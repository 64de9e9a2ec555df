#include "checkers/reference_walk.hpp"

#include <algorithm>

#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"
#include "scenario/scenario.hpp"

namespace vtd {

RefWalkConfig ref_walk_config(const IommuConfig& cfg) {
  return RefWalkConfig{cfg.mode == TranslationMode::Scalable, cfg.sagaw, cfg.pass_through, cfg.fl5lp};
}

std::string to_string(const RefOutcome& o) { return o.fault ? "fault " + hex(o.reason) : "pa " + hex(o.pa); }

namespace {

// Result of one stage: a fault, or an address (and permissions).
struct Step {
  bool fault = false;
  u8 reason = 0;
  Addr out = 0;
  bool r = true, w = true;
};
Step fail(u8 reason) { return Step{true, reason, 0, false, false}; }

// Bits [lo, lo + n) of v.
u64 bits(u64 v, unsigned lo, unsigned n) { return (v >> lo) & (n >= 64 ? ~u64{0} : (u64{1} << n) - 1); }
// Offset of `a` within a page of 2^shift bytes, and the page base of `pfn_field << 12`.
Addr join(u64 addr_field, Addr in, unsigned shift) {
  const Addr low = (Addr{1} << shift) - 1;
  return ((addr_field << 12) & ~low) | (in & low);
}
// Index into the table of `level` (1 = the leaf table) for input `a`.
Addr slot(Addr a, unsigned level) { return bits(a, 12 + 9 * (level - 1), 9); }

struct Walker {
  const RefWalkConfig& cfg;
  const WordReader& rd;

  EntryBits entry(Addr at, unsigned nbits) const {
    EntryBits e;
    for (unsigned i = 0; i < nbits / 64; ++i) e.w[i] = rd(at + 8 * i);
    return e;
  }
  bool agaw_supported(u64 aw) const {
    return std::find(cfg.sagaw.begin(), cfg.sagaw.end(), aw) != cfg.sagaw.end();
  }

  // ---- legacy mode: root -> context -> second-level table
  Step legacy(Addr rtaddr, Rid rid, Addr iova, bool write) const {
    const EntryBits root = entry(rtaddr + 16 * Addr{rid.bus()}, 128);
    if (!root_fmt::P.get(root)) return fail(fault::kRootNotPresent);
    if (root_fmt::RSVD_LO.get(root) || root_fmt::RSVD_HI.get(root)) return fail(fault::kRootReserved);
    const EntryBits ctx = entry((root_fmt::CTP.get(root) << 12) + 16 * Addr{rid.devfn()}, 128);
    using namespace ctx_fmt;
    if (!P.get(ctx)) return fail(fault::kContextNotPresent);
    if (RSVD_LO.get(ctx) || RSVD_HI7.get(ctx) || RSVD_HI.get(ctx)) return fail(fault::kContextReserved);
    const u64 tt = TT.get(ctx), aw = AW.get(ctx);
    if (tt != TT_MULTI_LEVEL && tt != TT_DEV_IOTLB && tt != TT_PASS_THROUGH)
      return fail(fault::kContextInvalid);
    if (!agaw_supported(aw)) return fail(fault::kContextInvalid);
    if (tt == TT_PASS_THROUGH) {
      if (!cfg.pass_through) return fail(fault::kContextInvalid);
      return Step{false, 0, iova};
    }
    // Untranslated requests of a dev_iotlb context walk like multi_level ones.
    const unsigned width = 30 + 9 * static_cast<unsigned>(aw);
    if (bits(iova, width, 64 - width)) return fail(fault::kBeyondMgaw);
    return legacy_sl(SLPTPTR.get(ctx) << 12, static_cast<unsigned>(aw) + 2, iova, write);
  }
  // Each level's own R/W must allow the request (not-present = R = W = 0).
  Step legacy_sl(Addr table, unsigned level, Addr iova, bool write) const {
    const u64 pte = rd(table + 8 * slot(iova, level));
    const bool r = bits(pte, 0, 1), w = bits(pte, 1, 1), ps = bits(pte, 7, 1);
    if (write && !w) return fail(fault::kNoWrite);
    if (!write && !r) return fail(fault::kNoRead);
    if (ps && level >= 4) return fail(fault::kPteReserved);
    if (level == 1 || ps) return Step{false, 0, join(bits(pte, 12, 40), iova, 12 + 9 * (level - 1)), r, w};
    return legacy_sl(bits(pte, 12, 40) << 12, level - 1, iova, write);
  }

  // ---- scalable mode: root -> context -> PASID directory -> PASID entry
  Step scalable(Addr rtaddr, Rid rid, std::optional<u32> req_pasid, Addr iova, bool write) const {
    const EntryBits root = entry(rtaddr + 16 * Addr{rid.bus()}, 128);
    const bool upper = rid.devfn() & 0x80;
    using namespace smroot_fmt;
    if (!(upper ? UP : LP).get(root)) return fail(fault::kSmRootNotPresent);
    if ((upper ? RSVD_HI : RSVD_LO).get(root)) return fail(fault::kSmRootReserved);
    const Addr ctx_table = (upper ? UCTP : LCTP).get(root) << 12;
    const EntryBits ctx = entry(ctx_table + 32 * Addr{rid.devfn() & 0x7fu}, 256);
    if (!smctx_fmt::P.get(ctx)) return fail(fault::kSmContextNotPresent);
    if (smctx_fmt::RSVD_LO.get(ctx) || smctx_fmt::RSVD_HI.get(ctx) || smctx_fmt::RSVD_W2.get(ctx) ||
        smctx_fmt::RSVD_W3.get(ctx))
      return fail(fault::kSmContextReserved);
    // 2^(PDTS + 7) directory entries, 64 PASIDs each.
    const u64 npasids = u64{64} << (smctx_fmt::PDTS.get(ctx) + 7);
    u64 pasid;
    if (req_pasid) {
      if (!smctx_fmt::PASIDE.get(ctx)) return fail(fault::kSmPasidDisabled);
      pasid = *req_pasid;
      if (pasid >= npasids) return fail(fault::kSmPasidTooLarge);
    } else {
      pasid = smctx_fmt::RID_PASID.get(ctx);
      if (pasid >= npasids) return fail(fault::kSmRidPasidError);
    }
    const u64 dir = rd((smctx_fmt::PASIDDIRPTR.get(ctx) << 12) + 8 * (pasid / 64));
    if (!bits(dir, 0, 1)) return fail(fault::kSmPasidDirNotPresent);
    if (bits(dir, 2, 10)) return fail(fault::kSmPasidDirReserved);
    const EntryBits pe = entry((bits(dir, 12, 52) << 12) + 64 * (pasid % 64), 512);
    using namespace pasid_fmt;
    if (!P.get(pe)) return fail(fault::kSmPasidNotPresent);
    for (const Field& f : {RSVD_0, RSVD_1, RSVD_2, RSVD_3, RSVD_4, RSVD_5, RSVD_6, RSVD_7})
      if (f.get(pe)) return fail(fault::kSmPasidReserved);
    const u64 pgtt = PGTT.get(pe);
    if (pgtt == PGTT_PT) return cfg.pass_through ? Step{false, 0, iova} : fail(fault::kSmPasidInvalid);
    if (pgtt != PGTT_FL && pgtt != PGTT_SL && pgtt != PGTT_NESTED) return fail(fault::kSmPasidInvalid);
    const Sl sl{SLPTPTR.get(pe) << 12, static_cast<unsigned>(AW.get(pe)), pgtt == PGTT_NESTED};
    if (pgtt != PGTT_FL && !agaw_supported(AW.get(pe))) return fail(fault::kSmPasidInvalid);
    if (pgtt == PGTT_SL) return sl_translate(sl, iova, SlUse::Final, write);
    const u64 flpm = FLPM.get(pe);
    if (flpm >= 2 || (flpm == 1 && !cfg.fl5lp)) return fail(fault::kSmPasidInvalid);
    const unsigned levels = flpm ? 5 : 4;
    // Canonical: bits 63..(width-1) all equal.
    const unsigned width = levels == 5 ? 57 : 48;
    const u64 high = bits(iova, width - 1, 64 - (width - 1));
    if (high != 0 && high != bits(~u64{0}, 0, 64 - (width - 1))) return fail(fault::kFlNonCanonical);
    Addr table = FLPTPTR.get(pe) << 12;
    if (pgtt == PGTT_NESTED) {
      const Step t = sl_translate(sl, table, SlUse::FlTop, false);
      if (t.fault) return t;
      table = t.out;
    }
    return first_level(sl, pgtt == PGTT_NESTED, table, levels, iova, write, true);
  }

  // A second-level table: its root, AGAW code and whether it serves a nested walk.
  struct Sl {
    Addr root;
    unsigned aw;
    bool nested;
  };
  enum class SlUse { Final, FlTop, FlTable };

  // Translates `in` through a second-level table; permissions accumulate
  // over the levels.
  Step sl_translate(const Sl& sl, Addr in, SlUse use, bool write) const {
    const unsigned width = 30 + 9 * sl.aw;
    if (bits(in, width, 64 - width)) return fail(sl.nested ? fault::kNestedBeyondMax : fault::kSmBeyondMax);
    Addr table = sl.root;
    bool r = true, w = true;
    for (unsigned level = sl.aw + 2;; --level) {
      const u64 pte = rd(table + 8 * slot(in, level));
      const bool pr = bits(pte, 0, 1), pw = bits(pte, 1, 1), ps = bits(pte, 7, 1);
      if (!pr && !pw) return fail(fault::kSlNotPresent);
      r = r && pr;
      w = w && pw;
      if (use == SlUse::Final && write && !w) return fail(fault::kSmNoWrite);
      if (use == SlUse::Final && !write && !r) return fail(fault::kSmNoRead);
      if (use == SlUse::FlTop && !r) return fail(fault::kNestedFlTopNoRead);
      if (use == SlUse::FlTable && !r) return fail(fault::kNestedFlNoRead);
      if (ps && level >= 4) return fail(fault::kSlReserved);
      if (level == 1 || ps) return Step{false, 0, join(bits(pte, 12, 40), in, 12 + 9 * (level - 1)), r, w};
      table = bits(pte, 12, 40) << 12;
    }
  }

  // An x86 page table at `table` (host-physical) with `level` levels left;
  // R/W accumulates. Nested: each next table and the output are guest-physical.
  Step first_level(const Sl& sl, bool nested, Addr table, unsigned level, Addr iova, bool write,
                   bool w) const {
    const u64 pte = rd(table + 8 * slot(iova, level));
    if (!bits(pte, 0, 1)) return fail(fault::kFlNotPresent);
    w = w && bits(pte, 1, 1);
    if (write && !w) return fail(fault::kSmNoWrite);
    const bool ps = bits(pte, 7, 1);
    if (ps && level >= 4) return fail(fault::kFlReserved);
    if (level == 1 || ps) {
      const Addr out = join(bits(pte, 12, 40), iova, 12 + 9 * (level - 1));
      if (!nested) return Step{false, 0, out, true, w};
      return sl_translate(sl, out, SlUse::Final, write);
    }
    Addr next = bits(pte, 12, 40) << 12;
    if (nested) {
      const Step t = sl_translate(sl, next, SlUse::FlTable, false);
      if (t.fault) return t;
      next = t.out;
    }
    return first_level(sl, nested, next, level - 1, iova, write, w);
  }
};

}  // namespace

RefOutcome reference_walk(const RefWalkConfig& cfg, Addr rtaddr, const WordReader& read, Rid rid,
                          std::optional<u32> pasid, Addr iova, bool write) {
  const Walker wk{cfg, read};
  const Step s =
      cfg.scalable ? wk.scalable(rtaddr, rid, pasid, iova, write) : wk.legacy(rtaddr, rid, iova, write);
  if (s.fault) return RefOutcome{true, s.reason, 0};
  return RefOutcome{false, 0, s.out};
}

}  // namespace vtd
