// The scalable-mode translation walk (vtd-facts §1.2, §2.2, §3, §4) as a
// SystemC-free state machine, the counterpart of LegacyWalker: it names the
// entry it needs next, is handed that entry's value (fetched or cached, it
// does not care), and decides. Root -> context -> PASID directory -> PASID
// entry, then pass-through, a second-level walk, a first-level walk, or a
// nested walk whose first-level table pointers and output are guest-physical
// and each go through a second-level walk.
//
// Fault reasons are the scalable-mode codes of vtd-facts §10; the table of
// which check raises which code is at the top of scalable_walker.cpp.
#pragma once

#include <optional>

#include "iommu_model/legacy_walker.hpp"

namespace vtd {

struct ScalableWalkerConfig {
  u8 sagaw_mask = 0b1100;    // bit n: AGAW code n supported for second-level
  bool pass_through = true;  // ECAP.PT
  bool fl5lp = true;         // CAP.FL5LP
};

enum class WalkStage : u8 { Root, Context, PasidDir, PasidEntry, PageWalk, Done };

struct ScalableResult {
  bool fault = false;
  u8 reason = 0;
  bool fault_recorded =
      true;  // false when FPD (context, PASID directory or PASID entry) suppresses recording
  Addr pa = 0;
  bool read = false, write = false;  // permissions of the final translation
  unsigned page_shift = 12;          // 12, 21 or 30
  u32 pasid = 0;                     // effective PASID (request's, or RID_PASID from the context entry)
  u16 did = 0;
  u64 pgtt = 0;
};

class ScalableWalker {
 public:
  explicit ScalableWalker(const ScalableWalkerConfig& cfg) : cfg_(cfg) {}

  // Begin translating `req`; `pasid` is the PASID the request carries (none:
  // the context entry's RID_PASID is used). `rtaddr` is the root table.
  void start(const DmaRequest& req, std::optional<u32> pasid, Addr rtaddr);
  // The same as a new ScalableWalker(cfg) started on `req`.
  void restart(const ScalableWalkerConfig& cfg, const DmaRequest& req, std::optional<u32> pasid,
               Addr rtaddr) {
    cfg_ = cfg;
    start(req, pasid, rtaddr);
  }
  bool done() const { return stage_ == WalkStage::Done; }
  WalkStage stage() const { return stage_; }
  // The entry to fetch next (valid while !done()).
  const EntryId& next_entry() const { return next_; }
  // Hand over the value of next_entry().
  void on_entry(const EntryBits& value);

  // Valid once stage() >= PageWalk: the IOTLB tag of this translation.
  u16 did() const { return result_.did; }
  u64 pgtt() const { return result_.pgtt; }
  u32 effective_pasid() const { return result_.pasid; }
  // End the page walk with an IOTLB hit: `pa` is the cached page frame (low
  // bits below page_shift are taken from the IOVA), `read`/`write` the cached
  // permissions, which the request is checked against. Ignored unless
  // stage() == PageWalk.
  void complete_from_iotlb(Addr pa, bool read, bool write, unsigned page_shift);

  const ScalableResult& result() const { return result_; }

  // Short cuts the caches take: continue as if the entries before had been
  // fetched and this entry (at `addr`) held `value`. A context-cache hit
  // replaces the root and context fetches; a PASID-cache hit (valid at stage
  // PasidDir) replaces the directory and PASID-entry fetches.
  void resume_at_context(const EntryBits& value, Addr addr);
  void resume_at_pasid_entry(const EntryBits& value, Addr addr);

 private:
  // What a second-level walk is translating: the request's address (or, when
  // nested, the first-level output), or the guest-physical address of a
  // first-level table (the top one, FLPTPTR, faults with its own codes).
  enum class SlPurpose : u8 { Final, FlTop, FlTable };
  enum class Mode : u8 { None, Second, First, Nested };

  void fault(u8 reason);
  void on_root(const EntryBits& e);
  void on_context(const EntryBits& e);
  void on_pasid_dir(const EntryBits& e);
  void on_pasid_entry(const EntryBits& e);
  void on_sl(const EntryBits& e);
  void on_fl(const EntryBits& e);
  void begin_sl(Addr input, SlPurpose purpose);
  void sl_point(Addr table);
  void fl_point(Addr table);
  void finish(Addr pa, bool read, bool write, unsigned shift);

  ScalableWalkerConfig cfg_;
  DmaRequest req_;
  std::optional<u32> req_pasid_;
  WalkStage stage_ = WalkStage::Done;
  EntryId next_;
  ScalableResult result_;
  bool fpd_ = false;  // a structure passed so far had FPD = 1

  Mode mode_ = Mode::None;
  // Second-level state: the table root and AGAW from the PASID entry, and
  // the walk in progress.
  Addr sl_root_ = 0;
  u64 sl_aw_ = 0;
  SlPurpose sl_purpose_ = SlPurpose::Final;
  Addr sl_input_ = 0;
  unsigned sl_level_ = 0;
  bool sl_read_ = true, sl_write_ = true;
  // First-level state: the level of the entry being fetched, the write
  // permission so far, and the leaf's page size (nested).
  unsigned fl_level_ = 0;
  bool fl_write_ = true;
  unsigned fl_shift_ = 12;
};

}  // namespace vtd
