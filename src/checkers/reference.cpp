#include "checkers/reference.hpp"

#include <algorithm>

#include "iommu_model/legacy_walker.hpp"
#include "iommu_model/scalable_walker.hpp"

namespace vtd {

ReferenceTranslator::ReferenceTranslator(const PhysicalMemory& mem, const IommuConfig& cfg, Addr rtaddr)
    : mem_(mem), cfg_(cfg), rtaddr_(rtaddr) {}

void ReferenceTranslator::reset(const IommuConfig& cfg, Addr rtaddr) {
  if (cfg.mode != cfg_.mode || cfg.sagaw != cfg_.sagaw || cfg.pass_through != cfg_.pass_through ||
      cfg.fl5lp != cfg_.fl5lp || rtaddr != rtaddr_)
    initial_.clear();
  cfg_ = cfg;
  rtaddr_ = rtaddr;
  memo_.clear();
  words_.clear();
  indexed_ = 0;
}

u64 ReferenceTranslator::version_at(Cycle cycle) const {
  const auto& h = mem_.history();
  auto it =
      std::upper_bound(h.begin(), h.end(), cycle, [](Cycle c, const StoreEvent& s) { return c < s.cycle; });
  return static_cast<u64>(it - h.begin());
}

u64 ReferenceTranslator::word_at(Addr addr, u64 version) {
  // What memory held at `version`: the old value of the earliest store to
  // the word at or after it, else what it holds now. Indexed once per
  // history length instead of scanning the history for every word.
  const auto& h = mem_.history();
  if (indexed_ != h.size()) {
    const auto mid = static_cast<std::ptrdiff_t>(words_.size());
    for (std::size_t i = indexed_; i < h.size(); ++i)
      for (unsigned k = 0; k < h[i].words; ++k) words_.push_back({h[i].addr + 8 * k, i, h[i].old_val[k]});
    std::sort(words_.begin() + mid, words_.end());
    std::inplace_merge(words_.begin(), words_.begin() + mid, words_.end());
    indexed_ = h.size();
  }
  const auto it = std::lower_bound(words_.begin(), words_.end(), Replaced{addr, version, 0});
  return it != words_.end() && it->addr == addr ? it->old : mem_.peek64(addr);
}

template <typename Walker>
void ReferenceTranslator::run(Walker& w, u64 version) {
  // Bounded: a walk never needs more than root, context, directory, PASID
  // entry and a nested 5x5-level walk.
  for (int steps = 0; !w.done() && steps < 64; ++steps) {
    const EntryId e = w.next_entry();
    const unsigned words = std::max(1u, format_of(e.kind).bits / 64);
    EntryBits v;
    for (unsigned i = 0; i < words; ++i) v.w[i] = word_at(e.addr + 8 * i, version);
    w.on_entry(v);
  }
}

ReferenceResult ReferenceTranslator::translate(Rid rid, std::optional<u32> pasid, Addr iova, bool write,
                                               u64 version) {
  const auto key =
      std::make_tuple(rid.value, pasid ? static_cast<long long>(*pasid) : -1LL, iova, write, version);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  const auto initial_key =
      std::make_tuple(rid.value, pasid ? static_cast<long long>(*pasid) : -1LL, iova, write);
  if (version == 0)
    if (auto it = initial_.find(initial_key); it != initial_.end()) return it->second;
  u8 sagaw = 0;
  for (unsigned aw : cfg_.sagaw) sagaw |= static_cast<u8>(1u << aw);
  const DmaRequest req{0, rid, iova, write, 0};
  ReferenceResult r;
  if (cfg_.mode == TranslationMode::Scalable) {
    ScalableWalker w(ScalableWalkerConfig{sagaw, cfg_.pass_through, cfg_.fl5lp});
    w.start(req, pasid, rtaddr_);
    run(w, version);
    r = {w.result().fault, w.result().reason, w.result().pa};
  } else {
    LegacyWalker w(WalkerConfig{sagaw, cfg_.pass_through});
    w.start(req, rtaddr_);
    run(w, version);
    r = {w.result().fault, w.result().reason, w.result().pa};
  }
  if (version == 0)
    initial_.emplace(initial_key, r);
  else
    memo_.emplace(key, r);
  return r;
}

}  // namespace vtd
