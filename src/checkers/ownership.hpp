// present_before_invalidate: the ownership handshake of VT-d spec 6.5.3.3
// (vtd-facts §7.10). Once software clears P of an entry, hardware may still
// hold the old present copy until invalidations covering that entry have
// completed; software may change the rest of the entry, or reuse it, only
// after that. Each store that changes any other bit (or sets P again) too
// early is a violation.
#pragma once

#include <functional>
#include <optional>

#include "checkers/entry_history.hpp"

namespace vtd {

// Completed invalidation descriptors and cache fills, from the event stream.
class QiLog : public Observer {
 public:
  struct Done {
    Cycle fetched = 0;
    Cycle completed = 0;
    std::array<u64, 4> qw{};
  };
  // Keeps cache changes only (Fill): lookups are not delivered; none at all
  // without keep_fills (only a finding's `cached` copy reads them).
  Interests interests() const override {
    return overridden<QiLog>() & ~interest(Topic::CacheLookup) &
           (fills_kept_ ? kAllTopics : ~interest(Topic::CacheChange));
  }
  // Before subscribing: whether to keep cache fills (last_fill).
  void keep_fills(bool keep) { fills_kept_ = keep; }
  // As newly made, for a new episode (storage kept).
  void reset() {
    coherent_ = fills_kept_ = true;
    writebacks_.clear();
    fetched_.clear();
    done_.clear();
    fills_.clear();
  }
  void on_descriptor(const DescriptorEvent& e) override;
  void on_cache(const CacheEvent& e) override;
  void on_writeback(const WritebackEvent& e) override { writebacks_.push_back(e); }
  // When the store `seq` to the line holding `addr` reached DRAM (the store's
  // own cycle when walks are coherent; never: nullopt).
  std::optional<Cycle> in_dram(Addr addr, u64 seq, Cycle store_cycle) const;
  void set_coherent(bool c) { coherent_ = c; }
  const std::vector<Done>& completed() const { return done_; }
  // The last fill of a copy of the entry at `addr` at or before `cycle`.
  std::optional<DmaEvent::CopyUsed> last_fill(Addr addr, EntryKind kind, Cycle cycle) const;

 private:
  bool coherent_ = true;
  bool fills_kept_ = true;
  std::vector<WritebackEvent> writebacks_;
  std::map<unsigned, Cycle> fetched_;  // slot -> fetch cycle of the descriptor in it
  std::vector<Done> done_;
  struct Fill {
    Cycle cycle;
    EntryBits value;
    Provenance source;
  };
  std::map<Addr, std::vector<Fill>> fills_;
};

void check_ownership(const EntryHistory& h, const QiLog& qi, Findings& out);

}  // namespace vtd
