#include "iommu_model/scalable_walker.hpp"

#include <algorithm>

#include "formats/formats.hpp"
#include "iommu_model/fault_reasons.hpp"

// Which check raises which fault reason. Codes and meanings: vtd-facts §10
// (Linux dmar.c dma_remap_sm_fault_reasons[]); [Q] marks a code QEMU's
// VTDFaultReason defines under that meaning (hw/i386/intel_iommu_internal.h).
// QEMU still reports legacy codes (1, 2, 4, 5, 6, 0xC) for root, context and
// second-level faults in scalable mode; the model uses the scalable-mode codes
// that Linux decodes for these structures instead.
//
//   Structure     Check (in order)                                  Code
//   root          selected half (LP / UP) clear                     0x39
//                 selected half's reserved bits set                 0x3A
//   context       P clear                                           0x41
//                 reserved bits set (8:5, 127:85, 255:128)          0x42
//                 request with PASID, PASIDE clear                  0x45
//                 request PASID >= 2^(PDTS+7) * 64                  0x46
//                 no PASID: RID_PASID >= 2^(PDTS+7) * 64            0x48 (RID_PASID error)
//   PASID dir     P clear                                           0x51 [Q]
//                 reserved bits 11:2 set                            0x52
//   PASID entry   P clear                                           0x59 [Q]
//                 reserved bits set                                 0x5A
//                 PGTT not 1..4, PT without ECAP.PT, AW not in      0x5B [Q] (QEMU raises it for the
//                 SAGAW (SL, nested), FLPM 2/3 or 5-level without   same PGTT and level checks)
//                 CAP.FL5LP (FL, nested)
//   first level   address not canonical for 48/57 bits              0x80 [Q]
//                 P clear                                           0x71 [Q]
//                 write request, R/W clear at any level             0x85 [Q] (VTD_FR_SM_WRITE)
//                 PS set at level 4 or 5                            0x72 [Q]
//   second level  input beyond the PASID entry's AGAW (SL only)     0x83 (beyond the DMA maximum)
//                 R = W = 0 (the entry is not present)              0x79 (SL R/W permission error)
//                 request's access denied (cumulative R or W)       0x85 write / 0x86 read
//                 PS set at level 4 or 5                            0x7A
//   nested        GPA from the first level (table pointer or        0x74 (FL address beyond
//                 output) beyond the second-level AGAW                    MGAW in nested)
//                 SL denies reading the FLPTPTR table               0x75 (FL-PML4 read permission)
//                 SL denies reading a lower first-level table       0x76 (FL entry read permission)
//                 (R = W = 0 and reserved bits as for second level: 0x79, 0x7A)
//
// Not modelled: access errors (0x38, 0x40, 0x50, 0x58, 0x70, 0x73, 0x78) since
// memory always answers; DTE and PRE (0x44, 0x47), which concern ATS
// translation and page requests; ERE, SRE, U/S and execute (0x5C, 0x5D, 0x81,
// 0x82), since requests carry no privilege or execute attribute; A/D updates
// (0x77, 0x7C, 0x90), since the walk does not write.
//
// FPD: a present context entry, a present PASID directory entry, or a PASID
// entry whatever its P (Linux leaves P = 0, FPD = 1 after an SVA process
// exits, vtd-facts §7.5) with FPD = 1 disables recording of every fault found
// at or after it. This matches which bits formats.cpp counts as used.

namespace vtd {

namespace {

unsigned index_at(Addr a, unsigned level) {
  return static_cast<unsigned>((a >> (12 + 9 * (level - 1))) & 511);
}
unsigned level_shift(unsigned level) { return 12 + 9 * (level - 1); }
Addr low_mask(unsigned shift) { return (Addr{1} << shift) - 1; }

}  // namespace

void ScalableWalker::start(const DmaRequest& req, std::optional<u32> pasid, Addr rtaddr) {
  // Field by field, as LegacyWalker::start: the request was just written so,
  // and a struct copy would read it back with wider loads.
  req_.id = req.id;
  req_.rid = req.rid;
  req_.iova = req.iova;
  req_.write = req.write;
  req_.arrived = req.arrived;
  req_pasid_ = pasid;
  result_ = ScalableResult{};
  result_.pasid = pasid.value_or(0);
  fpd_ = false;
  mode_ = Mode::None;
  stage_ = WalkStage::Root;
  // Every field as a new walker has it (restart reuses one).
  sl_root_ = 0;
  sl_aw_ = 0;
  sl_purpose_ = SlPurpose::Final;
  sl_input_ = 0;
  sl_level_ = 0;
  sl_read_ = sl_write_ = true;
  fl_level_ = 0;
  fl_write_ = true;
  fl_shift_ = 12;
  // One root entry serves a whole bus, so its identity carries the bus only
  // (as in the legacy walker).
  next_ = EntryId{EntryKind::SmRoot, rtaddr + 16 * req.rid.bus(), Rid::from(req.rid.bus(), 0, 0), 0, 0};
}

void ScalableWalker::fault(u8 reason) {
  result_.fault = true;
  result_.reason = reason;
  result_.fault_recorded = !fpd_;
  stage_ = WalkStage::Done;
}

void ScalableWalker::finish(Addr pa, bool read, bool write, unsigned shift) {
  result_.pa = pa;
  result_.read = read;
  result_.write = write;
  result_.page_shift = shift;
  stage_ = WalkStage::Done;
}

void ScalableWalker::on_entry(const EntryBits& e) {
  switch (stage_) {
    case WalkStage::Root: return on_root(e);
    case WalkStage::Context: return on_context(e);
    case WalkStage::PasidDir: return on_pasid_dir(e);
    case WalkStage::PasidEntry: return on_pasid_entry(e);
    case WalkStage::PageWalk:
      if (next_.kind == EntryKind::SlPte) return on_sl(e);
      return on_fl(e);
    case WalkStage::Done: return;
  }
}

void ScalableWalker::resume_at_context(const EntryBits& value, Addr addr) {
  stage_ = WalkStage::Context;
  next_ = EntryId{EntryKind::SmContext, addr, req_.rid, 0, 0};
  on_context(value);
}

void ScalableWalker::resume_at_pasid_entry(const EntryBits& value, Addr addr) {
  stage_ = WalkStage::PasidEntry;
  next_ = EntryId{EntryKind::Pasid, addr, req_.rid, 0, result_.pasid};
  on_pasid_entry(value);
}

void ScalableWalker::on_root(const EntryBits& e) {
  using namespace smroot_fmt;
  // devfn 0x00-0x7F use the lower half, 0x80-0xFF the upper (§1.2).
  const bool upper = req_.rid.devfn() >= 0x80;
  const Field& present = upper ? UP : LP;
  const Field& rsvd = upper ? RSVD_HI : RSVD_LO;
  const Field& ctp = upper ? UCTP : LCTP;
  if (!present.get(e)) return fault(fault::kSmRootNotPresent);
  if (rsvd.get(e)) return fault(fault::kSmRootReserved);
  stage_ = WalkStage::Context;
  next_ = EntryId{EntryKind::SmContext, (ctp.get(e) << 12) + 32 * (req_.rid.devfn() & 0x7f), req_.rid, 0, 0};
}

void ScalableWalker::on_context(const EntryBits& e) {
  using namespace smctx_fmt;
  if (!P.get(e)) return fault(fault::kSmContextNotPresent);
  if (FPD.get(e)) fpd_ = true;
  if (RSVD_LO.get(e) || RSVD_HI.get(e) || RSVD_W2.get(e) || RSVD_W3.get(e))
    return fault(fault::kSmContextReserved);
  // The directory has 2^(PDTS+7) entries of 64 PASIDs each.
  const u64 limit = u64{1} << (PDTS.get(e) + 7 + 6);
  if (req_pasid_) {
    if (!PASIDE.get(e)) return fault(fault::kSmPasidDisabled);
    if (*req_pasid_ >= limit) return fault(fault::kSmPasidTooLarge);
  } else {
    result_.pasid = static_cast<u32>(RID_PASID.get(e));
    if (result_.pasid >= limit) return fault(fault::kSmRidPasidError);
  }
  stage_ = WalkStage::PasidDir;
  next_ = EntryId{EntryKind::PasidDir, (PASIDDIRPTR.get(e) << 12) + 8 * (result_.pasid >> 6), req_.rid, 0,
                  result_.pasid};
}

void ScalableWalker::on_pasid_dir(const EntryBits& e) {
  using namespace pdir_fmt;
  if (!P.get(e)) return fault(fault::kSmPasidDirNotPresent);
  if (FPD.get(e)) fpd_ = true;
  if (RSVD.get(e)) return fault(fault::kSmPasidDirReserved);
  stage_ = WalkStage::PasidEntry;
  next_ = EntryId{EntryKind::Pasid, (SMPTBLPTR.get(e) << 12) + 64 * (result_.pasid & 63), req_.rid, 0,
                  result_.pasid};
}

void ScalableWalker::on_pasid_entry(const EntryBits& e) {
  using namespace pasid_fmt;
  // FPD counts even in a non-present entry (see the table above).
  if (FPD.get(e)) fpd_ = true;
  if (!P.get(e)) return fault(fault::kSmPasidNotPresent);
  for (const Field& f : {RSVD_0, RSVD_1, RSVD_2, RSVD_3, RSVD_4, RSVD_5, RSVD_6, RSVD_7})
    if (f.get(e)) return fault(fault::kSmPasidReserved);
  const u64 pgtt = PGTT.get(e);
  result_.pgtt = pgtt;
  result_.did = static_cast<u16>(DID.get(e));

  switch (pgtt) {
    case PGTT_PT:
      if (!cfg_.pass_through) return fault(fault::kSmPasidInvalid);
      return finish(req_.iova, true, true, 12);
    case PGTT_FL: mode_ = Mode::First; break;
    case PGTT_SL: mode_ = Mode::Second; break;
    case PGTT_NESTED: mode_ = Mode::Nested; break;
    default: return fault(fault::kSmPasidInvalid);
  }
  if (mode_ != Mode::First) {
    sl_aw_ = AW.get(e);
    if (!((cfg_.sagaw_mask >> sl_aw_) & 1)) return fault(fault::kSmPasidInvalid);
    sl_root_ = SLPTPTR.get(e) << 12;
  }
  unsigned fl_levels = 0;
  if (mode_ != Mode::Second) {
    const u64 flpm = FLPM.get(e);
    if (flpm > 1 || (flpm == 1 && !cfg_.fl5lp)) return fault(fault::kSmPasidInvalid);
    fl_levels = 4 + static_cast<unsigned>(flpm);
  }

  stage_ = WalkStage::PageWalk;
  if (mode_ == Mode::Second) return begin_sl(req_.iova, SlPurpose::Final);

  // First level: the input must be canonical for 48 (4-level) or 57 bits.
  const unsigned width = 48 + 9 * (fl_levels - 4);
  const u64 top = req_.iova >> (width - 1);
  if (top != 0 && top != (~u64{0} >> (width - 1))) return fault(fault::kFlNonCanonical);
  fl_level_ = fl_levels;
  fl_write_ = true;
  const Addr flptptr = FLPTPTR.get(e) << 12;
  if (mode_ == Mode::First) return fl_point(flptptr);
  // Nested: FLPTPTR is guest-physical.
  begin_sl(flptptr, SlPurpose::FlTop);
}

void ScalableWalker::begin_sl(Addr input, SlPurpose purpose) {
  sl_purpose_ = purpose;
  sl_input_ = input;
  sl_read_ = sl_write_ = true;
  if (input >> agaw_width(sl_aw_))
    return fault(mode_ == Mode::Second ? fault::kSmBeyondMax : fault::kNestedBeyondMax);
  sl_level_ = agaw_levels(sl_aw_);
  sl_point(sl_root_);
}

void ScalableWalker::sl_point(Addr table) {
  next_ = EntryId{EntryKind::SlPte, table + 8 * index_at(sl_input_, sl_level_), req_.rid, sl_level_,
                  result_.pasid};
}

void ScalableWalker::fl_point(Addr table) {
  next_ = EntryId{EntryKind::FlPte, table + 8 * index_at(req_.iova, fl_level_), req_.rid, fl_level_,
                  result_.pasid};
}

void ScalableWalker::on_sl(const EntryBits& e) {
  using namespace slpte_fmt;
  const bool r = R.get(e), w = W.get(e);
  if (!r && !w) return fault(fault::kSlNotPresent);
  sl_read_ = sl_read_ && r;
  sl_write_ = sl_write_ && w;
  // Reading a first-level table needs read permission only (the walk sets no
  // A/D bits); the final translation needs the request's access.
  switch (sl_purpose_) {
    case SlPurpose::Final:
      if (req_.write && !sl_write_) return fault(fault::kSmNoWrite);
      if (!req_.write && !sl_read_) return fault(fault::kSmNoRead);
      break;
    case SlPurpose::FlTop:
      if (!sl_read_) return fault(fault::kNestedFlTopNoRead);
      break;
    case SlPurpose::FlTable:
      if (!sl_read_) return fault(fault::kNestedFlNoRead);
      break;
  }
  if (PS.get(e) && sl_level_ > 3) return fault(fault::kSlReserved);
  const Addr base = ADDR.get(e) << 12;
  if (sl_level_ > 1 && !PS.get(e)) {
    --sl_level_;
    return sl_point(base);
  }
  const unsigned shift = level_shift(sl_level_);
  const Addr out = (base & ~low_mask(shift)) | (sl_input_ & low_mask(shift));
  switch (sl_purpose_) {
    case SlPurpose::Final:
      if (mode_ == Mode::Second) return finish(out, sl_read_, sl_write_, shift);
      // Nested: the first level granted read (P) and fl_write_; the IOTLB can
      // hold the pair only at the smaller of the two page sizes.
      return finish(out, sl_read_, fl_write_ && sl_write_, std::min(fl_shift_, shift));
    case SlPurpose::FlTop:
    case SlPurpose::FlTable: return fl_point(out);
  }
}

void ScalableWalker::on_fl(const EntryBits& e) {
  using namespace flpte_fmt;
  if (!P.get(e)) return fault(fault::kFlNotPresent);
  fl_write_ = fl_write_ && RW.get(e);
  if (req_.write && !fl_write_) return fault(fault::kSmNoWrite);
  // PS is reserved in PML4 and PML5 entries; at level 1 bit 7 is PAT.
  if (PS.get(e) && fl_level_ > 3) return fault(fault::kFlReserved);
  const Addr base = ADDR.get(e) << 12;
  if (fl_level_ > 1 && !PS.get(e)) {
    --fl_level_;
    if (mode_ == Mode::First) return fl_point(base);
    return begin_sl(base, SlPurpose::FlTable);
  }
  // Masking the large-page base also drops bit 12 (PAT in 2M/1G entries).
  const unsigned shift = level_shift(fl_level_);
  const Addr out = (base & ~low_mask(shift)) | (req_.iova & low_mask(shift));
  if (mode_ == Mode::First) return finish(out, true, fl_write_, shift);
  fl_shift_ = shift;
  begin_sl(out, SlPurpose::Final);
}

void ScalableWalker::complete_from_iotlb(Addr pa, bool read, bool write, unsigned page_shift) {
  if (stage_ != WalkStage::PageWalk) return;
  if (req_.write && !write) return fault(fault::kSmNoWrite);
  if (!req_.write && !read) return fault(fault::kSmNoRead);
  finish((pa & ~low_mask(page_shift)) | (req_.iova & low_mask(page_shift)), read, write, page_shift);
}

}  // namespace vtd
