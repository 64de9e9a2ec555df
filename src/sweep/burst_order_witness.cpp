#include "sweep/burst_order_witness.hpp"

#include <algorithm>

#include "scenario/scenario.hpp"

namespace vtd {

void BurstOrderWitness::on_start(const EpisodeStart& s) { reset(s.scenario.platform.iommu.coherent); }

void BurstOrderWitness::reset(bool coherent_walks) {
  changes_.clear();
  matters_ = !coherent_walks;
}

void BurstOrderWitness::on_store(const StoreEvent& e) {
  // Only the words the store changed: one that writes what memory held changes no chunk.
  Addr lo = ~Addr{0}, hi = 0;
  for (unsigned k = 0; k < e.words && k < e.old_val.size(); ++k)
    if (e.old_val[k] != e.new_val[k]) {
      lo = std::min(lo, e.addr + 8 * k);
      hi = std::max(hi, e.addr + 8 * (k + 1));
    }
  if (lo < hi) changes_.push_back(Change{e.seq, lo, hi});
}

void BurstOrderWitness::on_fetch(const FetchEvent& e) {
  if (matters_ || e.nbursts < 2) return;
  u64 lo = e.bursts[0].version, hi = lo;
  for (unsigned b = 1; b < e.nbursts; ++b) {
    lo = std::min(lo, e.bursts[b].version);
    hi = std::max(hi, e.bursts[b].version);
  }
  if (lo == hi) return;  // no store at all between its bursts
  // The entry's bursts are its aligned 16-byte chunks from its address.
  const Addr first = e.entry.addr, last = e.entry.addr + 16 * e.nbursts;
  auto it = std::lower_bound(changes_.begin(), changes_.end(), lo,
                             [](const Change& c, u64 seq) { return c.seq < seq; });
  for (; it != changes_.end() && it->seq < hi; ++it)
    if (it->lo < last && first < it->hi) {
      matters_ = true;
      return;
    }
}

}  // namespace vtd
