#include "memory/physical_memory.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace vtd {

u64* PhysicalMemory::word_ptr(Addr addr) {
  auto& page = pages_[addr >> 12];
  if (!page) page = std::make_unique<Page>(Page{});
  return &(*page)[(addr & 0xfff) >> 3];
}

const u64* PhysicalMemory::find_word(Addr addr) const {
  auto it = pages_.find(addr >> 12);
  if (it == pages_.end()) return nullptr;
  return &(*it->second)[(addr & 0xfff) >> 3];
}

void PhysicalMemory::poke64(Addr addr, u64 value) {
  if (addr & 7) throw std::invalid_argument("unaligned 64-bit poke at " + hex(addr));
  *word_ptr(addr) = value;
}

u64 PhysicalMemory::peek64(Addr addr) const {
  const u64* p = find_word(addr & ~Addr{7});
  return p ? *p : 0;
}

void PhysicalMemory::post(const PendingStore& s) {
  if (s.addr & (s.words == 2 ? 15 : 7)) throw std::invalid_argument("unaligned store at " + hex(s.addr));
  // Keep (visible_at, posting order): insert after every store due no later.
  auto it = std::upper_bound(pending_.begin(), pending_.end(), s.visible_at,
                             [](Cycle t, const PendingStore& p) { return t < p.visible_at; });
  pending_.insert(it, s);
}

void PhysicalMemory::advance_to(Cycle now) {
  while (!pending_.empty() && pending_.front().visible_at <= now) {
    PendingStore s = pending_.front();
    pending_.pop_front();
    apply(s);
  }
}

void PhysicalMemory::apply(const PendingStore& s) {
  StoreEvent ev;
  ev.seq = history_.size();
  ev.cycle = s.visible_at;
  ev.writer = s.writer;
  ev.addr = s.addr;
  ev.words = s.words;
  for (unsigned i = 0; i < s.words; ++i) {
    u64* w = word_ptr(s.addr + 8 * i);
    ev.old_val[i] = *w;
    *w = (*w & ~s.clear[i]) | s.set[i];
    ev.new_val[i] = *w;
  }
  history_.push_back(ev);
  if (bus_) bus_->publish(history_.back());
}

Burst PhysicalMemory::read_burst(Addr addr16, Cycle now) {
  if (addr16 & 15) throw std::invalid_argument("unaligned burst at " + hex(addr16));
  advance_to(now);
  Burst b;
  b.cycle = now;
  b.addr = addr16;
  b.data = {peek64(addr16), peek64(addr16 + 8)};
  b.version = version();
  return b;
}

u64 PhysicalMemory::value_at(Addr addr, u64 version) const {
  u64 v = peek64(addr);
  for (std::size_t i = history_.size(); i-- > version;) {
    const StoreEvent& s = history_[i];
    for (unsigned k = 0; k < s.words; ++k)
      if (s.addr + 8 * k == addr) v = s.old_val[k];
  }
  return v;
}

void PhysicalMemory::reset() {
  pages_.clear();
  pending_.clear();
  history_.clear();
}

}  // namespace vtd
