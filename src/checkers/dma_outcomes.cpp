#include "checkers/dma_outcomes.hpp"

#include <algorithm>

namespace vtd {

namespace {

// Alike but for request number, arrival and completion.
bool alike(const DmaEvent& a, const DmaEvent& b) {
  return a.rid == b.rid && a.iova == b.iova && a.write == b.write && a.fault == b.fault &&
         a.fault_reason == b.fault_reason && a.fault_recorded == b.fault_recorded && a.pa == b.pa &&
         a.pasid == b.pasid && a.has_pasid == b.has_pasid && a.did == b.did && a.iotlb_hit == b.iotlb_hit &&
         a.copies == b.copies;
}

}  // namespace

void DmaLog::push_back(const DmaEvent& e) {
  ++size_;
  if (!runs_.empty()) {
    Run& r = runs_.back();
    if (alike(r.first, e)) {
      const u64 k = r.n - 1;  // the last request's, without copying its copies
      const u64 dr = e.request - (r.first.request + k * r.request);
      const u64 da = e.arrived - (r.first.arrived + k * r.arrived);
      const u64 dd = e.done - (r.first.done + k * r.done);
      if (r.n == 1) {
        r.request = dr;
        r.arrived = da;
        r.done = dd;
      }
      if (dr == r.request && da == r.arrived && dd == r.done) {
        ++r.n;
        return;
      }
    }
  }
  runs_.push_back(Run{e});
}

void DmaOutcomes::reset() {
  superseded_.clear();
  outcomes_.clear();
  last_key_ = Key{};
  last_seen_ = nullptr;
  looked_ = {};
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

const EntryHistory::Entry* DmaOutcomes::entry(EntryKind kind, Addr addr) {
  for (const Looked& l : looked_)
    if (l.addr == addr && l.kind == kind) return l.entry;
  looked_[1] = looked_[0];
  looked_[0] = Looked{addr, kind, h_.find(kind, addr)};
  return looked_[0].entry;
}

[[gnu::noinline]] void DmaOutcomes::check_copies(const DmaEvent& e) {
  for (const DmaEvent::CopyUsed& c : e.copies) {
    if (!c.source.nbursts || (coherent_ && !c.from_cache)) continue;
    const EntryHistory::Entry* en = entry(c.kind, c.entry);
    if (!en || en->stores.empty()) continue;
    u64 vmin = ~u64{0};
    for (unsigned i = 0; i < c.source.nbursts; ++i) vmin = std::min(vmin, c.source.versions[i]);
    if (en->stores.back().seq < vmin) continue;  // every burst saw every store so far
    // The latest store to the entry visible when the request arrived (stores
    // are in visibility order): a burst of the copy did not see it.
    const auto after = std::upper_bound(en->stores.begin(), en->stores.end(), e.arrived,
                                        [](Cycle t, const StoreEvent& s) { return t < s.cycle; });
    if (after != en->stores.begin() && (after - 1)->seq >= vmin) {
      superseded_.push_back(e);
      return;
    }
  }
}

}  // namespace vtd
