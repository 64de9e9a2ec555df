#include "memory/physical_memory.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <stdexcept>

#include "base/cycle_math.hpp"

namespace vtd {

PhysicalMemory::~PhysicalMemory() = default;

auto PhysicalMemory::page_slot(u64 pn) const
    -> std::vector<std::pair<u64, std::unique_ptr<Page>>>::const_iterator {
  return std::lower_bound(pages_.begin(), pages_.end(), pn,
                          [](const std::pair<u64, std::unique_ptr<Page>>& p, u64 n) { return p.first < n; });
}

// Stores and pokes: from the hints too.
u64* PhysicalMemory::word_ptr(Addr addr) {
  const u64 pn = addr >> 12;
  const PageHint& h = hints_[pn % kHints];
  Page* page = h.pn == pn ? h.page : page_for(pn);
  return &(*page)[(addr & 0xfff) >> 3];
}

PhysicalMemory::Page* PhysicalMemory::page_for(u64 pn) {
  auto it = page_slot(pn);
  Page* page;
  if (it != pages_.end() && it->first == pn) {
    page = it->second.get();
  } else {
    std::unique_ptr<Page> p;
    if (spare_.empty()) {
      p = std::make_unique<Page>();
    } else {
      p = std::move(spare_.back());
      spare_.pop_back();
    }
    p->fill(0);
    page = p.get();
    pages_.emplace(pages_.begin() + (it - pages_.begin()), pn, std::move(p));
  }
  hints_[pn % kHints] = PageHint{pn, page};
  return page;
}

const PhysicalMemory::Page* PhysicalMemory::find_other_page(u64 pn) const {
  auto it = page_slot(pn);
  if (it == pages_.end() || it->first != pn) return nullptr;
  hints_[pn % kHints] = PageHint{pn, it->second.get()};
  return it->second.get();
}

const u64* PhysicalMemory::find_word(Addr addr) const {
  const Page* page = find_page(addr >> 12);
  return page ? &(*page)[(addr & 0xfff) >> 3] : nullptr;
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
  update_due();
}

Cycle PhysicalMemory::next_eviction() const {
  Cycle t = ~Cycle{0};
  if (evict_after_ == 0) return t;
  for (const auto& [line, d] : dram_lines_) t = std::min(t, sat_add(d.dirtied, evict_after_));
  return t;
}

void PhysicalMemory::apply_due(Cycle now) {
  // Stores and evictions in time order; stores first within a cycle.
  for (;;) {
    const Cycle ts = pending_.empty() ? ~Cycle{0} : pending_.front().visible_at;
    const Cycle te = next_eviction();
    if (ts <= now && ts <= te) {
      PendingStore s = pending_.front();
      pending_.pop_front();
      apply(s);
    } else if (te <= now) {
      for (auto it = dram_lines_.begin(); it != dram_lines_.end(); ++it)
        if (sat_add(it->second.dirtied, evict_after_) == te) {
          writeback(it->first, te, true);
          break;
        }
    } else {
      break;
    }
  }
  update_due();
}

void PhysicalMemory::mark_dirty(Addr addr, u64 seq, Cycle cycle) {
  if (!cpu_cache_) return;
  const Addr line = addr & ~Addr{63};
  if (dram_lines_.count(line)) return;
  DramLine d;
  for (unsigned i = 0; i < 8; ++i) d.data[i] = peek64(line + 8 * i);
  d.version = seq;
  d.dirtied = cycle;
  dram_lines_.emplace(line, d);
  update_due();
}

void PhysicalMemory::writeback(Addr line, Cycle now, bool eviction, Writer by) {
  if (dram_lines_.erase(line) == 0) return;
  update_due();
  if (bus_) bus_->publish(WritebackEvent{now, line, history_.size(), eviction, by});
}

void PhysicalMemory::flush_line(Addr addr, Cycle now, Writer by) {
  advance_to(now);
  writeback(addr & ~Addr{63}, now, false, by);
}

void PhysicalMemory::record(StoreEvent& ev) {
  ev.seq = version_++;
  history_.push_back(ev);
  if (bus_) bus_->publish(history_.back());
}

void PhysicalMemory::device_write32(Writer w, Addr addr, u32 value, Cycle now) {
  if (addr & 3) throw std::invalid_argument("unaligned 32-bit write at " + hex(addr));
  advance_to(now);
  const Addr word = addr & ~Addr{7};
  const unsigned shift = (addr & 4) ? 32 : 0;
  StoreEvent ev;
  ev.cycle = now;
  ev.writer = w;
  ev.addr = word;
  u64* p = word_ptr(word);
  ev.old_val[0] = *p;
  *p = (*p & ~(0xffffffffull << shift)) | (u64{value} << shift);
  ev.new_val[0] = *p;
  auto it = dram_lines_.find(word & ~Addr{63});
  if (it != dram_lines_.end()) {
    u64& d = it->second.data[(word & 63) >> 3];
    d = (d & ~(0xffffffffull << shift)) | (u64{value} << shift);
  }
  record(ev);
}

bool PhysicalMemory::compare_and_store(Writer w, Addr addr, u64 expected, u64 desired, Cycle now) {
  if (addr & 7) throw std::invalid_argument("unaligned compare-and-store at " + hex(addr));
  advance_to(now);
  u64* p = word_ptr(addr);
  if (*p != expected) return false;
  StoreEvent ev;
  ev.cycle = now;
  ev.writer = w;
  ev.addr = addr;
  ev.old_val[0] = *p;
  *p = desired;
  ev.new_val[0] = desired;
  mark_dirty(addr, history_.size(), now);
  record(ev);
  return true;
}

void PhysicalMemory::apply(const PendingStore& s) {
  mark_dirty(s.addr, history_.size(), s.visible_at);
  StoreEvent ev;
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
  record(ev);
}

void PhysicalMemory::unaligned_burst(Addr addr) {
  throw std::invalid_argument("unaligned burst at " + hex(addr));
}

Burst PhysicalMemory::read_burst_slow(Addr addr16, Cycle now, bool snoop) {
  if (addr16 & 15) unaligned_burst(addr16);
  advance_to(now);
  if (!snoop && !dram_lines_.empty()) return read_dram_burst(addr16, now);
  Burst b;
  b.cycle = now;
  b.addr = addr16;
  if (const Page* page = find_page(addr16 >> 12)) {
    const unsigned i = (addr16 & 0xfff) >> 3;
    b.data = {(*page)[i], (*page)[i + 1]};
  }
  b.version = version();
  return b;
}

// A non-snooping burst while some lines are dirty in a CPU cache: DRAM's copy
// of a dirty line, with the version DRAM holds for it.
Burst PhysicalMemory::read_dram_burst(Addr addr16, Cycle now) {
  auto it = dram_lines_.find(addr16 & ~Addr{63});
  if (it == dram_lines_.end()) return read_burst(addr16, now, true);
  Burst b;
  b.cycle = now;
  b.addr = addr16;
  const unsigned i = (addr16 & 63) >> 3;
  b.data = {it->second.data[i], it->second.data[i + 1]};
  b.version = it->second.version;
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
  for (auto& [pn, page] : pages_) spare_.push_back(std::move(page));
  pages_.clear();
  hints_ = {};
  clear_state();
}

void PhysicalMemory::clear_state() {
  dram_lines_.clear();
  pending_.clear();
  history_.clear();
  version_ = 0;
  update_due();
}

PhysicalMemory::Image PhysicalMemory::image() const {
  Image im;
  im.reserve(pages_.size());
  for (const auto& [pn, page] : pages_) im.emplace_back(pn, *page);
  return im;
}

void PhysicalMemory::reset(const Image& image) {
  // Usually memory holds the image's pages already (the last episode
  // started from it), and a few the episode stored to: copy the contents
  // into the former, drop the latter, allocate nothing.
  std::size_t j = 0;
  for (std::size_t i = 0; i < pages_.size() && j < image.size(); ++i)
    if (pages_[i].first == image[j].first) ++j;
  if (j != image.size()) {
    reset();
    for (const auto& [pn, contents] : image) *page_for(pn) = contents;
    return;
  }
  if (pages_.size() != image.size()) {
    hints_ = {};  // some point to pages about to go
    std::size_t kept = 0;
    j = 0;
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      if (j < image.size() && pages_[i].first == image[j].first) {
        pages_[kept++] = std::move(pages_[i]);
        ++j;
      } else {
        spare_.push_back(std::move(pages_[i].second));
      }
    }
    pages_.resize(kept);
  }
  clear_state();  // the hints stay: the pages they point to do
  for (std::size_t i = 0; i < image.size(); ++i)
    std::memcpy(pages_[i].second->data(), image[i].second.data(), sizeof(Page));
}

}  // namespace vtd
