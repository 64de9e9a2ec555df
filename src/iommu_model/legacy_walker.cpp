#include "iommu_model/legacy_walker.hpp"

#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"

namespace vtd {

LegacyContext LegacyWalker::decode_context(const WalkerConfig& cfg, const EntryBits& e) {
  using namespace ctx_fmt;
  LegacyContext c;
  if (!P.get(e)) {
    c.fault = fault::kContextNotPresent;
    return c;
  }
  if (RSVD_LO.get(e) || RSVD_HI7.get(e) || RSVD_HI.get(e)) {
    c.fault = fault::kContextReserved;
    return c;
  }
  const u64 tt = TT.get(e);
  c.aw = static_cast<u8>(AW.get(e));
  c.did = static_cast<u16>(DID.get(e));
  if (tt > TT_PASS_THROUGH || !((cfg.sagaw_mask >> c.aw) & 1)) {
    c.fault = fault::kContextInvalid;
    return c;
  }
  if (tt == TT_PASS_THROUGH) {
    if (!cfg.pass_through) c.fault = fault::kContextInvalid;
    c.pass_through = true;
    return c;
  }
  c.table = SLPTPTR.get(e) << 12;
  return c;
}

// The request-dependent part of the context stage. Every outcome either sets
// next_ (the page walk) or ends the walk.
void LegacyWalker::resume_at_context(const LegacyContext& c) {
  aw_ = c.aw;
  result_.did = c.did;
  if (c.fault) return fault(c.fault);
  if (c.pass_through) {
    result_.pa = iova_;
    result_.read = result_.write = true;
    stage_ = Stage::Done;
    return;
  }
  if (iova_ >> agaw_width(aw_)) return fault(fault::kBeyondMgaw);
  stage_ = Stage::Pte;
  level_ = agaw_levels(aw_);
  top_level_ = level_;
  // Field by field: building an EntryId and copying it cost twice as much.
  next_.kind = EntryKind::SlPte;
  next_.addr = c.table + 8 * ((iova_ >> (12 + 9 * (level_ - 1))) & 511);
  next_.rid = rid_;
  next_.level = level_;
  next_.pasid = 0;
}

void LegacyWalker::complete_from_iotlb(Addr pa, bool read, bool write, unsigned page_shift) {
  result_.pa = pa;
  result_.read = read;
  result_.write = write;
  result_.page_shift = page_shift;
  stage_ = Stage::Done;
}

void LegacyWalker::fault(u8 reason) {
  result_.fault = true;
  result_.reason = reason;
  stage_ = Stage::Done;
}

void LegacyWalker::on_entry(const EntryBits& e) {
  switch (stage_) {
    case Stage::Root: {
      using namespace root_fmt;
      if (!P.get(e)) return fault(fault::kRootNotPresent);
      if (RSVD_LO.get(e) || RSVD_HI.get(e)) return fault(fault::kRootReserved);
      stage_ = Stage::Context;
      next_ = EntryId{EntryKind::Context, (CTP.get(e) << 12) + 16 * rid_.devfn(), rid_, 0};
      return;
    }
    case Stage::Context: return resume_at_context(decode_context(cfg_, e));
    case Stage::Pte: {
      using namespace slpte_fmt;
      const bool r = R.get(e), w = W.get(e);
      if (write_ ? !w : !r) return fault(write_ ? fault::kNoWrite : fault::kNoRead);
      const bool large = PS.get(e) && level_ > 1;
      if (PS.get(e) && level_ > 3) return fault(fault::kPteReserved);
      const Addr base = ADDR.get(e) << 12;
      if (level_ == 1 || large) {
        const unsigned shift = 12 + 9 * (level_ - 1);
        result_.pa = (base & ~((Addr{1} << shift) - 1)) | (iova_ & ((Addr{1} << shift) - 1));
        result_.read = r;
        result_.write = w;
        result_.page_shift = shift;
        stage_ = Stage::Done;
        return;
      }
      --level_;
      next_ = EntryId{EntryKind::SlPte, base + 8 * ((iova_ >> (12 + 9 * (level_ - 1))) & 511), rid_, level_};
      return;
    }
    case Stage::Done: return;
  }
}

}  // namespace vtd
