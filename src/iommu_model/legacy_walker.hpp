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
};

struct WalkerConfig {
  u8 sagaw_mask = 0b1100;  // bit n: AGAW code n supported
  bool pass_through = true;
};

class LegacyWalker {
 public:
  explicit LegacyWalker(const WalkerConfig& cfg) : cfg_(cfg) {}

  void start(const DmaRequest& req, Addr rtaddr);
  bool done() const { return stage_ == Stage::Done; }
  // The entry to fetch next (valid while !done()).
  const EntryId& next_entry() const { return next_; }
  // Hand over the fetched value of next_entry().
  void on_entry(const EntryBits& value);
  const TranslationResult& result() const { return result_; }

 private:
  enum class Stage { Root, Context, Pte, Done };
  void fault(u8 reason);

  WalkerConfig cfg_;
  DmaRequest req_;
  Stage stage_ = Stage::Done;
  EntryId next_;
  unsigned level_ = 0;
  u64 aw_ = 0;
  TranslationResult result_;
};

}  // namespace vtd
