// The legacy-mode translation walk as a SystemC-free state machine: it says
// which entry it needs next, is handed that entry's value as fetched, and
// decides. Timing and the bursts themselves belong to the Iommu module, and
// caches (next issue) will sit between the two.
#pragma once

#include "events/events.hpp"

namespace vtd {

struct DmaRequest {
  u64 id = 0;
  Rid rid;
  Addr iova = 0;
  bool write = false;
  Cycle arrived = 0;
};

struct TranslationResult {
  bool fault = false;
  u8 reason = 0;
  Addr pa = 0;
  bool read = false, write = false;  // permissions of the final translation
  unsigned page_shift = 12;
  u16 did = 0;
};

struct WalkerConfig {
  u8 sagaw_mask = 0b1100;  // bit n: AGAW code n supported
  bool pass_through = true;
};

// What a context entry tells the walker, whatever the request: decoded once
// per cached copy (a context-cache hit would otherwise decode and validate
// the same entry again for every request).
struct LegacyContext {
  u8 fault = 0;  // the fault reason every request through the entry takes, or 0
  bool pass_through = false;
  u8 aw = 0;
  u16 did = 0;     // as the walk records it: 0 when the entry faults before its DID is read
  Addr table = 0;  // second-level table
};

class LegacyWalker {
 public:
  explicit LegacyWalker(const WalkerConfig& cfg) : cfg_(cfg) {}

  // Inline: every request starts a walker.
  void start(const DmaRequest& req, Addr rtaddr) {
    // Field by field: a struct copy read the request back with wide loads
    // just after it was written field by field (a store-forwarding stall that
    // profiles put at 40% of Translator::start).
    iova_ = req.iova;
    rid_ = req.rid;
    write_ = req.write;
    result_ = {};
    stage_ = Stage::Root;
    level_ = top_level_ = 0;
    aw_ = 0;
    next_.kind = EntryKind::Root;
    next_.addr = rtaddr + 16 * req.rid.bus();
    next_.rid = Rid::from(req.rid.bus(), 0, 0);
    next_.level = 0;
    next_.pasid = 0;
  }
  // The same as a new LegacyWalker(cfg) started on `req`.
  void restart(const WalkerConfig& cfg, const DmaRequest& req, Addr rtaddr) {
    cfg_ = cfg;
    start(req, rtaddr);
  }
  bool done() const { return stage_ == Stage::Done; }
  // The entry to fetch next (valid while !done()).
  const EntryId& next_entry() const { return next_; }
  // Hand over the fetched value of next_entry().
  void on_entry(const EntryBits& value);
  const TranslationResult& result() const { return result_; }

  // The context entry `ctx` as this configuration decodes it.
  static LegacyContext decode_context(const WalkerConfig& cfg, const EntryBits& ctx);
  // Short cuts the caches take. A context-cache hit: continue as if the root
  // and context entries had been fetched and the context entry held `ctx`
  // (decode_context of it, with this walker's configuration).
  void resume_at_context(const LegacyContext& ctx);
  // True before the first paging entry is fetched: the IOTLB may answer.
  bool at_page_walk_start() const { return stage_ == Stage::Pte && level_ == top_level_; }
  u16 did() const { return result_.did; }
  void complete_from_iotlb(Addr pa, bool read, bool write, unsigned page_shift);

 private:
  enum class Stage { Root, Context, Pte, Done };
  void fault(u8 reason);

  WalkerConfig cfg_;
  // What the walk needs of its request.
  Addr iova_ = 0;
  Rid rid_;
  bool write_ = false;
  Stage stage_ = Stage::Done;
  EntryId next_;
  unsigned level_ = 0;
  unsigned top_level_ = 0;
  u64 aw_ = 0;
  TranslationResult result_;
};

}  // namespace vtd
