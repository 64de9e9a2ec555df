#include "checkers/happens_before.hpp"

#include <algorithm>
#include <map>

namespace vtd {

void HappensBefore::build(const SyncLog& log, const std::vector<StoreEvent>& history) {
  ncpus_ = 0;
  acquires_.clear();
  prefix_.clear();
  state_.clear();
  for (const SyncLog::Load& l : log.loads()) ncpus_ = std::max<std::size_t>(ncpus_, l.reader.cpu + 1u);
  for (const StoreEvent& s : history)
    if (is_cpu_op(s.writer)) ncpus_ = std::max<std::size_t>(ncpus_, s.writer.cpu + 1u);
  none_.assign(ncpus_, 0);
  acquires_.resize(ncpus_);
  if (ncpus_ < 2) return;  // one CPU: program order is all there is

  // The stores to each word a load read, in seq order.
  std::map<Addr, std::vector<const StoreEvent*>> stores;
  for (const SyncLog::Load& l : log.loads()) stores[l.addr];
  for (const StoreEvent& s : history)
    for (unsigned k = 0; k < s.words; ++k)
      if (auto it = stores.find(s.addr + 8 * k); it != stores.end()) it->second.push_back(&s);
  // A wait's status write stands for the doorbell that published the wait.
  std::map<u64, Writer> status_of;
  for (const SyncLog::Descriptor& d : log.descriptors())
    if (d.status_store && d.doorbell) status_of[*d.status_store] = *d.doorbell;

  for (const SyncLog::Load& l : log.loads()) {
    if (!is_cpu_op(l.reader)) continue;
    const auto& list = stores[l.addr];
    // The store it read from: the latest to the word below its version.
    auto it = std::lower_bound(list.begin(), list.end(), l.version,
                               [](const StoreEvent* s, u64 v) { return s->seq < v; });
    if (it == list.begin()) continue;
    const StoreEvent& from = **(it - 1);
    Writer src = from.writer;
    if (!is_cpu_op(src)) {
      auto st = status_of.find(from.seq);
      if (st == status_of.end()) continue;
      src = st->second;
    }
    if (src.cpu == l.reader.cpu || src.cpu >= ncpus_) continue;
    acquires_[l.reader.cpu].push_back(Acquire{l.reader.op, src});
  }
  for (auto& a : acquires_)
    std::stable_sort(a.begin(), a.end(), [](const Acquire& x, const Acquire& y) { return x.op < y.op; });
  prefix_.resize(ncpus_);
  state_.resize(ncpus_);
  for (std::size_t c = 0; c < ncpus_; ++c) {
    prefix_[c].assign(acquires_[c].size(), Clock{});
    state_[c].assign(acquires_[c].size(), 0);
  }
}

const HappensBefore::Clock& HappensBefore::prefix(u16 cpu, std::size_t k) const {
  if (state_[cpu][k] == 2) return prefix_[cpu][k];
  // A cycle cannot happen (a load reads only what was stored before it); if
  // the events ever claimed one, the edge closing it is dropped.
  if (state_[cpu][k] == 1) return none_;
  state_[cpu][k] = 1;
  Clock c = k > 0 ? prefix(cpu, k - 1) : none_;
  const Writer& from = acquires_[cpu][k].from;
  const Clock& src = clock_before(from.cpu, from.op);
  for (std::size_t x = 0; x < ncpus_; ++x) c[x] = std::max(c[x], src[x]);
  c[from.cpu] = std::max<u64>(c[from.cpu], u64{from.op} + 1);
  prefix_[cpu][k] = std::move(c);
  state_[cpu][k] = 2;
  return prefix_[cpu][k];
}

const HappensBefore::Clock& HappensBefore::clock_before(u16 cpu, u32 op) const {
  if (cpu >= ncpus_) return none_;
  const auto& a = acquires_[cpu];
  // Acquires at or before `op` (a load at `op` itself is ordered after what it read).
  const auto it = std::upper_bound(a.begin(), a.end(), op, [](u32 o, const Acquire& x) { return o < x.op; });
  if (it == a.begin()) return none_;
  return prefix(cpu, static_cast<std::size_t>(it - a.begin()) - 1);
}

bool HappensBefore::ordered(const Writer& a, const Writer& b) const {
  if (!is_cpu_op(a) || !is_cpu_op(b)) return false;
  if (a.cpu == b.cpu) return a.op < b.op;
  const Clock& c = clock_before(b.cpu, b.op);
  return a.cpu < c.size() && c[a.cpu] > a.op;
}

}  // namespace vtd
