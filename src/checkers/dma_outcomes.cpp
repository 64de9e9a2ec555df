#include "checkers/dma_outcomes.hpp"

namespace vtd {

void DmaOutcomes::reset() {
  superseded_.clear();
  outcomes_.clear();
  last_key_ = Key{};
  last_seen_ = nullptr;
}

void DmaOutcomes::on_dma(const DmaEvent& e) {
  if (!e.fault) {
    const long long pasid = e.has_pasid ? static_cast<long long>(e.pasid) : -1LL;
    // A stream repeats its outcome: the last one is usually it again
    // (compared field by field, without building a key).
    const auto& [rid, kpasid, iova, write, pa] = last_key_;
    if (!last_seen_ || rid != e.rid.value || kpasid != pasid || iova != e.iova || write != e.write ||
        pa != e.pa)
      switch_outcome(e, pasid);
    ++last_seen_->count;
  }
  // Until software stores to a watched entry no copy can be superseded.
  if (!e.copies.empty() && h_.stored()) check_copies(e);
}

// Out of line: the map lookup would widen on_dma's frame.
[[gnu::noinline]] void DmaOutcomes::switch_outcome(const DmaEvent& e, long long pasid) {
  last_key_ = Key{e.rid.value, pasid, e.iova, e.write, e.pa};
  last_seen_ = &outcomes_[last_key_];
  if (last_seen_->count == 0) last_seen_->first = e;  // a new outcome comes through here first
}

[[gnu::noinline]] void DmaOutcomes::check_copies(const DmaEvent& e) {
  for (const DmaEvent::CopyUsed& c : e.copies) {
    const EntryHistory::Entry* entry = h_.find(c.kind, c.entry);
    if (!entry || entry->stores.empty()) continue;
    // Some burst of the copy did not see the entry's latest store.
    u64 vmin = ~u64{0};
    for (unsigned i = 0; i < c.source.nbursts; ++i) vmin = std::min(vmin, c.source.versions[i]);
    if (c.source.nbursts && entry->stores.back().seq >= vmin) {
      superseded_.push_back(e);
      return;
    }
  }
}

}  // namespace vtd
